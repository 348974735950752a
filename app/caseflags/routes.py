"""Case flags: thin views. Every view of case-flag data first checks that the person is a
caseworker assigned to the subject's team (403 otherwise), then asks why they are opening it
(the reason gate), then writes the view to the audit log with that reason."""
from __future__ import annotations

import re
import time
from datetime import date

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.caseflags import bp, notices, rules, services
from app.caseflags.forms import (OUTCOME_LABELS, AccessRequestForm, AppealDecisionForm, AppealForm, ApproveForm,
                                 CategoryForm, DecisionForm, FlagForm, LinkForm, MatchForm, OptOutAskForm, OptOutForm, ReasonForm,
                                 RefuseForm, SearchForm, SensitiveRequestForm, SettingsForm, SubjectForm, VerifyForm,
                                 WithdrawForm, rule_form)
from app.caseflags.models import (AccessRequest, Appeal, AppealStatus, Flag, FlagCategory, MatchCandidate,
                                  MatchStatus, RequestStatus, Review, ReviewOutcome, RuleVersion, SensitiveAccess,
                                  Severity, Subject, SubjectKind)
from app.core.access import public, role_required, signed_in
from app.core.forms import choices
from app.core.models import Role, Team, User, Ward
from app.core.tenancy import current_council, get_scoped_or_404, scoped
from app.core.web import paginate
from app.extensions import db, limiter

caseworker = role_required(Role.CASEWORKER)
REASON_SECONDS = 30 * 60
_KEY = re.compile(r"^(subject|review|match|request|appeal):\d+$")


# --- Access: the assigned-team check and the reason gate --------------------------------------

def _open_subject(subject_id: int) -> Subject:
    subject = get_scoped_or_404(Subject, subject_id)
    if not services.can_open(current_user, subject):
        abort(403)
    return subject


def _reviewer() -> None:
    if not services.is_reviewer(current_user):
        abort(403)


def _given_reason(key: str) -> str | None:
    """The reason the caseworker gave for `key` in the last 30 minutes, read back from the audit log."""
    given = session.get("cf_reasons", {}).get(key)
    if not given or given[1] <= time.time():
        return None
    entry = services.audit_row_of(given[0], current_user, "caseflags.reason_given")
    return entry.details["reason"] if entry is not None and entry.details.get("key") == key else None


def _gate(key: str):
    form = ReasonForm(data={"key": key, "next": request.full_path.rstrip("?")})
    return render_template("caseflags/reason.html", form=form)


@bp.post("/reason")
@caseworker
def give_reason():
    form = ReasonForm()
    if not (_KEY.match(form.key.data or "") and (form.next.data or "").startswith("/caseflags/")):
        abort(400)
    if form.validate_on_submit():
        reasons = {k: v for k, v in session.get("cf_reasons", {}).items() if v[1] > time.time()}
        entry_id = services.record_reason(current_council().id, form.key.data, form.reason.data.strip())
        reasons[form.key.data] = [entry_id, time.time() + REASON_SECONDS]
        session["cf_reasons"] = reasons
        return redirect(form.next.data, 303)
    return render_template("caseflags/reason.html", form=form)


def _user_teams() -> list[Team]:
    return sorted(current_user.teams, key=lambda t: t.name)


# --- Caseworker home and search ---------------------------------------------------------------

@bp.get("/")
@caseworker
def index():
    council_id = current_council().id
    counts = {}
    if services.is_reviewer(current_user):
        counts = {
            "reviews": db.session.scalar(select(func.count()).select_from(Review).where(
                Review.council_id == council_id, Review.outcome.is_(None))),
            "matches": db.session.scalar(select(func.count()).select_from(MatchCandidate).where(
                MatchCandidate.council_id == council_id, MatchCandidate.status == MatchStatus.OPEN)),
            "requests": db.session.scalar(select(func.count()).select_from(AccessRequest).where(
                AccessRequest.council_id == council_id,
                AccessRequest.status.in_([RequestStatus.RECEIVED, RequestStatus.VERIFIED, RequestStatus.LINKED]))),
            "appeals": db.session.scalar(select(func.count()).select_from(Appeal).where(
                Appeal.council_id == council_id, Appeal.status == AppealStatus.OPEN)),
            "sensitive": db.session.scalar(select(func.count()).select_from(SensitiveAccess).where(
                SensitiveAccess.council_id == council_id, SensitiveAccess.decided_at.is_(None))),
        }
    return render_template("caseflags/index.html", counts=counts, teams=_user_teams())


@bp.route("/search", methods=["GET", "POST"])
@caseworker
def search():
    form = SearchForm()
    if form.validate_on_submit():
        found = services.search_subjects(current_user, form.q.data)
        entry_id = services.record_search(current_council().id, form.q.data, form.reason.data, len(found))
        session["cf_search"] = [entry_id, time.time() + REASON_SECONDS]
        return redirect(url_for("caseflags.search"), 303)
    results = None
    stored = session.get("cf_search")
    if request.method == "GET" and isinstance(stored, list) and stored[1] > time.time():
        entry = services.audit_row_of(stored[0], current_user, "caseflags.searched")
        if entry is not None:  # the search already written to the audit log, with its reason
            results = services.search_subjects(current_user, entry.details["query"])
            form.q.data = entry.details["query"]
    return render_template("caseflags/search.html", form=form, results=results)


# --- Subjects and flags -----------------------------------------------------------------------

def _ward_choices():
    return choices([("", _("Not known"))] + [(str(w.id), w.name) for w in db.session.scalars(scoped(Ward).order_by(Ward.name))])


@bp.route("/subjects/new", methods=["GET", "POST"])
@caseworker
def new_subject():
    form = SubjectForm()
    form.ward.choices = _ward_choices()
    form.team.choices = choices([(str(t.id), t.name) for t in _user_teams()])
    if not _user_teams():
        abort(403)
    if form.validate_on_submit():
        team = next(t for t in _user_teams() if str(t.id) == form.team.data)
        subject, _matches = services.create_subject(current_council(), services.SubjectInput(
            kind=SubjectKind(form.kind.data), name=form.name.data, date_of_birth=form.date_of_birth.data,
            address=form.address.data or "", uprn=form.uprn.data, ward_id=int(form.ward.data) if form.ward.data else None),
            team, current_user)
        # The same message either way: whether another service knows this person is not the
        # creator's to learn (a reviewer checks the match; nothing is combined until they do).
        flash(_("Saved."), "success")
        return redirect(url_for("caseflags.subject", subject_id=subject.id), 303)
    return render_template("caseflags/subject_form.html", form=form)


@bp.get("/subjects/<int:subject_id>")
@caseworker
def subject(subject_id: int):
    found = get_scoped_or_404(Subject, subject_id)
    if found.merged_into_id:
        survivor = db.session.get(Subject, found.merged_into_id)
        if survivor is not None and services.can_open(current_user, survivor):
            return redirect(url_for("caseflags.subject", subject_id=survivor.id), 303)
    subject = _open_subject(subject_id)
    reason = _given_reason(f"subject:{subject.id}")
    if reason is None:
        return _gate(f"subject:{subject.id}")
    services.record_view(subject, reason, "subject")
    version = services.current_rule(subject.council_id)
    outcome = services.outcome_for(subject, version)
    history = db.session.scalars(select(Review).where(Review.subject_id == subject.id, Review.outcome.is_not(None))
                                 .order_by(Review.decided_at.desc())).all()
    appeals = {a.flag_id: a for a in db.session.scalars(select(Appeal).where(
        Appeal.flag_id.in_([f.id for f in subject.flags] or [0])).order_by(Appeal.id))}
    return render_template("caseflags/subject.html", subject=subject, outcome=outcome, version=version,
                           history=history, appeals=appeals, outcomes=dict(OUTCOME_LABELS),
                           flags={f.id: f for f in subject.flags}, review=services.open_review(subject.id),
                           sensitive_ok=services.has_sensitive_access(current_user, subject),
                           sensitive_pending=services.pending_sensitive(current_user, subject),
                           withdraw_form=WithdrawForm(), opt_out_form=OptOutForm(opted_out=bool(subject.opted_out_on)),
                           sensitive_form=SensitiveRequestForm(), reviewer=services.is_reviewer(current_user))


@bp.route("/subjects/<int:subject_id>/edit", methods=["GET", "POST"])
@caseworker
def edit_subject(subject_id: int):
    subject = _open_subject(subject_id)
    reason = _given_reason(f"subject:{subject.id}")
    if reason is None:
        return _gate(f"subject:{subject.id}")
    form = SubjectForm(obj=subject)
    del form.team  # the teams assigned do not change here
    form.ward.choices = _ward_choices()
    if request.method == "GET":
        form.kind.data = subject.kind.value
        form.ward.data = str(subject.ward_id or "")
    if form.validate_on_submit():
        changed = services.update_subject(subject, services.SubjectInput(
            kind=SubjectKind(form.kind.data), name=form.name.data, date_of_birth=form.date_of_birth.data,
            address=form.address.data or "", uprn=form.uprn.data, ward_id=int(form.ward.data) if form.ward.data else None),
            current_user, reason)
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("caseflags.subject", subject_id=subject.id), 303)
    services.record_view(subject, reason, "edit")
    return render_template("caseflags/subject_form.html", form=form, subject=subject)


@bp.route("/subjects/<int:subject_id>/flags/new", methods=["GET", "POST"])
@caseworker
def new_flag(subject_id: int):
    subject = _open_subject(subject_id)
    reason = _given_reason(f"subject:{subject.id}")
    if reason is None:
        return _gate(f"subject:{subject.id}")
    teams = [t for t in _user_teams() if t.id in {x.id for x in subject.teams}]
    categories = services.categories(subject.council_id)
    form = FlagForm()
    form.team.choices = choices([(str(t.id), t.name) for t in teams])
    form.category.choices = choices([(str(c.id), c.name) for c in categories])
    if request.method == "GET":
        form.observed_on.data = date.today()
    if form.validate_on_submit():
        team = next(t for t in teams if str(t.id) == form.team.data)
        category = next(c for c in categories if str(c.id) == form.category.data)
        _flag, review = services.add_flag(subject, team, current_user, category, Severity(form.severity.data),
                                          form.observed.data, form.observed_on.data, form.expires_on.data,
                                          reason=reason)
        if review:
            notices.review_opened(review)
        flash(_("The flag is recorded.") + (" " + _("Together with other services' flags, it brings this case to a reviewer.")
                                           if review else ""), "success")
        return redirect(url_for("caseflags.subject", subject_id=subject.id), 303)
    services.record_view(subject, reason, "flag_form")
    return render_template("caseflags/flag_form.html", form=form, subject=subject, categories=categories)


@bp.post("/flags/<int:flag_id>/withdraw")
@caseworker
def withdraw_flag(flag_id: int):
    flag = get_scoped_or_404(Flag, flag_id)
    subject = _open_subject(flag.subject_id)
    if flag.author_id != current_user.id and not services.is_reviewer(current_user):
        abort(403)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_flag(flag, current_user, form.reason.data)
            flash(_("The flag is withdrawn. It no longer counts."), "success")
        except services.NotAllowed:
            flash(_("This flag was already withdrawn."), "error")
    else:
        flash(_("Give your reason for withdrawing the flag."), "error")
    return redirect(url_for("caseflags.subject", subject_id=subject.id), 303)


@bp.post("/subjects/<int:subject_id>/opt-out")
@caseworker
def opt_out(subject_id: int):
    subject = _open_subject(subject_id)
    form = OptOutForm()
    if form.validate_on_submit():
        services.set_opt_out(subject, current_user, date.today() if form.opted_out.data else None, form.note.data)
        flash(_("Saved."), "success")
    else:
        flash(_("Add a note saying what the person asked for."), "error")
    return redirect(url_for("caseflags.subject", subject_id=subject.id), 303)


@bp.post("/subjects/<int:subject_id>/restricted")
@caseworker
def request_sensitive(subject_id: int):
    subject = _open_subject(subject_id)
    form = SensitiveRequestForm()
    if form.validate_on_submit():
        services.request_sensitive(subject, current_user, form.reason.data)
        flash(_("Your request is sent. Another reviewer must approve it before you see these flags."), "success")
    else:
        flash(_("Give your reason for asking."), "error")
    return redirect(url_for("caseflags.subject", subject_id=subject.id), 303)


# --- Second person: approving access to sensitive categories ----------------------------------

@bp.get("/restricted")
@caseworker
def sensitive_requests():
    _reviewer()
    page = paginate(scoped(SensitiveAccess).where(SensitiveAccess.decided_at.is_(None))
                    .options(selectinload(SensitiveAccess.requester)).order_by(SensitiveAccess.requested_at), per_page=25)
    return render_template("caseflags/sensitive.html", page=page, pending=page.items, form=ApproveForm())


@bp.post("/restricted/<int:access_id>")
@caseworker
def decide_sensitive(access_id: int):
    _reviewer()
    access = get_scoped_or_404(SensitiveAccess, access_id)
    _open_subject(access.subject_id)
    form = ApproveForm()
    if form.validate_on_submit() and form.decision.data in ("approve", "refuse"):
        try:
            services.decide_sensitive(access, current_user, form.decision.data == "approve")
            flash(_("Decision recorded."), "success")
        except services.NotAllowed as error:
            flash(_("You cannot approve your own request: another reviewer must.") if str(error) == "own_request"
                  else _("This request was already decided."), "error")
    return redirect(url_for("caseflags.sensitive_requests"), 303)


# --- Reviews ----------------------------------------------------------------------------------

@bp.get("/reviews")
@caseworker
def reviews():
    _reviewer()
    page = paginate(scoped(Review).where(Review.outcome.is_(None)).order_by(Review.opened_at), per_page=25)
    decided = db.session.scalars(scoped(Review).where(Review.outcome.is_not(None))
                                 .order_by(Review.decided_at.desc()).limit(10)).all()
    return render_template("caseflags/reviews.html", page=page, decided=decided, outcomes=dict(OUTCOME_LABELS))


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@caseworker
def review(review_id: int):
    _reviewer()
    item = get_scoped_or_404(Review, review_id)
    subject = _open_subject(item.subject_id)
    reason = _given_reason(f"subject:{subject.id}")
    if reason is None:
        return _gate(f"subject:{subject.id}")
    form = DecisionForm()
    if item.outcome is None and form.validate_on_submit():
        services.decide_review(item, current_user, ReviewOutcome(form.outcome.data), form.reason.data)
        flash(_("Your decision is recorded."), "success")
        return redirect(url_for("caseflags.reviews"), 303)
    services.record_view(subject, reason, "review")
    outcome = services.outcome_for(subject, item.rule_version)
    decider = db.session.get(User, item.decided_by_id) if item.decided_by_id else None
    return render_template("caseflags/review.html", review=item, subject=subject, form=form, outcome=outcome,
                           flags={f.id: f for f in subject.flags}, decider=decider, outcomes=dict(OUTCOME_LABELS),
                           sensitive_ok=services.has_sensitive_access(current_user, subject),
                           page_has_errors=bool(form.errors))


# --- Match review: never merged silently ------------------------------------------------------

@bp.get("/matches")
@caseworker
def matches():
    _reviewer()
    page = paginate(scoped(MatchCandidate).where(MatchCandidate.status == MatchStatus.OPEN)
                    .order_by(MatchCandidate.created_at), per_page=25)
    return render_template("caseflags/matches.html", page=page, pending=page.items)


@bp.route("/matches/<int:match_id>", methods=["GET", "POST"])
@caseworker
def match(match_id: int):
    _reviewer()
    item = get_scoped_or_404(MatchCandidate, match_id)
    a, b = _open_subject(item.subject_a_id), _open_subject(item.subject_b_id)
    reason = _given_reason(f"match:{item.id}")
    if reason is None:
        return _gate(f"match:{item.id}")
    form = MatchForm()
    if item.status == MatchStatus.OPEN and form.validate_on_submit():
        try:
            review = services.decide_match(item, current_user, form.same.data == "yes", form.note.data)
            if review:
                notices.review_opened(review)
            flash(_("The records are combined.") if form.same.data == "yes" else _("The records stay apart."), "success")
        except services.NotAllowed:
            flash(_("One of these records was already combined with another."), "error")
        return redirect(url_for("caseflags.matches"), 303)
    services.record_view(a, reason, "match")
    services.record_view(b, reason, "match")
    return render_template("caseflags/match.html", match=item, a=a, b=b, form=form, page_has_errors=bool(form.errors))


# --- Subject access requests: the resident's side ---------------------------------------------

def _own_request(request_id: int) -> AccessRequest:
    item = get_scoped_or_404(AccessRequest, request_id)
    if item.user_id != current_user.id:
        abort(403)
    return item


@bp.get("/my-data")
@signed_in
def my_data():
    mine = db.session.scalars(scoped(AccessRequest).where(AccessRequest.user_id == current_user.id)
                              .order_by(AccessRequest.id.desc())).all()
    return render_template("caseflags/my_data.html", requests=mine)


@bp.route("/my-data/new", methods=["GET", "POST"])
@signed_in
@limiter.limit("5 per day", key_func=lambda: f"caseflags-request:{current_user.id}", methods=["POST"])
def new_request():
    form = AccessRequestForm()
    if request.method == "GET":
        form.name.data = current_user.display_name
        form.date_of_birth.data = current_user.date_of_birth
    if form.validate_on_submit():
        item = services.create_request(current_user, form.name.data, form.date_of_birth.data, form.address.data,
                                       form.details.data or "")
        flash(_("Your request is received. We will answer by %(date)s.", date=format_date(item.due_on, "long")), "success")
        return redirect(url_for("caseflags.my_request", request_id=item.id), 303)
    return render_template("caseflags/my_request_form.html", form=form)


@bp.get("/my-data/<int:request_id>")
@signed_in
def my_request(request_id: int):
    item = _own_request(request_id)
    appeals = db.session.scalars(select(Appeal).where(Appeal.request_id == item.id).order_by(Appeal.id)).all()
    return render_template("caseflags/my_request.html", item=item, appeals={a.flag_id: a for a in appeals},
                           outcomes=dict(OUTCOME_LABELS), opt_out_form=OptOutAskForm())


@bp.post("/my-data/<int:request_id>/opt-out")
@signed_in
def ask_opt_out(request_id: int):
    item = _own_request(request_id)
    form = OptOutAskForm()
    if form.validate_on_submit():
        try:
            services.ask_opt_out(item, current_user, form.note.data or "")
            notices.opt_out_asked(item)
            flash(_("We have your request. Someone will decide, where the law allows, and tell you."), "success")
        except services.NotAllowed:
            abort(409)
    return redirect(url_for("caseflags.my_request", request_id=item.id), 303)


@bp.route("/my-data/<int:request_id>/flags/<int:flag_id>/appeal", methods=["GET", "POST"])
@signed_in
def appeal_flag(request_id: int, flag_id: int):
    item = _own_request(request_id)
    released = {f["id"]: f for f in (item.released_data or {}).get("flags", [])} \
        if item.status == RequestStatus.RELEASED else {}
    if flag_id not in released:
        abort(404)
    if db.session.scalar(select(Appeal.id).where(Appeal.request_id == item.id, Appeal.flag_id == flag_id).limit(1)):
        return redirect(url_for("caseflags.my_request", request_id=item.id), 303)
    form = AppealForm()
    if form.validate_on_submit():
        services.create_appeal(item, db.session.get(Flag, flag_id), current_user, form.grounds.data)
        flash(_("Your appeal is sent. Someone other than the person who recorded the flag will decide, and you will see the outcome here."), "success")
        return redirect(url_for("caseflags.my_request", request_id=item.id), 303)
    return render_template("caseflags/appeal_form.html", form=form, item=item, flag=released[flag_id])


# --- Subject access requests: staff -----------------------------------------------------------

@bp.get("/requests")
@caseworker
def requests_queue():
    _reviewer()
    page = paginate(scoped(AccessRequest).order_by(AccessRequest.status.in_([RequestStatus.RELEASED, RequestStatus.REFUSED]),
                                                   AccessRequest.due_on), per_page=25)
    return render_template("caseflags/requests.html", page=page, today=date.today())


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
@caseworker
def access_request(request_id: int):
    _reviewer()
    item = get_scoped_or_404(AccessRequest, request_id)
    if item.subject_id:
        _open_subject(item.subject_id)
    reason = _given_reason(f"request:{item.id}")
    if reason is None:
        return _gate(f"request:{item.id}")
    step = request.form.get("step") if request.method == "POST" else None
    verify, link, refuse = VerifyForm(), LinkForm(), RefuseForm()
    if step == "verify" and verify.validate_on_submit():
        try:
            services.verify_identity(item, current_user, verify.note.data)
            flash(_("Identity checked. Now find the person's record."), "success")
        except services.NotAllowed:
            pass  # already checked (a second click, or another reviewer a moment ago): the page shows where it stands
        return redirect(url_for("caseflags.access_request", request_id=item.id), 303)
    if step == "link" and link.validate_on_submit():
        subject = None
        if link.subject.data:
            subject = db.session.scalar(scoped(Subject).where(Subject.id == int(link.subject.data)))
            if subject is None or subject.merged_into_id or not services.can_open(current_user, subject):
                link.subject.errors.append(_("No record you can open has this reference"))
        if not link.subject.errors:
            try:
                services.link_request(item, current_user, subject, reason=reason)
                return redirect(url_for("caseflags.access_request", request_id=item.id), 303)
            except services.NotAllowed:
                link.subject.errors.append(_("Check the person's identity first"))
    blocked = item.subject is not None and services.needs_second_person(current_user, item.subject)
    if step == "release" and item.status == RequestStatus.LINKED and not blocked:
        from flask_wtf.csrf import validate_csrf
        from wtforms import ValidationError

        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            abort(400)
        if request.form.get("checked") != "y":
            flash(_("Confirm that you have taken other people's information out of the text."), "error")
        else:
            redacted = {f.id: request.form.get(f"flag-{f.id}", "") for f in (item.subject.flags if item.subject else [])}
            services.release_request(item, current_user, redacted, {k: str(v) for k, v in OUTCOME_LABELS}, reason=reason)
            notices.request_answered(item)
            flash(_("The copy is released. The person can read it and appeal."), "success")
            return redirect(url_for("caseflags.access_request", request_id=item.id), 303)
    if step == "refuse" and refuse.validate_on_submit():
        try:
            services.refuse_request(item, current_user, refuse.reason.data)
            notices.request_answered(item)
        except services.NotAllowed:
            pass
        return redirect(url_for("caseflags.access_request", request_id=item.id), 303)
    services.record_view(item, reason, "request")
    if item.subject is not None:
        services.record_view(item.subject, reason, "request")
    return render_template("caseflags/request.html", item=item, verify=verify, link=link, refuse=refuse,
                           today=date.today(), blocked=blocked, page_has_errors=bool(verify.errors or link.errors or refuse.errors))


# --- Appeals: decided by someone other than the flag's author ---------------------------------

@bp.get("/appeals")
@caseworker
def appeals():
    _reviewer()
    page = paginate(scoped(Appeal).where(Appeal.status == AppealStatus.OPEN).order_by(Appeal.created_at), per_page=25)
    return render_template("caseflags/appeals.html", page=page, pending=page.items)


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@caseworker
def appeal(appeal_id: int):
    _reviewer()
    item = get_scoped_or_404(Appeal, appeal_id)
    subject = _open_subject(item.flag.subject_id)
    reason = _given_reason(f"appeal:{item.id}")
    if reason is None:
        return _gate(f"appeal:{item.id}")
    own = item.flag.author_id == current_user.id
    restricted = item.flag.category.sensitive and not services.has_sensitive_access(current_user, subject)
    form = AppealDecisionForm()
    if item.status == AppealStatus.OPEN and not own and not restricted and form.validate_on_submit():
        services.decide_appeal(item, current_user, AppealStatus(form.status.data), form.reason.data,
                               form.corrected_text.data)
        services.reassess(subject)
        db.session.commit()
        notices.appeal_decided(item)
        flash(_("Your decision is recorded. The person sees it with their request."), "success")
        return redirect(url_for("caseflags.appeals"), 303)
    services.record_view(subject, reason, "appeal")
    return render_template("caseflags/appeal.html", appeal=item, form=form, own=own, restricted=restricted,
                           page_has_errors=bool(form.errors))


# --- Reports: who looked at what; fairness ----------------------------------------------------

@bp.get("/access-report")
@role_required(Role.CASEWORKER, Role.ADMIN)
def access_report():
    if not (current_user.has_role(Role.ADMIN) or services.is_reviewer(current_user)):
        abort(403)
    subject_id = request.args.get("subject", type=int)
    page = paginate(services.access_report_query(current_council().id, subject_id), per_page=50)
    people = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({e.actor_id for e in page.items if e.actor_id} or {0})))}
    return render_template("caseflags/access_report.html", page=page, people=people, subject_id=subject_id)


@bp.get("/fairness")
@role_required(Role.STAFF, Role.CASEWORKER, Role.ADMIN)
def fairness():
    return render_template("caseflags/fairness.html", tables=services.fairness_counts(current_council().id),
                           small=rules.SMALL_COUNT)


# --- The rule: public in plain words; versioned changes by admins ------------------------------

@bp.get("/rule")
@public
def rule():
    council_id = current_council().id
    version = services.current_rule(council_id)
    return _rule_page(version, services.rule_versions(council_id))


@bp.get("/rule/versions/<int:number>")
@public
def rule_version(number: int):
    version = db.session.scalar(scoped(RuleVersion).where(RuleVersion.number == number))
    if version is None:
        abort(404)
    return _rule_page(version, services.rule_versions(current_council().id))


def _rule_page(version: RuleVersion, versions):
    config = rules.RuleConfig.from_dict(version.config)
    cats = services.categories(version.council_id, active_only=False)
    return render_template("caseflags/rule.html", version=version, versions=versions, config=config, categories=cats,
                           examples=rules.worked_examples(config, date.today()), latest=versions[0].number if versions else version.number)


@bp.route("/rule/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_rule():
    council_id = current_council().id
    config = rules.RuleConfig.from_dict(services.current_rule(council_id).config)
    cats = services.categories(council_id, active_only=False)
    form = rule_form(cats, config)
    if form.validate_on_submit():
        category_points = {}
        for c in cats:
            points = {s: form[f"cat_{c.id}_{s}"].data for s in rules.SEVERITIES if form[f"cat_{c.id}_{s}"].data is not None}
            if points:
                category_points[c.code] = points
        new = rules.RuleConfig(window_days=form.window_days.data, threshold=form.threshold.data,
                               min_services=form.min_services.data,
                               default_points={s: form[f"points_{s}"].data for s in rules.SEVERITIES},
                               category_points=category_points)
        version = services.change_rule(council_id, new, form.note.data, current_user)
        flash(_("Version %(number)s of the rule is in force. Reviews opened earlier keep the version that opened them.",
                number=version.number), "success")
        return redirect(url_for("caseflags.rule"), 303)
    return render_template("caseflags/rule_form.html", form=form, categories=cats, severities=rules.SEVERITIES)


@bp.route("/categories", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def categories():
    council_id = current_council().id
    form = CategoryForm()
    if form.validate_on_submit():
        if db.session.scalar(scoped(FlagCategory).where(FlagCategory.code == form.code.data)):
            form.code.errors.append(_("A category already has this code"))
        else:
            services.save_category(council_id, None, code=form.code.data, name=form.name.data,
                                   description=form.description.data, sensitive=form.sensitive.data, active=form.active.data)
            flash(_("The category is added."), "success")
            return redirect(url_for("caseflags.categories"), 303)
    return render_template("caseflags/categories.html", form=form,
                           categories=services.categories(council_id, active_only=False))


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_category(category_id: int):
    category = get_scoped_or_404(FlagCategory, category_id)
    form = CategoryForm(obj=category)
    form.code.data = category.code  # the code is what rules name: it does not change
    if form.validate_on_submit():
        services.save_category(category.council_id, category, code=category.code, name=form.name.data,
                               description=form.description.data, sensitive=form.sensitive.data, active=form.active.data)
        flash(_("Saved."), "success")
        return redirect(url_for("caseflags.categories"), 303)
    return render_template("caseflags/category_form.html", form=form, category=category)


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings():
    council = current_council()
    current = services.settings_for(council.id)
    form = SettingsForm(obj=current)
    form.review_team.choices = choices([("", _("Choose a team"))] + [
        (str(t.id), t.name) for t in db.session.scalars(scoped(Team).order_by(Team.name))])
    if request.method == "GET":
        form.review_team.data = str(current.review_team_id or "")
    if form.validate_on_submit():
        team = get_scoped_or_404(Team, int(form.review_team.data))
        added, removed = services.set_review_team(council.id, team, form.default_expiry_months.data, current_user)
        flash(_("Saved. The review team was given %(added)s records and the previous one lost %(removed)s.",
                added=added, removed=removed), "success")
        return redirect(url_for("caseflags.settings"), 303)
    db.session.commit()
    return render_template("caseflags/settings.html", form=form)
