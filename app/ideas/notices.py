"""What the ideas module tells people, through the platform's notifications core."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.core.follows import Followable, followers, register_followable
from app.core.notifications import NotificationKind, notify, register_kind
from app.core.web import external_url
from app.extensions import db
from app.ideas.models import Idea, IdeaArgument, IdeaResponse

register_kind(NotificationKind("ideas.milestone", _l("Support for ideas you put forward"),
                               _l("Your idea has %(count)s supporters"), "ideas/notices/milestone.txt"))
register_kind(NotificationKind("ideas.threshold", _l("Ideas waiting for a council response (councillors)"),
                               _l("An idea needs a council response by %(due)s"), "ideas/notices/threshold.txt"))
register_kind(NotificationKind("ideas.monthly_top", _l("This month's top ideas (councillors)"),
                               _l("This month's top ideas: %(count)s to answer"), "ideas/notices/monthly_top.txt"))
register_kind(NotificationKind("ideas.argument", _l("New arguments on ideas you follow"),
                               _l("New argument on “%(title)s”"), "ideas/notices/argument.txt"))
register_kind(NotificationKind("ideas.response", _l("Council responses to ideas you support or follow"),
                               _l("The council has responded to “%(title)s”"), "ideas/notices/response.txt"))
register_kind(NotificationKind("ideas.merged", _l("Ideas you follow joined with another idea"),
                               _l("“%(title)s” was joined with a similar idea"), "ideas/notices/merged.txt"))
register_kind(NotificationKind("ideas.moderation", _l("Moderators' decisions on what you wrote"),
                               _l("A moderator's decision on what you wrote"), "ideas/notices/moderation.txt"))


def _idea_link(idea: Idea) -> str:
    return url_for("ideas.idea", idea_id=idea.id)


register_followable(Followable(
    "idea", load=lambda council_id, object_id: db.session.scalar(
        db.select(Idea).where(Idea.id == object_id, Idea.council_id == council_id)),
    title=lambda idea: idea.title, url=_idea_link))


def milestone(idea: Idea, count: int) -> None:
    notify("ideas.milestone", council_id=idea.council_id, recipients=[idea.author] if idea.author else [],
           params={"title": idea.title, "count": count}, link=_path(idea))


def threshold_reached(idea: Idea) -> None:
    from app.ideas.services import councillors_for

    notify("ideas.threshold", council_id=idea.council_id, recipients=councillors_for(idea),
           params={"title": idea.title, "count": idea.support_count, "due": idea.response_due.isoformat()},
           link=_path(idea))


def monthly_top(council_id: int, councillors: list, count: int, titles: list[str]) -> None:
    notify("ideas.monthly_top", council_id=council_id, recipients=councillors,
           params={"count": count, "titles": titles[:5]}, link="/ideas/top")


def new_argument(idea: Idea, argument: IdeaArgument) -> None:
    people = [u for u in followers(idea.council_id, "idea", idea.id) if u.id != argument.author_id]
    notify("ideas.argument", council_id=idea.council_id, recipients=people,
           params={"title": idea.title, "side": argument.side.value, "body": argument.body[:200]},
           link=_path(idea) + "#arguments")


def council_response(idea: Idea, response: IdeaResponse) -> None:
    from app.ideas.services import supporters

    people = supporters(idea.id) + followers(idea.council_id, "idea", idea.id)
    notify("ideas.response", council_id=idea.council_id, recipients=people,
           params={"title": idea.title, "decision": response.decision.value, "reason": response.reason[:500],
                   "next_step": response.next_step[:300]}, link=_path(idea) + "#response")


def merged(source: Idea, target: Idea) -> None:
    notify("ideas.merged", council_id=source.council_id, recipients=followers(target.council_id, "idea", target.id),
           params={"title": source.title, "target": target.title}, link=_path(target))


def moderation(obj, what: str, reason: str = "") -> None:
    from app.ideas.services import idea_of, type_of

    author = obj.author
    if author is None:
        return
    idea = idea_of(obj)
    notify("ideas.moderation", council_id=idea.council_id, recipients=[author],
           params={"what": what, "type": type_of(obj), "title": idea.title,
                   "reason": reason or (obj.hidden_reason or "")}, link=_path(idea))


def _path(idea: Idea) -> str:
    # A path, not url_for: notices are also sent from jobs, outside any request.
    return f"/ideas/{idea.id}"
