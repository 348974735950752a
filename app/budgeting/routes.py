"""Ward budget pages for residents: the processes, a process with its projects and result, the
ballot (with a running total that works with and without JavaScript), the receipt, and the open
ballot file. Staff pages come next."""
from __future__ import annotations

from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.budgeting import bp, services
from app.budgeting.forms import BallotForm
from app.budgeting.models import BallotKind, BudgetProcess, BudgetProject, Phase
from app.core.access import public, signed_in
from app.core.bilingual import pick_for_reader
from app.core.charts import hbar_chart
from app.core.tenancy import current_council, get_scoped_or_404, scoped
from app.core.web import render_page
from app.extensions import db, limiter

CHANNELS = [("online", _l("online")), ("kiosk", _l("at a library kiosk")), ("paper", _l("on paper")),
            ("assisted", _l("with help from staff"))]


@bp.app_template_global()
def pounds(amount) -> str:
    return f"£{Decimal(amount or 0):,.0f}"


@bp.app_template_global()
def channel_label(value: str) -> str:
    from app.core.i18n import labels

    return labels("ballot-channels", CHANNELS).get(value, value)


def _process_or_404(process_id: int) -> BudgetProcess:
    return get_scoped_or_404(BudgetProcess, process_id)


def _ballot_form(process: BudgetProcess, formdata=None, data=None) -> BallotForm:
    options = [(p, f"{pick_for_reader(p.title)['text']} ({pounds(p.cost)})") for p in services.ballot_projects(process)]
    return BallotForm(formdata, data=data, projects=options)


def _chosen_total(process: BudgetProcess, ids: list[int]) -> Decimal:
    costs = {p.id: p.cost for p in services.ballot_projects(process)}
    return sum((costs[i] for i in set(ids) if i in costs), Decimal(0))


@bp.get("/")
@public
def index():
    processes = db.session.scalars(scoped(BudgetProcess).order_by(BudgetProcess.voting_until.desc(),
                                                                 BudgetProcess.id.desc())).all()
    return render_template("budgeting/index.html", processes=processes, phase_of=services.phase)


@bp.get("/<int:process_id>")
@public
def detail(process_id: int):
    process = _process_or_404(process_id)
    phase = services.phase(process)
    result_rows, chart = [], None
    if process.result:
        selected = set(process.result["selected"])
        votes = process.result["votes"]
        projects = sorted(services.ballot_projects(process), key=lambda p: (-votes.get(str(p.id), 0), p.id))
        result_rows = [(p, votes.get(str(p.id), 0), str(p.id) in selected) for p in projects]
        chart = hbar_chart([(pick_for_reader(p.title)["text"], n, str(n)) for p, n, _s in result_rows],
                           highlight={i for i, (_p, _n, chosen) in enumerate(result_rows) if chosen})
    voted = services.has_voted(process, current_user) if current_user.is_authenticated else None
    return render_template("budgeting/detail.html", process=process, phase=phase, Phase=Phase, voted=voted,
                           result_rows=result_rows, chart=chart, infeasible=[
                               p for p in process.projects if p.status.value == "infeasible"])


@bp.get("/<int:process_id>/total")
@public
def total(process_id: int):
    """The running total of a knapsack ballot, for htmx as boxes are ticked."""
    process = _process_or_404(process_id)
    ids = [int(v) for v in request.args.getlist("projects") if v.isascii() and v.isdigit()]
    return render_template("budgeting/_total.html", process=process, spent=_chosen_total(process, ids))


def _vote_limit() -> str:
    from flask import current_app

    return current_app.config["SUPPORT_LIMIT"]


@bp.route("/<int:process_id>/vote", methods=["GET", "POST"])
@signed_in
@limiter.limit(_vote_limit, key_func=lambda: f"user:{current_user.id}", methods=["POST"])
def vote(process_id: int):
    process = _process_or_404(process_id)
    phase = services.phase(process)
    reason = services.why_not_eligible(process, current_user) if phase == Phase.VOTING else None
    mine = services.current_ballot(process, services.voter_key(current_user))
    form = _ballot_form(process, request.form if request.method == "POST" else None,
                        data={"projects": [c.project_id for c in mine.choices]} if mine else None)
    problem = None
    if request.method == "POST" and phase == Phase.VOTING and not reason and form.validate():
        try:
            services.cast(process, current_user, form.projects.data or [])
        except services.BallotRefused as refused:
            problem = str(refused)
        except services.BallotConflict as conflict:
            flash(str(conflict), "error")
            return redirect(url_for("budgeting.vote", process_id=process.id), 303)
        else:
            flash(_("Your vote is saved. You can change it until voting closes."), "success")
            return redirect(url_for("budgeting.receipt", process_id=process.id), 303)
    chosen = form.projects.data or []
    status = 400 if request.method == "POST" else 200
    return render_page("budgeting/vote.html", status=status, process=process, phase=phase, Phase=Phase, form=form,
                       reason=reason, problem=problem, has_voted=mine is not None,
                       spent=_chosen_total(process, chosen), BallotKind=BallotKind)


@bp.get("/<int:process_id>/receipt")
@signed_in
def receipt(process_id: int):
    """The person's own receipt: a reference and what they chose, to print or keep. Only they see
    it, and only until the result is published (then nothing links them to a ballot)."""
    process = _process_or_404(process_id)
    mine = services.current_ballot(process, services.voter_key(current_user))
    if mine is None:
        return redirect(url_for("budgeting.vote", process_id=process.id), 303)
    chosen = db.session.scalars(select(BudgetProject).where(
        BudgetProject.id.in_([c.project_id for c in mine.choices])).order_by(BudgetProject.id)).all()
    return render_template("budgeting/receipt.html", process=process, ballot=mine, chosen=chosen,
                           spent=sum((p.cost for p in chosen), Decimal(0)))


@bp.get("/<int:process_id>/ballots.pb")
@public
def ballots_file(process_id: int):
    """The anonymised ballots, written once at publication: every download is the same bytes,
    which hash to the SHA-256 on the result page."""
    process = _process_or_404(process_id)
    if not process.ballot_file:
        abort(404)
    response = Response(process.ballot_file.encode("utf-8"), mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="ward-budget-{process.id}.pb"'
    response.set_etag(process.ballot_file_sha256)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)
