"""Ideas: submitting (similar ideas first), support, arguments, comments, moderation with appeals,
merging, council responses, lists, feeds and downloads."""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.core.models import AuditEntry, CouncillorProfile, Follow, Notification, Role, User
from app.extensions import db
from app.ideas import services
from app.ideas.models import (Idea, IdeaArgument, IdeaComment, IdeaSettings, IdeaStatus, IdeaSupport,
                              ModerationAppeal)
from tests.conftest import FormClient, sign_in


def new_idea(app, author, title="Plant fruit trees in Victoria Park", body="Apple and pear trees for everyone.",
             category="parks", ward=None) -> int:
    with app.app_context():
        idea = services.submit(db.session.get(User, author.id), title=title, body=body, category=category,
                               ward_id=ward.id if ward else None, place_name=None)
        return idea.id


def idea_form(**overrides):
    data = {"title": "Plant fruit trees by the river", "body": "Apple trees along the river path for everyone.",
            "category": "parks", "ward": ""}
    data.update(overrides)
    return data


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def get_idea(app, idea_id) -> Idea:
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        db.session.expunge(idea)
        return idea


def signed_in_client(app, user) -> FormClient:
    app.test_client_class = FormClient
    client = app.test_client()
    sign_in(client, user)
    return client


# --- Submitting -------------------------------------------------------------------------------

def test_a_similar_idea_is_shown_before_publishing_and_the_author_can_submit_anyway(app, client, make_user, auth):
    existing = new_idea(app, make_user(), title="Plant fruit trees in Victoria Park")
    auth.login(make_user())
    first = client.submit("/ideas/new", idea_form(title="More fruit trees in the park"))
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and "Check for similar ideas" in page
    assert f'href="/ideas/{existing}"' in page
    assert count(app, Idea) == 1  # nothing published yet
    second = client.submit("/ideas/new", idea_form(title="More fruit trees in the park", checked_similar="1"))
    assert second.status_code == 303
    new_id = int(second.headers["Location"].rsplit("/", 1)[1])
    assert "More fruit trees in the park" in client.get(f"/ideas/{new_id}").get_data(as_text=True)
    # The author follows their own idea, to hear about arguments and the council's response.
    assert count(app, Follow, Follow.object_type == "idea", Follow.object_id == new_id) == 1


def test_an_idea_with_nothing_similar_is_published_at_once(app, client, make_user, auth):
    auth.login(make_user())
    response = client.submit("/ideas/new", idea_form(title="A repair café in the old library"))
    assert response.status_code == 303


def test_live_similar_results_match_any_word_and_a_half_typed_last_word(app, client, make_user):
    new_idea(app, make_user(), title="Zebra crossing outside Ysgol Gymraeg")
    page = client.get("/ideas/similar?title=safer+crossing+out").get_data(as_text=True)
    assert "Zebra crossing outside Ysgol Gymraeg" in page
    assert "No similar ideas" in client.get("/ideas/similar?title=bandstand").get_data(as_text=True)


def test_bad_idea_input_gets_clear_messages_and_saves_nothing(app, client, make_user, auth):
    auth.login(make_user())
    response = client.submit("/ideas/new", idea_form(title="", body="short", category="not-a-topic"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your idea in a sentence" in page
    assert "Use between 20 and 5,000 characters" in page
    assert count(app, Idea) == 0


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera maker
    exif[0x8825] = {1: "N", 2: (51.0, 28.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_re_encoded_without_its_metadata(app, client, make_user, auth):
    original = _jpeg_with_gps()
    assert b"SecretCam" in original
    auth.login(make_user())
    response = client.submit("/ideas/new", {**idea_form(title="Fix the broken bench by the pond"),
                                            "image": (io.BytesIO(original), "bench.jpg"),
                                            "image_alt": "A broken bench"}, content_type="multipart/form-data")
    assert response.status_code == 303
    idea_id = int(response.headers["Location"].rsplit("/", 1)[1])
    served = client.get(f"/ideas/{idea_id}/image")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert b"SecretCam" not in served.data
    assert not Image.open(io.BytesIO(served.data)).getexif()
    assert 'alt="A broken bench"' in client.get(f"/ideas/{idea_id}").get_data(as_text=True)


def test_a_file_that_is_not_an_image_is_refused_with_a_message(app, client, make_user, auth):
    auth.login(make_user())
    response = client.submit("/ideas/new", {**idea_form(title="Fix the broken bench by the pond"),
                                            "image": (io.BytesIO(b"%PDF-1.4 not a photo"), "bench.jpg"),
                                            "image_alt": "A bench"},
                             content_type="multipart/form-data")
    assert response.status_code == 400
    assert "not an image we can read" in response.get_data(as_text=True)
    assert count(app, Idea) == 0


def test_submitting_is_refused_during_the_pre_election_period(app, client, make_user, auth, council):
    from app.core.models import Council

    with app.app_context():
        db.session.get(Council, council.id).pre_election = True
        db.session.commit()
    auth.login(make_user())
    assert client.submit("/ideas/new", idea_form()).status_code == 403
    assert count(app, Idea) == 0


# --- Escaping ---------------------------------------------------------------------------------

PAYLOADS = ['<script>alert("x")</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>',
            '[click](javascript:alert(1))']


@pytest.mark.parametrize("payload", PAYLOADS)
def test_script_html_and_event_handlers_come_back_escaped_or_removed(app, client, make_user, auth, payload):
    moderator = make_user(Role.MODERATOR)
    councillor = make_user(Role.COUNCILLOR)
    author = make_user()
    auth.login(author)
    response = client.submit("/ideas/new", idea_form(title=f"Title {payload}", body=f"Body text {payload} **bold**",
                                                     place_name=f"Place {payload}", checked_similar="1"))
    assert response.status_code == 303
    idea_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client.submit(f"/ideas/{idea_id}/arguments", {"argument-side": "for", "argument-body": f"Argument {payload}"})
    client.submit(f"/ideas/{idea_id}/comments", {"comment-body": f"Comment {payload}"})
    with app.app_context():
        comment_id = db.session.scalar(select(IdeaComment.id))
    auth.logout()
    auth.login(moderator)
    client.submit(f"/ideas/moderation/comment/{comment_id}", {"action": "hide", "reason": f"Reason {payload}"})
    auth.logout()
    auth.login(councillor)
    client.submit(f"/ideas/{idea_id}/respond", {"decision": "accepted", "reason": f"Because {payload} we agree",
                                                "next_step": f"Next {payload}"})
    pages = [client.get(f"/ideas/{idea_id}"), client.get("/ideas/"), client.get("/ideas/feed.atom"),
             client.get(f"/ideas/similar?title=Title")]
    for page in pages:
        text = page.get_data(as_text=True)
        for dangerous in ("<script>", "<img src=x", "<svg onload", 'href="javascript:', "onerror=alert(1)>"):
            assert dangerous not in text, f"{page.request.path} let {dangerous!r} through"
    idea_page = pages[0]
    assert "<strong>bold</strong>" in idea_page.get_data(as_text=True)  # the safe subset still works
    csp = idea_page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


# --- Support ----------------------------------------------------------------------------------

def test_supporting_twice_counts_once_and_withdrawing_takes_it_back(app, client, make_user, auth):
    idea_id = new_idea(app, make_user())
    auth.login(make_user())
    assert client.submit(f"/ideas/{idea_id}/support").status_code == 303
    assert client.submit(f"/ideas/{idea_id}/support").status_code == 303
    assert get_idea(app, idea_id).support_count == 1 == count(app, IdeaSupport)
    assert "Withdraw my support" in client.get(f"/ideas/{idea_id}").get_data(as_text=True)
    client.submit(f"/ideas/{idea_id}/support", {"action": "withdraw"})
    assert get_idea(app, idea_id).support_count == 0 == count(app, IdeaSupport)


def test_support_with_htmx_swaps_only_the_support_box(app, client, make_user, auth):
    idea_id = new_idea(app, make_user())
    auth.login(make_user())
    response = client.submit(f"/ideas/{idea_id}/support",
                             headers={"HX-Request": "true", "HX-Target": f"support-{idea_id}"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(f'<div id="support-{idea_id}"')
    assert "1 supporter" in body and "Withdraw my support" in body and "<html" not in body


def test_twenty_simultaneous_supports_from_one_person_count_once(app, make_user):
    """Outside any per-test transaction: real commits from 20 threads on one database."""
    idea_id = new_idea(app, make_user())
    person = make_user()
    first = signed_in_client(app, person)
    token = first.csrf_token()
    cookie = first.get_cookie("session")
    clients = []
    for _ in range(20):
        c = app.test_client()
        c.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        clients.append(c)

    def support(c):
        return c.post(f"/ideas/{idea_id}/support", data={"csrf_token": token}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(support, clients))
    assert set(statuses) <= {303, 409}, statuses
    assert 303 in statuses
    assert count(app, IdeaSupport, IdeaSupport.idea_id == idea_id) == 1
    assert get_idea(app, idea_id).support_count == 1


def test_the_database_refuses_a_second_support_row_for_the_same_person(app, make_user):
    from sqlalchemy.exc import IntegrityError

    idea_id = new_idea(app, make_user())
    person = make_user()
    with app.app_context():
        db.session.add(IdeaSupport(idea_id=idea_id, user_id=person.id, council_id=person.council_id))
        db.session.commit()
        db.session.add(IdeaSupport(idea_id=idea_id, user_id=person.id, council_id=person.council_id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_decided_idea_takes_no_more_support(app, client, make_user, auth):
    idea_id = new_idea(app, make_user())
    with app.app_context():
        db.session.get(Idea, idea_id).status = IdeaStatus.DECLINED
        db.session.commit()
    auth.login(make_user())
    response = client.submit(f"/ideas/{idea_id}/support")
    assert response.status_code == 303
    assert "no longer taking support" in client.get(f"/ideas/{idea_id}").get_data(as_text=True)
    assert count(app, IdeaSupport) == 0


def test_passing_the_threshold_sets_a_due_date_and_asks_the_ward_councillors(app, council, make_user):
    ward = council.wards[0]
    councillor = make_user(Role.COUNCILLOR)
    other_councillor = make_user(Role.COUNCILLOR)
    author = make_user()
    idea_id = new_idea(app, author, ward=ward)
    with app.app_context():
        db.session.add(IdeaSettings(council_id=council.id, support_threshold=3, response_days=10))
        db.session.add(CouncillorProfile(user_id=councillor.id, ward_id=ward.id))
        db.session.add(CouncillorProfile(user_id=other_councillor.id, ward_id=council.wards[1].id))
        db.session.commit()
        for _ in range(3):
            services.support(db.session.get(Idea, idea_id), db.session.get(User, make_user().id))
        idea = db.session.get(Idea, idea_id)
        assert idea.threshold_reached_at is not None
        assert idea.response_due == date.today() + timedelta(days=10)
        asked = db.session.scalars(select(Notification.user_id).where(Notification.kind == "ideas.threshold")).all()
        assert asked == [councillor.id]


def test_milestones_are_announced_to_the_author_once(app, make_user):
    author = make_user()
    idea_id = new_idea(app, author)
    with app.app_context():
        for _ in range(11):
            services.support(db.session.get(Idea, idea_id), db.session.get(User, make_user().id))
        notes = db.session.scalars(select(Notification).where(Notification.kind == "ideas.milestone")).all()
        assert [(n.user_id, n.params["count"]) for n in notes] == [(author.id, 10)]


def test_old_support_ages_out_of_the_trending_window(app, make_user):
    idea_id = new_idea(app, make_user())
    with app.app_context():
        services.support(db.session.get(Idea, idea_id), db.session.get(User, make_user().id))
        services.support(db.session.get(Idea, idea_id), db.session.get(User, make_user().id))
        oldest = db.session.scalars(select(IdeaSupport).order_by(IdeaSupport.id)).first()
        oldest.created_at = datetime.now(timezone.utc) - timedelta(days=20)
        db.session.commit()
        services.refresh_support_windows()
        idea = db.session.get(Idea, idea_id)
        assert (idea.support_count, idea.recent_support_count, idea.month_support_count) == (2, 1, 2)


# --- Arguments and comments -------------------------------------------------------------------

def test_arguments_show_in_two_columns_and_can_be_rated_helpful_once(app, client, make_user, auth):
    author = make_user()
    idea_id = new_idea(app, author)
    auth.login(make_user())
    client.submit(f"/ideas/{idea_id}/arguments", {"argument-side": "against", "argument-body": "It would cost too much to water"})
    client.submit(f"/ideas/{idea_id}/arguments", {"argument-side": "for", "argument-body": "Free fruit for schoolchildren"})
    page = client.get(f"/ideas/{idea_id}").get_data(as_text=True)
    for_column, against_column = page.split("<h3>Against</h3>")
    assert "Free fruit for schoolchildren" in for_column and "It would cost" not in for_column
    assert "It would cost too much to water" in against_column
    with app.app_context():
        argument_id = db.session.scalar(select(IdeaArgument.id).where(IdeaArgument.side == "for"))
        # The author follows the idea, so they hear about new arguments.
        kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == author.id)).all()
    assert kinds.count("ideas.argument") == 2
    client.submit(f"/ideas/arguments/{argument_id}/helpful")
    client.submit(f"/ideas/arguments/{argument_id}/helpful")
    with app.app_context():
        assert db.session.get(IdeaArgument, argument_id).helpful_count == 1


def test_an_argument_over_500_characters_is_refused_and_the_page_keeps_the_text(app, client, make_user, auth):
    idea_id = new_idea(app, make_user())
    auth.login(make_user())
    response = client.submit(f"/ideas/{idea_id}/arguments", {"argument-side": "for", "argument-body": "x" * 501})
    assert response.status_code == 400
    assert "Use between 5 and 500 characters" in response.get_data(as_text=True)
    assert count(app, IdeaArgument) == 0


def test_comments_thread_under_the_comment_they_answer(app, client, make_user, auth):
    idea_id = new_idea(app, make_user())
    auth.login(make_user())
    client.submit(f"/ideas/{idea_id}/comments", {"comment-body": "Who would water them?"})
    with app.app_context():
        parent_id = db.session.scalar(select(IdeaComment.id))
    reply_page = client.get(f"/ideas/comments/{parent_id}/reply")
    assert "Who would water them?" in reply_page.get_data(as_text=True)
    client.submit(f"/ideas/{idea_id}/comments", {"comment-body": "The friends of the park would.", "comment-parent_id": parent_id})
    page = client.get(f"/ideas/{idea_id}").get_data(as_text=True)
    thread = page[page.index(f'id="comment-{parent_id}"'):]
    assert thread.index("comment-list--replies") < thread.index("The friends of the park would.")


# --- Moderation -------------------------------------------------------------------------------

def test_hide_appeal_and_a_different_moderator_decides(app, make_user):
    first_moderator, second_moderator = make_user(Role.MODERATOR), make_user(Role.MODERATOR)
    commenter, reporter = make_user(), make_user()
    idea_id = new_idea(app, make_user())
    as_commenter = signed_in_client(app, commenter)
    as_commenter.submit(f"/ideas/{idea_id}/comments", {"comment-body": "My neighbour at number 4 is a thief"})
    with app.app_context():
        comment_id = db.session.scalar(select(IdeaComment.id))
    as_reporter = signed_in_client(app, reporter)
    as_reporter.submit(f"/ideas/flag/comment/{comment_id}", {"reason": "personal", "detail": "names a neighbour"})

    as_first = signed_in_client(app, first_moderator)
    assert "My neighbour at number 4" in as_first.get("/ideas/moderation").get_data(as_text=True)
    refused = as_first.submit(f"/ideas/moderation/comment/{comment_id}", {"action": "hide", "reason": ""})
    assert refused.status_code == 400 and "Give the reason readers will see" in refused.get_data(as_text=True)
    as_first.submit(f"/ideas/moderation/comment/{comment_id}",
                    {"action": "hide", "reason": "it accused a named neighbour"})
    public = app.test_client().get(f"/ideas/{idea_id}").get_data(as_text=True)
    assert "Hidden by a moderator because: it accused a named neighbour" in public
    assert "number 4 is a thief" not in public

    appeal_page = as_commenter.get(f"/ideas/appeal/comment/{comment_id}")
    assert appeal_page.status_code == 200
    as_commenter.submit(f"/ideas/appeal/comment/{comment_id}", {"statement": "It is true and it matters"})
    second_try = as_commenter.submit(f"/ideas/appeal/comment/{comment_id}", {"statement": "Please look again"})
    assert "You appealed on" in second_try.get_data(as_text=True)
    assert count(app, ModerationAppeal) == 1
    assert signed_in_client(app, reporter).get(f"/ideas/appeal/comment/{comment_id}").status_code == 403

    with app.app_context():
        appeal_id = db.session.scalar(select(ModerationAppeal.id))
    as_first.submit(f"/ideas/moderation/appeals/{appeal_id}", {"outcome": "restored", "reason": "ok"})
    with app.app_context():
        assert db.session.get(ModerationAppeal, appeal_id).decided_at is None  # the hider may not decide
    as_second = signed_in_client(app, second_moderator)
    as_second.submit(f"/ideas/moderation/appeals/{appeal_id}",
                     {"outcome": "upheld", "reason": "Accusing a named neighbour breaks the house rules"})
    with app.app_context():
        appeal = db.session.get(ModerationAppeal, appeal_id)
        assert appeal.decided_by_id == second_moderator.id and appeal.outcome == "upheld"
        assert db.session.get(IdeaComment, comment_id).is_hidden
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        told = db.session.scalars(select(Notification.params).where(Notification.user_id == commenter.id,
                                                                    Notification.kind == "ideas.moderation")).all()
    assert actions == ["ideas.hidden", "ideas.appeal_decided"]
    assert [t["what"] for t in told] == ["hidden", "appeal_upheld"]


def test_a_restored_appeal_shows_the_item_again(app, make_user):
    first, second = make_user(Role.MODERATOR), make_user(Role.MODERATOR)
    author = make_user()
    idea_id = new_idea(app, author, title="Open the swimming pool on Sundays")
    signed_in_client(app, first).submit(f"/ideas/moderation/idea/{idea_id}",
                                        {"action": "hide", "reason": "looks like advertising"})
    assert "Open the swimming pool" not in app.test_client().get("/ideas/").get_data(as_text=True)
    signed_in_client(app, author).submit(f"/ideas/appeal/idea/{idea_id}", {"statement": "I am not selling anything"})
    with app.app_context():
        appeal_id = db.session.scalar(select(ModerationAppeal.id))
    signed_in_client(app, second).submit(f"/ideas/moderation/appeals/{appeal_id}",
                                         {"outcome": "restored", "reason": "It is a fair idea"})
    assert "Open the swimming pool" in app.test_client().get("/ideas/").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions == ["ideas.hidden", "ideas.restored", "ideas.appeal_decided"]


def test_merging_ideas_counts_overlapping_supporters_once(app, make_user):
    moderator = make_user(Role.MODERATOR)
    source = new_idea(app, make_user(), title="Benches in Victoria Park")
    target = new_idea(app, make_user(), title="More seats in Victoria Park")
    both = [make_user() for _ in range(3)]
    only_source = [make_user() for _ in range(2)]
    only_target = [make_user()]
    with app.app_context():
        for person in both + only_source:
            services.support(db.session.get(Idea, source), db.session.get(User, person.id))
        for person in both + only_target:
            services.support(db.session.get(Idea, target), db.session.get(User, person.id))
    response = signed_in_client(app, moderator).submit(f"/ideas/{source}/merge", {"target": target})
    assert response.status_code == 303
    with app.app_context():
        merged, kept = db.session.get(Idea, source), db.session.get(Idea, target)
        supporters = db.session.scalars(select(IdeaSupport.user_id).where(IdeaSupport.idea_id == target)).all()
        assert sorted(supporters) == sorted(p.id for p in both + only_source + only_target)
        assert kept.support_count == 6 and merged.support_count == 0
        assert merged.status == IdeaStatus.MERGED and merged.merged_into_id == target and not merged.listed
        assert count(app, IdeaSupport, IdeaSupport.idea_id == source) == 0
        assert db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "ideas.merged"))["into"] == target
    redirect = app.test_client().get(f"/ideas/{source}")
    assert redirect.status_code == 303 and redirect.headers["Location"].endswith(f"/ideas/{target}")


def test_merging_an_idea_into_itself_is_refused(app, make_user):
    moderator = make_user(Role.MODERATOR)
    idea_id = new_idea(app, make_user())
    response = signed_in_client(app, moderator).submit(f"/ideas/{idea_id}/merge", {"target": idea_id})
    assert response.status_code == 400
    assert "Choose a different idea" in response.get_data(as_text=True)


# --- Council responses ------------------------------------------------------------------------

def test_a_council_response_is_public_and_tells_supporters_and_followers(app, make_user):
    councillor = make_user(Role.COUNCILLOR)
    author, supporter = make_user(), make_user()
    idea_id = new_idea(app, author)
    as_supporter = signed_in_client(app, supporter)
    as_supporter.submit(f"/ideas/{idea_id}/support")
    as_councillor = signed_in_client(app, councillor)
    bad = as_councillor.submit(f"/ideas/{idea_id}/respond", {"decision": "accepted", "reason": ""})
    assert bad.status_code == 400 and "Give the reason for the decision" in bad.get_data(as_text=True)
    as_councillor.submit(f"/ideas/{idea_id}/respond", {
        "decision": "accepted", "reason": "We will plant twelve trees this winter.",
        "next_step": "The parks team will write to the friends group."})
    page = app.test_client().get(f"/ideas/{idea_id}").get_data(as_text=True)
    assert "We will plant twelve trees this winter." in page and "Accepted" in page
    with app.app_context():
        told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "ideas.response")))
    assert told == {author.id, supporter.id}
    notifications = as_supporter.get("/notifications").get_data(as_text=True)
    assert "The council has responded" in notifications


def test_overdue_responses_are_listed_publicly(app, make_user):
    late = new_idea(app, make_user(), title="Fix the library roof before winter")
    on_time = new_idea(app, make_user(), title="Longer opening hours at the museum")
    with app.app_context():
        for idea_id, due in ((late, date.today() - timedelta(days=3)), (on_time, date.today() + timedelta(days=3))):
            idea = db.session.get(Idea, idea_id)
            idea.threshold_reached_at, idea.response_due = datetime.now(timezone.utc), due
        db.session.commit()
    page = app.test_client().get("/ideas/overdue").get_data(as_text=True)
    assert "Fix the library roof" in page and "Longer opening hours" not in page


def test_top_ideas_ranks_this_months_support_with_trend_and_ward_spread(app, council, make_user):
    north, south = council.wards
    quiet = new_idea(app, make_user(), title="Quiet idea about bins")
    rising = new_idea(app, make_user(), title="Rising idea about buses")
    with app.app_context():
        for ward in (north, north, south):
            services.support(db.session.get(Idea, rising), db.session.get(User, make_user(ward=ward).id))
        services.support(db.session.get(Idea, quiet), db.session.get(User, make_user(ward=north).id))
    page = app.test_client().get("/ideas/top").get_data(as_text=True)
    assert page.index("Rising idea about buses") < page.index("Quiet idea about bins")
    assert "North (2), South (1)" in page
    assert "up 3 on the month before" in page


def test_only_councillors_and_staff_record_responses(app, client, make_user, auth):
    idea_id = new_idea(app, make_user())
    auth.login(make_user(Role.MODERATOR))
    assert client.submit(f"/ideas/{idea_id}/respond", {"decision": "accepted", "reason": "x" * 20}).status_code == 403
    assert client.get("/ideas/awaiting-response").status_code == 403


def test_staff_change_the_threshold_with_an_audit_entry(app, client, make_user, auth, council):
    auth.login(make_user(Role.STAFF))
    bad = client.submit("/ideas/settings", {"support_threshold": "0", "response_days": "28"})
    assert bad.status_code == 400 and "Enter a number from 1 to 1,000,000" in bad.get_data(as_text=True)
    client.submit("/ideas/settings", {"support_threshold": "250", "response_days": "21"})
    with app.app_context():
        assert db.session.get(IdeaSettings, council.id).support_threshold == 250
        assert db.session.scalar(select(AuditEntry.action)) == "ideas.settings_changed"


# --- Lists, feeds, downloads ------------------------------------------------------------------

def _titles(page: str) -> list[str]:
    return re.findall(r'<h2 class="card__title"><a href="/ideas/\d+">([^<]+)</a>', page)


def test_lists_sort_filter_and_search(app, council, make_user):
    north, _south = council.wards
    popular = new_idea(app, make_user(), title="Popular idea about the park", ward=north)
    new_idea(app, make_user(), title="Newest idea about parcio in the town", category="transport")
    with app.app_context():
        for _ in range(2):
            services.support(db.session.get(Idea, popular), db.session.get(User, make_user().id))
    anonymous = app.test_client()
    assert _titles(anonymous.get("/ideas/").get_data(as_text=True))[0] == "Popular idea about the park"
    assert _titles(anonymous.get("/ideas/?sort=newest").get_data(as_text=True))[0].startswith("Newest idea")
    assert _titles(anonymous.get(f"/ideas/?ward={north.id}").get_data(as_text=True)) == ["Popular idea about the park"]
    assert _titles(anonymous.get("/ideas/?category=transport").get_data(as_text=True)) == [
        "Newest idea about parcio in the town"]
    assert _titles(anonymous.get("/ideas/?q=parcio").get_data(as_text=True)) == ["Newest idea about parcio in the town"]
    assert _titles(anonymous.get("/ideas/?q=%22%29+OR+*").get_data(as_text=True)) == []  # query syntax is not ours
    fragment = anonymous.get("/ideas/?q=park", headers={"HX-Request": "true", "HX-Target": "idea-results"})
    assert "<html" not in fragment.get_data(as_text=True)


def test_list_shows_every_change_at_once_though_its_parts_are_memoised(app, council, make_user):
    """The layout, the filter menus and the cards are memoised on what they show (bench/ideas.py):
    a new support, a renamed ward or council, another language or a support of one's own shows on
    the next request."""
    from app.core.models import Council, Ward

    north, _south = council.wards
    idea_id = new_idea(app, make_user(), title="Benches along the river path", ward=north)
    anonymous = app.test_client()
    page = anonymous.get("/ideas/").get_data(as_text=True)
    assert "0 supporters" in page and "North" in page and "Testshire Council" in page
    supporter = make_user()
    with app.app_context():
        services.support(db.session.get(Idea, idea_id), db.session.get(User, supporter.id))
        db.session.get(Ward, north.id).name = "North and Riverside"
        db.session.get(Council, council.id).name_en = "Testshire County Council"
        db.session.commit()
    page = anonymous.get("/ideas/").get_data(as_text=True)
    assert "1 supporter<" in page and "0 supporters" not in page
    assert page.count("North and Riverside") == 2  # the card and the ward menu
    assert "Testshire County Council" in page and "Testshire Council<" not in page
    anonymous.get("/language/cy?next=/")
    welsh = anonymous.get("/ideas/").get_data(as_text=True)
    assert "Syniadau" in welsh and "1 cefnogwr" in welsh and "Cyngor Swydd Prawf" in welsh
    fragment = anonymous.get("/ideas/", headers={"HX-Request": "true", "HX-Target": "idea-results"})
    assert "1 cefnogwr" in fragment.get_data(as_text=True)
    # A card in the trending list says how many of its supports are recent; the same card in
    # another list does not, whichever was shown first.
    assert "yn y 14 diwrnod diwethaf" in anonymous.get("/ideas/?sort=trending").get_data(as_text=True)
    assert "yn y 14 diwrnod diwethaf" not in anonymous.get("/ideas/").get_data(as_text=True)
    mine = signed_in_client(app, supporter).get("/ideas/").get_data(as_text=True)
    assert "You support this" in mine
    assert "You support this" not in app.test_client().get("/ideas/").get_data(as_text=True)


def test_memoised_fragments_are_bounded():
    from app.core.web import FragmentCache

    cache = FragmentCache(size=3)
    rendered = []
    for word in ["a", "b", "c", "d", "a"]:
        cache("search", word, caller=lambda word=word: rendered.append(word) or f"<p>{word}</p>")
    assert len(cache.entries) == 3
    assert rendered == ["a", "b", "c", "d", "a"]  # "a" was the oldest, so it was rendered again
    assert cache("search", "d", caller=lambda: "changed") == "<p>d</p>"


def test_welsh_words_are_found_with_or_without_accents(app, make_user):
    new_idea(app, make_user(), title="Llwybr beicio diogel i'r ysgol Gymraeg", body="Mae angen llwybr diogel i’r plant.")
    new_idea(app, make_user(), title="Gardd gymunedol ger y tŷ crwn", body="Gardd i bawb ar y stryd.")
    anonymous = app.test_client()
    assert _titles(anonymous.get("/ideas/?q=beicio").get_data(as_text=True)) == [
        "Llwybr beicio diogel i&#39;r ysgol Gymraeg"]
    assert len(_titles(anonymous.get("/ideas/?q=t%C5%B7").get_data(as_text=True))) == 1  # tŷ
    assert len(_titles(anonymous.get("/ideas/?q=ty").get_data(as_text=True))) == 1  # typed without the accent
    assert len(_titles(anonymous.get("/ideas/?q=T%C5%B6").get_data(as_text=True))) == 1  # TŶ


def test_feed_is_atom_and_downloads_follow_the_filters(app, council, make_user):
    north, _south = council.wards
    new_idea(app, make_user(), title="Idea for the north ward", ward=north)
    new_idea(app, make_user(), title="Idea for everyone", body="=HYPERLINK(\"http://evil\") in the description")
    anonymous = app.test_client()
    feed = anonymous.get(f"/ideas/feed.atom?ward={north.id}")
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.find("a:title", ns).text for e in root.findall("a:entry", ns)] == ["Idea for the north ward"]
    rows = list(csv.DictReader(io.StringIO(anonymous.get("/ideas/export.csv?sort=newest").get_data(as_text=True))))
    assert [r["title"] for r in rows] == ["Idea for everyone", "Idea for the north ward"]
    assert rows[0]["description"].startswith("'=")  # a spreadsheet formula is neutralised
    data = json.loads(anonymous.get(f"/ideas/export.json?ward={north.id}").data)
    assert [r["title"] for r in (data["rows"] if isinstance(data, dict) else data)] == ["Idea for the north ward"]


def test_ideas_datasets_leave_out_hidden_ideas_and_names(app, client, make_user):
    author = make_user(email="secret.author@example.org")
    new_idea(app, author, title="Visible idea about trees")
    hidden = new_idea(app, author, title="Hidden idea about people")
    with app.app_context():
        services.hide(db.session.get(User, make_user(Role.MODERATOR).id), db.session.get(Idea, hidden), "spam")
    body = client.get("/open-data/ideas.csv").get_data(as_text=True)
    assert "Visible idea about trees" in body and "Hidden idea" not in body
    assert "secret.author" not in body and author.display_name not in body


# --- Personal data ----------------------------------------------------------------------------

def test_deleting_an_account_withdraws_its_supports_and_unsigns_its_ideas(app, make_user):
    from app.core.registry import account_erasers

    author, supporter = make_user(), make_user()
    idea_id = new_idea(app, author)
    with app.app_context():
        services.support(db.session.get(Idea, idea_id), db.session.get(User, supporter.id))
        services.support(db.session.get(Idea, idea_id), db.session.get(User, author.id))
        for entry in account_erasers.entries():
            entry.provider(db.session.get(User, author.id))
        db.session.commit()
        idea = db.session.get(Idea, idea_id)
        assert idea.author_id is None and idea.support_count == 1
        assert db.session.scalars(select(IdeaSupport.user_id)).all() == [supporter.id]


def test_a_persons_data_download_includes_their_ideas_and_supports(app, client, make_user, auth):
    person = make_user()
    idea_id = new_idea(app, person, title="My own idea about lamps")
    auth.login(person)
    client.submit(f"/ideas/{idea_id}/support")
    data = json.loads(client.get("/account/my-data.json").data)
    assert data["ideas"]["ideas"][0]["title"] == "My own idea about lamps"
    assert data["ideas"]["supports"][0]["idea_id"] == idea_id


def test_on_the_first_of_the_month_councillors_get_the_top_ideas(app, make_user):
    councillor = make_user(Role.COUNCILLOR)
    idea_id = new_idea(app, make_user(), title="Reopen the public toilets in the square")
    with app.app_context():
        services.support(db.session.get(Idea, idea_id), db.session.get(User, make_user().id))
        assert services.send_monthly_top_ideas(date(2026, 12, 2)) == "not the first of the month"
        services.send_monthly_top_ideas(date(2026, 12, 1))
        notes = db.session.scalars(select(Notification).where(Notification.kind == "ideas.monthly_top")).all()
        assert [(n.user_id, n.params["titles"]) for n in notes] == [
            (councillor.id, ["Reopen the public toilets in the square"])]


def test_ideas_pages_are_valid_html_light_and_have_one_h1(app, client, make_user, auth, tmp_path):
    from tests.helpers import PAGE_BUDGET_BYTES, page_weight, validate_html

    author = make_user()
    idea_id = new_idea(app, author)
    as_author = signed_in_client(app, author)
    as_author.submit(f"/ideas/{idea_id}/arguments", {"argument-side": "for", "argument-body": "Shade in summer"})
    as_author.submit(f"/ideas/{idea_id}/comments", {"comment-body": "Who waters them?"})
    with app.app_context():
        comment_id = db.session.scalar(select(IdeaComment.id))
        services.hide(db.session.get(User, make_user(Role.MODERATOR).id), db.session.get(IdeaComment, comment_id),
                      "off topic")
    pages = {"index": client.get("/ideas/"), "idea": client.get(f"/ideas/{idea_id}"), "top": client.get("/ideas/top"),
             "overdue": client.get("/ideas/overdue")}
    for path in ("/ideas/", f"/ideas/{idea_id}"):
        assert page_weight(client, path) < PAGE_BUDGET_BYTES
    pages["author-idea"] = as_author.get(f"/ideas/{idea_id}")
    pages["appeal"] = as_author.get(f"/ideas/appeal/comment/{comment_id}")
    pages["flag"] = as_author.get(f"/ideas/flag/idea/{idea_id}")
    pages["new"] = as_author.get("/ideas/new")
    pages["new-errors"] = as_author.submit("/ideas/new", {"title": ""})
    pages["new-similar"] = as_author.submit("/ideas/new", idea_form(title="Fruit trees in Victoria Park please"))
    auth.login(make_user(Role.MODERATOR))
    pages["moderation"] = client.get("/ideas/moderation")
    pages["moderate"] = client.get(f"/ideas/moderation/comment/{comment_id}")
    pages["merge"] = client.get(f"/ideas/{idea_id}/merge")
    auth.logout()
    auth.login(make_user(Role.COUNCILLOR))
    pages["respond"] = client.get(f"/ideas/{idea_id}/respond")
    pages["awaiting"] = client.get("/ideas/awaiting-response")
    html = {name: response.get_data(as_text=True) for name, response in pages.items()}
    for name, page in html.items():
        assert page.count("<h1") == 1, name
    assert validate_html(html, tmp_path) == []



# --- Found in review: hidden content, deadlines, appeals, odd input ----------------------------

def test_hidden_content_stays_hidden_on_every_page_but_the_authors_and_moderators(app, make_user):
    moderator, author, neighbour = make_user(Role.MODERATOR), make_user(), make_user()
    idea_id = new_idea(app, author, title="Mrs Jones at number 4 steals parcels")
    signed_in_client(app, author).submit(f"/ideas/{idea_id}/comments", {"comment-body": "She really does"})
    with app.app_context():
        comment_id = db.session.scalar(select(IdeaComment.id))
        services.hide(db.session.get(User, moderator.id), db.session.get(IdeaComment, comment_id), "names a person")
        services.hide(db.session.get(User, moderator.id), db.session.get(Idea, idea_id), "names a person")
    as_neighbour = signed_in_client(app, neighbour)
    public = app.test_client().get(f"/ideas/{idea_id}").get_data(as_text=True)
    assert "Mrs Jones" not in public and "<h1>Hidden idea</h1>" in public
    assert as_neighbour.get(f"/ideas/flag/idea/{idea_id}").status_code == 404
    assert as_neighbour.get(f"/ideas/flag/comment/{comment_id}").status_code == 404
    assert as_neighbour.get(f"/ideas/comments/{comment_id}/reply").status_code == 404
    assert "Mrs Jones" in signed_in_client(app, author).get(f"/ideas/{idea_id}").get_data(as_text=True)
    as_councillor = signed_in_client(app, make_user(Role.COUNCILLOR))
    assert as_councillor.submit(f"/ideas/{idea_id}/respond", {"decision": "accepted",
                                                              "reason": "A reason long enough"}).status_code == 409


def test_control_characters_are_dropped_and_the_feed_stays_well_formed(app, client, make_user, auth):
    auth.login(make_user())
    response = client.submit("/ideas/new", idea_form(title="Mend the\x0c swings\x00 please",
                                                     body="Broken\x01 swings in the playground for months."))
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Idea.title)) == "Mend the swings please"
    ET.fromstring(client.get("/ideas/feed.atom?_external=1&endpoint=x&_method=POST").data)


def test_a_milestone_is_announced_once_even_when_support_comes_and_goes(app, make_user):
    author = make_user()
    idea_id = new_idea(app, author)
    fickle = make_user()
    with app.app_context():
        for _ in range(9):
            services.support(db.session.get(Idea, idea_id), db.session.get(User, make_user().id))
        for _ in range(3):
            services.support(db.session.get(Idea, idea_id), db.session.get(User, fickle.id))
            services.withdraw(db.session.get(Idea, idea_id), db.session.get(User, fickle.id))
        kinds = db.session.scalars(select(Notification.kind).where(Notification.kind == "ideas.milestone")).all()
    assert len(kinds) == 1


def test_merging_passes_the_duty_to_respond_to_the_idea_kept(app, council, make_user):
    moderator = make_user(Role.MODERATOR)
    with app.app_context():
        db.session.add(IdeaSettings(council_id=council.id, support_threshold=3, response_days=10))
        db.session.commit()
    source = new_idea(app, make_user(), title="Benches by the pond")
    target = new_idea(app, make_user(), title="Seats by the pond")
    with app.app_context():
        for idea_id in (source, target):
            for _ in range(2):
                services.support(db.session.get(Idea, idea_id), db.session.get(User, make_user().id))
        services.merge(db.session.get(User, moderator.id), db.session.get(Idea, source), db.session.get(Idea, target))
        kept = db.session.get(Idea, target)
        assert kept.support_count == 4
        assert kept.response_due == date.today() + timedelta(days=10)


def test_a_hidden_idea_cannot_be_merged_into_another(app, make_user):
    moderator = make_user(Role.MODERATOR)
    source, target = new_idea(app, make_user()), new_idea(app, make_user(), title="Another idea about trees")
    with app.app_context():
        services.hide(db.session.get(User, moderator.id), db.session.get(Idea, source), "spam")
        with pytest.raises(services.MergeRefused):
            services.merge(db.session.get(User, moderator.id), db.session.get(Idea, source),
                           db.session.get(Idea, target))


def test_under_review_is_a_holding_reply_and_the_idea_stays_owed(app, make_user):
    councillor = make_user(Role.COUNCILLOR)
    idea_id = new_idea(app, make_user(), title="Fix the library roof before winter")
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        idea.threshold_reached_at, idea.response_due = datetime.now(timezone.utc), date.today() - timedelta(days=1)
        db.session.commit()
    signed_in_client(app, councillor).submit(f"/ideas/{idea_id}/respond", {
        "decision": "under_review", "reason": "We have asked the surveyors for a quote."})
    assert "Fix the library roof" in app.test_client().get("/ideas/overdue").get_data(as_text=True)
    signed_in_client(app, councillor).submit(f"/ideas/{idea_id}/respond", {
        "decision": "accepted", "reason": "The roof will be fixed in January."})
    assert "Fix the library roof" not in app.test_client().get("/ideas/overdue").get_data(as_text=True)


def test_hidden_again_after_a_won_appeal_the_author_may_appeal_again(app, make_user):
    first, second = make_user(Role.MODERATOR), make_user(Role.MODERATOR)
    author = make_user()
    idea_id = new_idea(app, author)
    as_author = signed_in_client(app, author)
    with app.app_context():
        services.hide(db.session.get(User, first.id), db.session.get(Idea, idea_id), "looks like advertising")
    as_author.submit(f"/ideas/appeal/idea/{idea_id}", {"statement": "I sell nothing"})
    with app.app_context():
        appeal = db.session.scalar(select(ModerationAppeal))
        services.decide_appeal(db.session.get(User, second.id), appeal, services.AppealOutcome.RESTORED, "fair")
        services.hide(db.session.get(User, first.id), db.session.get(Idea, idea_id), "still advertising")
    assert "Why should it be shown again?" in as_author.get(f"/ideas/appeal/idea/{idea_id}").get_data(as_text=True)
    as_author.submit(f"/ideas/appeal/idea/{idea_id}", {"statement": "Please look again"})
    assert count(app, ModerationAppeal) == 2


def test_a_moderator_cannot_decide_an_appeal_about_their_own_writing(app, make_user):
    first, author_moderator = make_user(Role.MODERATOR), make_user(Role.MODERATOR)
    idea_id = new_idea(app, author_moderator)
    with app.app_context():
        services.hide(db.session.get(User, first.id), db.session.get(Idea, idea_id), "off topic")
        services.appeal(db.session.get(User, author_moderator.id), db.session.get(Idea, idea_id), "it is not")
        appeal = db.session.scalar(select(ModerationAppeal))
        assert not services.can_decide(db.session.get(User, author_moderator.id), appeal)


def test_the_similar_ideas_step_ignores_common_words(app, client, make_user, auth):
    new_idea(app, make_user(), title="Fix the library roof before the winter", body="The roof of the library leaks.")
    auth.login(make_user())
    response = client.submit("/ideas/new", idea_form(title="Plant apple trees by the river"))
    assert response.status_code == 303  # "the" alone does not make ideas alike


def test_support_refused_with_htmx_still_answers_with_the_box(app, client, make_user, auth):
    idea_id = new_idea(app, make_user())
    with app.app_context():
        db.session.get(Idea, idea_id).status = IdeaStatus.DONE
        db.session.commit()
    auth.login(make_user())
    response = client.submit(f"/ideas/{idea_id}/support",
                             headers={"HX-Request": "true", "HX-Target": f"support-{idea_id}"})
    assert response.status_code == 200 and "no longer taking support" in response.get_data(as_text=True)


def test_a_photo_needs_words_saying_what_it_shows(app, client, make_user, auth):
    auth.login(make_user())
    response = client.submit("/ideas/new", {**idea_form(title="Fix the broken bench by the pond"),
                                            "image": (io.BytesIO(_jpeg_with_gps()), "bench.jpg")},
                             content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Say what the photo shows" in response.get_data(as_text=True)


def test_a_common_word_and_a_long_list_keep_their_order_and_say_more_than(app, make_user, monkeypatch):
    monkeypatch.setattr(services, "COMMON_WORD_MATCHES", 2)  # as if "park" matched thousands
    monkeypatch.setattr(services, "LIST_COUNT_LIMIT", 2)
    ids = [new_idea(app, make_user(), title=f"Park idea number {n}", body="A park for everyone in town.")
           for n in range(3)]
    new_idea(app, make_user(), title="Something else entirely", body="Bins and buses for the town.")
    with app.app_context():
        for _ in range(2):
            services.support(db.session.get(Idea, ids[1]), db.session.get(User, make_user().id))
    page = app.test_client().get("/ideas/?q=park").get_data(as_text=True)
    assert _titles(page)[0] == "Park idea number 1" and "Something else" not in page
    assert "More than 2 ideas" in page


def test_the_window_recount_writes_in_small_transactions_and_zeroes_old_ones(app, make_user, monkeypatch):
    monkeypatch.setattr(services, "WINDOW_BATCH", 1)
    fresh, old = new_idea(app, make_user()), new_idea(app, make_user(), title="An older idea about bins")
    with app.app_context():
        for idea_id in (fresh, old):
            services.support(db.session.get(Idea, idea_id), db.session.get(User, make_user().id))
        support = db.session.scalar(select(IdeaSupport).where(IdeaSupport.idea_id == old))
        support.created_at = datetime.now(timezone.utc) - timedelta(days=45)
        db.session.commit()
        services.refresh_support_windows()
        got = {i.id: (i.recent_support_count, i.month_support_count, i.previous_month_support_count)
               for i in db.session.scalars(select(Idea))}
    assert got == {fresh: (1, 1, 0), old: (0, 0, 1)}
