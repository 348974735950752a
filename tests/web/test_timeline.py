"""The personal timeline on My council: ranked with reasons, learning only when the person
turns it on (see, reset, turn off), signed open links, participation alerts, personal data."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.core.follows import set_interests
from app.core.models import DeliveryMode, Notification, User
from app.core.notifications import set_mode
from app.extensions import db
from app.ideas import services as ideas
from app.timeline import services
from app.timeline.models import TimelineSignal


def new_idea(app, author, title, category="parks", ward=None) -> int:
    with app.app_context():
        return ideas.submit(db.session.get(User, author.id), title=title, body="Details that explain the idea well.",
                            category=category, ward_id=ward.id if ward else None, place_name=None).id


def timeline_titles(client) -> list[str]:
    page = client.get("/my-council").get_data(as_text=True)
    section = page.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<h4 class="card__title"><a href="[^"]+">([^<]+)</a>', section)


def open_links(client) -> dict[str, str]:
    page = client.get("/my-council").get_data(as_text=True)
    return {title: href.replace("&amp;", "&") for href, title in
            re.findall(r'<h4 class="card__title"><a href="([^"]+)">([^<]+)</a>', page)}


def signals(app, user) -> dict[str, int]:
    with app.app_context():
        return {s.category: s.opens for s in db.session.scalars(
            select(TimelineSignal).where(TimelineSignal.user_id == user.id))}


def test_timeline_shows_the_ward_first_with_reasons_and_leaves_out_other_wards(app, client, council, make_user, auth):
    north, south = council.wards
    author = make_user()
    new_idea(app, author, "Bench by the North library", ward=north)
    new_idea(app, author, "Crossing on South Road", category="transport", ward=south)
    new_idea(app, author, "Council-wide litter picks", category="environment")
    resident = make_user(ward=north)
    auth.login(resident)
    assert timeline_titles(client) == ["Bench by the North library", "Council-wide litter picks"]
    page = client.get("/my-council").get_data(as_text=True)
    assert "Because you live in North; it is new." in page
    assert "Because it is for the whole council area; it is new." in page
    with app.app_context():
        set_interests(db.session.get(User, resident.id), ["transport"], [])
    assert timeline_titles(client)[1] == "Crossing on South Road"
    assert "Because you follow Roads, transport and parking; it is new." in client.get("/my-council").get_data(as_text=True)


def test_learning_is_off_until_turned_on_and_then_re_ranks_with_its_reason(app, client, council, make_user, auth):
    north, south = council.wards
    author = make_user()
    new_idea(app, author, "Bench by the North library", ward=north)
    for n in range(3):
        new_idea(app, author, f"Bus shelter number {n + 1}", category="transport")
    resident = make_user(ward=north)
    auth.login(resident)
    assert timeline_titles(client)[0] == "Bench by the North library"
    assert "<strong>Off.</strong>" in client.get("/my-council/timeline/").get_data(as_text=True)

    # Opening items while learning is off teaches nothing.
    response = client.get(open_links(client)["Bus shelter number 1"])
    assert response.status_code == 303 and response.headers["Location"].startswith("/ideas/")
    assert signals(app, resident) == {}

    client.submit("/my-council/timeline/learning", {"learning": "on"})
    links = open_links(client)
    for n in range(3):
        client.get(links[f"Bus shelter number {n + 1}"])
    assert signals(app, resident) == {"transport": 3}
    assert timeline_titles(client)[0].startswith("Bus shelter number")
    assert "you opened 3 items on Roads, transport and parking" in client.get("/my-council").get_data(as_text=True)
    settings = client.get("/my-council/timeline/").get_data(as_text=True)
    assert "Roads, transport and parking</td><td class=\"numeric\">3</td>" in settings

    client.submit("/my-council/timeline/reset")
    assert signals(app, resident) == {}
    assert timeline_titles(client)[0] == "Bench by the North library"
    assert "<strong>On.</strong>" in client.get("/my-council/timeline/").get_data(as_text=True)

    client.get(open_links(client)["Bus shelter number 2"])
    assert signals(app, resident) == {"transport": 1}
    client.submit("/my-council/timeline/learning", {"learning": "off"})
    assert signals(app, resident) == {}  # turning it off deletes what it learned


def test_open_links_are_signed_for_their_person_and_only_go_to_this_site(app, client, council, make_user, auth):
    from app.core import tokens

    north = council.wards[0]
    new_idea(app, make_user(), "Bus shelter on the hill", category="transport")
    someone_else = make_user(ward=north)
    auth.login(someone_else)
    their_link = open_links(client)["Bus shelter on the hill"]
    auth.logout()
    resident = make_user(ward=north)
    auth.login(resident)
    client.submit("/my-council/timeline/learning", {"learning": "on"})
    # Another person's link still leads to the idea, but teaches this person's timeline nothing.
    response = client.get(their_link)
    assert response.status_code == 303 and response.headers["Location"].startswith("/ideas/")
    assert signals(app, resident) == {}
    assert client.get("/my-council/timeline/open?t=forged").status_code == 404
    with app.test_request_context():
        offsite = tokens.sign("timeline-open", {"u": resident.id, "url": "https://evil.example/", "c": "parks"})
        other_purpose = tokens.sign("email-confirm", {"u": resident.id, "url": "/ideas/1", "c": "parks"})
    response = client.get(f"/my-council/timeline/open?t={offsite}")
    assert response.status_code == 303 and response.headers["Location"] == "/my-council"
    assert signals(app, resident) == {"parks": 1}
    assert client.get(f"/my-council/timeline/open?t={other_purpose}").status_code == 404
    assert client.submit("/my-council/timeline/learning", {"learning": "maybe"}).status_code == 400
    assert signals(app, resident) == {"parks": 1}  # an unknown choice changes nothing


def test_timeline_pages_need_a_signed_in_person(client, council):
    for path in ("/my-council/timeline/", "/my-council/timeline/open?t=x"):
        response = client.get(path)
        assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]
    for path in ("/my-council/timeline/reset", "/my-council/timeline/learning"):
        response = client.submit(path, {"learning": "on"})
        assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]


def test_alerts_go_to_people_who_chose_the_topic_or_ward_in_their_chosen_mode(app, council, make_user):
    north, south = council.wards
    author = make_user()
    weekly_topic = make_user(email="weekly@example.org")
    instant_ward = make_user(email="instant@example.org")
    only_lives_there = make_user(ward=south, email="lives@example.org")
    with app.app_context():
        set_interests(db.session.get(User, weekly_topic.id), ["transport"], [])
        set_interests(db.session.get(User, instant_ward.id), [], [south.id])
        set_mode(db.session.get(User, instant_ward.id), "timeline.alert", DeliveryMode.INSTANT)
    new_idea(app, author, "Crossing on South Road", category="transport", ward=south)
    new_idea(app, author, "Roses in the North park", category="parks", ward=north)
    with app.app_context():
        from app.core.mail import outbox

        assert services.send_alerts() == "2 alerts"
        notes = db.session.scalars(select(Notification).where(Notification.kind == "timeline.alert")).all()
        assert sorted((n.user_id, n.in_digest) for n in notes) == sorted(
            [(weekly_topic.id, True), (instant_ward.id, False)])
        assert only_lives_there.id not in {n.user_id for n in notes}  # living there is not choosing alerts
        assert all(n.link.startswith("/ideas/") for n in notes)
        mails = [m for m in outbox() if "Crossing on South Road" in m.subject]
        assert [m.to for m in mails] == ["instant@example.org"]
        # Each item is alerted once, however often the job runs.
        assert services.send_alerts() == "0 alerts"
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    # Something older than a week is not news.
    with app.app_context():
        later = datetime.now(timezone.utc) + timedelta(days=8)
        from app.timeline.models import AlertSent

        db.session.execute(AlertSent.__table__.delete())
        db.session.commit()
        assert services.send_alerts(later) == "0 alerts"


def test_download_and_deletion_include_what_the_timeline_learned(app, client, council, make_user, auth):
    resident = make_user(ward=council.wards[0])
    new_idea(app, make_user(), "Bus shelter on the hill", category="transport")
    auth.login(resident)
    client.submit("/my-council/timeline/learning", {"learning": "on"})
    client.get(open_links(client)["Bus shelter on the hill"])
    data = json.loads(client.get("/account/my-data.json").get_data(as_text=True))
    assert data["timeline"]["learning"] is True
    assert data["timeline"]["learned"][0]["topic"] == "transport" and data["timeline"]["learned"][0]["opened"] == 1
    with app.app_context():
        from app.auth import services as accounts

        accounts.delete_account(db.session.get(User, resident.id))
        from app.timeline.models import TimelineLearning

        assert db.session.get(TimelineLearning, resident.id) is None
    assert signals(app, resident) == {}
