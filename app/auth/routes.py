from __future__ import annotations

import json
import time

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import bp, services
from app.auth.forms import (AccountForm, DeleteAccountForm, PollingCardForm, PostcodeForm, ResetPasswordForm,
                            ResetRequestForm, SignInForm, SignUpForm, TwoFactorForm, TwoFactorSetupForm, WardChoiceForm)
from app.core import audit
from app.core.forms import choices
from app.core.access import client_ip, public, signed_in
from app.core.mail import send_mail
from app.core.routes import safe_next
from app.core.tenancy import current_council
from app.core.web import external_url, render_page
from app.extensions import db, limiter


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _failed(response: Response) -> bool:
    # Success always redirects; a re-rendered form is a failed attempt.
    return response.status_code != 303


def auth_rate_limits(view=None, *, every_attempt: bool = False):
    """Failures per account and per IP address; the next one after the limit gets 429.

    With every_attempt=True each POST counts (a reset request never visibly fails)."""
    if view is None:
        return lambda v: auth_rate_limits(v, every_attempt=every_attempt)
    deduct = None if every_attempt else _failed
    view = limiter.limit(lambda: current_app.config["AUTH_LIMIT_PER_ACCOUNT"], key_func=_account_key,
                         methods=["POST"], deduct_when=deduct, scope="auth-account")(view)
    view = limiter.limit(lambda: current_app.config["AUTH_LIMIT_PER_IP"], key_func=client_ip,
                         methods=["POST"], deduct_when=deduct, scope="auth-ip")(view)
    return view


def _send_confirmation(user) -> None:
    with force_locale(user.language):
        link = external_url(current_council(), "auth.confirm_email", token=services.make_confirm_token(user))
        send_mail(user.email, _("Confirm your email address"),
                  _("Hello %(name)s,\n\nConfirm your email address for %(council)s by opening this link:\n%(link)s\n\n"
                    "If you did not create an account, you can ignore this email.",
                    name=user.display_name, council=current_council().name(user.language), link=link))


@bp.route("/sign-up", methods=["GET", "POST"])
@public
@auth_rate_limits
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = SignUpForm()
    if request.method == "GET":
        form.language.data = session.get("lang") or str(getattr(request, "locale", "") or "") or "en"
        if form.language.data not in current_app.config["LANGUAGES"]:
            form.language.data = "en"
    if form.validate_on_submit():
        council = current_council()
        try:
            user = None if services.email_taken(council, form.email.data) else services.create_account(
                council, email=form.email.data, display_name=form.display_name.data, password=form.password.data,
                language=form.language.data, share_with_councillors=form.share_with_councillors.data,
                contact_for_research=form.contact_for_research.data)
        except services.EmailTaken:
            user = None
        if user is None:
            form.email.errors.append(_("An account with this email address already exists. Sign in, or reset your password."))
        else:
            _send_confirmation(user)
            login_user(user)
            session["lang"] = user.language
            flash(_("Your account has been created. We have emailed you a link to confirm your address."), "success")
            return redirect(url_for("auth.ward"), 303)
    return render_template("auth/sign_up.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@auth_rate_limits
def sign_in():
    form = SignInForm()
    next_url = safe_next(request.values.get("next"), url_for("core.dashboard"))
    if form.validate_on_submit():
        user = services.find_user(current_council(), form.email.data)
        if services.check_password(user, form.password.data):
            display = session.get("display")  # chosen before signing in: not personal, kept
            session.clear()  # a fresh session on sign-in, against session fixation
            session["lang"] = user.language
            if display:
                session["display"] = display
            if user.needs_two_factor:
                session["pending_2fa"] = user.get_id()
                session["pending_since"] = int(time.time())
                session["pending_next"] = next_url
                return redirect(url_for("auth.two_factor" if user.totp_confirmed_at else "auth.two_factor_setup"), 303)
            login_user(user)
            return redirect(next_url, 303)
        form.password.errors.append(_("The email address or password is not right"))
    return render_template("auth/sign_in.html", form=form, next_url=next_url)


PENDING_SECONDS = 300  # the second step must follow the password within five minutes


def _pending_user():
    """The person who gave the right password and still owes a second factor."""
    from app.core.access import load_user_for_session_id

    pending = session.get("pending_2fa")
    started = session.get("pending_since", 0)
    if not pending or time.time() - started > PENDING_SECONDS:
        session.pop("pending_2fa", None)
        return None
    return load_user_for_session_id(pending)


def _finish_two_factor(user) -> str:
    next_url = safe_next(session.pop("pending_next", None), url_for("core.dashboard"))
    session.pop("pending_2fa", None)
    session.pop("pending_since", None)
    login_user(user)
    session["two_factor"] = True
    return next_url


def _two_factor_key() -> str:
    return "2fa:" + str(session.get("pending_2fa", "none")).split(":")[0]


two_factor_limit = limiter.shared_limit(lambda: current_app.config["TWO_FACTOR_LIMIT"], scope="two-factor",
                                        key_func=_two_factor_key, methods=["POST"], deduct_when=_failed)


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
@public
@two_factor_limit
def two_factor():
    user = _pending_user()
    if user is None:
        flash(_("Sign in again: the code must follow your password within five minutes."), "info")
        return redirect(url_for("auth.sign_in"), 303)
    if user.totp_confirmed_at is None:
        return redirect(url_for("auth.two_factor_setup"), 303)
    form = TwoFactorForm()
    if form.validate_on_submit():
        if services.second_factor_locked(user):
            form.code.errors.append(_("Too many wrong codes. Wait 15 minutes and try again, or ask an administrator for help."))
        elif services.check_totp(user, form.code.data) or services.use_recovery_code(user, form.code.data):
            services.record_second_factor_success(user)
            return redirect(_finish_two_factor(user), 303)
        else:
            services.record_failed_second_factor(user)
            form.code.errors.append(_("That code is not right. Check the time on your phone is correct, or use a recovery code."))
    return render_template("auth/two_factor.html", form=form)


@bp.route("/sign-in/two-factor/setup", methods=["GET", "POST"])
@public
@two_factor_limit
def two_factor_setup():
    import segno

    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"), 303)
    if user.totp_confirmed_at is not None:
        return redirect(url_for("auth.two_factor"), 303)
    # The key waits on the account (not in the cookie, which is signed but readable) until confirmed.
    secret = services.pending_totp_secret(user)
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        codes = services.confirm_totp(user, form.code.data)
        if codes is not None:
            next_url = _finish_two_factor(user)
            # Shown once, in this response: never stored anywhere they could be read back.
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
        form.code.errors.append(_("That code is not right. Check you scanned the code or typed the key correctly."))
    uri = services.totp_uri(user, secret, current_council().name_en)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4, dark="#000", light="#fff")
    spaced = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("auth/two_factor_setup.html", form=form, qr=qr, secret=spaced)


@bp.post("/sign-out")
@signed_in
def sign_out():
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "success")
    return redirect(url_for("core.home"), 303)


@bp.route("/reset-password", methods=["GET", "POST"])
@public
@auth_rate_limits(every_attempt=True)
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = services.find_user(current_council(), form.email.data)
        if user is not None:
            with force_locale(user.language):
                link = external_url(current_council(), "auth.reset_password", token=services.make_reset_token(user))
                send_mail(user.email, _("Choose a new password"),
                          _("Hello %(name)s,\n\nOpen this link within an hour to choose a new password:\n%(link)s\n\n"
                            "If you did not ask for this, you can ignore this email: your password has not changed.",
                            name=user.display_name, link=link))
        # The same answer whether or not the account exists, so the form cannot reveal who has one.
        flash(_("If an account uses that address, we have emailed it a link to choose a new password."), "success")
        return redirect(url_for("auth.sign_in"), 303)
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    user = services.user_from_reset_token(current_council(), token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        flash(_("Your password has been changed. Sign in with your new password."), "success")
        return redirect(url_for("auth.sign_in"), 303)
    return render_template("auth/reset_password.html", form=form)


@bp.get("/confirm-email/<token>")
@public
def confirm_email(token: str):
    user = services.confirm_email(current_council(), token)
    if user is None:
        return render_template("auth/confirm_invalid.html"), 400
    flash(_("Thank you: your email address is confirmed."), "success")
    return redirect(url_for("core.dashboard" if current_user.is_authenticated else "auth.sign_in"), 303)


@bp.post("/confirm-email")
@signed_in
def resend_confirmation():
    if current_user.email and current_user.email_confirmed_at is None:
        _send_confirmation(current_user)
        flash(_("We have sent the link again. Check your email."), "success")
    return redirect(url_for("auth.account"), 303)


@bp.route("/account/ward", methods=["GET", "POST"])
@signed_in
def ward():
    """Postcode first; a straddling postcode offers its wards; an unknown one offers every ward."""
    council = current_council()
    all_wards = services.council_wards(council)
    postcode_form = PostcodeForm(prefix="pc")
    choice_form = WardChoiceForm(prefix="w")
    choice_form.ward.choices = choices((w.id, w.name) for w in all_wards)
    shown_wards = all_wards if request.args.get("choose") == "all" else None
    message = None
    step = request.form.get("step")
    chosen = None
    if step == "postcode" and postcode_form.validate():
        found = services.wards_for_postcode(council, postcode_form.postcode.data)
        if found is None:
            postcode_form.postcode.errors.append(_("Enter a real postcode, like CC1 1AA"))
        elif not found:
            postcode_form.postcode.errors.append(_(
                "We could not find that postcode in our area. Check it, or choose your ward from the list."))
            shown_wards = all_wards
        elif len(found) == 1:
            chosen = found[0]
        else:
            shown_wards = found
            message = _("Your postcode is in more than one ward. Choose the ward your home is in.")
    elif step == "ward":
        shown_wards = all_wards
        if choice_form.validate():
            chosen = next(w for w in all_wards if w.id == choice_form.ward.data)
    if chosen is not None:
        services.set_ward(current_user, chosen)
        flash(_("Your ward is %(ward)s.", ward=chosen.name), "success")
        return redirect(url_for("core.dashboard"), 303)
    if shown_wards is not None:
        choice_form.ward.choices = choices((w.id, w.name) for w in shown_wards)
    return render_template("auth/ward.html", postcode_form=postcode_form, choice_form=choice_form,
                           show_choice=shown_wards is not None, message=message)


@bp.route("/account/polling-card", methods=["GET", "POST"])
@signed_in
@limiter.limit("10 per hour", key_func=lambda: f"polling-card:{current_user.id}", methods=["POST"])
def polling_card():
    """Show with the code on a polling card that you live in your ward (some votes ask for it)."""
    form = PollingCardForm()
    back = safe_next(request.args.get("next"), url_for("auth.account"))
    if form.validate_on_submit():
        if current_user.ward_id is None:
            form.code.errors.append(_("Set your ward first: the card must be for the ward you live in."))
        elif services.verify_with_polling_card(current_user, form.code.data):
            flash(_("Thank you: your polling card shows you live in %(ward)s ward.", ward=current_user.ward.name),
                  "success")
            return redirect(back, 303)
        else:
            form.code.errors.append(_("That code does not match an unused polling card for %(ward)s ward. Check it "
                                      "and try again, or ask at a library or council office.",
                                      ward=current_user.ward.name))
    return render_page("auth/polling_card.html", status=400 if request.method == "POST" else 200, form=form,
                       back=back)


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        services.update_account(current_user, display_name=form.display_name.data, language=form.language.data,
                                date_of_birth=form.date_of_birth.data,
                                share_with_councillors=form.share_with_councillors.data,
                                contact_for_research=form.contact_for_research.data)
        session["lang"] = current_user.language
        flash(_("Your details have been saved."), "success")
        return redirect(url_for("auth.account"), 303)
    return render_template("auth/account.html", form=form)


@bp.get("/account/my-data.json")
@signed_in
def download_data():
    data = services.export_personal_data(current_user)
    audit.record("account.data_downloaded", obj=current_user)
    db.session.commit()
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-council-data.json"'})


@bp.route("/account/delete", methods=["GET", "POST"])
@signed_in
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        lang = current_user.language
        services.delete_account(current_user)
        logout_user()
        session.clear()
        session["lang"] = lang
        flash(_("Your account has been deleted. Thank you for taking part."), "success")
        return redirect(url_for("core.home"), 303)
    return render_template("auth/delete_account.html", form=form)
