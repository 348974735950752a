"""Views for challenge-based tenders: thin, over services. Bids are readable only through
services.may_read_bid (the seal)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.core import uploads
from app.core.access import public, role_required, signed_in, staff_only
from app.core.bilingual import BilingualText
from app.core.forms import choices
from app.core.models import Organisation, Role, SizeBand
from app.core.tenancy import current_council, get_scoped_or_404, scoped
from app.core.web import paginate, render_page
from app.extensions import db, limiter
from app.tenders import bp, forms, services
from app.tenders.models import (Award, Bid, BidStatus, CaseStudy, Certificate, Challenge, ChallengeChange,
                                Clarification, PartnerListing, Stage, StageKind)
from app.tenders.services import Refused

# Questions and messages to other organisations, per person: a script cannot flood staff or suppliers.
messaging_limit = limiter.limit(lambda: current_app.config.get("TENDER_MESSAGE_LIMIT", "30 per hour"),
                                key_func=lambda: f"tenders-messages:{current_user.get_id()}", methods=["POST"])
evaluators = role_required(Role.EVALUATOR)
opening_roles = role_required(Role.STAFF, Role.ADMIN, Role.EVALUATOR)


def refusal_message(error: Refused) -> str:
    p = error.params
    messages = {
        "deadline_passed": _("The deadline for this stage has passed: bids are no longer taken."),
        "not_open": _("This stage is not taking bids from your organisation."),
        "submitted": _("Your bid is submitted. Withdraw it first if you want to change it."),
        "not_submitted": _("There is no submitted bid to withdraw."),
        "answers_missing": _("Answer every question before you submit."),
        "price_missing": _("Enter your price in pounds, like 25000.00, before you submit."),
        "over_budget": _("Your price is more than this stage's budget of £%(budget)s.", budget=p.get("budget")),
        "file_type": _("The file must be a PDF, Word, OpenDocument, Excel, PNG or JPG file."),
        "file_size": _("The file must be smaller than %(mb)s MB.", mb=p.get("mb")),
        "file_empty": _("The file is empty."),
        "too_many_files": _("A bid can have at most %(count)s documents.", count=p.get("count")),
        "missing_file": _("The document's file is missing."),
        "late_change": _("Changes in the last %(days)s days before a deadline must move it at least %(extension)s "
                         "days later.", days=p.get("days"), extension=p.get("extension")),
        "deadline_past": _("The deadline of stage %(stage)s must be in the future.", stage=p.get("stage")),
        "shape": _("Stages and criteria cannot be added or removed once a challenge is published."),
        "criteria_in_evaluation": _("The criteria cannot change while bids are being scored against them."),
        "clarifications_closed": _("Questions about this challenge have closed."),
        "already_declared": _("You have already made your declaration for this stage."),
        "may_not_score": _("You cannot score this bid: declare that you have no conflict of interest first."),
        "already_submitted": _("You have already submitted your scores for this bid."),
        "scores_missing": _("Score every criterion before you submit."),
        "not_in_evaluation": _("This stage is not being evaluated."),
        "no_scores": _("No evaluator has submitted scores for this bid yet."),
        "choose_bids": _("Choose the bids to award."),
        "too_many": _("This stage can award at most %(count)s bids.", count=p.get("count")),
        "not_moderated": _("Agree the final scores of every bid before awarding."),
        "standstill": _("The standstill period runs until %(date)s.", date=p.get("ends")),
    }
    return messages.get(error.code, _("That cannot be done now."))


def _is_staff() -> bool:
    return current_user.is_authenticated and current_user.has_role(Role.STAFF, Role.ADMIN)


def _challenge(challenge_id: int) -> Challenge:
    challenge = get_scoped_or_404(Challenge, challenge_id)
    if challenge.published_at is None and not _is_staff():
        abort(404)
    return challenge


def _stage(stage_id: int) -> Stage:
    stage = db.session.scalar(select(Stage).join(Challenge).where(Stage.id == stage_id,
                                                                  Challenge.council_id == current_council().id))
    if stage is None:
        abort(404)
    return stage


def _bid(bid_id: int) -> Bid:
    bid = db.session.scalar(select(Bid).join(Organisation, Organisation.id == Bid.organisation_id).where(
        Bid.id == bid_id, Organisation.council_id == current_council().id))
    if bid is None:
        abort(404)
    return bid


def _readable_bid(bid_id: int) -> Bid:
    bid = _bid(bid_id)
    if not services.may_read_bid(bid, current_user):
        abort(403)  # sealed: before the opening nobody but the bidder, whatever their role
    return bid


def _my_org(org_id: int | None = None) -> Organisation | None:
    orgs = services.organisations_of(current_user)
    if org_id is not None:
        return next((o for o in orgs if o.id == org_id), None)
    return orgs[0] if orgs else None


def _cpv_choices(blank: str):
    """The divisions, for filters and alerts (a division matches every code under it)."""
    return choices([("", blank)] + [(c.code, f"{c.code} {c.description}") for c in services.cpv_divisions()])


# --- Portal --------------------------------------------------------------------------------------------

def _search_from_args() -> tuple[forms.SearchForm, services.Search]:
    services.ensure_cpv_seed()
    form = forms.SearchForm(request.args)
    form.cpv.choices = _cpv_choices(_("Any category"))
    search = services.Search()
    if form.validate():
        search = services.Search(q=form.q.data or "", cpv=form.cpv.data or "", min_value=form.min_value.data,
                                 max_value=form.max_value.data, closes_before=form.closes_before.data,
                                 stage=form.stage.data or "")
    return form, search


@bp.get("/")
@public
def index():
    form, search = _search_from_args()
    page = paginate(services.search_query(current_council().id, search))
    feed_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_page("tenders/index.html", fragment="tenders/_list.html", target="challenge-list", form=form,
                       page=page, feed_args=feed_args, stage_state=services.stage_state,
                       current_stage=services.current_stage, kind_labels=forms.STAGE_KIND_LABELS)


@bp.get("/closed")
@public
def closed():
    page = paginate(services.closed_query(current_council().id))
    return render_template("tenders/closed.html", page=page, current_stage=services.current_stage,
                           stage_state=services.stage_state, kind_labels=forms.STAGE_KIND_LABELS)


@bp.get("/feed.atom")
@public
def feed():
    _form, search = _search_from_args()
    items = db.session.scalars(services.search_query(current_council().id, search).limit(50)).all()
    body = render_template("tenders/feed.xml", items=items, now=datetime.now(timezone.utc),
                           self_url=url_for("tenders.feed", _external=True, **{k: v for k, v in request.args.items() if v}))
    return Response(body, mimetype="application/atom+xml")


@bp.get("/<int:challenge_id>")
@public
def detail(challenge_id: int):
    challenge = _challenge(challenge_id)
    user = current_user if current_user.is_authenticated else None
    orgs = services.organisations_of(user) if user else []
    my_bids = {}
    for org in orgs:
        for stage in challenge.stages:
            bid = services.bid_of(stage, org)
            if bid is not None:
                my_bids[(stage.id, org.id)] = bid
    now = datetime.now(timezone.utc)
    changes = db.session.scalars(select(ChallengeChange).where(ChallengeChange.challenge_id == challenge.id)
                                 .order_by(ChallengeChange.at)).all()
    return render_template(
        "tenders/detail.html", c=challenge, now=now, orgs=orgs, my_bids=my_bids, is_staff=_is_staff(),
        stage_state=services.stage_state, may_bid=services.may_bid, kind_labels=forms.STAGE_KIND_LABELS,
        cpv=services.cpv_descriptions(challenge.cpv_codes or []), changes=changes,
        clarifications=services.clarifications(challenge, asker=user),
        clarification_deadline=services.clarification_deadline(challenge, now), question_form=forms.QuestionForm(),
        current=services.current_stage(challenge, now), confirm=forms.ConfirmForm(),
        awards={s.id: services.awards_of(s) for s in challenge.stages if s.awarded_at})


@bp.get("/<int:challenge_id>/feed.atom")
@public
def challenge_feed(challenge_id: int):
    challenge = get_scoped_or_404(Challenge, challenge_id)
    if challenge.published_at is None:
        abort(404)
    changes = db.session.scalars(select(ChallengeChange).where(ChallengeChange.challenge_id == challenge.id)).all()
    entries = [("change", ch.id, ch.at, _("Change to the challenge"), ch.summary) for ch in changes]
    entries += [("clarification", q.id, q.published_at, _("Question answered"),
                 f"{q.public_question}\n\n{q.answer}") for q in services.clarifications(challenge)]
    entries.append(("published", challenge.id, challenge.published_at, _("Challenge published"),
                    BilingualText.of(challenge.problem).en))
    entries.sort(key=lambda e: e[2].replace(tzinfo=None), reverse=True)
    body = render_template("tenders/challenge_feed.xml", c=challenge, entries=entries, now=datetime.now(timezone.utc))
    return Response(body, mimetype="application/atom+xml")


@bp.get("/<int:challenge_id>/documents/<int:document_id>")
@public
def challenge_document(challenge_id: int, document_id: int):
    challenge = _challenge(challenge_id)
    document = next((d for d in challenge.documents if d.id == document_id), None)
    data = uploads.read(document.storage_key) if document else None
    if data is None:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=document.content_type, as_attachment=True,
                     download_name=document.filename)


@bp.post("/<int:challenge_id>/interest")
@signed_in
def register_interest(challenge_id: int):
    challenge = _challenge(challenge_id)
    if forms.ConfirmForm().validate_on_submit():
        services.add_interest(challenge, current_user)
        db.session.commit()
        flash(_("You will hear about answers and changes to this challenge."), "success")
    return redirect(url_for("tenders.detail", challenge_id=challenge.id), 303)


# --- Staff: challenges -----------------------------------------------------------------------------------

@bp.get("/manage")
@staff_only
def manage():
    page = paginate(scoped(Challenge).order_by(Challenge.created_at.desc(), Challenge.id.desc()))
    return render_template("tenders/manage.html", page=page, current_stage=services.current_stage,
                           stage_state=services.stage_state, kind_labels=forms.STAGE_KIND_LABELS,
                           confirm=forms.ConfirmForm())


def _challenge_form(challenge: Challenge | None = None) -> forms.ChallengeForm:
    form = forms.ChallengeForm()
    form.cpv_codes.choices = choices(services.cpv_choices())
    if challenge is not None and request.method == "GET":
        form.title.process(None, challenge.title)
        form.problem.process(None, challenge.problem)
        form.outcomes.process(None, challenge.outcomes)
        form.eligibility.process(None, challenge.eligibility)
        listed = {code for code, _label in services.cpv_choices()}
        form.cpv_codes.data = [c for c in challenge.cpv_codes or [] if c in listed]
        form.other_cpv.data = " ".join(c for c in challenge.cpv_codes or [] if c not in listed)
        form.min_turnover.data = challenge.min_turnover
        form.years_of_accounts.data = challenge.years_of_accounts
        form.insurance_level.data = challenge.insurance_level
        for stage in challenge.stages:
            n = stage.position
            getattr(form, f"stage{n}_kind").data = stage.kind.value
            getattr(form, f"stage{n}_deadline").data = forms.utc_to_local(stage.deadline)
            getattr(form, f"stage{n}_awards").data = stage.award_count
            getattr(form, f"stage{n}_budget").data = stage.budget
            getattr(form, f"stage{n}_months").data = stage.contract_months
        for criterion in challenge.criteria:
            getattr(form, f"criterion{criterion.position}_name").process(None, criterion.name)
            getattr(form, f"criterion{criterion.position}_weight").data = criterion.weight
    if challenge is not None:
        form._keep_past = {s.position for s in challenge.stages if s.opened_at is not None}
    return form


def _challenge_input(form) -> services.ChallengeInput:
    stages = [services.StageInput(kind=StageKind(kind), deadline=forms.local_to_utc(deadline), award_count=awards,
                                  budget=budget, contract_months=months)
              for _n, kind, deadline, awards, budget, months in form.stage_data() if kind]
    criteria = [(name.as_dict(), weight) for _n, name, weight in form.criteria_data() if name and weight is not None]
    return services.ChallengeInput(
        title=form.title.data.as_dict(), problem=form.problem.data.as_dict(), outcomes=form.outcomes.data.as_dict(),
        eligibility=form.eligibility.data.as_dict(), cpv_codes=form.all_cpv_codes(), stages=stages,
        criteria=criteria, min_turnover=form.min_turnover.data, years_of_accounts=form.years_of_accounts.data,
        insurance_level=form.insurance_level.data)


def _warnings(form, data: services.ChallengeInput) -> list[str]:
    from app.tenders import rules

    texts = {"turnover": _("A minimum turnover above £%(limit)s (twice the contract value) shuts out new and small "
                           "firms."),
             "accounts": _("Asking for more than %(limit)s years of accounts shuts out new firms: accept other "
                           "evidence instead."),
             "insurance": _("Insurance above £%(limit)s (£1 million, or five times the contract value if more) is "
                            "out of proportion to this contract.")}
    found = rules.prequalification_warnings(data.total_budget, data.min_turnover, data.years_of_accounts,
                                            data.insurance_level)
    return [texts[w.code] % {"limit": f"{w.limit:,}" if isinstance(w.limit, int) else f"{w.limit:,.0f}"}
            for w in found]


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    form = _challenge_form()
    warnings: list[str] = []
    if form.validate_on_submit():
        data = _challenge_input(form)
        warnings = _warnings(form, data)
        if not warnings or form.accept_warnings.data:
            challenge = services.create_challenge(current_council(), data, current_user)
            flash(_("The challenge is saved as a draft. Check it, then publish it."), "success")
            return redirect(url_for("tenders.detail", challenge_id=challenge.id), 303)
    return render_template("tenders/challenge_form.html", form=form, warnings=warnings, challenge=None,
                           refusal=None), 400 if form.errors else 200


@bp.route("/<int:challenge_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(challenge_id: int):
    challenge = get_scoped_or_404(Challenge, challenge_id)
    form = _challenge_form(challenge)
    warnings: list[str] = []
    refusal = None
    if form.validate_on_submit():
        data = _challenge_input(form)
        warnings = _warnings(form, data)
        if not warnings or form.accept_warnings.data:
            try:
                if challenge.published_at is None:
                    services.replace_draft(challenge, data, current_user)
                else:
                    if not (form.change_reason.data or "").strip():
                        form.change_reason.errors.append(_("Say what changed and why: bidders will see it"))
                        raise Refused("reason")
                    services.update_live_challenge(challenge, data, form.change_reason.data.strip(), current_user)
                flash(_("The challenge is updated."), "success")
                return redirect(url_for("tenders.detail", challenge_id=challenge.id), 303)
            except Refused as error:
                if error.code != "reason":
                    refusal = refusal_message(error)
    status = 400 if (form.errors or refusal) else 200
    return render_template("tenders/challenge_form.html", form=form, warnings=warnings, challenge=challenge,
                           refusal=refusal), status


@bp.post("/<int:challenge_id>/publish")
@staff_only
def publish(challenge_id: int):
    challenge = get_scoped_or_404(Challenge, challenge_id)
    if forms.ConfirmForm().validate_on_submit():
        services.publish_challenge(challenge, current_user)
        flash(_("The challenge is published. Suppliers with matching alerts have been told."), "success")
    return redirect(url_for("tenders.detail", challenge_id=challenge.id), 303)


@bp.route("/<int:challenge_id>/documents", methods=["GET", "POST"])
@staff_only
def add_document(challenge_id: int):
    challenge = get_scoped_or_404(Challenge, challenge_id)
    form = forms.DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not upload.filename:
            form.file.errors.append(_("Choose a file to upload"))
        else:
            try:
                services.add_challenge_document(challenge, form.title.data, upload.filename,
                                                services.read_upload(upload.stream), current_user)
                flash(_("The document is added."), "success")
                return redirect(url_for("tenders.detail", challenge_id=challenge.id), 303)
            except Refused as error:
                form.file.errors.append(refusal_message(error))
    return render_template("tenders/document_form.html", form=form, c=challenge), 400 if form.errors else 200


@bp.route("/settings", methods=["GET", "POST"])
@staff_only
def settings():
    council = current_council()
    current = services.settings_for(council.id)
    form = forms.SettingsForm(obj=None if request.method == "POST" else current)
    if request.method == "GET":
        form.bank_holidays.data = "\n".join(current.bank_holidays or [])
    if form.validate_on_submit():
        holidays = []
        for line in (form.bank_holidays.data or "").split():
            try:
                holidays.append(date.fromisoformat(line.strip()))
            except ValueError:
                form.bank_holidays.errors.append(_("Write each date like 2026-12-25 (“%(line)s” is not)", line=line))
                break
        if not form.bank_holidays.errors:
            services.update_settings(council.id, standstill_working_days=form.standstill_working_days.data,
                                     bank_holidays=holidays, clarification_days=form.clarification_days.data,
                                     late_change_days=form.late_change_days.data,
                                     late_change_min_extension_days=form.late_change_min_extension_days.data)
            flash(_("Tender settings saved."), "success")
            return redirect(url_for("tenders.settings"), 303)
    return render_template("tenders/settings.html", form=form), 400 if form.errors else 200


# --- Clarifications -------------------------------------------------------------------------------------

@bp.post("/<int:challenge_id>/questions")
@signed_in
@messaging_limit
def ask(challenge_id: int):
    challenge = _challenge(challenge_id)
    form = forms.QuestionForm()
    if form.validate_on_submit():
        try:
            services.ask_question(challenge, current_user, form.question.data.strip())
            flash(_("Your question is sent. Only council staff can see it; the answer will be published for everyone."),
                  "success")
            return redirect(url_for("tenders.detail", challenge_id=challenge.id) + "#clarifications", 303)
        except Refused as error:
            form.question.errors.append(refusal_message(error))
    return render_template("tenders/ask.html", form=form, c=challenge), 400


@bp.get("/<int:challenge_id>/questions")
@staff_only
def questions(challenge_id: int):
    challenge = get_scoped_or_404(Challenge, challenge_id)
    return render_template("tenders/questions.html", c=challenge,
                           items=services.clarifications(challenge, published_only=False))


@bp.route("/questions/<int:clarification_id>/answer", methods=["GET", "POST"])
@staff_only
def answer(clarification_id: int):
    clarification = db.session.get(Clarification, clarification_id)
    challenge = get_scoped_or_404(Challenge, clarification.challenge_id) if clarification else abort(404)
    form = forms.AnswerForm()
    if request.method == "GET":
        form.public_question.data = clarification.public_question or clarification.question
        form.answer.data = clarification.answer or ""
    if form.validate_on_submit():
        services.publish_answer(clarification, form.public_question.data.strip(), form.answer.data.strip(),
                                current_user)
        flash(_("The answer is published and everyone interested has been told."), "success")
        return redirect(url_for("tenders.questions", challenge_id=challenge.id), 303)
    return render_template("tenders/answer.html", form=form, c=challenge, q=clarification), \
        400 if form.errors else 200


# --- Alerts ------------------------------------------------------------------------------------------------

@bp.route("/alerts", methods=["GET", "POST"])
@signed_in
def alerts():
    services.ensure_cpv_seed()
    form = forms.AlertForm()
    form.cpv.choices = _cpv_choices(_("Any category"))
    if form.validate_on_submit():
        if form.min_value.data is not None and form.max_value.data is not None and \
                form.max_value.data < form.min_value.data:
            form.max_value.errors.append(_("The most must be at least the least"))
        else:
            services.add_alert(current_user, form.cpv.data or "", form.min_value.data, form.max_value.data)
            flash(_("Alert saved. We will email you when a matching challenge opens."), "success")
            return redirect(url_for("tenders.alerts"), 303)
    descriptions = dict((c.code[:2], c.description) for c in services.cpv_divisions())
    return render_template("tenders/alerts.html", form=form, items=services.alerts_of(current_user),
                           descriptions=descriptions, confirm=forms.ConfirmForm()), 400 if form.errors else 200


@bp.post("/alerts/<int:alert_id>/delete")
@signed_in
def delete_alert(alert_id: int):
    if forms.ConfirmForm().validate_on_submit():
        services.remove_alert(current_user, alert_id)
        flash(_("Alert removed."), "success")
    return redirect(url_for("tenders.alerts"), 303)


# --- Supplier profile ---------------------------------------------------------------------------------------

@bp.route("/profile", methods=["GET", "POST"])
@signed_in
def profile():
    org = _my_org(request.args.get("org", type=int))
    form = forms.OrganisationForm()
    if request.method == "GET" and org is not None:
        p = services.profile_for(org)
        form.name.data, form.company_number.data, form.charity_number.data = org.name, org.company_number, \
            org.charity_number
        form.size_band.data, form.is_vcse.data = org.size_band.value, org.is_vcse
        form.address.data, form.website.data, form.about.data, form.policies.data = p.address, p.website, p.about, \
            p.policies
    if form.validate_on_submit():
        if org is None:
            org = services.create_organisation(current_user, form.name.data.strip(), SizeBand(form.size_band.data),
                                               form.is_vcse.data)
        services.save_profile(org, current_user, name=form.name.data.strip(), company_number=form.company_number.data,
                              charity_number=form.charity_number.data, size_band=SizeBand(form.size_band.data),
                              is_vcse=form.is_vcse.data, address=form.address.data or "",
                              website=form.website.data or "", about=form.about.data or "",
                              policies=form.policies.data or "")
        flash(_("Your organisation's profile is saved. Every bid starts from it."), "success")
        return redirect(url_for("tenders.profile", org=org.id), 303)
    return render_template("tenders/profile.html", form=form, org=org, orgs=services.organisations_of(current_user),
                           certificates=services.certificates(org) if org else [],
                           case_studies=services.case_studies(org) if org else [], today=date.today(),
                           certificate_form=forms.CertificateForm(prefix="cert"),
                           case_form=forms.CaseStudyForm(prefix="case"), confirm=forms.ConfirmForm()), \
        400 if form.errors else 200


def _member_org(org_id: int) -> Organisation:
    org = _my_org(org_id)
    if org is None:
        abort(403)
    return org


@bp.route("/profile/<int:org_id>/certificates", methods=["POST"])
@signed_in
def add_certificate(org_id: int):
    org = _member_org(org_id)
    form = forms.CertificateForm(prefix="cert")
    if form.validate_on_submit():
        services.add_certificate(org, form.name.data.strip(), (form.issuer.data or "").strip(), form.expires_on.data)
        flash(_("Certificate added."), "success")
        return redirect(url_for("tenders.profile", org=org.id) + "#certificates", 303)
    return render_template("tenders/profile_item.html", form=form, org=org, kind="certificate"), 400


@bp.route("/profile/<int:org_id>/case-studies", methods=["POST"])
@signed_in
def add_case_study(org_id: int):
    org = _member_org(org_id)
    form = forms.CaseStudyForm(prefix="case")
    if form.validate_on_submit():
        services.add_case_study(org, form.title.data.strip(), (form.client.data or "").strip(),
                                (form.summary.data or "").strip())
        flash(_("Case study added."), "success")
        return redirect(url_for("tenders.profile", org=org.id) + "#case-studies", 303)
    return render_template("tenders/profile_item.html", form=form, org=org, kind="case"), 400


@bp.post("/profile/<int:org_id>/<any('certificates', 'case-studies'):kind>/<int:item_id>/delete")
@signed_in
def delete_profile_item(org_id: int, kind: str, item_id: int):
    org = _member_org(org_id)
    if forms.ConfirmForm().validate_on_submit():
        services.remove_profile_item(Certificate if kind == "certificates" else CaseStudy, org, item_id)
        flash(_("Removed."), "success")
    return redirect(url_for("tenders.profile", org=org.id), 303)


# --- Bids -------------------------------------------------------------------------------------------------------

@bp.post("/stages/<int:stage_id>/bid")
@signed_in
def start_bid(stage_id: int):
    stage = _stage(stage_id)
    org = _my_org(request.form.get("org", type=int))
    if org is None:
        flash(_("Set up your organisation's profile first: every bid starts from it."), "info")
        return redirect(url_for("tenders.profile"), 303)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        bid = services.start_bid(stage, org, current_user)
    except Refused as error:
        flash(refusal_message(error), "error")
        return redirect(url_for("tenders.detail", challenge_id=stage.challenge_id), 303)
    return redirect(url_for("tenders.bid", bid_id=bid.id), 303)


def _bid_form(bid: Bid, content: dict | None):
    form_class = forms.bid_form_class(bid.stage.challenge.criteria)
    form = form_class()
    if request.method == "GET" and content is not None:
        for criterion in bid.stage.challenge.criteria:
            getattr(form, f"answer_{criterion.id}").data = content["answers"].get(str(criterion.id), "")
        form.price.data = content.get("price", "")
        form.about.data = content.get("profile", "")
        form.partners.data = content.get("partners", "")
        form.consortium.data = content.get("consortium", False)
    return form


@bp.route("/bids/<int:bid_id>", methods=["GET", "POST"])
@signed_in
def bid(bid_id: int):
    bid = _readable_bid(bid_id)
    mine = services.is_member(bid.organisation, current_user)
    content = services.read_own(bid)
    if not mine:
        services.record_reading(bid, "bid_viewed", stage_id=bid.stage_id)
    form = _bid_form(bid, content)
    refusal = None
    status = 200
    if request.method == "POST":
        if not mine:
            abort(403)
        if form.validate_on_submit():
            action = request.form.get("action", "save")
            answers = {c.id: getattr(form, f"answer_{c.id}").data or "" for c in bid.stage.challenge.criteria}
            try:
                if bid.status != BidStatus.SUBMITTED:
                    services.save_draft(bid, current_user, {"answers": answers, "price": form.price.data or "",
                                                            "profile": form.about.data or "",
                                                            "partners": form.partners.data or "",
                                                            "consortium": form.consortium.data})
                upload = form.document.data
                if upload and getattr(upload, "filename", ""):
                    try:
                        services.add_bid_document(bid, current_user, upload.filename,
                                                  services.read_upload(upload.stream))
                    except Refused as error:
                        form.document.errors.append(refusal_message(error))
                        raise
                if action == "submit":
                    digest = services.submit_bid(bid, current_user)
                    flash(_("Your bid is submitted. We have emailed you a receipt (SHA-256 %(sha)s).", sha=digest),
                          "success")
                elif action == "withdraw":
                    services.withdraw_bid(bid, current_user)
                    flash(_("Your bid is withdrawn. You can change it and submit it again before the deadline."),
                          "success")
                else:
                    flash(_("Your draft is saved. Only your organisation can read it."), "success")
                return redirect(url_for("tenders.bid", bid_id=bid.id), 303)
            except Refused as error:
                if not form.document.errors:
                    refusal = refusal_message(error)
                status = 409 if error.code == "deadline_passed" else 400
        else:
            status = 400
        content = services.read_own(bid)
    documents = [(d, services.document_meta(d)) for d in bid.documents]
    return render_template("tenders/bid.html", bid=bid, form=form, mine=mine, content=content, documents=documents,
                           price=services.parse_price(content.get("price", "")),
                           refusal=refusal, stage_state=services.stage_state(bid.stage),
                           criteria=bid.stage.challenge.criteria, kind_labels=forms.STAGE_KIND_LABELS,
                           confirm=forms.ConfirmForm(), awarded=db.session.scalar(
                               select(Award).where(Award.bid_id == bid.id)),
                           feedback=services.bidder_feedback(bid) if bid.stage.awarded_at else None), status


@bp.get("/bids/<int:bid_id>/documents/<int:document_id>")
@signed_in
def bid_document(bid_id: int, document_id: int):
    bid = _readable_bid(bid_id)
    document = next((d for d in bid.documents if d.id == document_id), None)
    if document is None:
        abort(404)
    meta = services.document_meta(document)
    data = services.document_bytes(document)
    if not services.is_member(bid.organisation, current_user):
        services.record_reading(bid, "bid_document_viewed", document_id=document.id)
    response = send_file(io.BytesIO(data), mimetype=meta["content_type"], as_attachment=True,
                         download_name=meta["filename"])
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/bids/<int:bid_id>/documents/<int:document_id>/delete")
@signed_in
def delete_bid_document(bid_id: int, document_id: int):
    bid = _readable_bid(bid_id)
    if not services.is_member(bid.organisation, current_user):
        abort(403)
    if forms.ConfirmForm().validate_on_submit():
        try:
            services.remove_bid_document(bid, document_id)
            flash(_("Document removed."), "success")
        except Refused as error:
            flash(refusal_message(error), "error")
    return redirect(url_for("tenders.bid", bid_id=bid.id), 303)


# --- Opening and evaluation ----------------------------------------------------------------------------------------

@bp.get("/stages/<int:stage_id>/opening")
@opening_roles
def opening(stage_id: int):
    stage = _stage(stage_id)
    if stage.opened_at is None:
        abort(403)  # sealed until the deadline has passed and the stage is opened
    bids = services.submitted_bids(stage)
    prices = {b.id: services.parse_price(services.read_own(b).get("price", "")) for b in bids}
    return render_template("tenders/opening.html", stage=stage, bids=bids, prices=prices,
                           kind_labels=forms.STAGE_KIND_LABELS,
                           declared=services.declaration(stage, current_user),
                           ranking=services.ranking(stage) if _is_staff() else None,
                           awards=services.awards_of(stage), confirm=forms.ConfirmForm())


@bp.get("/stages/<int:stage_id>/bids.csv")
@staff_only
def export_bids(stage_id: int):
    stage = _stage(stage_id)
    if stage.opened_at is None:
        abort(403)
    out = io.StringIO()
    writer = csv.writer(out)
    criteria = stage.challenge.criteria
    writer.writerow(["bid", "organisation", "submitted_at", "price", "consortium", "partners", "sha256"] +
                    [f"answer_{c.position}" for c in criteria])
    from app.core.datasets import csv_cell

    for b in services.submitted_bids(stage):
        content = services.read_own(b)
        writer.writerow([csv_cell(v) for v in [b.id, b.organisation.name, b.submitted_at, content.get("price"),
                                                content.get("consortium"), content.get("partners"),
                                                b.receipt_sha256] +
                         [content["answers"].get(str(c.id), "") for c in criteria]])
    services.record_reading(stage, "bids_exported")
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="stage-{stage.id}-bids.csv"',
                             "Cache-Control": "private, no-store"})


@bp.get("/evaluate")
@evaluators
def evaluate():
    return render_template("tenders/evaluate.html", stages=services.evaluator_stages(current_council().id),
                           declaration=services.declaration, kind_labels=forms.STAGE_KIND_LABELS)


@bp.route("/stages/<int:stage_id>/conflict", methods=["GET", "POST"])
@evaluators
def conflict(stage_id: int):
    stage = _stage(stage_id)
    if stage.opened_at is None:
        abort(403)
    form = forms.ConflictForm()
    if form.validate_on_submit():
        if form.has_conflict.data == "yes" and not (form.details.data or "").strip():
            form.details.errors.append(_("Say which bidder and why"))
        else:
            try:
                services.declare(stage, current_user, form.has_conflict.data == "yes", (form.details.data or "").strip())
                flash(_("Your declaration is recorded."), "success")
            except Refused as error:
                flash(refusal_message(error), "error")
            return redirect(url_for("tenders.opening", stage_id=stage.id), 303)
    return render_template("tenders/conflict.html", form=form, stage=stage,
                           bids=services.submitted_bids(stage), kind_labels=forms.STAGE_KIND_LABELS), \
        400 if form.errors else 200


@bp.route("/bids/<int:bid_id>/score", methods=["GET", "POST"])
@evaluators
def score(bid_id: int):
    bid = _bid(bid_id)
    if not services.may_score(bid.stage, current_user) or bid.status != BidStatus.SUBMITTED:
        abort(403)  # no declaration yet, a declared conflict, or not in evaluation
    criteria = bid.stage.challenge.criteria
    form = forms.score_form_class(criteria)()
    sheet = services.sheet_of(bid, current_user)
    if request.method == "GET" and sheet is not None:
        for s in sheet.scores:
            getattr(form, f"score_{s.criterion_id}").data = s.score
            getattr(form, f"reason_{s.criterion_id}").data = s.reason
    refusal = None
    if request.method == "POST" and (sheet is None or sheet.submitted_at is None) and form.validate_on_submit():
        scores = {c.id: (getattr(form, f"score_{c.id}").data, getattr(form, f"reason_{c.id}").data.strip())
                  for c in criteria}
        try:
            services.save_scores(bid, current_user, scores, submit=request.form.get("action") == "submit")
            flash(_("Your scores are saved."), "success")
            return redirect(url_for("tenders.score", bid_id=bid.id), 303)
        except Refused as error:
            refusal = refusal_message(error)
    content = services.read_own(bid)
    if request.method == "GET":
        services.record_reading(bid, "bid_viewed", stage_id=bid.stage_id, to="score")
    documents = [(d, services.document_meta(d)) for d in bid.documents]
    return render_template("tenders/score.html", bid=bid, form=form, sheet=sheet, criteria=criteria,
                           price=services.parse_price(content.get("price", "")),
                           content=content, documents=documents, refusal=refusal,
                           others=[s for s in services.visible_sheets(bid, current_user)
                                   if s.evaluator_id != current_user.id]), 400 if form.errors or refusal else 200


@bp.route("/bids/<int:bid_id>/moderate", methods=["GET", "POST"])
@staff_only
def moderate(bid_id: int):
    bid = _bid(bid_id)
    if bid.stage.opened_at is None:
        abort(403)
    criteria = bid.stage.challenge.criteria
    form = forms.score_form_class(criteria)()
    final = services.moderated(bid)
    if request.method == "GET":
        for c_id, m in final.items():
            getattr(form, f"score_{c_id}").data = m.score
            getattr(form, f"reason_{c_id}").data = m.reason
    refusal = None
    if form.validate_on_submit():
        try:
            services.moderate(bid, current_user, {c.id: (getattr(form, f"score_{c.id}").data,
                                                         getattr(form, f"reason_{c.id}").data.strip())
                                                  for c in criteria})
            flash(_("The agreed scores are saved."), "success")
            return redirect(url_for("tenders.opening", stage_id=bid.stage_id), 303)
        except Refused as error:
            refusal = refusal_message(error)
    return render_template("tenders/moderate.html", bid=bid, form=form, criteria=criteria, refusal=refusal,
                           sheets=services.visible_sheets(bid, current_user)), 400 if form.errors or refusal else 200


@bp.route("/stages/<int:stage_id>/award", methods=["GET", "POST"])
@staff_only
def award(stage_id: int):
    stage = _stage(stage_id)
    if stage.opened_at is None:
        abort(403)
    table = services.ranking(stage)
    form = forms.AwardForm()
    form.bids.choices = choices([(str(r.bid.id), f"{r.bid.organisation.name} – {r.total}") for r in table])
    refusal = None
    if form.validate_on_submit():
        try:
            services.award_stage(stage, [int(v) for v in form.bids.data], current_user)
            flash(_("The stage is awarded. Every bidder has been sent their scores and the reasons."), "success")
            return redirect(url_for("tenders.opening", stage_id=stage.id), 303)
        except Refused as error:
            refusal = refusal_message(error)
    return render_template("tenders/award.html", stage=stage, table=table, form=form, refusal=refusal,
                           kind_labels=forms.STAGE_KIND_LABELS), 400 if refusal else 200


@bp.post("/awards/<int:award_id>/contract")
@staff_only
def make_contract(award_id: int):
    award = db.session.get(Award, award_id)
    if award is None:
        abort(404)
    stage = _stage(award.stage_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            contract = services.make_contract(award)
            if contract is not None:
                flash(_("The contract is published in the open contracts register."), "success")
                return redirect(url_for("contracts.contract", contract_id=contract.id), 303)
        except Refused as error:
            flash(refusal_message(error), "error")
    return redirect(url_for("tenders.opening", stage_id=stage.id), 303)


# --- Consortium finder ----------------------------------------------------------------------------------------------

@bp.route("/<int:challenge_id>/partners", methods=["GET", "POST"])
@signed_in
@messaging_limit
def partners(challenge_id: int):
    challenge = _challenge(challenge_id)
    orgs = services.organisations_of(current_user)
    org = orgs[0] if orgs else None
    form = forms.PartnerForm(prefix="listing")
    contact = forms.ContactForm(prefix="contact")
    if request.method == "POST":
        if org is None:
            abort(403)
        if request.form.get("action") == "contact":
            if contact.validate_on_submit():
                listing = db.session.get(PartnerListing, int(contact.listing_id.data or 0))
                if listing is None or listing.challenge_id != challenge.id:
                    abort(404)
                services.contact_partner(listing, current_user, org, contact.message.data.strip())
                flash(_("Your message is sent."), "success")
                return redirect(url_for("tenders.partners", challenge_id=challenge.id), 303)
        elif request.form.get("action") == "remove":
            if forms.ConfirmForm().validate_on_submit():
                services.remove_listing(challenge, org)
                return redirect(url_for("tenders.partners", challenge_id=challenge.id), 303)
        elif form.validate_on_submit():
            services.list_for_partners(challenge, org, form.offers.data.strip(), form.needs.data.strip())
            flash(_("Your organisation is listed as looking for partners."), "success")
            return redirect(url_for("tenders.partners", challenge_id=challenge.id), 303)
    listings = services.partner_listings(challenge)
    own = next((l for l in listings if org and l.organisation_id == org.id), None)
    if own is not None and request.method == "GET":
        form.offers.data, form.needs.data = own.offers, own.needs
    return render_template("tenders/partners.html", c=challenge, org=org, listings=listings, own=own, form=form,
                           contact=contact, confirm=forms.ConfirmForm()), 400 if form.errors or contact.errors else 200


@bp.get("/mine")
@signed_in
def my_bids():
    bids = services.bids_of_org_user(current_user)
    return render_template("tenders/my_bids.html", bids=bids, won=services.won_bid_ids(bids),
                           stage_state=services.stage_state, kind_labels=forms.STAGE_KIND_LABELS)
