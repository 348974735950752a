"""Ward budget pages for residents: the processes, a process with its projects and result, the
ballot (with a running total that works with and without JavaScript), the receipt, and the open
ballot file. Staff pages come next."""
from __future__ import annotations

from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app.auth.services import find_user
from app.budgeting import bp, services
from app.budgeting.allocation import AllocationError
from app.budgeting.forms import (BallotForm, FindResidentForm, InPersonBallotForm, PaperBallotForm, PhaseForm,
                                 ProcessForm, ProjectForm)
from app.budgeting.models import Ballot, BallotKind, BudgetProcess, BudgetProject, Channel, Phase, ProjectStatus
from app.core import tokens
from app.core.access import public, signed_in, staff_only
from app.core.idempotency import idempotent
from app.core.mail import send_mail
from app.core.models import User, VerificationMethod, Ward
from app.core.bilingual import BilingualText, pick_for_reader
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
@idempotent
def vote(process_id: int):
    process = _process_or_404(process_id)
    phase = services.phase(process)
    reason = services.why_not_eligible(process, current_user) if phase == Phase.VOTING else None
    problem = None
    if request.method == "POST" and phase == Phase.VOTING and not reason:
        # The ids are checked by services.cast against this ballot (the CSRF token already was,
        # for every post): no form is built unless the page has to be shown again.
        chosen_ids = [int(v) for v in request.form.getlist("projects") if v.isascii() and v.isdigit()]
        try:
            if len(chosen_ids) != len(request.form.getlist("projects")):
                raise services.BallotRefused(str(_l("Choose only projects on this ballot.")))
            services.cast(process, current_user, chosen_ids)
        except services.BallotRefused as refused:
            problem = str(refused)
        except services.BallotConflict as conflict:
            flash(str(conflict), "error")
            return redirect(url_for("budgeting.vote", process_id=process.id), 303)
        else:
            return redirect(url_for("budgeting.receipt", process_id=process.id), 303)
        form = _ballot_form(process, request.form)  # shown again, with the choices as sent
        mine = None
    else:
        mine = services.current_ballot(process, services.voter_key(current_user))
        form = _ballot_form(process, data={"projects": [c.project_id for c in mine.choices]} if mine else None)
    chosen = form.projects.data or []
    has_voted = mine is not None if request.method == "GET" else \
        services.current_ballot(process, services.voter_key(current_user)) is not None
    return render_page("budgeting/vote.html", status=400 if request.method == "POST" else 200, process=process,
                       phase=phase, Phase=Phase, form=form, reason=reason, problem=problem, has_voted=has_voted,
                       spent=_chosen_total(process, chosen), BallotKind=BallotKind,
                       needs_polling_card=bool(reason) and process.verification == VerificationMethod.POLLING_CARD
                       and current_user.ward_id == process.ward_id and not services.is_verified(process, current_user))


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
    if not process.ballot_file or process.published_at is None:
        abort(404)  # sealed, its hash public, but served with the result
    response = Response(process.ballot_file.encode("utf-8"), mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="ward-budget-{process.id}.pb"'
    response.set_etag(process.ballot_file_sha256)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


# --- Staff ---------------------------------------------------------------------------------------



@bp.get("/manage")
@staff_only
def manage():
    processes = db.session.scalars(scoped(BudgetProcess).order_by(BudgetProcess.voting_until.desc(),
                                                                 BudgetProcess.id.desc())).all()
    return render_template("budgeting/manage.html", processes=processes, phase_of=services.phase,
                           turnout=services.turnout)


@bp.route("/manage/new", methods=["GET", "POST"])
@staff_only
def new_process():
    wards = db.session.scalars(scoped(Ward).order_by(Ward.name)).all()
    form = ProcessForm(wards=wards)
    if form.validate_on_submit():
        chosen = [w for w in wards if w.id in set(form.wards.data)]
        try:
            services.create_processes(
                current_council().id, chosen, title=form.title.data.as_dict(),
                summary=form.summary.data.as_dict(), total=form.total.data, formula=form.formula.data,
                actor=current_user, ballot_kind=BallotKind(form.ballot_kind.data),
                max_choices=form.max_choices.data if form.ballot_kind.data == "approval" else None,
                rule=form.rule.data, utility="cost", completion="add1" if form.rule.data == "equal-shares" else "none",
                proposals_from=form.proposals_from.data, costing_from=form.costing_from.data,
                voting_from=form.voting_from.data, voting_until=form.voting_until.data,
                verification=VerificationMethod(form.verification.data) if form.verification.data else None,
                minimum_age=form.minimum_age.data)
        except AllocationError:
            db.session.rollback()
            form.formula.errors.append(_("A ward has no population or deprivation figure for this formula. "
                                         "Add the figures in the wards' settings, or share the total equally."))
        else:
            flash(ngettext("%(num)s ward budget created.", "%(num)s ward budgets created.", len(chosen)), "success")
            return redirect(url_for("budgeting.manage"), 303)
    return render_template("budgeting/process_form.html", form=form)


@bp.get("/<int:process_id>/manage")
@staff_only
def manage_process(process_id: int):
    process = _process_or_404(process_id)
    phase_form = PhaseForm(data={"phase": process.phase_override.value if process.phase_override else ""})
    return render_template("budgeting/manage_process.html", process=process, phase=services.phase(process),
                           Phase=Phase, phase_form=phase_form, channels=services.turnout_by_channel(process),
                           papers=services.papers_needing_attention(process), ideas=_candidate_ideas(process))


@bp.route("/<int:process_id>/projects/new", methods=["GET", "POST"], endpoint="new_project")
@bp.route("/<int:process_id>/projects/<int:project_id>", methods=["GET", "POST"])
@staff_only
def edit_project(process_id: int, project_id: int | None = None):
    process = _process_or_404(process_id)
    project = None
    if project_id is not None:
        project = db.session.get(BudgetProject, project_id)
        if project is None or project.process_id != process.id:
            abort(404)
    form = ProjectForm(obj=None, data=None if project is None else {
        "title": BilingualText.of(project.title), "description": BilingualText.of(project.description),
        "cost": int(project.cost) if project.cost is not None else None, "status": project.status.value,
        "feasibility_note": project.feasibility_note, "infeasible_reason": project.infeasible_reason})
    if form.validate_on_submit():
        services.save_project(process, project, current_user, title=form.title.data.as_dict(),
                              description=form.description.data.as_dict(),
                              cost=Decimal(form.cost.data) if form.cost.data is not None else None,
                              status=ProjectStatus(form.status.data), feasibility_note=form.feasibility_note.data or "",
                              infeasible_reason=form.infeasible_reason.data or "")
        flash(_("The project is saved."), "success")
        return redirect(url_for("budgeting.manage_process", process_id=process.id), 303)
    return render_template("budgeting/project_form.html", form=form, process=process, project=project)


def _candidate_ideas(process: BudgetProcess) -> list:
    """Ideas that could become projects: listed ideas for this ward or the whole council, most
    supported first, not already on this process. Empty when the ideas module is not there."""
    try:
        from app.ideas.models import Idea
    except ImportError:
        return []
    taken = select(BudgetProject.idea_id).where(BudgetProject.process_id == process.id,
                                                BudgetProject.idea_id.isnot(None))
    return db.session.execute(
        select(Idea.id, Idea.title, Idea.support_count).where(
            Idea.council_id == process.council_id, Idea.listed.is_(True),
            (Idea.ward_id == process.ward_id) | Idea.ward_id.is_(None), Idea.id.not_in(taken))
        .order_by(Idea.support_count.desc(), Idea.id.desc()).limit(200)).all()


@bp.post("/<int:process_id>/projects/from-idea")
@staff_only
def project_from_idea(process_id: int):
    process = _process_or_404(process_id)
    chosen = request.form.get("idea", "")
    ideas = {row.id for row in _candidate_ideas(process)}
    if not (chosen.isascii() and chosen.isdigit()) or int(chosen) not in ideas:
        flash(_("Choose one of the ideas listed."), "error")
        return redirect(url_for("budgeting.manage_process", process_id=process.id), 303)
    from app.ideas.models import Idea

    project = services.project_from_idea(process, db.session.get(Idea, int(chosen)), current_user)
    flash(_("The idea is now a project. Add its cost and say whether it is feasible."), "success")
    return redirect(url_for("budgeting.edit_project", process_id=process.id, project_id=project.id), 303)


@bp.post("/<int:process_id>/phase")
@staff_only
def move_phase(process_id: int):
    process = _process_or_404(process_id)
    form = PhaseForm()
    if not form.validate_on_submit():
        return redirect(url_for("budgeting.manage_process", process_id=process.id), 303)
    return _staff_step(process, lambda: services.move_phase(process, Phase(form.phase.data) if form.phase.data
                                                            else None, current_user), _("The phase is changed."))


@bp.post("/<int:process_id>/seal")
@staff_only
def seal(process_id: int):
    process = _process_or_404(process_id)
    return _staff_step(process, lambda: services.seal_ballots(process, current_user),
                       _("The ballots are sealed and their SHA-256 is published."))


@bp.post("/<int:process_id>/publish")
@staff_only
def publish(process_id: int):
    process = _process_or_404(process_id)
    return _staff_step(process, lambda: services.publish_result(process, current_user), _("The result is published."),
                       then=url_for("budgeting.detail", process_id=process.id))


def _staff_step(process: BudgetProcess, step, done: str, then: str | None = None):
    """Run one staff step on a process: its refusal is shown on the manage page; success is said,
    then the page `then` (the manage page unless named) is shown."""
    try:
        step()
    except services.BallotRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("budgeting.manage_process", process_id=process.id), 303)
    flash(done, "success")
    return redirect(then or url_for("budgeting.manage_process", process_id=process.id), 303)


@bp.route("/<int:process_id>/paper", methods=["GET", "POST"])
@staff_only
@idempotent
def paper(process_id: int):
    process = _process_or_404(process_id)
    options = [(p, f"{pick_for_reader(p.title)['text']} ({pounds(p.cost)})") for p in services.ballot_projects(process)]
    form = PaperBallotForm(projects=options)
    problem = None
    if form.validate_on_submit():
        try:
            outcome = services.key_paper(process, current_user, form.paper.data, form.email.data,
                                         form.projects.data or [])
        except services.BallotRefused as refused:
            problem = str(refused)
        except services.BallotConflict as conflict:
            problem = str(conflict)
        else:
            flash(paper_outcome_label(outcome, form.paper.data.strip()), "success")
            return redirect(url_for("budgeting.paper", process_id=process.id), 303)
    return render_page("budgeting/paper.html", status=400 if request.method == "POST" else 200, process=process,
                       form=form, problem=problem, papers=services.papers_needing_attention(process))


@bp.app_template_global()
def paper_outcome_label(outcome: str, paper: str = "") -> str:
    return {services.PAPER_WAITING: _("Paper %(paper)s is keyed in once. Someone else now keys it a second time.",
                                      paper=paper),
            services.PAPER_COUNTED: _("Paper %(paper)s: both entries agree, and the ballot is counted.", paper=paper),
            services.PAPER_ONLINE_WINS: _("Paper %(paper)s: this voter also voted online, so their online vote "
                                          "counts and this paper does not.", paper=paper),
            services.PAPER_MISMATCH: _("Paper %(paper)s: the entries do not agree. A third person should key it "
                                       "in.", paper=paper)}[outcome]


# --- In person: a library kiosk ballot, or an assisted one, with the resident's code -------------

RECEIPT_LINK_SECONDS = 30 * 60
CODE_MINUTES = int(services.IN_PERSON_CODE_LIFETIME.total_seconds() // 60)


def _resident_or_404(process: BudgetProcess, user_id: int) -> User:
    resident = db.session.get(User, user_id)
    if resident is None or resident.council_id != process.council_id or resident.deleted_at is not None:
        abort(404)
    return resident


@bp.route("/<int:process_id>/in-person", methods=["GET", "POST"])
@staff_only
def in_person(process_id: int):
    """Step one of a ballot cast in person: find the resident's account."""
    process = _process_or_404(process_id)
    form = FindResidentForm()
    if form.validate_on_submit():
        resident = find_user(current_council(), form.email.data)
        if resident is not None:
            return redirect(url_for("budgeting.in_person_ballot", process_id=process.id, user_id=resident.id), 303)
        form.email.errors.append(_("No resident has an account with that email address."))
    return render_page("budgeting/in_person.html", status=400 if request.method == "POST" else 200,
                       process=process, form=form)


@bp.route("/<int:process_id>/in-person/<int:user_id>", methods=["GET", "POST"])
@staff_only
@limiter.limit(_vote_limit, key_func=lambda: f"user:{current_user.id}", methods=["POST"])
@idempotent
def in_person_ballot(process_id: int, user_id: int):
    """Step two: the resident's standing (may they vote, have they voted and how, never what they
    chose), a code sent to them, and the ballot, cast with that code."""
    process = _process_or_404(process_id)
    resident = _resident_or_404(process, user_id)
    options = [(p, f"{pick_for_reader(p.title)['text']} ({pounds(p.cost)})") for p in services.ballot_projects(process)]
    form = InPersonBallotForm(projects=options)
    problem, problem_field = None, "projects"
    if form.validate_on_submit():
        try:
            cast = services.cast_in_person(process, resident, current_user, form.code.data, form.projects.data,
                                           Channel(form.channel.data))
        except (services.BallotRefused, services.BallotConflict) as refused:
            problem = str(refused)
            problem_field = "code" if isinstance(refused, services.CodeRefused) else "projects"
        else:
            token = tokens.sign("budget-in-person-receipt", [process.id, cast.id])
            return redirect(url_for("budgeting.in_person_receipt", process_id=process.id, token=token), 303)
    phase = services.phase(process)
    return render_page("budgeting/in_person_ballot.html", status=400 if request.method == "POST" else 200,
                       process=process, resident=resident, form=form, problem=problem, problem_field=problem_field,
                       phase=phase, Phase=Phase,
                       reason=services.why_not_eligible(process, resident), voted=services.has_voted(process, resident),
                       spent=_chosen_total(process, form.projects.data or []), BallotKind=BallotKind,
                       needs_staff_check=process.verification == VerificationMethod.STAFF,
                       code_minutes=CODE_MINUTES)


@bp.post("/<int:process_id>/in-person/<int:user_id>/verify")
@staff_only
def in_person_verify(process_id: int, user_id: int):
    process = _process_or_404(process_id)
    services.verify_by_staff(_resident_or_404(process, user_id), current_user, process)
    flash(_("Recorded: you have checked who they are."), "success")
    return redirect(url_for("budgeting.in_person_ballot", process_id=process.id, user_id=user_id), 303)


@bp.post("/<int:process_id>/in-person/<int:user_id>/code")
@staff_only
@limiter.limit("10 per hour", key_func=lambda: f"in-person-code:{request.view_args['user_id']}")
def in_person_code(process_id: int, user_id: int):
    process = _process_or_404(process_id)
    resident = _resident_or_404(process, user_id)
    if not resident.email:
        flash(_("This resident has no email address, so no code can be sent. Give them a sign-in code from "
                "“Help a resident sign in”, and they can vote themselves at a kiosk."), "error")
        return redirect(url_for("budgeting.in_person_ballot", process_id=process.id, user_id=user_id), 303)
    try:
        code = services.issue_in_person_code(process, resident, current_user)
    except services.BallotRefused as refused:
        flash(str(refused), "error")
    else:
        with force_locale(resident.language):
            title = pick_for_reader(process.title)["text"]
            send_mail(resident.email, _("Your code to vote in %(title)s", title=title),
                      _("Hello %(name)s,\n\nYour confirmation code to vote in %(title)s is %(code)s.\n\n"
                        "Give it to the member of staff who is helping you. It works once, for %(minutes)s "
                        "minutes.\n\nIf you did not ask to vote in person, do not give this code to anyone, and "
                        "tell the council.", name=resident.display_name, title=title, code=code,
                        minutes=CODE_MINUTES))
        flash(_("A confirmation code has been sent to the resident's email. Ask them for it."), "success")
    return redirect(url_for("budgeting.in_person_ballot", process_id=process.id, user_id=user_id), 303)


@bp.get("/<int:process_id>/in-person/receipt/<token>")
@staff_only
def in_person_receipt(process_id: int, token: str):
    """A receipt to print and hand to the resident: the reference and what was chosen, without
    their name. The link is signed and short-lived: staff cannot come back to it later."""
    process = _process_or_404(process_id)
    signed = tokens.unsign("budget-in-person-receipt", token, max_age=RECEIPT_LINK_SECONDS)
    ballot = db.session.get(Ballot, signed[1]) if signed and signed[0] == process.id else None
    if ballot is None or ballot.process_id != process.id or process.sealed_at is not None:
        abort(404)
    chosen = db.session.scalars(select(BudgetProject).where(
        BudgetProject.id.in_([c.project_id for c in ballot.choices])).order_by(BudgetProject.id)).all()
    return render_template("budgeting/in_person_receipt.html", process=process, ballot=ballot, chosen=chosen,
                           spent=sum((p.cost for p in chosen), Decimal(0)))
