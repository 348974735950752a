"""Kiosk pages (start screen, sign-in with a code, more time, finish and clear, ask for help),
staff pages (devices, help wanted, assisted-digital accounts and codes, letters, help at home,
accessibility reports) and public help pages (help at home, accessibility statement, display
settings, "How would you like to do this?")."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

from flask import Response, abort, flash, jsonify, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import or_, select

from app.auth.services import EmailTaken, council_wards, find_user
from app.core import audit
from app.core.access import client_ip, public, staff_only
from app.core.forms import uploaded_csv_text
from app.core.mail import send_mail
from app.core.models import Team, User
from app.core.routes import safe_next
from app.core.tenancy import current_council, get_scoped_or_404
from app.core.web import paginate, render_page
from app.extensions import db, limiter
from app.kiosk import bp, help_bp, services
from app.kiosk.forms import (AccessibilityReportForm, AssistedAccountForm, CodeSignInForm, DeviceForm, DisplayForm,
                             EmailCodeForm, FindResidentForm, HelpAtHomeForm, HelpAtHomeUpdateForm, IssueCodeForm,
                             LettersForm, ResolveReportForm)
from app.kiosk.models import AccessibilityReport, HelpAtHomeRequest, HelpStatus, KioskDevice
from app.kiosk.session import LAST_ACTIVE, current_device, end_session, format_display, parse_display, seconds_left



def _open_tasks() -> dict:
    """What the start screen offers: only what is open in the council today."""
    from app.budgeting.models import BudgetProcess, Phase
    from app.budgeting.services import phase
    from app.consultations.models import Consultation

    council_id, today = current_council().id, datetime.now(timezone.utc).date()  # as the modules count days
    # Phases can be moved by hand, so each candidate's phase is worked out by the budgets module.
    voting = [p for p in db.session.scalars(select(BudgetProcess).where(
        BudgetProcess.council_id == council_id, BudgetProcess.published_at.is_(None),
        BudgetProcess.sealed_at.is_(None)).order_by(BudgetProcess.id)) if phase(p) == Phase.VOTING]
    consultations = [c for c in db.session.scalars(select(Consultation).where(
        Consultation.council_id == council_id, Consultation.published.is_(True),
        Consultation.opens_on <= today, Consultation.closes_on >= today))]
    return {"budgets": voting, "consultations": consultations}


# --- The kiosk itself -------------------------------------------------------------------------

@bp.get("/")
@public
def start():
    device = current_device()
    return render_page("kiosk/start.html", device=device, tasks=_open_tasks() if device else None)


def _place_key(what: str) -> str:
    # On a kiosk, per kiosk: every machine in a library shares one public address.
    device = current_device()
    return f"{what}:device:{device.id}" if device else f"{what}:ip:{client_ip()}"


def _code_key() -> str:
    # Wrong codes are counted per kiosk, so a run of guesses at one kiosk locks out no other.
    return _place_key("kiosk-code")


def _code_limit() -> str:
    from flask import current_app

    return current_app.config["KIOSK_CODE_LIMIT"]


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_code_limit, key_func=_code_key, methods=["POST"], deduct_when=lambda response: response.status_code == 400)
def sign_in():
    """Codes work only on a registered kiosk, where staff are near and the session has its
    limits: a code found on a doorstep is no use on someone's own computer."""
    form = CodeSignInForm()
    device = current_device()
    if device is None:
        return render_page("kiosk/sign_in.html", status=400 if request.method == "POST" else 200, form=None)
    if form.validate_on_submit():
        outcome = services.sign_in_with_code(current_council(), form.code.data, device)
        if outcome.user is not None:
            display = session.get("display")  # larger text chosen before signing in stays
            session.clear()  # a fresh session, against session fixation
            session["lang"] = outcome.user.language
            if display:
                session["display"] = display
            login_user(outcome.user, remember=False)  # never "remember me" on a shared machine
            session[LAST_ACTIVE] = datetime.now(timezone.utc).timestamp()
            flash(_("You are signed in as %(name)s.", name=outcome.user.display_name), "success")
            return redirect(url_for("kiosk.start"), 303)
        form.code.errors.append({
            services.CodeRefusal.USED: _("This code has already been used. Each code works once: ask a member of "
                                         "staff for a new one."),
            services.CodeRefusal.EXPIRED: _("This code has expired. Ask a member of staff for a new one, or have "
                                            "one emailed to you."),
        }.get(outcome.refusal, _("This code is not right. Check it against your letter or email and try again.")))
    return render_page("kiosk/sign_in.html", status=400 if request.method == "POST" else 200, form=form)


@bp.route("/sign-in/email", methods=["GET", "POST"])
@public
@limiter.limit("5 per 10 minutes", key_func=_code_key, methods=["POST"])
def email_code():
    """A code by email, for someone with an account who does not know (or want to type) their
    password at a kiosk. The answer is the same whether or not the address has an account."""
    form = EmailCodeForm()
    if current_device() is None:
        return redirect(url_for("kiosk.sign_in"), 303)
    if form.validate_on_submit():
        user = find_user(current_council(), form.email.data)
        if user is not None and not user.needs_two_factor:
            code = services.issue_code(user, actor=None)
            send_mail(user.email, _("Your code to sign in"),
                      render_template("kiosk/email_code.txt", user=user, code=code,
                                      minutes=int(services.EMAILED_CODE_LIFETIME.total_seconds() // 60)))
        flash(_("If that address has an account here, we have emailed it a code. It works once, for 30 minutes."),
              "success")
        return redirect(url_for("kiosk.sign_in"), 303)
    return render_page("kiosk/email_code.html", status=400 if request.method == "POST" else 200, form=form)


@bp.post("/more-time")
@public
def more_time():
    """Any request resets the idle time; this one exists so that asking for more time is one
    button. htmx/fetch get the new end time as JSON; without JS, back to the page."""
    device = current_device()
    back = safe_next(request.form.get("next"), url_for("kiosk.start"))
    if device is None:
        return redirect(back, 303)
    left = seconds_left(device)
    if request.accept_mimetypes.best == "application/json":
        from flask_babel import format_time

        ends = datetime.now(timezone.utc) + timedelta(seconds=left)
        return jsonify(seconds_left=left, ends_at=format_time(ends, "HH:mm"))
    flash(_("You have %(minutes)s more minutes.", minutes=device.idle_minutes), "success")
    return redirect(back, 303)


@bp.post("/finish")
@public
def finish():
    """"Finish and clear", and the end of the countdown (kiosk.js sends this form then, with
    `timed_out`), so an unattended kiosk never stays signed in."""
    device = current_device()
    end_session()
    if request.form.get("timed_out") and device is not None:
        flash(_("Your session ended because nothing happened for %(minutes)s minutes. Nothing of yours "
                "is left on this computer.", minutes=device.idle_minutes), "warning")
    else:
        flash(_("Finished. You are signed out and nothing of yours is left on this computer."), "success")
    response = redirect(url_for("kiosk.start"), 303)
    # The browser also drops what it cached or stored for this site (htmx keeps history there).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.post("/help")
@public
def ask_for_help():
    device = current_device()
    if device is None:
        abort(404)
    services.ask_for_help(device)
    flash(_("A member of staff has been told and will come to you. You can carry on meanwhile."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("kiosk.start")), 303)


# --- Staff: devices and help wanted -------------------------------------------------------------

def _teams():
    return db.session.scalars(select(Team).where(Team.council_id == current_council().id).order_by(Team.name)).all()


def _team_id(form: DeviceForm) -> int | None:
    return int(form.team.data) if (form.team.data or "").isdigit() else None


@bp.route("/devices", methods=["GET", "POST"])
@staff_only
def devices():
    form = DeviceForm(teams=_teams())
    if form.validate_on_submit():
        device, token = services.register_device(
            current_council(), name=form.name.data, location=form.location.data, address=form.address.data or "",
            opening_hours=form.opening_hours.data or "", team_id=_team_id(form), idle_minutes=form.idle_minutes.data,
            actor=current_user)
        flash(_("This computer is now the kiosk “%(name)s”. Sign out, and the start screen is ready for residents.",
                name=device.name), "success")
        response = redirect(url_for("kiosk.devices"), 303)
        response.set_cookie(services.DEVICE_COOKIE, token, max_age=services.DEVICE_COOKIE_DAYS * 86400,
                            secure=request.is_secure, httponly=True, samesite="Lax")
        return response
    return render_page("kiosk/devices.html", status=400 if request.method == "POST" else 200, form=form,
                       devices=services.devices(current_council(), include_revoked=True), this_device=current_device())


@bp.route("/devices/<int:device_id>", methods=["GET", "POST"])
@staff_only
def device(device_id: int):
    kiosk = get_scoped_or_404(KioskDevice, device_id)
    form = DeviceForm(teams=_teams(), obj=kiosk) if request.method == "GET" else DeviceForm(teams=_teams())
    if request.method == "GET":
        form.team.data = str(kiosk.team_id or "")
    if form.validate_on_submit():
        services.update_device(kiosk, name=form.name.data, location=form.location.data, address=form.address.data or "",
                               opening_hours=form.opening_hours.data or "", team_id=_team_id(form),
                               idle_minutes=form.idle_minutes.data, actor=current_user)
        flash(_("Kiosk saved."), "success")
        return redirect(url_for("kiosk.devices"), 303)
    return render_page("kiosk/device.html", status=400 if request.method == "POST" else 200, form=form, kiosk=kiosk)


@bp.post("/devices/<int:device_id>/revoke")
@staff_only
def revoke(device_id: int):
    kiosk = get_scoped_or_404(KioskDevice, device_id)
    services.revoke_device(kiosk, current_user)
    flash(_("The kiosk “%(name)s” is no longer registered. Its computer is an ordinary one again.", name=kiosk.name),
          "success")
    return redirect(url_for("kiosk.devices"), 303)


@bp.get("/help-wanted")
@staff_only
def help_wanted():
    return render_page("kiosk/help_wanted.html", fragment="kiosk/_help_wanted.html", target="help-wanted",
                       asking=services.asking_for_help(current_council()))


@bp.post("/devices/<int:device_id>/helped")
@staff_only
def helped(device_id: int):
    services.help_given(get_scoped_or_404(KioskDevice, device_id), current_user)
    flash(_("Marked as helped."), "success")
    return redirect(url_for("kiosk.help_wanted"), 303)


# --- Staff: assisted digital ------------------------------------------------------------------

@bp.get("/residents")
@staff_only
def residents():
    form = FindResidentForm(request.args)
    people = None
    if form.q.data and form.validate():
        term = f"%{form.q.data.strip()}%"
        people = db.session.scalars(select(User).where(
            User.council_id == current_council().id, User.deleted_at.is_(None),
            or_(User.display_name.ilike(term), User.email.ilike(term))).order_by(User.display_name).limit(50)).all()
        audit.record("kiosk.residents_searched", object_type="council", object_id=current_council().id,
                     council_id=current_council().id, details={"found": len(people)})
        db.session.commit()
    return render_page("kiosk/residents.html", form=form, people=people)


@bp.route("/residents/new", methods=["GET", "POST"])
@staff_only
def new_resident():
    wards = council_wards(current_council())
    form = AssistedAccountForm(wards=wards)
    if form.validate_on_submit():
        ward = next((w for w in wards if str(w.id) == form.ward.data), None)
        try:
            user = services.create_assisted_account(current_council(), name=form.name.data, ward=ward,
                                                    email=form.email.data or None, actor=current_user)
        except EmailTaken:
            form.email.errors.append(_("An account already has this email address: find it instead."))
        else:
            return _show_code(user, form.checked.data)
    return render_page("kiosk/new_resident.html", status=400 if request.method == "POST" else 200, form=form)


@bp.route("/residents/<int:user_id>/code", methods=["GET", "POST"])
@staff_only
def issue_code(user_id: int):
    resident = get_scoped_or_404(User, user_id)
    if resident.needs_two_factor or resident.deleted_at is not None:
        abort(404)  # codes are for residents; staff sign in with two factors
    form = IssueCodeForm()
    if form.validate_on_submit():
        return _show_code(resident, form.checked.data)
    return render_page("kiosk/issue_code.html", status=400 if request.method == "POST" else 200, form=form,
                       resident=resident)


def _show_code(user: User, checked: str) -> Response:
    """The code, shown once, on a page made for printing."""
    code = services.issue_code(user, actor=current_user, checked=checked)
    expires = datetime.now(timezone.utc) + services.STAFF_CODE_LIFETIME
    response = make_response(render_template("kiosk/code_slip.html", resident=user, code=code, expires=expires))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/letters", methods=["GET", "POST"])
@staff_only
def letters():
    """Polling-card letters: staff upload an extract of the register; each resident gets a code,
    kept only as a hash; the letters (or a mail-merge CSV) are made now, once."""
    form = LettersForm()
    errors = []
    if form.validate_on_submit():
        text = uploaded_csv_text(form.file)
        if text is not None:
            made, errors = services.import_letters(current_council(), text, current_user,
                                                   valid_days=form.valid_days.data, messages={
                "missing_column": _("This column is missing"), "required": _("This is empty"),
                "too_many_rows": _("The file has more than 20,000 rows: split it"),
                "unknown_ward": _("No ward has this code or name"),
                "duplicate_person": _("This person already has a polling card (same name, address and ward)")})
            if not errors and form.output.data == "csv":
                out = io.StringIO()
                writer = csv.writer(out)
                writer.writerow(["name", "address", "ward", "code", "expires"])
                for letter in made:
                    writer.writerow([letter["name"], letter["address"], letter["ward"], letter["code"],
                                     letter["expires"].date().isoformat()])
                response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
                response.headers["Content-Disposition"] = "attachment; filename=polling-card-codes.csv"
                response.headers["Cache-Control"] = "no-store"
                return response
            if not errors:
                response = make_response(render_template("kiosk/letters_print.html", letters=made))
                response.headers["Cache-Control"] = "no-store"
                return response
            form.file.errors.append(_("No codes were made: correct the rows listed below and upload the file again."))
    return render_page("kiosk/letters.html", status=400 if request.method == "POST" else 200, form=form, errors=errors)


# --- Staff: help at home and accessibility reports ----------------------------------------------

def _status_labels() -> dict[str, str]:
    return {HelpStatus.NEW.value: _("New"), HelpStatus.ARRANGED.value: _("Visit arranged"),
            HelpStatus.DONE.value: _("Done"), HelpStatus.CANCELLED.value: _("Cancelled")}


@bp.get("/help-at-home")
@staff_only
def help_at_home_queue():
    show_all = request.args.get("show") == "all"
    page = paginate(services.help_at_home_queue(current_council(), open_only=not show_all), per_page=25)
    return render_page("kiosk/help_at_home_queue.html", page=page, show_all=show_all, labels=_status_labels())


@bp.route("/help-at-home/<int:request_id>", methods=["GET", "POST"])
@staff_only
def help_at_home_request(request_id: int):
    req = get_scoped_or_404(HelpAtHomeRequest, request_id)
    if request.method == "GET":
        audit.record("help_at_home.viewed", obj=req)
        db.session.commit()
    form = HelpAtHomeUpdateForm(data={"status": req.status.value, "note": req.staff_note} if request.method == "GET" else None)
    form.status.choices = list(_status_labels().items())
    if form.validate_on_submit():
        services.update_help_at_home(req, status=HelpStatus(form.status.data), note=form.note.data or "",
                                     actor=current_user)
        flash(_("Request updated."), "success")
        return redirect(url_for("kiosk.help_at_home_queue"), 303)
    return render_page("kiosk/help_at_home_request.html", status=400 if request.method == "POST" else 200,
                       form=form, req=req, labels=_status_labels())


@bp.get("/accessibility-reports")
@staff_only
def accessibility_reports():
    page = paginate(select(AccessibilityReport).where(AccessibilityReport.council_id == current_council().id)
                    .order_by(AccessibilityReport.resolved_at.is_not(None), AccessibilityReport.created_at.desc()),
                    per_page=25)
    return render_page("kiosk/accessibility_reports.html", page=page, form=ResolveReportForm())


@bp.post("/accessibility-reports/<int:report_id>/resolve")
@staff_only
def resolve_report(report_id: int):
    report = get_scoped_or_404(AccessibilityReport, report_id)
    form = ResolveReportForm()
    if form.validate_on_submit():
        services.resolve_accessibility_report(report, note=form.note.data, actor=current_user)
        flash(_("Report marked as dealt with."), "success")
    else:
        flash(_("Say what was done before marking the report as dealt with."), "error")
    return redirect(url_for("kiosk.accessibility_reports"), 303)


# --- Public help pages ------------------------------------------------------------------------

@help_bp.route("/help-at-home", methods=["GET", "POST"])
@public
@limiter.limit("5 per hour", key_func=lambda: _place_key("help-at-home"), methods=["POST"])
def help_at_home():
    wards = council_wards(current_council())
    form = HelpAtHomeForm(wards=wards)
    if request.method == "GET" and current_user.is_authenticated:
        form.name.data = current_user.display_name
        form.email.data = current_user.email or ""
        form.ward.data = str(current_user.ward_id or "")
    if form.validate_on_submit():
        ward_id = int(form.ward.data) if (form.ward.data or "").isdigit() and \
            int(form.ward.data) in {w.id for w in wards} else None
        services.request_help_at_home(current_council(), name=form.name.data, phone=form.phone.data or "",
                                      email=form.email.data or "", address=form.address.data, ward_id=ward_id,
                                      needs=form.needs.data, best_times=form.best_times.data or "",
                                      user=current_user if current_user.is_authenticated else None)
        return render_page("kiosk/help_at_home_sent.html")
    return render_page("kiosk/help_at_home.html", status=400 if request.method == "POST" else 200, form=form)


@help_bp.get("/accessibility")
@public
def accessibility_statement():
    return render_page("kiosk/accessibility.html", reviewed=date(2026, 11, 28))


@help_bp.route("/accessibility/report", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", key_func=lambda: _place_key("accessibility"), methods=["POST"])
def accessibility_report():
    form = AccessibilityReportForm(data={"page": request.args.get("page", "")[:500]} if request.method == "GET" else None)
    if form.validate_on_submit():
        services.report_accessibility_problem(current_council(), page=form.page.data or "", problem=form.problem.data,
                                              assistive_technology=form.assistive_technology.data or "",
                                              reply_to=form.reply_to.data or "")
        flash(_("Thank you. Your report has reached the team that looks after this site."), "success")
        return redirect(url_for("help.accessibility_statement"), 303)
    return render_page("kiosk/accessibility_report.html", status=400 if request.method == "POST" else 200, form=form)


@help_bp.route("/display", methods=["GET", "POST"])
@public
def display():
    """Larger text, high contrast and less motion, for everyone: kept in the account when signed
    in, else in the session. Works without JavaScript (a form and a page load)."""
    from app.kiosk.session import display_classes

    form = DisplayForm(data={**parse_display(display_classes()), "next": request.args.get("next", "")}
                       if request.method == "GET" else None)
    if form.validate_on_submit():
        value = format_display({"text": form.text.data, "contrast": form.contrast.data, "motion": form.motion.data})
        session["display"] = value
        if current_user.is_authenticated:
            current_user.display_settings = value
            db.session.commit()
        flash(_("Display settings saved."), "success")
        return redirect(safe_next(form.next.data, url_for("help.display")), 303)
    return render_page("kiosk/display.html", status=400 if request.method == "POST" else 200, form=form)


TASKS = ("budget-vote", "consultation", "idea")


@help_bp.get("/ways/<task>")
@public
def ways(task: str):
    """"How would you like to do this?": online, at a kiosk (where and when), by phone, in person."""
    if task not in TASKS:
        abort(404)
    council = current_council()
    return render_page("kiosk/ways.html", task=task, kiosks=services.devices(council),
                       in_person=_in_person_services(council))


# Words a services register entry is found by when it helps people take part in person.
_HELP_WORDS = ("computer", "internet", "digital", "librar", "customer", "contact centre")


def _in_person_services(council) -> list[dict]:
    """Phone and face-to-face help from the services register: active services offering those
    channels whose needs or name say they help people get online or reach the council."""
    from sqlalchemy import or_

    from app.services.models import Channel, Service, ServiceStatus

    found = db.session.scalars(select(Service).where(
        Service.council_id == council.id, Service.status == ServiceStatus.ACTIVE,
        or_(*[Service.search_text.ilike(f"%{word}%") for word in _HELP_WORDS])).order_by(Service.name).limit(6)).all()
    places = []
    for service in found:
        offered = set(service.channels or [])
        if not offered & {Channel.PHONE.value, Channel.FACE_TO_FACE.value}:
            continue
        detail = " · ".join(part for part in [
            _("Phone: %(phone)s", phone=service.phone) if service.phone and Channel.PHONE.value in offered else "",
            service.address or "", service.opening_hours or ""] if part)
        places.append({"name": service.name, "detail": detail})
    return places
