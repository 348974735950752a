"""What the ideas module plugs into the platform: datasets, page sections, jobs, personal data."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from app.core.datasets import Dataset, DatasetField, register_dataset, streamed
from app.core.jobs import register_job
from app.core.models import Follow, Ward
from app.core.registry import (Section, account_erasers, dashboard_sections, demo_loaders, home_sections,
                               personal_data_exporters, timeline_sources, ward_sections)
from app.extensions import db
from app.ideas import services
from app.ideas.models import (ArgumentRating, Idea, IdeaArgument, IdeaComment, IdeaResponse,
                              IdeaSupport, ModerationAppeal, ModerationFlag)

register_job("ideas.refresh_support_windows", services.refresh_support_windows, every="hourly")
register_job("ideas.monthly_top_ideas", services.send_monthly_top_ideas, every="daily", hour=8)


# --- Open data: no names of residents, only what they published --------------------------------

def _idea_rows(council_id: int, after: tuple | None = None):
    wards = dict(db.session.execute(select(Ward.id, Ward.code).where(Ward.council_id == council_id)).all())
    query = select(Idea).where(Idea.council_id == council_id, Idea.hidden_at.is_(None))
    if after:
        query = query.where(Idea.id > after[0])
    for idea in streamed(db.session.scalars(query.order_by(Idea.id).execution_options(yield_per=1000))):
        yield {"id": idea.id, "title": idea.title, "description": idea.body, "category": idea.category,
               "ward_code": wards.get(idea.ward_id, ""), "status": idea.status.value,
               "merged_into": idea.merged_into_id, "supports": idea.support_count,
               "created_at": idea.created_at, "response_due": idea.response_due}


def _argument_rows(council_id: int, after: tuple | None = None):
    query = (select(IdeaArgument).join(Idea, Idea.id == IdeaArgument.idea_id)
             .where(Idea.council_id == council_id, Idea.hidden_at.is_(None), IdeaArgument.hidden_at.is_(None)))
    if after:
        query = query.where(IdeaArgument.id > after[0])
    for argument in streamed(db.session.scalars(query.order_by(IdeaArgument.id)
                                                .execution_options(yield_per=1000))):
        yield {"id": argument.id, "idea_id": argument.idea_id, "side": argument.side.value, "argument": argument.body,
               "helpful": argument.helpful_count, "created_at": argument.created_at}


def _response_rows(council_id: int, after: tuple | None = None):
    query = (select(IdeaResponse, Idea).join(Idea, Idea.id == IdeaResponse.idea_id)
             .where(Idea.council_id == council_id, Idea.hidden_at.is_(None)))
    if after:
        query = query.where(IdeaResponse.id > after[0])
    for response, idea in streamed(db.session.execute(query.order_by(IdeaResponse.id))):
        yield {"id": response.id, "idea_id": idea.id, "decision": response.decision.value, "reason": response.reason,
               "next_step": response.next_step, "responded_at": response.created_at,
               "response_due": idea.response_due}


def _support_rows(council_id: int):
    """Supports per idea and day: how support grew, with nobody's name or ward in it."""
    # The day in UTC on both databases: PostgreSQL would otherwise use the session's time zone.
    moment = IdeaSupport.created_at if db.engine.dialect.name == "sqlite" else func.timezone("UTC", IdeaSupport.created_at)
    day = func.date(moment)
    query = (select(IdeaSupport.idea_id, day.label("day"), func.count().label("supports"))
             .join(Idea, Idea.id == IdeaSupport.idea_id)
             .where(Idea.council_id == council_id, Idea.hidden_at.is_(None))
             .group_by(IdeaSupport.idea_id, day).order_by(IdeaSupport.idea_id, day))
    for idea_id, on, supports in db.session.execute(query):
        yield {"idea_id": idea_id, "day": str(on), "supports": supports}


register_dataset(Dataset(
    name="ideas", title=_l("Residents' ideas"),
    description=_l("Every published idea, its status and how many people support it. Hidden ideas are left out."),
    fields=[
        DatasetField("id", "integer", _l("Idea number")),
        DatasetField("title", "string", _l("Title")),
        DatasetField("description", "string", _l("Description, as written (Markdown)")),
        DatasetField("category", "string", _l("Topic")),
        DatasetField("ward_code", "string", _l("Ward code, empty for the whole council area")),
        DatasetField("status", "string", _l("open, under_review, accepted, declined, merged, budget or done")),
        DatasetField("merged_into", "integer", _l("The idea it was joined with, if merged")),
        DatasetField("supports", "integer", _l("People supporting it")),
        DatasetField("created_at", "datetime", _l("When it was published")),
        DatasetField("response_due", "date", _l("When a council response is due, once past the threshold")),
    ], rows=_idea_rows, rows_after=_idea_rows, update_frequency=_l("as it happens"),
    ward_field="ward_code", status_field="status", date_field="created_at"))

register_dataset(Dataset(
    name="idea-supports", title=_l("Support for ideas, day by day"),
    description=_l("How many people supported each idea on each day. Who supported is never published."),
    fields=[
        DatasetField("idea_id", "integer", _l("Idea number")),
        DatasetField("day", "date", _l("The day")),
        DatasetField("supports", "integer", _l("People who added their support that day")),
    ], rows=_support_rows, update_frequency=_l("as it happens"), key=("idea_id", "day"), date_field="day"))

register_dataset(Dataset(
    name="idea-arguments", title=_l("Arguments for and against ideas"),
    description=_l("The points residents made for and against each idea, and how many found each helpful."),
    fields=[
        DatasetField("id", "integer", _l("Argument number")),
        DatasetField("idea_id", "integer", _l("Idea number")),
        DatasetField("side", "string", _l("for or against")),
        DatasetField("argument", "string", _l("The argument")),
        DatasetField("helpful", "integer", _l("People who found it helpful")),
        DatasetField("created_at", "datetime", _l("When it was added")),
    ], rows=_argument_rows, rows_after=_argument_rows, update_frequency=_l("as it happens"),
    date_field="created_at"))

register_dataset(Dataset(
    name="idea-responses", title=_l("Council responses to ideas"),
    description=_l("Every council response to an idea: the decision, the reason and the next step."),
    fields=[
        DatasetField("id", "integer", _l("Response number")),
        DatasetField("idea_id", "integer", _l("Idea number")),
        DatasetField("decision", "string", _l("under_review, accepted, declined, budget or done")),
        DatasetField("reason", "string", _l("The reason given")),
        DatasetField("next_step", "string", _l("What happens next")),
        DatasetField("responded_at", "datetime", _l("When the council responded")),
        DatasetField("response_due", "date", _l("When the response was due")),
    ], rows=_response_rows, rows_after=_response_rows, update_frequency=_l("as it happens"),
    status_field="decision", date_field="responded_at"))


# --- Sections on the home, dashboard and ward pages --------------------------------------------

def _listed(council_id: int):
    return select(Idea).where(Idea.council_id == council_id, Idea.listed.is_(True)).options(selectinload(Idea.ward))


def _home(user):
    from app.core.tenancy import current_council

    ideas = db.session.scalars(_listed(current_council().id).where(Idea.status.in_(services.SUPPORTABLE))
                               .order_by(Idea.support_count.desc(), Idea.id.desc()).limit(5)).all()
    return Section(str(_l("Most supported ideas")), "ideas/_section.html", {"ideas": ideas, "more": "index"})


def _dashboard(user):
    in_ward = []
    if user.ward_id:
        in_ward = db.session.scalars(_listed(user.council_id).where(Idea.ward_id == user.ward_id)
                                     .order_by(Idea.id.desc()).limit(5)).all()
    mine = db.session.scalars(_listed(user.council_id).join(IdeaSupport, IdeaSupport.idea_id == Idea.id)
                              .where(IdeaSupport.user_id == user.id).order_by(IdeaSupport.id.desc()).limit(5)).all()
    followed = select(Follow.object_id).where(Follow.user_id == user.id, Follow.object_type == "idea")
    answered = db.session.scalars(_listed(user.council_id).where(Idea.id.in_(followed), Idea.responded_at.isnot(None))
                                  .order_by(Idea.responded_at.desc()).limit(5)).all()
    return Section(str(_l("Ideas")), "ideas/_dashboard.html",
                   {"in_ward": in_ward, "supported": mine, "answered": answered})


def _ward(ward, user):
    ideas = db.session.scalars(_listed(ward.council_id).where(Idea.ward_id == ward.id)
                               .order_by(Idea.support_count.desc(), Idea.id.desc()).limit(5)).all()
    return Section(str(_l("Ideas for this ward")), "ideas/_section.html",
                   {"ideas": ideas, "more": "index", "ward_id": ward.id})


def _timeline(council_id: int, since, now, ward_ids, categories, limit: int):
    """New ideas and council responses since `since`, for the personal timeline and alerts."""
    from sqlalchemy import or_

    from app.core.models import as_utc
    from app.core.registry import TimelineItem
    from app.ideas.notices import _path

    def relevant(query):
        if ward_ids is None and categories is None:
            return query
        return query.where(or_(Idea.ward_id.is_(None), Idea.ward_id.in_(ward_ids or ()),
                               Idea.category.in_(categories or ())))

    def item(idea, event, label, at):
        return TimelineItem("ideas", idea.id, event, label, idea.title, _path(idea), as_utc(at), idea.category,
                            (idea.ward_id,) if idea.ward_id else ())

    new_ideas = db.session.scalars(relevant(_listed(council_id).where(Idea.created_at >= since))
                                   .order_by(Idea.created_at.desc()).limit(limit)).all()
    responses = db.session.execute(relevant(
        select(IdeaResponse, Idea).join(Idea, Idea.id == IdeaResponse.idea_id)
        .where(Idea.council_id == council_id, Idea.listed.is_(True), IdeaResponse.created_at >= since))
        .order_by(IdeaResponse.created_at.desc()).limit(limit)).all()
    return ([item(idea, "new", str(_l("New idea")), idea.created_at) for idea in new_ideas] +
            [item(idea, "response", str(_l("Council response to an idea")), response.created_at)
             for response, idea in responses])


timeline_sources.register("ideas", _timeline)
home_sections.register("ideas", _home, order=10)
dashboard_sections.register("ideas", _dashboard, order=10)
ward_sections.register("ideas", _ward, order=10)


# --- Personal data: what a person can download, and what deleting the account does ------------

def _export(user):
    ideas = db.session.scalars(select(Idea).where(Idea.author_id == user.id).order_by(Idea.id)).all()
    arguments = db.session.scalars(select(IdeaArgument).where(IdeaArgument.author_id == user.id)).all()
    comments = db.session.scalars(select(IdeaComment).where(IdeaComment.author_id == user.id)).all()
    supports = db.session.scalars(select(IdeaSupport).where(IdeaSupport.user_id == user.id)).all()
    flags = db.session.scalars(select(ModerationFlag).where(ModerationFlag.reporter_id == user.id)).all()
    appeals = db.session.scalars(select(ModerationAppeal).where(ModerationAppeal.author_id == user.id)).all()
    rated = db.session.scalars(select(ArgumentRating.argument_id).where(ArgumentRating.user_id == user.id)).all()
    return "ideas", {
        "ideas": [{"id": i.id, "title": i.title, "description": i.body, "status": i.status.value,
                   "created_at": i.created_at.isoformat(), "hidden_reason": i.hidden_reason} for i in ideas],
        "arguments": [{"idea_id": a.idea_id, "side": a.side.value, "text": a.body,
                       "hidden_reason": a.hidden_reason} for a in arguments],
        "comments": [{"idea_id": c.idea_id, "text": c.body, "created_at": c.created_at.isoformat(),
                      "hidden_reason": c.hidden_reason} for c in comments],
        "supports": [{"idea_id": s.idea_id, "created_at": s.created_at.isoformat()} for s in supports],
        "reports_made": [{"type": f.object_type, "id": f.object_id, "reason": f.reason.value} for f in flags],
        "appeals": [{"type": a.object_type, "id": a.object_id, "statement": a.statement,
                     "outcome": a.outcome.value if a.outcome else None, "reason": a.decision_reason} for a in appeals],
        "arguments_rated_helpful": list(rated),
    }


def _erase(user):
    """Supports are withdrawn (the counts stay honest); what the person published stays, unsigned."""
    supported = list(db.session.scalars(select(IdeaSupport.idea_id).where(IdeaSupport.user_id == user.id)))
    db.session.execute(delete(IdeaSupport).where(IdeaSupport.user_id == user.id))
    rated = list(db.session.scalars(select(ArgumentRating.argument_id).where(ArgumentRating.user_id == user.id)))
    db.session.execute(delete(ArgumentRating).where(ArgumentRating.user_id == user.id))
    for idea_id in supported:
        count = select(func.count()).select_from(IdeaSupport).where(IdeaSupport.idea_id == idea_id).scalar_subquery()
        db.session.execute(update(Idea).where(Idea.id == idea_id).values(support_count=count))
    for argument_id in rated:
        count = (select(func.count()).select_from(ArgumentRating).where(ArgumentRating.argument_id == argument_id)
                 .scalar_subquery())
        db.session.execute(update(IdeaArgument).where(IdeaArgument.id == argument_id).values(helpful_count=count))
    for model in (Idea, IdeaArgument, IdeaComment):
        db.session.execute(update(model).where(model.author_id == user.id).values(author_id=None))
    db.session.execute(update(ModerationAppeal).where(ModerationAppeal.author_id == user.id).values(author_id=None))
    db.session.execute(update(ModerationFlag).where(ModerationFlag.reporter_id == user.id).values(reporter_id=None))


personal_data_exporters.register("ideas", _export)
account_erasers.register("ideas", _erase)


def _load_demo(council):
    from app.ideas.demo import load

    load(council)


demo_loaders.register("ideas", _load_demo, order=40)


