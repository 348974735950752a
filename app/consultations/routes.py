from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Response as FlaskResponse
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.consultations import answers as answer_rules
from app.consultations import bp, equality, services
from app.consultations.forms import (KIND_LABELS, ConsultationForm, DocumentForm, ExportForm, KeyInForm, OutcomeForm,
                                     PageForm, ParagraphCommentForm, PhaseForm, QuestionForm, SubmitForm, ThemeForm)
from app.consultations.models import (Answer, Channel, Consultation, ConsultationDocument, ConsultationPage,
                                      DraftParagraph, ParagraphComment, Phase, PhaseKind, Question, QuestionKind,
                                      Response, ResponseMode)
from app.core.access import client_ip, public, signed_in, staff_only
from app.core.idempotency import idempotent
from app.core.bilingual import BilingualText
from app.core.datasets import export_response
from app.core.errors import render_error
from app.core.forms import choices
from app.core.models import Role, Ward
from app.core.publication import publication_open
from app.core.tenancy import current_council, get_scoped_or_404, scoped
from app.core.web import paginate, render_page
from app.extensions import db, limiter



def _answering_limit() -> str:
    return current_app.config["CONSULTATION_LIMIT"]


# Starting and sending are limited per address (counted in the rate-limit store, never saved with
# a response): a script cannot fill the database with drafts or send copies to strangers.
answering_limit = limiter.limit(_answering_limit, key_func=client_ip, methods=["POST"])
STATES = ("open", "closed", "outcome", "upcoming")


def _wards() -> list[Ward]:
    return db.session.scalars(scoped(Ward).order_by(Ward.name)).all()


def _consultation(consultation_id: int, *, staff_view: bool = False) -> Consultation:
    consultation = get_scoped_or_404(Consultation, consultation_id)
    if not consultation.published and not staff_view and not _is_staff():
        abort(404)  # a draft consultation is for staff only
    return consultation


def _question_or_404(question_id: int, kinds=None) -> Question:
    """A question of this council's consultations (of one of `kinds`, if given)."""
    question = db.session.get(Question, question_id)
    if question is None or question.page.consultation.council_id != current_council().id \
            or (kinds is not None and question.kind not in kinds):
        abort(404)
    return question


def _is_staff() -> bool:
    return current_user.is_authenticated and current_user.has_role(Role.STAFF, Role.ADMIN)


@bp.app_template_global()
def result_chart(summary: dict):
    from app.consultations.charts import summary_chart

    return summary_chart(summary)


@bp.app_template_global()
def question_kind_label(kind) -> str:
    return str(KIND_LABELS[QuestionKind(kind)])


# --- Public lists -----------------------------------------------------------------------------

@bp.get("/")
@public
def index():
    state = request.args.get("state", "open")
    state = state if state in STATES else "open"
    ward = request.args.get("ward", "")
    ward_id = int(ward) if ward.isdigit() else None
    page = paginate(services.public_query(current_council().id, state, ward_id, date.today()))
    return render_page("consultations/index.html", fragment="consultations/_list.html", target="consultation-list",
                       page=page, state=state, ward_id=ward_id, wards=_wards(), today=date.today())


@bp.get("/feed.atom")
@public
def feed():
    items = db.session.scalars(services.public_query(current_council().id, "all", None, date.today()).limit(50)).all()
    body = render_template("consultations/feed.xml", items=items, now=datetime.now(timezone.utc))
    return FlaskResponse(body, mimetype="application/atom+xml")


@bp.get("/<int:consultation_id>")
@public
def detail(consultation_id: int):
    c = _consultation(consultation_id)
    user = current_user if current_user.is_authenticated else None
    draft = _current_draft(c)
    return render_template("consultations/detail.html", c=c, draft=draft, today=date.today(),
                           answered=services.submitted_by(c, user), is_staff=_is_staff())


# --- Answering ----------------------------------------------------------------------------------

def _drafts() -> dict:
    return session.get("consultation_drafts", {})


def _remember_draft(c: Consultation, token: str) -> None:
    drafts = dict(_drafts())
    drafts[str(c.id)] = token
    session["consultation_drafts"] = drafts


def _forget_draft(c: Consultation) -> None:
    drafts = dict(_drafts())
    drafts.pop(str(c.id), None)
    session["consultation_drafts"] = drafts


def _current_draft(c: Consultation) -> Response | None:
    user = current_user if current_user.is_authenticated else None
    return services.find_draft(c, user, _drafts().get(str(c.id)))


def _closed_page(c: Consultation):
    if c.is_closed(date.today()):
        return render_error(403, _("This consultation has closed"),
                            _("Answers are no longer taken. You can read the outcome here when the council publishes it."))
    return render_error(403, _("This consultation is not open yet"),
                        _("Come back when it opens on %(date)s.", date=format_date(c.opens_on, "long")))


def _respondent_draft(c: Consultation):
    """The draft this visitor is working on, or a response to send them elsewhere."""
    if not c.is_open(date.today()) and not _keyed_in(c):
        return None, _closed_page(c)
    draft = _current_draft(c)
    if draft is None:
        if c.mode == ResponseMode.SIGNED_IN and not current_user.is_authenticated:
            return None, redirect(url_for("auth.sign_in", next=url_for("consultations.detail", consultation_id=c.id)), 303)
        return None, redirect(url_for("consultations.detail", consultation_id=c.id), 303)
    return draft, None


def _keyed_in(c: Consultation) -> bool:
    """Staff keying in a paper form may finish it after the close date (it arrived in time)."""
    draft = _current_draft(c) if _is_staff() else None
    return draft is not None and draft.keyed_by_id is not None


@bp.post("/<int:consultation_id>/start")
@public
@answering_limit
def start(consultation_id: int):
    c = _consultation(consultation_id)
    if not c.is_open(date.today()):
        return _closed_page(c)
    user = current_user if current_user.is_authenticated else None
    if c.mode == ResponseMode.SIGNED_IN:
        if user is None:
            return redirect(url_for("auth.sign_in", next=url_for("consultations.detail", consultation_id=c.id)))
        if services.submitted_by(c, user):
            flash(_("You have already answered this consultation."), "info")
            return redirect(url_for("consultations.detail", consultation_id=c.id), 303)
    draft = _current_draft(c) or services.start_draft(c, user)
    if draft.draft_token:
        _remember_draft(c, draft.draft_token)
    return redirect(url_for("consultations.answer_page", consultation_id=c.id, number=1), 303)


def _display_values(page: ConsultationPage, draft: Response, form=None) -> dict[int, object]:
    """What each question shows: what was just typed (after an error), else what is saved."""
    saved = services.answer_map(draft)
    values: dict[int, object] = {}
    for q in page.questions:
        if form is not None:
            if q.kind in (QuestionKind.RANKING, QuestionKind.BUDGET):
                values[q.id] = {o["key"]: form.get(answer_rules.option_field(q, o["key"]), "") for o in q.options}
            elif q.kind == QuestionKind.MULTIPLE:
                values[q.id] = form.getlist(answer_rules.field_name(q))
            else:
                values[q.id] = form.get(answer_rules.field_name(q), "")
            continue
        answer = saved.get(q.id)
        if q.kind == QuestionKind.RANKING:
            values[q.id] = {key: str(place) for place, key in enumerate(services.ranking_order(q, answer), 1)} \
                if answer is not None else {}
        elif q.kind == QuestionKind.BUDGET:
            values[q.id] = {k: str(v) for k, v in (answer.data or {}).items()} if answer is not None else {}
        elif q.kind == QuestionKind.MULTIPLE:
            values[q.id] = list(answer.data or []) if answer is not None else []
        else:
            values[q.id] = answer.text if answer is not None and answer.text else ""
    return values


def _ranking_orders(page: ConsultationPage, draft: Response) -> dict[int, list[str]]:
    saved = services.answer_map(draft)
    return {q.id: services.ranking_order(q, saved.get(q.id)) for q in page.questions if q.kind == QuestionKind.RANKING}


def _after_pages_endpoint(c: Consultation, draft: Response) -> str:
    if c.equality_monitoring and draft.keyed_by_id is None:
        return url_for("consultations.about_you", consultation_id=c.id)
    return url_for("consultations.check", consultation_id=c.id)


@bp.route("/<int:consultation_id>/page/<int:number>", methods=["GET", "POST"])
@public
def answer_page(consultation_id: int, number: int):
    c = _consultation(consultation_id)
    draft, elsewhere = _respondent_draft(c)
    if elsewhere is not None:
        return elsewhere
    pages = services.visible_pages(c, draft)
    if not 1 <= number <= len(pages):
        return redirect(url_for("consultations.check", consultation_id=c.id), 303)
    page = pages[number - 1]
    errors: dict[int, object] = {}
    if request.method == "POST":
        action = request.form.get("action", "continue")
        moving = action.startswith("move:")
        errors = services.save_page(draft, page, request.form, saving_for_later=moving or action == "save")
        if moving:
            _prefix, question_id, key, direction = (action.split(":") + ["", "", ""])[:4]
            question = next((q for q in page.questions if str(q.id) == question_id
                             and q.kind == QuestionKind.RANKING), None)
            if question is not None:
                order = services.ranking_order(question, services.answer_map(draft).get(question.id))
                services.set_ranking_order(draft, question, answer_rules.moved(order, key, direction))
            if not errors:
                return redirect(url_for("consultations.answer_page", consultation_id=c.id, number=number)
                                + f"#rank-q{question_id}", 303)
            # Something else on the page is wrong: show it as typed, with the new order.
            values = _display_values(page, draft, request.form)
            for q in page.questions:
                if q.kind == QuestionKind.RANKING:
                    values[q.id] = {k: str(i) for i, k in enumerate(_ranking_orders(page, draft)[q.id], 1)}
            return render_template("consultations/answer_page.html", c=c, page=page, number=number,
                                   total=len(pages), values=values, errors=errors,
                                   orders=_ranking_orders(page, draft), draft=draft,
                                   option_field=answer_rules.option_field, field_name=answer_rules.field_name), 400
        if action == "save" and not errors:
            flash(_("Your answers are saved. Come back to this consultation to finish them before it closes."),
                  "success")
            return redirect(url_for("consultations.detail", consultation_id=c.id), 303)
        if not errors:
            pages = services.visible_pages(c, draft)  # an answer here may show or hide a later page
            if number < len(pages):
                return redirect(url_for("consultations.answer_page", consultation_id=c.id, number=number + 1), 303)
            return redirect(_after_pages_endpoint(c, draft), 303)
    values = _display_values(page, draft, request.form if errors else None)
    return render_template("consultations/answer_page.html", c=c, page=page, number=number, total=len(pages),
                           values=values, errors=errors, orders=_ranking_orders(page, draft), draft=draft,
                           option_field=answer_rules.option_field, field_name=answer_rules.field_name), \
        400 if errors else 200


@bp.get("/question/<int:question_id>/total")
@public
def budget_total(question_id: int):
    """The running total of a budget question, for htmx while amounts are typed."""
    question = _question_or_404(question_id, {QuestionKind.BUDGET})
    if not question.page.consultation.published and not _is_staff():
        abort(404)
    values = {o["key"]: request.args.get(answer_rules.option_field(question, o["key"]), "") for o in question.options}
    return render_template("consultations/_budget_total.html", q=question, values=values)


@bp.app_template_global()
def budget_sum(values: dict) -> int:
    total = 0
    for value in (values or {}).values():
        amount = answer_rules._int(str(value))
        total += amount if amount and amount > 0 else 0
    return total


@bp.route("/<int:consultation_id>/about-you", methods=["GET", "POST"])
@public
def about_you(consultation_id: int):
    c = _consultation(consultation_id)
    draft, elsewhere = _respondent_draft(c)
    if elsewhere is not None:
        return elsewhere
    if not c.equality_monitoring:
        return redirect(url_for("consultations.check", consultation_id=c.id), 303)
    if request.method == "POST":
        services.save_equality(draft, request.form)
        return redirect(url_for("consultations.check", consultation_id=c.id), 303)
    return render_template("consultations/about_you.html", c=c, fields=equality.FIELDS,
                           chosen=draft.equality_draft or {}, pages=len(services.visible_pages(c, draft)))


@bp.route("/<int:consultation_id>/check", methods=["GET", "POST"])
@public
@answering_limit
@idempotent
def check(consultation_id: int):
    c = _consultation(consultation_id)
    draft, elsewhere = _respondent_draft(c)
    if elsewhere is not None:
        return elsewhere
    form = SubmitForm()
    problems = []
    if form.validate_on_submit():
        services.drop_answers_of_hidden_pages(c, draft)
        problems = services.problems_before_submit(c, draft)
        copy_to = None
        if form.email_copy.data:
            copy_to = draft.user.email if draft.user else (form.copy_to.data or "").strip()
            if not copy_to or "@" not in copy_to:
                form.copy_to.errors = [_("Enter an email address for the copy, like name@example.com")]
        user = current_user if current_user.is_authenticated else None
        if draft.keyed_by_id is None and services.submitted_by(c, user):
            flash(_("You have already answered this consultation."), "info")
            return redirect(url_for("consultations.detail", consultation_id=c.id), 303)
        if not problems and not form.errors:
            lines = _answer_lines(c, draft)
            try:
                reference = services.submit(draft, wants_outcome=bool(form.wants_outcome.data))
            except services.AlreadySubmitted:
                return redirect(url_for("consultations.detail", consultation_id=c.id), 303)
            _forget_draft(c)
            if copy_to:
                _email_copy(c, reference, copy_to, lines)
            # The reference is shown from the session, never put in an address that a web
            # server's log would keep next to the sender's IP.
            session["consultation_done"] = {"id": c.id, "reference": reference}
            return redirect(url_for("consultations.done", consultation_id=c.id), 303)
    pages = services.visible_pages(c, draft)
    return render_template("consultations/check.html", c=c, draft=draft, form=form, pages=pages, problems=problems,
                           lines=_answer_lines(c, draft), equality_fields=equality.FIELDS), \
        400 if (problems or form.errors) else 200


def _answer_lines(c: Consultation, draft: Response) -> dict[int, list[str]]:
    """Each answered question's answer as lines of text, in the reader's language."""
    from app.core.bilingual import pick_for_reader

    def label(option: dict) -> str:
        return pick_for_reader(option)["text"]

    lines: dict[int, list[str]] = {}
    answers = services.answer_map(draft)
    for q in services.questions_of(c):
        answer = answers.get(q.id)
        if answer is None:
            continue
        options = {o["key"]: o for o in q.options}
        if q.kind == QuestionKind.SINGLE:
            lines[q.id] = [label(options[answer.text])] if answer.text in options else []
        elif q.kind == QuestionKind.MULTIPLE:
            lines[q.id] = [label(options[k]) for k in answer.data or [] if k in options]
        elif q.kind == QuestionKind.RANKING:
            lines[q.id] = [f"{place}. {label(options[k])}" for place, k in enumerate(answer.data or [], 1) if k in options]
        elif q.kind == QuestionKind.BUDGET:
            lines[q.id] = [f"{label(options[k])}: £{v:,}" for k, v in (answer.data or {}).items() if k in options]
        elif q.kind == QuestionKind.RATING:
            lines[q.id] = [_("%(num)s out of 5", num=answer.text)]
        else:
            lines[q.id] = (answer.text or "").split("\n")
    return lines


def _email_copy(c: Consultation, reference: str, to: str, lines: dict[int, list[str]]) -> None:
    from app.core.jobs import enqueue
    from app.core.mail import send_mail

    text = render_template("consultations/email/copy.txt", c=c, reference=reference, lines=lines,
                           questions=services.questions_of(c))
    enqueue(send_mail, to, _("Your answers: %(reference)s", reference=reference), text)


@bp.get("/<int:consultation_id>/done")
@public
def done(consultation_id: int):
    c = _consultation(consultation_id)
    sent = session.get("consultation_done") or {}
    if sent.get("id") != c.id:
        abort(404)  # the reference is shown to the person who sent the answers, and nobody else
    return render_template("consultations/done.html", c=c, reference=sent["reference"])


# --- Phases: a draft document commented paragraph by paragraph ---------------------------------

@bp.get("/<int:consultation_id>/phases/<int:phase_id>")
@public
def phase(consultation_id: int, phase_id: int):
    c = _consultation(consultation_id)
    item = db.session.get(Phase, phase_id)
    if item is None or item.consultation_id != c.id:
        abort(404)
    return _phase_page(c, item)


def _phase_page(c: Consultation, item: Phase, *, failed: int | None = None, typed: str = "", error=None,
                status: int = 200):
    comments: dict[int, list[ParagraphComment]] = {}
    ids = [p.id for p in item.paragraphs]
    if ids:
        for comment in db.session.scalars(select(ParagraphComment).where(ParagraphComment.paragraph_id.in_(ids))
                                          .order_by(ParagraphComment.id)):
            comments.setdefault(comment.paragraph_id, []).append(comment)
    return render_template("consultations/phase.html", c=c, phase=item, comments=comments, failed=failed,
                           typed=typed, error=error, open_now=item.starts_on <= date.today() <= item.ends_on), status


@bp.post("/paragraphs/<int:paragraph_id>/comments")
@signed_in
def comment_paragraph(paragraph_id: int):
    paragraph = db.session.get(DraftParagraph, paragraph_id)
    item = db.session.get(Phase, paragraph.phase_id) if paragraph else None
    c = _consultation(item.consultation_id) if item else None
    if c is None or not c.published:
        abort(404)
    if not item.starts_on <= date.today() <= item.ends_on:
        return render_error(403, _("This phase is not taking comments"), _("Comments are taken while the phase runs."))
    form = ParagraphCommentForm()
    if form.validate_on_submit():
        comment = ParagraphComment(paragraph_id=paragraph.id, author_id=current_user.id, body=form.body.data.strip())
        db.session.add(comment)
        db.session.commit()
        flash(_("Your comment is added."), "success")
        return redirect(url_for("consultations.phase", consultation_id=c.id, phase_id=item.id)
                        + f"#paragraph-{paragraph.id}", 303)
    # Shown again with what was typed and the reason beside the field, nothing lost.
    return _phase_page(c, item, failed=paragraph.id, typed=request.form.get("body", ""),
                       error=form.body.errors[0] if form.body.errors else _("Enter your comment"), status=400)


# --- Staff: building ---------------------------------------------------------------------------

@bp.get("/manage")
@staff_only
def manage():
    page = paginate(scoped(Consultation).order_by(Consultation.id.desc()))
    return render_template("consultations/manage.html", page=page, today=date.today())


def _form_with_wards(form: ConsultationForm) -> ConsultationForm:
    form.wards.choices = choices((str(w.id), w.name) for w in _wards())
    return form


def _apply(form: ConsultationForm, c: Consultation) -> None:
    c.title, c.summary = form.title.data.as_dict(), form.summary.data.as_dict()
    c.opens_on, c.closes_on = form.opens_on.data, form.closes_on.data
    c.mode = ResponseMode(form.mode.data)
    c.equality_monitoring, c.published = bool(form.equality_monitoring.data), bool(form.published.data)
    chosen = {int(w) for w in form.wards.data or [] if str(w).isdigit()}
    c.wards = [w for w in _wards() if w.id in chosen]


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    form = _form_with_wards(ConsultationForm())
    if request.method == "GET":
        form.mode.data, form.equality_monitoring.data = ResponseMode.SIGNED_IN.value, True
    if form.validate_on_submit():
        if form.published.data:
            from app.core.publication import publication_paused
            if publication_paused():
                form.published.errors = [_("Nothing new is published before the election: leave this unticked")]
        if not form.errors:
            c = Consultation(council_id=current_council().id, created_by_id=current_user.id)
            _apply(form, c)
            db.session.add(c)
            db.session.commit()
            flash(_("Consultation created. Now add its pages and questions."), "success")
            return redirect(url_for("consultations.build", consultation_id=c.id), 303)
    return render_template("consultations/edit.html", form=form, c=None), 400 if form.errors else 200


@bp.route("/<int:consultation_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(consultation_id: int):
    c = _consultation(consultation_id, staff_view=True)
    form = _form_with_wards(ConsultationForm(obj=c))
    if request.method == "GET":
        form.mode.data = c.mode.value
        form.wards.data = [str(w.id) for w in c.wards]
    if form.validate_on_submit():
        from app.core.publication import publication_paused

        if form.published.data and not c.published and publication_paused():
            form.published.errors = [_("Nothing new is published before the election: leave this unticked")]
        if form.mode.data != c.mode.value and services.has_responses(c):
            form.mode.errors = [_("People have already answered on these terms: who can answer cannot change now")]
        if not form.errors:
            _apply(form, c)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("consultations.build", consultation_id=c.id), 303)
    return render_template("consultations/edit.html", form=form, c=c), 400 if form.errors else 200


def _page_form(c: Consultation, page: ConsultationPage | None = None) -> PageForm:
    form = PageForm(prefix="page")
    form.show_if.choices = choices([("", _("Always"))] + [
        (f"{q.id}:{o['key']}", _("Only if “%(question)s” is answered “%(option)s”",
                                 question=BilingualText.of(q.text).en, option=o["en"]))
        for q in services.choice_questions_before(c, page) for o in q.options])
    return form


@bp.route("/<int:consultation_id>/build", methods=["GET", "POST"])
@staff_only
def build(consultation_id: int):
    c = _consultation(consultation_id, staff_view=True)
    page_form = _page_form(c)
    if page_form.validate_on_submit():
        question_id, _sep, option = (page_form.show_if.data or "").partition(":")
        services.add_page(c, page_form.title.data.as_dict(), int(question_id) if question_id.isdigit() else None,
                          option or None)
        flash(_("Page added."), "success")
        return redirect(url_for("consultations.build", consultation_id=c.id), 303)
    return render_template("consultations/build.html", c=c, page_form=page_form,
                           locked=services.has_responses(c), document_form=DocumentForm(prefix="doc")), \
        400 if page_form.errors else 200


@bp.route("/pages/<int:page_id>/questions/new", methods=["GET", "POST"])
@staff_only
def new_question(page_id: int):
    page = db.session.get(ConsultationPage, page_id)
    if page is None or page.consultation.council_id != current_council().id:
        abort(404)
    c = page.consultation
    if services.has_responses(c):
        return render_error(409, _("People have already answered"),
                            _("Questions cannot change once answers have arrived."))
    form = QuestionForm()
    if form.validate_on_submit():
        services.add_question(page, kind=QuestionKind(form.kind.data), text=form.text.data.as_dict(),
                              hint=form.hint.data.as_dict(), required=bool(form.required.data),
                              options=services.parse_options(form.options.data or ""), budget_total=form.budget_total.data)
        flash(_("Question added."), "success")
        return redirect(url_for("consultations.build", consultation_id=c.id) + f"#page-{page.id}", 303)
    return render_template("consultations/question_form.html", form=form, page=page, c=c), \
        400 if form.errors else 200


@bp.post("/questions/<int:question_id>/move")
@staff_only
def move_question(question_id: int):
    question = _question_or_404(question_id)
    services.move_question(question, "up" if request.form.get("direction") == "up" else "down")
    return redirect(url_for("consultations.build", consultation_id=question.page.consultation_id)
                    + f"#page-{question.page_id}", 303)


@bp.post("/questions/<int:question_id>/delete")
@staff_only
def delete_question(question_id: int):
    question = _question_or_404(question_id)
    c = question.page.consultation
    if services.has_responses(c):
        abort(409)
    db.session.delete(question)
    db.session.commit()
    flash(_("Question removed."), "success")
    return redirect(url_for("consultations.build", consultation_id=c.id), 303)


@bp.post("/<int:consultation_id>/documents")
@staff_only
def add_document(consultation_id: int):
    c = _consultation(consultation_id, staff_view=True)
    form = DocumentForm(prefix="doc")
    if form.validate_on_submit():
        db.session.add(ConsultationDocument(consultation_id=c.id, title=form.title.data.as_dict(), url=form.url.data))
        db.session.commit()
        flash(_("Document added."), "success")
        return redirect(url_for("consultations.build", consultation_id=c.id), 303)
    return render_template("consultations/build.html", c=c, page_form=_page_form(c), locked=services.has_responses(c),
                           document_form=form), 400


@bp.route("/<int:consultation_id>/phases/new", methods=["GET", "POST"])
@staff_only
def new_phase(consultation_id: int):
    c = _consultation(consultation_id, staff_view=True)
    form = PhaseForm()
    if form.validate_on_submit():
        item = Phase(consultation_id=c.id, kind=PhaseKind(form.kind.data), title=form.title.data.as_dict(),
                     starts_on=form.starts_on.data, ends_on=form.ends_on.data)
        english = [p.strip() for p in form.draft.data.en.split("\n\n") if p.strip()]
        welsh = [p.strip() for p in form.draft.data.cy.split("\n\n") if p.strip()]
        for i in range(max(len(english), len(welsh))):
            item.paragraphs.append(DraftParagraph(position=i + 1, text={"en": english[i] if i < len(english) else "",
                                                                        "cy": welsh[i] if i < len(welsh) else ""}))
        db.session.add(item)
        db.session.commit()
        flash(_("Phase added."), "success")
        return redirect(url_for("consultations.build", consultation_id=c.id), 303)
    return render_template("consultations/phase_form.html", form=form, c=c), 400 if form.errors else 200


# --- Staff: keying in paper and phone responses ------------------------------------------------

@bp.route("/<int:consultation_id>/key-in", methods=["GET", "POST"])
@staff_only
def key_in(consultation_id: int):
    c = _consultation(consultation_id, staff_view=True)
    form = KeyInForm()
    if form.validate_on_submit():
        draft = services.start_draft(c, None, channel=Channel(form.channel.data), keyed_by=current_user)
        _remember_draft(c, draft.draft_token)
        return redirect(url_for("consultations.answer_page", consultation_id=c.id, number=1), 303)
    return render_template("consultations/key_in.html", form=form, c=c), 400 if form.errors else 200


# --- Staff: analysis, themes, export, outcome --------------------------------------------------

@bp.get("/<int:consultation_id>/results")
@staff_only
def results(consultation_id: int):
    from app.consultations import charts

    c = _consultation(consultation_id, staff_view=True)
    summaries = services.snapshot(c)
    return render_template("consultations/results.html", c=c, summaries=summaries,
                           charts={s["question_id"]: charts.summary_chart(s) for s in summaries},
                           count=services.submitted_count(c.id), equality=services.equality_report(c.id),
                           equality_fields=equality.FIELDS, text_questions=[q for q in services.questions_of(c)
                                                                            if q.kind in services.TEXT_KINDS],
                           export_form=ExportForm(request.args))


@bp.route("/questions/<int:question_id>/answers", methods=["GET", "POST"])
@staff_only
def text_answers(question_id: int):
    question = _question_or_404(question_id, services.TEXT_KINDS)
    c = question.page.consultation
    theme_form = ThemeForm(prefix="theme")
    if request.method == "POST" and request.form.get("action") == "theme":
        if theme_form.validate_on_submit():
            services.add_theme(question, theme_form.name.data)
            flash(_("Theme added."), "success")
            return redirect(url_for("consultations.text_answers", question_id=question.id), 303)
    search = (request.args.get("q") or "")[:100]
    theme = request.args.get("theme", "")
    page = paginate(services.text_answers_query(question, search, int(theme) if theme.isdigit() else None), per_page=50)
    tagged = services.themes_by_answer([a.id for a in page.items])
    return render_template("consultations/text_answers.html", c=c, question=question, page=page, search=search,
                           theme_id=theme, themes=services.themes_of(question), tagged=tagged,
                           theme_form=theme_form), 400 if theme_form.errors else 200


@bp.post("/answers/<int:answer_id>/themes")
@staff_only
def tag_answer(answer_id: int):
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        abort(404)
    question = _question_or_404(answer.question_id)
    services.tag(answer, {int(t) for t in request.form.getlist("theme") if t.isdigit()}, question)
    flash(_("Themes saved for this answer."), "success")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/consultations/")
                    else url_for("consultations.text_answers", question_id=question.id), 303)


@bp.route("/<int:consultation_id>/export.<any(csv, xlsx):fmt>", methods=["GET", "POST"])
@staff_only
def export(consultation_id: int, fmt: str):
    c = _consultation(consultation_id, staff_view=True)
    # Personal details only on a POST (with its CSRF token): a link or an image elsewhere can
    # never make a staff member's browser fetch names and emails.
    form = ExportForm(request.form) if request.method == "POST" else ExportForm()
    personal = request.method == "POST" and bool(form.personal.data) and c.mode == ResponseMode.SIGNED_IN
    if personal:
        services.record_personal_export(c, current_user)
    fields = services.export_fields(c, personal)

    def rows():
        yield from services.export_rows(c, personal)
    return export_response(fmt, f"consultation-{c.id}-responses", fields, rows())


@bp.route("/<int:consultation_id>/outcome", methods=["GET", "POST"])
@staff_only
@publication_open
def outcome(consultation_id: int):
    c = _consultation(consultation_id, staff_view=True)
    form = OutcomeForm(obj=c)
    if not c.published:
        return render_error(409, _("The consultation is not published"),
                            _("Only a published consultation can have a published outcome."))
    if not c.is_closed(date.today()):
        return render_error(409, _("The consultation is still open"),
                            _("Publish what the council did once it has closed."))
    if form.validate_on_submit():
        told = services.publish_outcome(c, current_user, form.you_said.data.as_dict(), form.we_did.data.as_dict())
        flash(_("The outcome is published.") + " " +
              _("%(num)s people who asked to hear have been told.", num=told), "success")
        return redirect(url_for("consultations.detail", consultation_id=c.id) + "#outcome", 303)
    return render_template("consultations/outcome_form.html", form=form, c=c), 400 if form.errors else 200
