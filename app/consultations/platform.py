"""What consultations plug into the platform: datasets, page sections, personal data, demo."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from app.consultations import services
from app.consultations.models import Consultation, ParagraphComment, Response
from app.core.bilingual import BilingualText
from app.core.datasets import Dataset, DatasetField, register_dataset, streamed
from app.core.retention import RetentionKind, register_retention
from app.core.registry import (Section, account_erasers, dashboard_sections, demo_loaders, home_sections,
                               personal_data_exporters, timeline_sources, ward_sections)
from app.extensions import db


def _consultation_rows(council_id: int, after: tuple | None = None):
    query = select(Consultation).where(Consultation.council_id == council_id, Consultation.published.is_(True))
    if after:
        query = query.where(Consultation.id > after[0])
    for c in streamed(db.session.scalars(query.order_by(Consultation.id))):
        yield {"id": c.id, "title": BilingualText.of(c.title).en, "title_cy": BilingualText.of(c.title).cy,
               "opens_on": c.opens_on, "closes_on": c.closes_on, "wards": "; ".join(w.code for w in c.wards),
               "responses": services.submitted_count(c.id), "outcome_published": c.outcome_published_at is not None}


def _result_rows(council_id: int):
    """Anonymised aggregates of every published outcome: counts per option, never a response."""
    query = (select(Consultation).where(Consultation.council_id == council_id, Consultation.published.is_(True),
                                        Consultation.outcome_published_at.isnot(None)).order_by(Consultation.id))
    for c in db.session.scalars(query):
        for question_number, summary in enumerate(c.outcome_results or [], start=1):
            for option_number, (label, value) in enumerate(summary["rows"], start=1):
                yield {"consultation_id": c.id, "question_number": question_number, "option_number": option_number,
                       "question": BilingualText.of(summary["text"]).en,
                       "kind": summary["kind"], "option": BilingualText.of(label).en, "value": value,
                       "answered": summary["answered"]}


register_dataset(Dataset(
    name="consultations", title=_l("Consultations"),
    description=_l("Every published consultation: dates, the wards it was for, how many answered, and whether the "
                   "council has published what it did."),
    fields=[
        DatasetField("id", "integer", _l("Consultation number")),
        DatasetField("title", "string", _l("Title in English")),
        DatasetField("title_cy", "string", _l("Title in Welsh")),
        DatasetField("opens_on", "date", _l("First day answers were taken")),
        DatasetField("closes_on", "date", _l("Last day answers were taken")),
        DatasetField("wards", "string", _l("Ward codes it was for, separated by semicolons; empty for all")),
        DatasetField("responses", "integer", _l("Responses submitted")),
        DatasetField("outcome_published", "boolean", _l("Whether “we asked, you said, we did” is published")),
    ], rows=_consultation_rows, rows_after=_consultation_rows, update_frequency=_l("as it happens"),
    ward_field="wards", date_field="opens_on"))

register_dataset(Dataset(
    name="consultation-results", title=_l("Consultation results"),
    description=_l("For each consultation with a published outcome, the results of every closed question as they "
                   "stood at publication: counts for choices and ratings, average place for priorities, average "
                   "amount for budgets. Free-text answers and personal details are never included."),
    fields=[
        DatasetField("consultation_id", "integer", _l("Consultation number")),
        DatasetField("question_number", "integer", _l("The question's place in the results")),
        DatasetField("option_number", "integer", _l("The option's place in the question's results")),
        DatasetField("question", "string", _l("The question")),
        DatasetField("kind", "string", _l("single, multiple, rating, ranking, budget or postcode")),
        DatasetField("option", "string", _l("The option, rating or ward")),
        DatasetField("value", "number", _l("Count, average place or average amount")),
        DatasetField("answered", "integer", _l("People who answered the question")),
    ], rows=_result_rows, update_frequency=_l("when an outcome is published"),
    key=("consultation_id", "question_number", "option_number"), frequency_uri="http://purl.org/cld/freq/irregular"))


def _open_for(council_id: int, ward_id: int | None, limit: int = 5):
    return db.session.scalars(services.public_query(council_id, "open", ward_id, date.today()).limit(limit)).all()


def _home(user):
    from app.core.tenancy import current_council

    return Section(str(_l("Open consultations")), "consultations/_section.html",
                   {"items": _open_for(current_council().id, None)})


def _dashboard(user):
    return Section(str(_l("Consultations")), "consultations/_dashboard.html",
                   {"open": _open_for(user.council_id, user.ward_id), "answered": services.answered_by(user)})


def _ward(ward, user):
    return Section(str(_l("Open consultations")), "consultations/_section.html",
                   {"items": _open_for(ward.council_id, ward.id), "ward_id": ward.id})


def _timeline(council_id: int, since, now, ward_ids, categories, limit: int):
    """Consultations open at `now`, for the personal timeline and alerts. They have wards but no
    topic, so they match on wards (or are for the whole council area)."""
    from datetime import datetime, time, timezone

    from sqlalchemy import or_

    from app.consultations.models import consultation_wards
    from app.core.bilingual import pick_for_reader
    from app.core.registry import TimelineItem

    today = now.date()
    query = select(Consultation).where(Consultation.council_id == council_id, Consultation.published.is_(True),
                                       Consultation.opens_on <= today, Consultation.closes_on >= today)
    if ward_ids is not None:
        with_wards = select(consultation_wards.c.consultation_id)
        mine = with_wards.where(consultation_wards.c.ward_id.in_(ward_ids or ()))
        query = query.where(or_(Consultation.id.in_(mine), Consultation.id.not_in(with_wards)))
    items = []
    for c in db.session.scalars(query.order_by(Consultation.opens_on.desc(), Consultation.id.desc()).limit(limit)):
        items.append(TimelineItem("consultations", c.id, "open", str(_l("Consultation")),
                                  pick_for_reader(c.title)["text"], f"/consultations/{c.id}",
                                  datetime.combine(c.opens_on, time(), timezone.utc), None,
                                  tuple(w.id for w in c.wards), c.closes_on, titles=dict(c.title or {})))
    return items


timeline_sources.register("consultations", _timeline)
home_sections.register("consultations", _home, order=20)
dashboard_sections.register("consultations", _dashboard, order=20)
ward_sections.register("consultations", _ward, order=20)


def _export(user):
    responses = db.session.scalars(select(Response).where(Response.user_id == user.id).order_by(Response.id)).all()
    comments = db.session.scalars(select(ParagraphComment).where(ParagraphComment.author_id == user.id)).all()
    return "consultations", {
        "responses": [{"consultation_id": r.consultation_id, "reference": r.reference,
                       "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
                       "answers": [{"question_id": a.question_id, "text": a.text, "data": a.data} for a in r.answers]}
                      for r in responses],
        "paragraph_comments": [{"paragraph_id": c.paragraph_id, "text": c.body} for c in comments],
    }


def _erase(user):
    """Drafts go; submitted answers stay counted but no longer point at the person."""
    db.session.execute(delete(Response).where(Response.user_id == user.id, Response.submitted_at.is_(None)))
    db.session.execute(update(Response).where(Response.user_id == user.id).values(user_id=None, wants_outcome=False))
    db.session.execute(update(ParagraphComment).where(ParagraphComment.author_id == user.id).values(author_id=None))


def _purge_drafts(council_id: int, cutoff) -> int:
    """Drafts never sent: answers (and equality answers) someone started and left."""
    old = (select(Response.id).join(Consultation, Consultation.id == Response.consultation_id)
           .where(Consultation.council_id == council_id, Response.submitted_at.is_(None),
                  Response.updated_at < cutoff))
    return db.session.execute(delete(Response).where(Response.id.in_(old))).rowcount or 0


register_retention(RetentionKind("consultation-drafts", _l("Consultation answers started and never sent"), 90,
                                 _purge_drafts))

personal_data_exporters.register("consultations", _export)
account_erasers.register("consultations", _erase)


def _load_demo(council):
    from app.consultations.demo import load

    load(council)


demo_loaders.register("consultations", _load_demo, order=45)
