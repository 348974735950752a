"""What tenders tell people, through the platform's notifications core. No bid content ever goes in
a notification: only titles, times, hashes and, after award, a bidder's own scores."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from app.core.bilingual import BilingualText
from app.core.notifications import NotificationKind, notify, register_kind
from app.extensions import db

register_kind(NotificationKind("tenders.alert", _l("New challenges that match your tender alerts"),
                               _l("New challenge: %(title)s"), "tenders/notices/alert.txt"))
register_kind(NotificationKind("tenders.clarification", _l("Answers to questions about challenges you are interested in"),
                               _l("New answer about %(title)s"), "tenders/notices/clarification.txt"))
register_kind(NotificationKind("tenders.changed", _l("Changes to challenges you are interested in"),
                               _l("Challenge changed: %(title)s"), "tenders/notices/changed.txt"))
register_kind(NotificationKind("tenders.partner", _l("Messages from organisations looking for partners"),
                               _l("A message about partnering on %(title)s"), "tenders/notices/partner.txt"))
register_kind(NotificationKind("tenders.outcome", _l("Outcomes of your bids"),
                               _l("Outcome of your bid: %(title)s"), "tenders/notices/outcome.txt"))


def _title(challenge) -> dict:
    return BilingualText.of(challenge.title).as_dict()


def challenge_opened(challenge, people) -> None:
    notify("tenders.alert", council_id=challenge.council_id, recipients=people,
           params={"title": _title(challenge), "value": str(challenge.total_budget)},
           link=f"/tenders/{challenge.id}")


def bid_receipt(bid, user, digest: str, when: datetime) -> None:
    """Always emailed, whatever the person's notification choices: it is their proof of submission."""
    from flask import render_template
    from flask_babel import force_locale, gettext

    from app.core.jobs import enqueue
    from app.core.mail import send_mail
    from app.core.models import Council
    from app.core.web import external_url

    if not user.email:
        return
    challenge = bid.stage.challenge
    council = db.session.get(Council, challenge.council_id)
    with force_locale(user.language):
        title = BilingualText.of(challenge.title).pick(user.language)[0]
        params = {"title": title, "organisation": bid.organisation.name, "sha256": digest,
                  "time": when.strftime("%Y-%m-%d %H:%M:%S UTC"), "stage": bid.stage.position,
                  "link": external_url(council, "tenders.bid", bid_id=bid.id)}
        body = render_template("tenders/notices/receipt.txt", params=params)
        subject = gettext("Bid received: %(title)s", title=title)
    enqueue(send_mail, user.email, subject, body)


def clarification_answered(challenge, clarification, people) -> None:
    notify("tenders.clarification", council_id=challenge.council_id, recipients=people,
           params={"title": _title(challenge)}, link=f"/tenders/{challenge.id}#clarification-{clarification.id}")


def challenge_changed(challenge, people) -> None:
    notify("tenders.changed", council_id=challenge.council_id, recipients=people,
           params={"title": _title(challenge)}, link=f"/tenders/{challenge.id}#changes")


def partner_contact(listing, sender, sender_org, message: str) -> None:
    from app.tenders.models import Challenge

    challenge = db.session.get(Challenge, listing.challenge_id)
    notify("tenders.partner", council_id=challenge.council_id, recipients=list(listing.organisation.members),
           params={"title": _title(challenge), "from": sender_org.name, "email": sender.email or "",
                   "message": message}, link=f"/tenders/{challenge.id}/partners")


def award_decided(stage, table, winners: set[int], standstill_ends: date) -> None:
    challenge = stage.challenge
    following = [s for s in challenge.stages if s.position == stage.position + 1]
    next_stage = {"position": following[0].position,
                  "deadline": following[0].deadline.strftime("%Y-%m-%d %H:%M UTC")} if following else None
    for row in table:
        scores = [{"criterion": BilingualText.of(c.name).as_dict(), "weight": c.weight,
                   "score": row.scores[c.id].score if c.id in row.scores else None,
                   "reason": row.scores[c.id].reason if c.id in row.scores else ""}
                  for c in challenge.criteria]
        notify("tenders.outcome", council_id=challenge.council_id, recipients=list(row.bid.organisation.members),
               params={"title": _title(challenge), "won": row.bid.id in winners, "total": str(row.total),
                       "rank": row.rank, "bids": len(table), "scores": scores,
                       "standstill_ends": standstill_ends.isoformat(),
                       "next_stage": next_stage if row.bid.id in winners else None},
               link=f"/tenders/bids/{row.bid.id}")
