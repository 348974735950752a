from __future__ import annotations

from datetime import datetime, timezone

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import uploads
from app.core.access import public, role_required, signed_in
from app.core.idempotency import idempotent
from app.core.categories import CATEGORY_KEYS, category_label
from app.core.datasets import export_response
from app.core.models import Role, Ward
from app.core.publication import publication_open
from app.core.routes import safe_next
from app.core.tenancy import current_council, get_scoped_or_404, scoped
from app.core.web import paginate, render_page
from app.extensions import db, htmx, limiter
from app.ideas import bp, services
from app.ideas.forms import (AppealDecisionForm, AppealForm, ArgumentForm, CommentForm, FlagForm, HideForm, IdeaForm,
                             ListForm, MergeForm, ResponseForm, SettingsForm, status_labels)
from app.ideas.models import DECIDED, AppealOutcome, FlagReason, Idea, IdeaArgument, IdeaComment, IdeaStatus, Side

moderators = role_required(Role.MODERATOR, Role.ADMIN)
responders = role_required(Role.COUNCILLOR, Role.STAFF, Role.ADMIN)


@bp.app_template_global()
def status_label(value) -> str:
    value = getattr(value, "value", value)
    return status_labels().get(value, str(value))


@bp.app_template_global()
def flag_reason_label(value) -> str:
    from app.ideas.forms import FLAG_REASONS

    return str(dict(FLAG_REASONS).get(FlagReason(value).value, value))


@bp.app_template_global()
def idea_label_maps() -> tuple[dict[str, str], dict[str, str]]:
    """({topic: label}, {status: label}) in the reader's language, for a list of cards."""
    from app.core.categories import CATEGORIES
    from app.core.i18n import labels

    return labels("categories", CATEGORIES), status_labels()


@bp.app_template_global()
def idea_category_label(key: str) -> str:
    return category_label(key)


def _wards():
    """(id, name) of the council's wards, for menus and cards: rows, not objects."""
    return db.session.execute(select(Ward.id, Ward.name).where(Ward.council_id == current_council().id)
                              .order_by(Ward.name)).all()


def _idea_or_404(idea_id: int) -> Idea:
    return get_scoped_or_404(Idea, idea_id)


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anon"


# --- Lists, feeds and downloads ---------------------------------------------------------------

STATUS_VALUES = {s.value for s in IdeaStatus}


def _filter_from_args(wards=None) -> services.IdeaFilter:
    """The list's filters from the query string. Each menu value is checked on its own and an
    unknown one is ignored (only a hand-edited address has one), so the form is not validated:
    that cost a list page more than its query (bench/ideas.py)."""
    wards = _wards() if wards is None else wards
    args = request.args
    ward, status, sort = args.get("ward", ""), args.get("status", ""), args.get("sort", "")
    ward_id = int(ward) if ward.isdigit() and int(ward) in {w.id for w in wards} else None
    f = services.IdeaFilter(
        sort=sort if sort in services.SORTS else "supported", ward_id=ward_id, whole_council=ward == "all",
        category=args.get("category") if args.get("category") in CATEGORY_KEYS else None,
        status=IdeaStatus(status) if status in STATUS_VALUES else None, q=(args.get("q") or "")[:100])
    return f


@bp.get("/")
@public
def index():
    wards = _wards()
    f = _filter_from_args(wards)
    # Only the columns a card shows; ward names from the list the filter menu already needs.
    page = paginate(services.list_query(current_council().id, f, columns=services.CARD_COLUMNS),
                    per_page=20, count_limit=services.LIST_COUNT_LIMIT)
    supported = services.supported_ids(current_user, [i.id for i in page.items])
    # The filter menus are memoised on what they show (the wards, the values chosen), so the form
    # is built only when they are rendered afresh.
    chosen = tuple(request.args.get(name, "") for name in ListForm.FIELDS)
    return render_page("ideas/index.html", fragment="ideas/_results.html", target="idea-results",
                       list_form=lambda: ListForm(request.args, wards=wards), filter_key=(tuple(wards), chosen),
                       page=page, supported=supported, filters=f, ward_names={w.id: w.name for w in wards})


FEED_SIZE = 50
FEED_FILTERS = {"q", "sort", "ward", "category", "status"}


@bp.get("/feed.atom")
@public
def feed():
    f = _filter_from_args()
    ideas = db.session.scalars(services.list_query(current_council().id, f).limit(FEED_SIZE)).all()
    updated = max((i.updated_at for i in ideas), default=datetime.now(timezone.utc))
    from urllib.parse import urlencode

    # Only the list's own filters go into the links: any other argument is not ours to echo.
    kept = urlencode([(k, v) for k, v in request.args.items(multi=True) if k in FEED_FILTERS])
    suffix = f"?{kept}" if kept else ""
    body = render_template("ideas/feed.xml", ideas=ideas, updated=updated,
                           self_url=url_for("ideas.feed", _external=True) + suffix,
                           page_url=url_for("ideas.index", _external=True) + suffix)
    return Response(body, mimetype="application/atom+xml")


EXPORT_FIELDS = ["id", "title", "description", "category", "ward", "place", "status", "supports", "created_at",
                 "response_due", "url"]


def idea_row(idea: Idea) -> dict:
    return {"id": idea.id, "title": idea.title, "description": idea.body, "category": idea.category,
            "ward": idea.ward.name if idea.ward else "", "place": idea.place_name or "",
            "status": idea.status.value, "supports": idea.support_count, "created_at": idea.created_at,
            "response_due": idea.response_due, "url": url_for("ideas.idea", idea_id=idea.id, _external=True)}


@bp.get("/export.<any(csv, json):fmt>")
@public
def export(fmt: str):
    f = _filter_from_args()
    query = (services.list_query(current_council().id, f).options(selectinload(Idea.ward))
             .execution_options(yield_per=500))

    def rows():  # runs while the response streams
        for idea in db.session.scalars(query):
            yield idea_row(idea)
    return export_response(fmt, "ideas", EXPORT_FIELDS, rows())


# --- Submitting --------------------------------------------------------------------------------

@bp.get("/similar")
@public
def similar():
    """Live results while the title is typed (htmx), and the no-JS "check for similar ideas" step."""
    title = (request.args.get("title") or "")[:150]
    ideas = services.similar(current_council().id, title) if len(title.strip()) >= 3 else []
    return render_template("ideas/_similar.html", similar=ideas, checked=bool(title.strip()))


@bp.route("/new", methods=["GET", "POST"])
@signed_in
@publication_open
def new():
    form = IdeaForm(wards=_wards())
    similar_ideas: list[Idea] = []
    if request.method == "GET" and request.args.get("title"):
        form.title.data = request.args["title"][:150]
    if form.validate_on_submit():
        ward_id = int(form.ward.data) if (form.ward.data or "").isdigit() else None
        if ward_id is not None and ward_id not in {w.id for w in _wards()}:
            ward_id = None
        similar_ideas = services.similar(current_council().id, form.title.data)
        if similar_ideas and form.checked_similar.data != "1":
            # Show what already exists before publishing; "submit anyway" sends checked_similar=1.
            form.checked_similar.data = "1"
            flash(_("Similar ideas already exist. You could support one of them instead, or submit yours anyway."),
                  "info")
            return render_template("ideas/new.html", form=form, similar=similar_ideas, checking=True)
        image_key = None
        upload = request.files.get(form.image.name)
        if upload and upload.filename:
            try:
                data, suffix = uploads.clean_image(upload.stream)
            except uploads.ImageRejected as problem:
                form.image.errors = [str(problem)]
                return render_template("ideas/new.html", form=form, similar=similar_ideas, checking=False), 400
            image_key = uploads.save(data, suffix)
        idea = services.submit(current_user, title=form.title.data, body=form.body.data, category=form.category.data,
                               ward_id=ward_id, place_name=form.place_name.data, image_key=image_key,
                               image_alt=form.image_alt.data)
        flash(_("Your idea is published. Share it so others can support it."), "success")
        return redirect(url_for("ideas.idea", idea_id=idea.id), 303)
    if form.category.data and form.category.data not in CATEGORY_KEYS:
        form.category.errors = [_("Choose a topic")]
    status = 400 if form.errors else 200
    return render_template("ideas/new.html", form=form, similar=similar_ideas, checking=False), status


# --- The idea page -----------------------------------------------------------------------------

def _can_see_hidden(obj) -> bool:
    """Moderators, and the author (so they know what was hidden and can appeal)."""
    if not current_user.is_authenticated:
        return False
    return current_user.has_role(Role.MODERATOR, Role.ADMIN) or obj.author_id == current_user.id


@bp.app_template_global()
def can_see_hidden(obj) -> bool:
    return _can_see_hidden(obj)


def _idea_context(idea: Idea) -> dict:
    arguments = services.arguments_for(idea.id)
    all_arguments = arguments["for"] + arguments["against"]
    user = current_user if current_user.is_authenticated else None
    return {
        "idea": idea, "arguments": arguments, "rated": services.rated_ids(user, all_arguments),
        "threads": services.comment_threads(idea.id), "responses": services.responses_of(idea.id),
        "supported": bool(services.supported_ids(user, [idea.id])), "can_support": services.can_support(idea),
        "can_respond": services.can_respond(current_user), "argument_form": ArgumentForm(prefix="argument"),
        "comment_form": CommentForm(prefix="comment"), "settings": services.settings_for(idea.council_id),
        "appeal": services.appeal_for(idea) if idea.is_hidden else None,
        "is_moderator": bool(user and user.has_role(Role.MODERATOR, Role.ADMIN)),
        "decided": idea.status in DECIDED,
    }


@bp.get("/<int:idea_id>")
@public
def idea(idea_id: int):
    item = _idea_or_404(idea_id)
    if item.status == IdeaStatus.MERGED and item.merged_into_id and not request.args.get("show"):
        flash(_("This idea was joined with a similar one. Its supporters are counted there."), "info")
        return redirect(url_for("ideas.idea", idea_id=item.merged_into_id), 303)
    return render_template("ideas/idea.html", **_idea_context(item))


@bp.get("/<int:idea_id>/image")
@public
def image(idea_id: int):
    item = _idea_or_404(idea_id)
    data = uploads.read(item.image_key or "") if not item.is_hidden else None
    if data is None:
        abort(404)
    mimetype = "image/png" if item.image_key.endswith(".png") else "image/jpeg"
    response = Response(data, mimetype=mimetype)
    # Revalidated every time, so a photo hidden by a moderator disappears from caches at once.
    response.cache_control.no_cache = True
    response.set_etag(item.image_key)
    return response.make_conditional(request)


def _support_limit() -> str:
    return current_app.config["SUPPORT_LIMIT"]


@bp.post("/<int:idea_id>/support")
@signed_in
@limiter.limit(_support_limit, key_func=_user_key)
@idempotent
def support(idea_id: int):
    item = _idea_or_404(idea_id)
    withdraw = request.form.get("action") == "withdraw"
    status = 200
    try:
        if withdraw:
            services.withdraw(item, current_user)
            message = _("You no longer support this idea.")
        else:
            services.support(item, current_user)
            message = _("You support this idea.")
    except services.NotSupportable:
        message, status = _("This idea is no longer taking support."), 409
    item = _idea_or_404(idea_id)
    supported = bool(services.supported_ids(current_user, [item.id]))
    if htmx and htmx.target == f"support-{item.id}":
        # 200 even when refused: htmx swaps only successful answers, and the box says why.
        return render_page("ideas/_support.html", idea=item, supported=supported,
                           can_support=services.can_support(item), message=message)
    flash(message, "success" if status == 200 else "error")
    return redirect(safe_next(request.form.get("next"), url_for("ideas.idea", idea_id=item.id)), 303)


@bp.post("/<int:idea_id>/arguments")
@signed_in
@idempotent
def add_argument(idea_id: int):
    item = _idea_or_404(idea_id)
    form = ArgumentForm(prefix="argument")
    if not item.listed:
        abort(409)
    if form.validate_on_submit():
        services.add_argument(item, current_user, Side(form.side.data), form.body.data)
        flash(_("Your argument is added."), "success")
        return redirect(url_for("ideas.idea", idea_id=item.id) + "#arguments", 303)
    context = _idea_context(item)
    context["argument_form"] = form
    return render_template("ideas/idea.html", **context), 400


@bp.post("/arguments/<int:argument_id>/helpful")
@signed_in
def helpful(argument_id: int):
    argument = db.session.get(IdeaArgument, argument_id)
    if argument is None or argument.idea.council_id != current_council().id or argument.is_hidden:
        abort(404)
    counted = services.rate_helpful(argument, current_user)
    argument = db.session.get(IdeaArgument, argument_id)
    if htmx and htmx.target == f"helpful-{argument_id}":
        return render_page("ideas/_helpful.html", argument=argument, rated=True)
    flash(_("Thank you: you marked this argument helpful.") if counted else
          _("You have already marked this argument helpful."), "success")
    return redirect(url_for("ideas.idea", idea_id=argument.idea_id) + "#arguments", 303)


@bp.post("/<int:idea_id>/comments")
@signed_in
@idempotent
def add_comment(idea_id: int):
    item = _idea_or_404(idea_id)
    form = CommentForm(prefix="comment")
    if not item.listed:
        abort(409)
    if form.validate_on_submit():
        parent_id = int(form.parent_id.data) if (form.parent_id.data or "").isdigit() else None
        comment = services.add_comment(item, current_user, form.body.data, parent_id)
        flash(_("Your comment is added."), "success")
        return redirect(url_for("ideas.idea", idea_id=item.id) + f"#comment-{comment.id}", 303)
    context = _idea_context(item)
    context["comment_form"] = form
    return render_template("ideas/idea.html", **context), 400


@bp.route("/comments/<int:comment_id>/reply", methods=["GET"])
@signed_in
def reply(comment_id: int):
    """Without JS, a reply gets its own small page with the comment being answered."""
    comment = db.session.get(IdeaComment, comment_id)
    if comment is None or comment.idea.council_id != current_council().id or comment.is_hidden \
            or not comment.idea.listed:
        abort(404)
    form = CommentForm(prefix="comment", parent_id=str(comment.id))
    return render_template("ideas/reply.html", comment=comment, idea=comment.idea, form=form)


# --- Flags, moderation, appeals ----------------------------------------------------------------

def _moderated_or_404(object_type: str, object_id: int):
    obj = services.moderated_object(current_council().id, object_type, object_id)
    if obj is None:
        abort(404)
    return obj


@bp.route("/flag/<any(idea, argument, comment):object_type>/<int:object_id>", methods=["GET", "POST"])
@signed_in
def flag(object_type: str, object_id: int):
    obj = _moderated_or_404(object_type, object_id)
    if (obj.is_hidden or services.idea_of(obj).is_hidden) and not _can_see_hidden(obj):
        abort(404)  # already hidden: nothing to report, and its text is not for everyone
    form = FlagForm()
    if form.validate_on_submit():
        added = services.flag(current_user, obj, FlagReason(form.reason.data), form.detail.data or "")
        flash(_("Thank you. A moderator will look at it.") if added else
              _("You have already reported this. A moderator will look at it."), "success")
        return redirect(url_for("ideas.idea", idea_id=services.idea_of(obj).id), 303)
    return render_template("ideas/flag.html", form=form, obj=obj, object_type=object_type,
                           idea=services.idea_of(obj)), 400 if form.errors else 200


@bp.get("/moderation")
@moderators
def moderation_queue():
    council_id = current_council().id
    # Appeals are few (one per hiding); reports are paged.
    appeals = db.session.scalars(services.open_appeals_query(council_id).limit(100)).all()
    page = paginate(services.open_flags_query(council_id), per_page=50)
    return render_template("ideas/moderation.html", page=page, flags=services.with_objects(council_id, page.items),
                           appeals=services.with_objects(council_id, appeals))


@bp.route("/moderation/<any(idea, argument, comment):object_type>/<int:object_id>", methods=["GET", "POST"])
@moderators
def moderate(object_type: str, object_id: int):
    obj = _moderated_or_404(object_type, object_id)
    form = HideForm()
    action = request.form.get("action")
    if request.method == "POST" and action in ("restore", "dismiss"):
        if action == "restore" and obj.is_hidden:
            services.restore(current_user, obj)
            flash(_("It is shown again."), "success")
        else:
            services.dismiss_flags(current_user, obj)
            flash(_("The reports are closed and it stays as it is."), "success")
        return redirect(url_for("ideas.moderation_queue"), 303)
    if form.validate_on_submit():
        services.hide(current_user, obj, form.reason.data)
        flash(_("It is hidden. Readers see your reason."), "success")
        return redirect(url_for("ideas.moderation_queue"), 303)
    flags = services.open_flags_on(obj)
    return render_template("ideas/moderate.html", form=form, obj=obj, object_type=object_type, flags=flags,
                           idea=services.idea_of(obj)), 400 if form.errors else 200


@bp.route("/appeal/<any(idea, argument, comment):object_type>/<int:object_id>", methods=["GET", "POST"])
@signed_in
def appeal(object_type: str, object_id: int):
    obj = _moderated_or_404(object_type, object_id)
    if obj.author_id != current_user.id or not obj.is_hidden:
        abort(403)
    existing = services.appeal_for(obj)
    form = AppealForm()
    if existing is None and form.validate_on_submit():
        try:
            services.appeal(current_user, obj, form.statement.data)
        except services.AppealRefused:
            abort(409)
        flash(_("Your appeal is sent. A different moderator will decide and we will tell you."), "success")
        return redirect(url_for("ideas.idea", idea_id=services.idea_of(obj).id), 303)
    return render_template("ideas/appeal.html", form=form, obj=obj, existing=existing, object_type=object_type,
                           idea=services.idea_of(obj)), 400 if form.errors else 200


@bp.route("/moderation/appeals/<int:appeal_id>", methods=["GET", "POST"])
@moderators
def decide_appeal(appeal_id: int):
    from app.ideas.models import ModerationAppeal

    row = db.session.get(ModerationAppeal, appeal_id)
    if row is None or row.council_id != current_council().id:
        abort(404)
    obj = _moderated_or_404(row.object_type, row.object_id)
    allowed = services.can_decide(current_user, row)
    form = AppealDecisionForm()
    if allowed and form.validate_on_submit():
        services.decide_appeal(current_user, row, AppealOutcome(form.outcome.data), form.reason.data)
        flash(_("The appeal is decided and the author is told."), "success")
        return redirect(url_for("ideas.moderation_queue"), 303)
    return render_template("ideas/decide_appeal.html", form=form, appeal=row, obj=obj, allowed=allowed,
                           idea=services.idea_of(obj)), 400 if form.errors else 200


@bp.route("/<int:idea_id>/merge", methods=["GET", "POST"])
@moderators
def merge(idea_id: int):
    source = _idea_or_404(idea_id)
    form = MergeForm()
    if form.validate_on_submit():
        target = db.session.scalar(scoped(Idea).where(Idea.id == form.target.data))
        if target is None:
            form.target.errors = [_("There is no idea with that number")]
        else:
            try:
                total = services.merge(current_user, source, target)
            except services.MergeRefused:
                form.target.errors = [_("Choose a different idea that is still listed")]
            else:
                flash(_("The ideas are joined. It now has %(count)s supporters, each counted once.", count=total),
                      "success")
                return redirect(url_for("ideas.idea", idea_id=target.id), 303)
    similar_ideas = services.similar(current_council().id, source.title, exclude_id=source.id)
    return render_template("ideas/merge.html", form=form, idea=source, similar=similar_ideas), \
        400 if form.errors else 200


# --- Council responses -------------------------------------------------------------------------

def _ward_names() -> dict[int, str]:
    return {w.id: w.name for w in _wards()}


@bp.get("/top")
@public
def top():
    council_id = current_council().id
    ward_names = _ward_names()
    return render_template("ideas/top.html", top=services.top_ideas(council_id, ward_names), ward_names=ward_names,
                           can_respond=services.can_respond(current_user))


@bp.get("/awaiting-response")
@responders
def awaiting():
    ward_id = None
    if request.args.get("mine") and current_user.has_role(Role.COUNCILLOR):
        from app.core.models import CouncillorProfile
        profile = db.session.get(CouncillorProfile, current_user.id)
        ward_id = profile.ward_id if profile else None
    page = paginate(services.awaiting_response_query(current_council().id, ward_id).options(selectinload(Idea.ward)))
    return render_template("ideas/awaiting.html", page=page, mine=bool(ward_id))


@bp.get("/overdue")
@public
def overdue():
    page = paginate(services.overdue_query(current_council().id).options(selectinload(Idea.ward)))
    return render_template("ideas/overdue.html", page=page, settings=services.settings_for(current_council().id))


@bp.route("/<int:idea_id>/respond", methods=["GET", "POST"])
@responders
def respond(idea_id: int):
    item = _idea_or_404(idea_id)
    if not item.listed:
        abort(409)  # hidden or merged: the response belongs on the idea it was joined with
    form = ResponseForm()
    if form.validate_on_submit():
        services.respond(current_user, item, IdeaStatus(form.decision.data), form.reason.data,
                         form.next_step.data or "")
        flash(_("Your response is published and supporters are told."), "success")
        return redirect(url_for("ideas.idea", idea_id=item.id) + "#response", 303)
    return render_template("ideas/respond.html", form=form, idea=item), 400 if form.errors else 200


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.STAFF, Role.ADMIN)
def settings():
    council_id = current_council().id
    current = services.settings_for(council_id)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        services.save_settings(council_id, form.support_threshold.data, form.response_days.data)
        flash(_("Settings saved."), "success")
        return redirect(url_for("ideas.settings"), 303)
    return render_template("ideas/settings.html", form=form), 400 if form.errors else 200
