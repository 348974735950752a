"""Consultations: building them, answering them (drafts, checks, submission), analysing the
answers, exporting them and publishing what the council did."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterator

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.consultations import answers as answer_rules
from app.consultations import equality
from app.consultations.models import (Answer, AnswerTheme, Channel, Consultation, ConsultationPage, EqualityCount,
                                      Question, QuestionKind, Response, ResponseMode, Theme, consultation_wards)
from app.core import audit
from app.core.models import User, WardPostcode, utcnow
from app.extensions import db

CHOICE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING, QuestionKind.BUDGET}
TEXT_KINDS = {QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT}


# --- Lists ------------------------------------------------------------------------------------

def public_query(council_id: int, state: str, ward_id: int | None, today: date) -> Select:
    query = select(Consultation).where(Consultation.council_id == council_id, Consultation.published.is_(True))
    if state == "open":
        query = query.where(Consultation.opens_on <= today, Consultation.closes_on >= today)
    elif state == "closed":
        query = query.where(Consultation.closes_on < today, Consultation.outcome_published_at.is_(None))
    elif state == "outcome":
        query = query.where(Consultation.outcome_published_at.isnot(None))
    elif state == "upcoming":
        query = query.where(Consultation.opens_on > today)
    if ward_id:
        # A ward's consultations are its own and the council-wide ones (those with no wards).
        has_wards = select(consultation_wards.c.consultation_id)
        mine = select(consultation_wards.c.consultation_id).where(consultation_wards.c.ward_id == ward_id)
        query = query.where(or_(Consultation.id.in_(mine), Consultation.id.not_in(has_wards)))
    return query.order_by(Consultation.closes_on.desc(), Consultation.id.desc())


# --- Building ---------------------------------------------------------------------------------

def parse_options(text: str) -> list[dict]:
    """One option per line, "English | Welsh" (the Welsh part optional)."""
    options = []
    for number, line in enumerate((line.strip() for line in (text or "").splitlines() if line.strip()), 1):
        en, _sep, cy = line.partition("|")
        options.append({"key": f"o{number}", "en": en.strip(), "cy": cy.strip()})
    return options


def add_page(consultation: Consultation, title: dict, show_if_question_id: int | None,
             show_if_option: str | None) -> ConsultationPage:
    page = ConsultationPage(consultation_id=consultation.id, position=len(consultation.pages) + 1, title=title,
                            show_if_question_id=show_if_question_id, show_if_option=show_if_option or None)
    db.session.add(page)
    db.session.commit()
    return page


def add_question(page: ConsultationPage, *, kind: QuestionKind, text: dict, hint: dict, required: bool,
                 options: list[dict], budget_total: int | None) -> Question:
    question = Question(page_id=page.id, position=len(page.questions) + 1, kind=kind, text=text, hint=hint,
                        required=required, options=options if kind in CHOICE_KINDS else [],
                        budget_total=budget_total if kind == QuestionKind.BUDGET else None)
    db.session.add(question)
    db.session.commit()
    return question


def move_question(question: Question, direction: str) -> None:
    siblings = list(question.page.questions)
    i = siblings.index(question)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(siblings):
        siblings[i].position, siblings[j].position = siblings[j].position, siblings[i].position
        db.session.commit()


def has_responses(consultation: Consultation) -> bool:
    """Submitted answers lock the questions; drafts (a staff preview, say) do not."""
    return submitted_count(consultation.id) > 0


def questions_of(consultation: Consultation) -> list[Question]:
    return [q for page in consultation.pages for q in page.questions]


def choice_questions_before(consultation: Consultation, page: ConsultationPage | None = None) -> list[Question]:
    """Questions a later page's condition can name: single and multiple choice on earlier pages."""
    result = []
    for p in consultation.pages:
        if page is not None and p.position >= page.position:
            break
        result += [q for q in p.questions if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)]
    return result


# --- Answering --------------------------------------------------------------------------------

def find_draft(consultation: Consultation, user: User | None, token: str | None) -> Response | None:
    query = select(Response).where(Response.consultation_id == consultation.id, Response.submitted_at.is_(None))
    if token:
        draft = db.session.scalar(query.where(Response.draft_token == token))
        if draft is not None and draft.user_id is not None and (user is None or draft.user_id != user.id):
            return None  # a token never opens someone else's draft
        return draft
    if user is not None and consultation.mode == ResponseMode.SIGNED_IN:
        return db.session.scalar(query.where(Response.user_id == user.id, Response.keyed_by_id.is_(None)))
    return None


def submitted_by(consultation: Consultation, user: User | None) -> Response | None:
    if user is None or consultation.mode != ResponseMode.SIGNED_IN:
        return None
    return db.session.scalar(select(Response).where(Response.consultation_id == consultation.id,
                                                    Response.user_id == user.id, Response.submitted_at.isnot(None)))


def start_draft(consultation: Consultation, user: User | None, *, channel: Channel = Channel.ONLINE,
                keyed_by: User | None = None) -> Response:
    """A new draft. Signed-in consultations remember the person; anonymous ones and keyed-in
    paper forms only a random token (kept in the session), never who or where from."""
    anonymous = consultation.mode == ResponseMode.ANONYMOUS or keyed_by is not None
    user_id = None if anonymous else user.id
    draft = Response(consultation_id=consultation.id, user_id=user_id,
                     draft_token=secrets.token_urlsafe(24), channel=channel,
                     keyed_by_id=keyed_by.id if keyed_by else None)
    db.session.add(draft)
    try:
        db.session.commit()
    except IntegrityError:
        # The same person clicked twice: one response each, so the first draft stands.
        db.session.rollback()
        return db.session.scalar(select(Response).where(Response.consultation_id == consultation.id,
                                                        Response.user_id == user_id))
    return draft


def answer_map(response: Response) -> dict[int, Answer]:
    return {a.question_id: a for a in response.answers}


def wards_for_postcode(council_id: int):
    from app.core.models import Ward

    def lookup(postcode: str) -> list[int]:
        return list(db.session.scalars(select(WardPostcode.ward_id).join(Ward, Ward.id == WardPostcode.ward_id)
                                       .where(WardPostcode.postcode == postcode, Ward.council_id == council_id)
                                       .order_by(WardPostcode.ward_id)))
    return lookup


def save_page(response: Response, page: ConsultationPage, form, *, saving_for_later: bool = False
              ) -> dict[int, object]:
    """Save every valid answer on the page; return {question id: error message}.

    A wrong answer is not saved (the page shows it back as typed, from the form): what is stored
    is always valid, so submitting only has to check for required questions."""
    consultation_council = page.consultation.council_id
    existing = answer_map(response)
    errors: dict[int, object] = {}
    for question in page.questions:
        parsed = answer_rules.parse(question, form, wards_for_postcode=wards_for_postcode(consultation_council),
                                    required=question.required and not saving_for_later)
        if parsed.error is not None:
            errors[question.id] = parsed.error
            continue
        answer = existing.get(question.id)
        if parsed.empty:
            if answer is not None:
                db.session.delete(answer)
            if question.kind == QuestionKind.POSTCODE:
                response.ward_id = None
            continue
        if answer is None:
            answer = Answer(response_id=response.id, question_id=question.id)
            db.session.add(answer)
        answer.text, answer.data = parsed.text, parsed.data
        if question.kind == QuestionKind.POSTCODE:
            response.ward_id = parsed.ward_id
    response.updated_at = utcnow()
    db.session.commit()
    return errors


def set_ranking_order(response: Response, question: Question, order: list[str]) -> None:
    """The no-JS move up/down buttons: store the places the new order gives."""
    answer = answer_map(response).get(question.id)
    if answer is None:
        answer = Answer(response_id=response.id, question_id=question.id)
        db.session.add(answer)
    answer.text, answer.data = None, order
    db.session.commit()


def ranking_order(question: Question, answer: Answer | None) -> list[str]:
    keys = answer_rules.keys_of(question)
    if answer is not None and isinstance(answer.data, list) and sorted(answer.data) == sorted(keys):
        return list(answer.data)
    return keys


def save_equality(response: Response, form) -> None:
    response.equality_draft = equality.clean(form)
    db.session.commit()


def visible_pages(consultation: Consultation, response: Response | None) -> list[ConsultationPage]:
    """The pages this person sees, in order. A condition counts only answers on pages already
    found visible: an answer left on a page that is now hidden shows nothing further."""
    answers = answer_map(response) if response else {}
    counted: set[int] = set()

    def answer_of(question_id: int):
        a = answers.get(question_id) if question_id in counted else None
        return (a.text, a.data) if a else None
    visible = []
    for page in consultation.pages:
        if answer_rules.page_visible(page, answer_of):
            visible.append(page)
            counted.update(q.id for q in page.questions)
    return visible


def problems_before_submit(consultation: Consultation, response: Response) -> list[tuple[ConsultationPage, Question]]:
    """Required questions left unanswered on the pages this person sees (stored answers are valid)."""
    answers = answer_map(response)
    return [(page, question) for page in visible_pages(consultation, response) for question in page.questions
            if question.required and question.id not in answers]


def _new_reference(consultation_id: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on the phone
    return f"C{consultation_id}-" + "".join(secrets.choice(alphabet) for _ in range(6))


class AlreadySubmitted(Exception):
    pass


def submit(response: Response, *, wants_outcome: bool) -> str:
    """Send the draft, once: a conditional update claims it, so a double click or a second tab
    cannot send it twice. Returns the reference number.

    Equality answers only add to counts. An anonymous response keeps the day it was sent, not
    the moment, so it cannot be matched to a web server's log."""
    consultation_id, response_id = response.consultation_id, response.id
    equality_answers = dict(response.equality_draft or {})
    anonymous = response.user_id is None
    now = utcnow()
    sent_at = now.replace(hour=0, minute=0, second=0, microsecond=0) if anonymous else now
    reference = _new_reference(consultation_id)
    claimed = db.session.execute(
        update(Response).where(Response.id == response_id, Response.submitted_at.is_(None))
        .values(submitted_at=sent_at, reference=reference, draft_token=None, equality_draft=None,
                wants_outcome=wants_outcome and not anonymous,
                **({"created_at": sent_at, "updated_at": sent_at} if anonymous else {}))).rowcount
    if not claimed:
        db.session.rollback()
        raise AlreadySubmitted
    for key, value in equality_answers.items():
        bumped = db.session.execute(update(EqualityCount).where(
            EqualityCount.consultation_id == consultation_id, EqualityCount.field == key, EqualityCount.value == value)
            .values(count=EqualityCount.count + 1)).rowcount
        if not bumped:
            db.session.add(EqualityCount(consultation_id=consultation_id, field=key, value=value, count=1))
    db.session.commit()
    db.session.expire_all()
    return reference


def drop_answers_of_hidden_pages(consultation: Consultation, response: Response) -> None:
    """Answers on a page the person no longer sees (they changed the answer that showed it) are
    not theirs any more: drop them before submitting."""
    pages = visible_pages(consultation, response)
    shown = {q.id for p in pages for q in p.questions}
    for answer in list(response.answers):
        if answer.question_id not in shown:
            db.session.delete(answer)
    if not any(q.kind == QuestionKind.POSTCODE for p in pages for q in p.questions):
        response.ward_id = None
    db.session.commit()


# --- Analysis ---------------------------------------------------------------------------------

def submitted_count(consultation_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Response).where(
        Response.consultation_id == consultation_id, Response.submitted_at.isnot(None))) or 0


def tallies(consultation: Consultation) -> dict[int, answer_rules.Tally]:
    result = {}
    for question in questions_of(consultation):
        if question.kind in TEXT_KINDS:
            continue
        rows = db.session.execute(select(Answer.text, Answer.data, Response.ward_id)
                                  .join(Response, Response.id == Answer.response_id)
                                  .where(Answer.question_id == question.id, Response.submitted_at.isnot(None))
                                  .execution_options(yield_per=2000))
        result[question.id] = answer_rules.tally(question, rows)
    return result


def equality_report(consultation_id: int) -> dict[str, dict[str, int | None]]:
    counts: dict[str, dict[str, int]] = {key: {value: 0 for value, _l in options}
                                         for key, _label, options in equality.FIELDS}
    for field, value, n in db.session.execute(
            select(EqualityCount.field, EqualityCount.value, EqualityCount.count)
            .where(EqualityCount.consultation_id == consultation_id)):
        if field in counts and value in counts[field]:
            counts[field][value] = n
    return {field: answer_rules.suppress_small(values) for field, values in counts.items()}


def text_answers_query(question: Question, search: str = "", theme_id: int | None = None) -> Select:
    query = (select(Answer).join(Response, Response.id == Answer.response_id)
             .where(Answer.question_id == question.id, Response.submitted_at.isnot(None), Answer.text.isnot(None)))
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Answer.text.ilike(f"%{escaped}%", escape="\\"))
    if theme_id:
        query = query.where(Answer.id.in_(select(AnswerTheme.answer_id).where(AnswerTheme.theme_id == theme_id)))
    return query.order_by(Answer.id)


def themes_of(question: Question) -> list[tuple[Theme, int]]:
    counts = dict(db.session.execute(select(AnswerTheme.theme_id, func.count()).join(Theme, Theme.id == AnswerTheme.theme_id)
                                     .where(Theme.question_id == question.id).group_by(AnswerTheme.theme_id)).all())
    themes = db.session.scalars(select(Theme).where(Theme.question_id == question.id).order_by(Theme.name)).all()
    return [(t, counts.get(t.id, 0)) for t in themes]


def themes_by_answer(answer_ids: list[int]) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {}
    if answer_ids:
        for answer_id, theme_id in db.session.execute(select(AnswerTheme.answer_id, AnswerTheme.theme_id)
                                                      .where(AnswerTheme.answer_id.in_(answer_ids))):
            result.setdefault(answer_id, set()).add(theme_id)
    return result


def add_theme(question: Question, name: str) -> Theme:
    existing = db.session.scalar(select(Theme).where(Theme.question_id == question.id, Theme.name == name.strip()))
    if existing:
        return existing
    theme = Theme(question_id=question.id, name=name.strip())
    db.session.add(theme)
    db.session.commit()
    return theme


def tag(answer: Answer, theme_ids: set[int], question: Question) -> None:
    allowed = {t.id for t in db.session.scalars(select(Theme).where(Theme.question_id == question.id))}
    db.session.execute(delete(AnswerTheme).where(AnswerTheme.answer_id == answer.id))
    for theme_id in sorted(theme_ids & allowed):
        db.session.add(AnswerTheme(answer_id=answer.id, theme_id=theme_id))
    db.session.commit()


# --- Export -----------------------------------------------------------------------------------

def export_fields(consultation: Consultation, personal: bool) -> list[str]:
    fields = ["reference", "submitted_at", "channel", "ward"]
    if personal:
        fields += ["name", "email"]
    for question in questions_of(consultation):
        if question.kind == QuestionKind.POSTCODE and not personal:
            continue  # a full postcode nearly names a household: the ward is enough
        if question.kind in (QuestionKind.RANKING, QuestionKind.BUDGET, QuestionKind.MULTIPLE):
            fields += [f"q{question.id}_{o['key']}" for o in question.options]
        else:
            fields.append(f"q{question.id}")
    return fields


def export_rows(consultation: Consultation, personal: bool) -> Iterator[dict]:
    """One row per submitted response, streamed a chunk at a time with plain rows (no ORM
    objects), so memory stays flat and 50,000 responses go out quickly."""
    from app.core.models import Ward

    questions = {q.id: q for q in questions_of(consultation)}
    wards = dict(db.session.execute(select(Ward.id, Ward.name).where(Ward.council_id == consultation.council_id)).all())
    responses = (select(Response.id, Response.reference, Response.submitted_at, Response.channel, Response.ward_id,
                        Response.user_id)
                 .where(Response.consultation_id == consultation.id, Response.submitted_at.isnot(None))
                 .order_by(Response.id))
    chunk_size = 2000
    last_id = 0
    while True:
        chunk = db.session.execute(responses.where(Response.id > last_id).limit(chunk_size)).all()
        if not chunk:
            return
        ids = [r.id for r in chunk]
        by_response: dict[int, list] = {}
        for answer in db.session.execute(select(Answer.response_id, Answer.question_id, Answer.text, Answer.data)
                                         .where(Answer.response_id.in_(ids))):
            by_response.setdefault(answer.response_id, []).append(answer)
        people = {}
        if personal:
            user_ids = {r.user_id for r in chunk if r.user_id}
            people = {u.id: (u.display_name, u.email) for u in db.session.execute(
                select(User.id, User.display_name, User.email).where(User.id.in_(user_ids)))} if user_ids else {}
        for response in chunk:
            row = {"reference": response.reference, "submitted_at": response.submitted_at,
                   "channel": getattr(response.channel, "value", response.channel),
                   "ward": wards.get(response.ward_id, "")}
            if personal:
                row["name"], row["email"] = people.get(response.user_id, ("", ""))
            for answer in by_response.get(response.id, []):
                question = questions.get(answer.question_id)
                if question is not None and (personal or question.kind != QuestionKind.POSTCODE):
                    row.update(_answer_cells(question, answer))
            yield row
        last_id = chunk[-1].id


def _answer_cells(question: Question, answer) -> dict:
    name = f"q{question.id}"
    if question.kind == QuestionKind.MULTIPLE:
        chosen = set(answer.data or [])
        return {f"{name}_{o['key']}": o["key"] in chosen for o in question.options}
    if question.kind == QuestionKind.RANKING:
        order = answer.data if isinstance(answer.data, list) else []
        return {f"{name}_{key}": place for place, key in enumerate(order, 1)}
    if question.kind == QuestionKind.BUDGET:
        return {f"{name}_{key}": amount for key, amount in (answer.data or {}).items()}
    if question.kind == QuestionKind.RATING and answer.text:
        return {name: int(answer.text)}
    return {name: answer.text}


def record_personal_export(consultation: Consultation, actor: User) -> None:
    audit.record("consultations.exported_personal_details", obj=consultation, actor=actor,
                 details={"responses": submitted_count(consultation.id)})
    db.session.commit()


# --- Outcome ----------------------------------------------------------------------------------

def snapshot(consultation: Consultation) -> list[dict]:
    """The results as they stood at publication: the outcome page shows these, not live counts."""
    from app.core.models import Ward

    counted = tallies(consultation)
    wards = dict(db.session.execute(select(Ward.id, Ward.name).where(Ward.council_id == consultation.council_id)).all())
    result = []
    for question in questions_of(consultation):
        t = counted.get(question.id)
        if t is None:
            continue
        labels = {o["key"]: {"en": o["en"], "cy": o.get("cy", "")} for o in question.options}
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            rows = [(labels[k], t.counts.get(k, 0)) for k in labels]
        elif question.kind == QuestionKind.RATING:
            rows = [({"en": v, "cy": v}, t.counts.get(v, 0)) for v in answer_rules.RATING_VALUES]
        elif question.kind == QuestionKind.RANKING:
            rows = sorted([(labels[k], t.average_place.get(k, 0)) for k in labels], key=lambda r: r[1])
        elif question.kind == QuestionKind.BUDGET:
            rows = [(labels[k], t.average_amount.get(k, 0)) for k in labels]
        else:
            rows = [({"en": wards.get(w, ""), "cy": wards.get(w, "")}, n) for w, n in sorted(t.ward_counts.items())]
        result.append({"question_id": question.id, "text": question.text, "kind": question.kind.value,
                       "answered": t.answered, "rows": [[label, value] for label, value in rows]})
    return result


def publish_outcome(consultation: Consultation, actor: User, you_said: dict, we_did: dict) -> int:
    """Publish "we asked, you said, we did" and tell the respondents who asked to hear."""
    from app.consultations import notices

    first_time = consultation.outcome_published_at is None
    consultation.you_said, consultation.we_did = you_said, we_did
    consultation.outcome_results = snapshot(consultation)
    consultation.outcome_published_at = consultation.outcome_published_at or utcnow()
    audit.record("consultations.outcome_published", obj=consultation, actor=actor)
    db.session.commit()
    if not first_time:
        return 0
    people = list(db.session.scalars(select(User).join(Response, Response.user_id == User.id).where(
        Response.consultation_id == consultation.id, Response.submitted_at.isnot(None),
        Response.wants_outcome.is_(True))))
    notices.outcome_published(consultation, people)
    return len(people)


def answered_by(user: User, limit: int = 5) -> list[Consultation]:
    return list(db.session.scalars(select(Consultation).join(Response, Response.consultation_id == Consultation.id)
                                   .where(Response.user_id == user.id, Response.submitted_at.isnot(None),
                                          Consultation.published.is_(True))
                                   .order_by(Response.submitted_at.desc()).limit(limit)))
