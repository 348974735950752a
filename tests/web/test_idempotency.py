"""Idempotency keys: a write sent twice with the same key acts once and the second gets the
first answer; a key still being handled gets a defined 409; a key is no use to anyone else."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from app.budgeting.models import Ballot
from app.core import idempotency
from app.core.models import IdempotencyKey
from app.extensions import db
from app.ideas.models import IdeaSupport
from tests.web.test_budget_ballots import process_id  # noqa: F401  (the fixture: a vote open today)
from tests.web.test_ideas import get_idea, new_idea, signed_in_client


def key_on(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)


def ballots(app, process_id) -> int:  # noqa: F811
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.process_id == process_id))


def test_a_vote_sent_twice_with_one_key_is_cast_once_and_the_retry_gets_the_same_answer(
        app, council, make_user, process_id):  # noqa: F811
    voter = signed_in_client(app, make_user(ward=council.wards[0]))
    page = voter.get(f"/budgets/{process_id}/vote").get_data(as_text=True)
    key = key_on(page)
    assert key != key_on(voter.get(f"/budgets/{process_id}/vote").get_data(as_text=True))  # fresh per page
    with app.app_context():
        from app.budgeting.models import BudgetProcess

        first_project = db.session.get(BudgetProcess, process_id).projects[0].id
    form = {"projects": [first_project], "idempotency_key": key}
    first = voter.submit(f"/budgets/{process_id}/vote", form)
    again = voter.submit(f"/budgets/{process_id}/vote", form)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"] and again.headers["Idempotent-Replay"] == "true"
    assert ballots(app, process_id) == 1  # not a second ballot in the history
    # Without a key, or with a new one, a vote acts as always (a changed vote adds to the history).
    voter.submit(f"/budgets/{process_id}/vote", {"projects": [first_project]})
    assert ballots(app, process_id) == 2


def test_a_late_retry_of_support_does_not_undo_a_later_withdrawal(app, client, council, make_user):
    idea_id = new_idea(app, make_user())
    supporter = make_user()
    browser = signed_in_client(app, supporter)
    support_key = key_on(browser.get(f"/ideas/{idea_id}").get_data(as_text=True))
    assert browser.submit(f"/ideas/{idea_id}/support", {"action": "support", "idempotency_key": support_key}) \
        .status_code == 303
    browser.submit(f"/ideas/{idea_id}/support", {"action": "withdraw"})
    late = browser.submit(f"/ideas/{idea_id}/support", {"action": "support", "idempotency_key": support_key})
    assert late.headers.get("Idempotent-Replay") == "true"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdeaSupport)) == 0
    assert get_idea(app, idea_id).support_count == 0

    # Someone else holding the key gets nothing from it.
    other = signed_in_client(app, make_user())
    stolen = other.submit(f"/ideas/{idea_id}/support", {"action": "support", "idempotency_key": support_key})
    assert stolen.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdeaSupport)) == 0


def test_a_key_still_being_handled_gets_a_clear_409_and_old_keys_are_purged(app, council, make_user,
                                                                           process_id):  # noqa: F811
    voter = make_user(ward=council.wards[0])
    browser = signed_in_client(app, voter)
    key = "k" * 32
    with app.app_context():
        db.session.add(IdempotencyKey(key=key, user_id=voter.id, path=f"/budgets/{process_id}/vote"))
        db.session.commit()
    busy = browser.submit(f"/budgets/{process_id}/vote", {"projects": ["1"], "idempotency_key": key})
    assert busy.status_code == 409 and "still being handled" in busy.get_data(as_text=True)
    assert ballots(app, process_id) == 0
    with app.app_context():
        db.session.execute(update(IdempotencyKey).values(created_at=datetime.now(timezone.utc) - timedelta(days=2)))
        db.session.commit()
        assert idempotency.purge() == 1
        assert idempotency.stored(key) is None


def test_a_comment_sent_twice_with_one_key_appears_once(app, make_user):
    from app.ideas.models import IdeaComment as Comment

    idea_id = new_idea(app, make_user())
    browser = signed_in_client(app, make_user())
    page = browser.get(f"/ideas/{idea_id}").get_data(as_text=True)
    comment_key = re.findall(r'name="idempotency_key" value="([^"]+)"', page)[-1]  # the comment form is last
    for _ in range(2):
        browser.submit(f"/ideas/{idea_id}/comments", {"comment-body": "Yes please, by the school.",
                                                      "idempotency_key": comment_key})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.idea_id == idea_id)) == 1
