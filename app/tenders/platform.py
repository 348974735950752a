"""What tenders plug into the platform: jobs (opening at the deadline, contracts after standstill),
the per-request backstop, SQLite secure_delete, the KEK check, datasets and the supplier dashboard."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.core.bilingual import BilingualText
from app.core.datasets import Dataset, DatasetField, register_dataset, streamed
from app.core.jobs import register_job, register_task_handler
from app.core.models import Role
from app.core.registry import Section, account_erasers, dashboard_sections, demo_loaders, personal_data_exporters
from app.extensions import db
from app.tenders import bp, services
from app.tenders.models import Alert, Challenge, ChallengeInterest, Stage


def _open_stage_task(stage_id: int) -> str:
    stage = db.session.get(Stage, stage_id)
    if stage is None:
        return "gone"
    return f"opened {services.open_stage(stage)} bids"


register_task_handler("tenders.open_stage", _open_stage_task)
register_job("tenders.open_due", lambda: f"opened {services.open_due()} stages", every="hourly")
register_job("tenders.contracts_after_standstill", lambda: f"made {services.make_due_contracts()} contracts",
             every="daily", hour=6)


@bp.record_once
def _install(state) -> None:
    app = state.app
    from sqlalchemy import event

    with app.app_context():
        from app.tenders import sealing

        try:
            sealing.check_configuration()
        except sealing.SealingError as error:
            # Refused at first use (sealing or opening a bid), not here: the rest of the site can
            # run while the operator adds the key. Said loudly at start-up.
            app.logger.error("Tenders: %s", error)
        engine = db.engine
        if engine.dialect.name == "sqlite":
            @event.listens_for(engine, "connect")
            def _secure_delete(dbapi_connection, _record):
                # Deleted drafts and rewritten pages are overwritten with zeros, not left in free pages.
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA secure_delete=ON")
                cursor.close()

    @app.before_request
    def _open_due_backstop() -> None:
        from flask import request

        if request.endpoint == "static":
            return
        services.open_due_if_needed()


def _challenge_rows(council_id: int, after: tuple | None = None):
    query = select(Challenge).where(Challenge.council_id == council_id, Challenge.published_at.isnot(None))
    if after:
        query = query.where(Challenge.id > after[0])
    for c in streamed(db.session.scalars(query.order_by(Challenge.id))):
        last = c.stages[-1] if c.stages else None
        yield {"id": c.id, "title": BilingualText.of(c.title).en, "title_cy": BilingualText.of(c.title).cy,
               "cpv_codes": "; ".join(c.cpv_codes or []), "total_budget": c.total_budget, "stages": len(c.stages),
               "final_deadline": last.deadline if last else None, "published_at": c.published_at}


register_dataset(Dataset(
    name="challenges", title=_l("Challenges (tenders)"),
    description=_l("Every published challenge: its categories, total budget, number of stages and last deadline. "
                   "Bids are never included."),
    fields=[
        DatasetField("id", "integer", _l("Challenge number")),
        DatasetField("title", "string", _l("Title in English")),
        DatasetField("title_cy", "string", _l("Title in Welsh")),
        DatasetField("cpv_codes", "string", _l("CPV category codes, separated by semicolons")),
        DatasetField("total_budget", "number", _l("Budget of all stages together, in pounds")),
        DatasetField("stages", "integer", _l("Number of stages")),
        DatasetField("final_deadline", "datetime", _l("Bid deadline of the last stage (UTC)")),
        DatasetField("published_at", "datetime", _l("When it was published (UTC)")),
    ], rows=_challenge_rows, rows_after=_challenge_rows, update_frequency=_l("as it happens"),
    date_field="published_at"))


def _dashboard(user):
    if not user.has_role(Role.SUPPLIER):
        return None
    alerts = services.alerts_of(user)
    page = db.session.scalars(services.search_query(user.council_id, services.Search()).limit(20)).all()
    matching = [c for c in page if not alerts or any(
        services.rules.cpv_matches(a.cpv_prefix, c.cpv_codes or []) and
        services.rules.value_matches(c.total_budget, a.min_value, a.max_value) for a in alerts)][:5]
    bids = services.bids_of_org_user(user)[:10]
    return Section(str(_l("Tenders")), "tenders/_dashboard.html",
                   {"matching": matching, "bids": bids, "won": services.won_bid_ids(bids), "has_alerts": bool(alerts)})


dashboard_sections.register("tenders", _dashboard, order=40)


def _export(user):
    return "tenders", {"alerts": [{"category": a.cpv_prefix, "min_value": str(a.min_value or ""),
                                   "max_value": str(a.max_value or "")} for a in services.alerts_of(user)]}


def _erase(user):
    db.session.execute(delete(Alert).where(Alert.user_id == user.id))
    db.session.execute(delete(ChallengeInterest).where(ChallengeInterest.user_id == user.id))


personal_data_exporters.register("tenders", _export)
account_erasers.register("tenders", _erase)


def _load_demo(council):
    from app.tenders.demo import load

    load(council)


demo_loaders.register("tenders", _load_demo, order=60)
