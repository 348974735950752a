"""Platform services as modules use them: one line to register each, and they all show up."""
from __future__ import annotations

import csv
import io
import json
import re
import socket
from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import lazy_gettext as _l
from jinja2 import ChoiceLoader, DictLoader
from openpyxl import load_workbook
from sqlalchemy import select

from app.core import jobs
from app.core.datasets import Dataset, DatasetField, datasets, register_dataset
from app.core.jobs import register_job, run_due, scheduled_jobs
from app.core.mail import outbox
from app.core.models import AuditEntry, DeliveryMode, Notification, Role, User, Ward
from app.core.notifications import NotificationKind, notification_kinds, notify, register_kind, set_mode
from app.core.registry import Section, dashboard_sections
from app.extensions import db

PROBE_TEMPLATES = {
    "probe/news.txt": "{{ _('The %(topic)s plan has changed.', topic=params.topic) }}",
    "probe/_section.html": "<p>{{ ctx.text }}</p>",
}


@pytest.fixture
def probe_module(app):
    """A module that registers a notification kind, a dataset, a dashboard section and a job."""
    runs = []
    original_loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader(PROBE_TEMPLATES), original_loader])

    register_kind(NotificationKind("probe.news", _l("News about plans"), _l("%(topic)s: news"), "probe/news.txt"))
    register_dataset(Dataset("probe-plans", _l("Plans"), _l("Plans."), [DatasetField("title", "string", _l("Title"))],
                             rows=lambda council_id: [{"title": "Parks plan"}, {"title": '=HYPERLINK("http://x")'}]))
    dashboard_sections.register("probe", lambda user: Section("Plans near you", "probe/_section.html", {"text": "Two plans"}))
    register_job("probe.tally", lambda: runs.append(1), every="daily")
    yield runs
    notification_kinds.pop("probe.news")
    datasets.pop("probe-plans")
    dashboard_sections.unregister("probe")
    scheduled_jobs.pop("probe.tally")
    app.jinja_env.loader = original_loader


def _mails(app):
    with app.app_context():
        return list(outbox())


def _notify(app, user_ids, topic="Parks", link="/wards"):
    with app.app_context():
        people = [db.session.get(User, i) for i in user_ids]
        council_id = people[0].council_id
        with app.test_request_context("/"):
            return len(notify("probe.news", council_id=council_id, params={"topic": topic}, link=link,
                              recipients=people))


def test_a_notification_arrives_in_app_and_by_email_with_a_working_unsubscribe(app, client, make_user, auth,
                                                                           probe_module):
    user = make_user()
    assert _notify(app, [user.id]) == 1
    mail = _mails(app)[-1]
    assert mail.to == user.email and mail.subject == "Parks: news"
    assert "The Parks plan has changed." in mail.body and "http://localhost/wards" in mail.body
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    auth.login(user)
    page = client.get("/my-council").get_data(as_text=True)
    assert 'class="badge">1' in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert "Parks: news" in listing and "The Parks plan has changed." in listing
    note_link = re.search(r'href="(/notifications/\d+)"', listing).group(1)
    assert client.get(note_link).headers["Location"] == "/wards"
    assert 'class="badge"' not in client.get("/my-council").get_data(as_text=True)

    unsubscribe = re.search(r"http://localhost(/unsubscribe/\S+)", mail.body).group(1)
    assert "Stop these emails" in client.get(unsubscribe).get_data(as_text=True)
    assert client.post(unsubscribe).status_code == 200  # one click, no form token needed
    assert _notify(app, [user.id]) == 0
    assert len(_mails(app)) == 1
    assert client.get("/unsubscribe/forged").status_code == 400


def test_email_is_written_in_the_readers_language(app, make_user, probe_module):
    user = make_user(language="cy")
    _notify(app, [user.id])
    mail = _mails(app)[-1]
    from flask_babel import force_locale, gettext
    with app.test_request_context("/"), force_locale("cy"):
        welsh = gettext("Stop these emails with one click:")
    assert welsh != "Stop these emails with one click:" and welsh in mail.body


def test_a_registered_dataset_downloads_as_csv_xlsx_and_json(client, council, probe_module):
    listing = client.get("/open-data").get_data(as_text=True)
    assert "Plans" in listing and "/open-data/probe-plans.xlsx" in listing
    rows = list(csv.reader(io.StringIO(client.get("/open-data/probe-plans.csv").get_data(as_text=True))))
    assert rows[0] == ["title"] and rows[1] == ["Parks plan"]
    # A formula becomes text: the leading apostrophe stops a spreadsheet from running it.
    assert rows[2] == ["'=HYPERLINK(\"http://x\")"]
    book = load_workbook(io.BytesIO(client.get("/open-data/probe-plans.xlsx").get_data()), read_only=True)
    cells = [row for row in book.active.iter_rows(values_only=True)]
    assert cells[2] == ('=HYPERLINK("http://x")',)
    sheet_xml = __import__("zipfile").ZipFile(io.BytesIO(client.get("/open-data/probe-plans.xlsx").get_data())) \
        .read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # stored as a string, never as a formula
    assert json.loads(client.get("/open-data/probe-plans.json").get_data()) == \
        [{"title": "Parks plan"}, {"title": '=HYPERLINK("http://x")'}]
    assert client.get("/open-data/probe-plans.exe").status_code == 404


def test_a_registered_section_shows_on_the_dashboard(client, login_as, probe_module):
    login_as(Role.RESIDENT)
    page = client.get("/my-council").get_data(as_text=True)
    assert "Plans near you" in page and "<p>Two plans</p>" in page


def test_a_registered_job_runs_once_however_often_run_due_is_called(app, council, probe_module):
    runner = app.test_cli_runner()
    for _ in range(3):
        result = runner.invoke(args=["jobs", "run-due"])
        assert result.exit_code == 0, result.output
    assert probe_module == [1]
    # The next period runs it again, once.
    with app.app_context():
        run_due(datetime.now(timezone.utc) + timedelta(days=1))
        run_due(datetime.now(timezone.utc) + timedelta(days=1))
    assert probe_module == [1, 1]


def test_one_off_tasks_run_once_when_due(app, council):
    calls = []
    jobs.register_task_handler("probe.phase", lambda process: calls.append(process))
    try:
        with app.app_context():
            jobs.schedule_at("probe.phase", "process:1:voting", datetime.now(timezone.utc) + timedelta(hours=1),
                             {"process": 1})
            db.session.commit()
            run_due()
            assert calls == []
            later = datetime.now(timezone.utc) + timedelta(hours=2)
            run_due(later)
            run_due(later)
            assert calls == [1]
    finally:
        jobs.task_handlers.pop("probe.phase")


def test_weekly_digest_merges_a_weeks_notifications_into_one_email(app, make_user, probe_module):
    user = make_user()
    with app.app_context():
        set_mode(db.session.get(User, user.id), "probe.news", DeliveryMode.WEEKLY)
    for topic in ("Parks", "Roads", "Libraries"):
        _notify(app, [user.id], topic=topic)
    assert _mails(app) == []
    with app.app_context(), app.test_request_context("/"):
        monday_morning = datetime(2030, 1, 7, 8, 0, tzinfo=timezone.utc)
        run_due(monday_morning)
        run_due(monday_morning)
    mails = _mails(app)
    assert len(mails) == 1
    assert all(f"{topic}: news" in mails[0].body for topic in ("Parks", "Roads", "Libraries"))


def _redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="needs a Redis server on 127.0.0.1:6379")
def test_with_redis_emails_go_through_an_rq_worker(app, make_user, probe_module, worker_id_safe):
    from rq import SimpleWorker

    user = make_user()
    app.config.update(REDIS_URL="redis://127.0.0.1:6379/15", RQ_QUEUE=f"test-{worker_id_safe}-{id(app)}")
    try:
        with app.app_context():
            q = jobs.queue()
            q.empty()
        _notify(app, [user.id])
        assert _mails(app) == []
        with app.app_context():
            assert jobs.queue().count == 1
            SimpleWorker([jobs.queue()], connection=jobs.queue().connection).work(burst=True)
            assert jobs.queue().count == 0
        assert [m.subject for m in _mails(app)] == ["Parks: news"]
    finally:
        app.config.update(REDIS_URL=None, RQ_QUEUE="council")


def test_without_redis_emails_are_sent_inline(app, make_user, probe_module):
    assert app.config["REDIS_URL"] is None
    user = make_user()
    _notify(app, [user.id])
    assert len(_mails(app)) == 1


XLSX_PEAK = """
import resource, sys, tempfile
from app.core.datasets import write_xlsx
count = int(sys.argv[1])
rows = ({"n": i, "text": f"row {i} of the export", "when": "2026-01-01"} for i in range(count))
with tempfile.TemporaryFile() as target:
    write_xlsx(["n", "text", "when"], rows, target)
    size = target.tell()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, size)
"""


def test_xlsx_export_of_50000_rows_streams_with_bounded_memory():
    """50,000 rows need about the same memory as 5,000: rows go to disk as they are written."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    def peak_kib(count: int) -> tuple[int, int]:
        out = subprocess.run([sys.executable, "-c", XLSX_PEAK, str(count)], capture_output=True, text=True,
                             cwd=ROOT, check=True).stdout.split()
        return int(out[0]), int(out[1])

    (small_rss, small_size), (large_rss, large_size) = peak_kib(5_000), peak_kib(50_000)
    assert large_size > 5 * small_size  # the file did grow with the rows...
    assert large_rss - small_rss < 16 * 1024, (small_rss, large_rss)  # ...but memory did not (KiB)


def test_follow_and_unfollow_and_who_follows(app, client, login_as, council):
    from app.core.follows import Followable, followables, followers, register_followable

    register_followable(Followable("ward", lambda council_id, i: db.session.scalar(
        select(Ward).where(Ward.id == i, Ward.council_id == council_id)), lambda w: w.name,
        lambda w: f"/wards/{w.id}"))
    try:
        user = login_as(Role.RESIDENT)
        ward = council.wards[0]
        response = client.submit("/follow", {"object_type": "ward", "object_id": ward.id, "action": "follow"})
        assert response.status_code == 303 and response.headers["Location"] == f"/wards/{ward.id}"
        with app.app_context():
            assert [u.id for u in followers(council.id, "ward", ward.id)] == [user.id]
        fragment = client.submit("/follow", {"object_type": "ward", "object_id": ward.id, "action": "unfollow"},
                                 headers={"HX-Request": "true", "HX-Target": f"follow-ward-{ward.id}"})
        assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
        assert "Follow for updates" in fragment.get_data(as_text=True)
        with app.app_context():
            assert followers(council.id, "ward", ward.id) == []
        assert client.submit("/follow", {"object_type": "nonsense", "object_id": 1, "action": "follow"}).status_code == 400
        assert client.submit("/follow", {"object_type": "ward", "object_id": 999999, "action": "follow"}).status_code == 404
    finally:
        followables.pop("ward")


def test_interests_decide_who_hears_about_a_ward_or_topic(app, client, login_as, make_user, council):
    from app.core.follows import interested_in

    north, south = council.wards
    resident_of_south = make_user(ward=south)
    user = login_as(Role.RESIDENT, ward=north)
    assert client.submit("/account/interests", {"categories": ["parks", "housing"], "wards": [str(south.id)]}) \
        .status_code == 303
    with app.app_context():
        assert [u.id for u in interested_in(council.id, category="parks")] == [user.id]
        assert interested_in(council.id, category="transport") == []
        assert {u.id for u in interested_in(council.id, ward_id=south.id)} == {user.id, resident_of_south.id}
    page = client.get("/account/interests").get_data(as_text=True)
    assert re.search(r'value="parks" checked', page)


def test_welsh_readers_see_welsh_content_or_a_fallback_note(app, client, make_user, council):
    from app.core.models import CouncillorProfile

    north = council.wards[0]
    welsh = make_user(Role.COUNCILLOR, ward=north)
    english_only = make_user(Role.COUNCILLOR, ward=north)
    with app.app_context():
        db.session.add(CouncillorProfile(user_id=welsh.id, ward_id=north.id, party="Plaid",
                                         bio={"en": "I run the food bank.",
                                                                               "cy": "Rwy'n rhedeg y banc bwyd."}))
        db.session.add(CouncillorProfile(user_id=english_only.id, ward_id=north.id,
                                         bio={"en": "I chair planning.", "cy": ""}))
        db.session.commit()
    client.get("/language/cy")
    page = client.get(f"/wards/{north.id}").get_data(as_text=True).replace("&#39;", "'")
    assert "Rwy'n rhedeg y banc bwyd." in page and "I run the food bank." not in page
    assert '<div lang="en"><p>I chair planning.</p></div>' in page
    assert "ddim ar gael yn Gymraeg eto" in page
    client.get("/language/en")
    page = client.get(f"/wards/{north.id}").get_data(as_text=True)
    assert "I run the food bank." in page and "not yet available" not in page


def test_councillors_edit_their_own_profile_and_welsh_can_be_required(app, client, login_as, council):
    from app.core.models import CouncillorProfile

    user = login_as(Role.COUNCILLOR)
    with app.app_context():
        db.session.add(CouncillorProfile(user_id=user.id, ward_id=council.wards[0].id, bio={}))
        db.session.commit()
    form = {"party": "Independent", "public_email": "cllr@example.org", "phone": "01632 960001",
            "interests_url": "https://example.org/interests", "bio-en": "Hello", "bio-cy": ""}
    assert client.submit("/account/councillor-profile", form).status_code == 303
    assert "Hello" in client.get(f"/wards/{council.wards[0].id}").get_data(as_text=True)
    with app.app_context():
        from app.core.models import Council
        db.session.get(Council, council.id).welsh_required = True
        db.session.commit()
    page = client.submit("/account/councillor-profile", {**form, "bio-en": "Changed"}).get_data(as_text=True)
    assert "Enter the Welsh text" in page and 'href="#bio-cy"' in page
    assert "Changed" not in client.get(f"/wards/{council.wards[0].id}").get_data(as_text=True)
    for link in ("not a url", "javascript://example.org/%0aalert(1)"):
        bad = client.submit("/account/councillor-profile", {**form, "interests_url": link, "bio-cy": "Helo"})
        assert "Enter a full web address" in bad.get_data(as_text=True), link
    # Where a councillor lives stays private: the ward page follows the ward they represent.
    assert user.ward_id is None


def test_retention_run_purges_old_personal_data_and_audits_it(app, make_user, council):
    user = make_user()
    with app.app_context():
        old = Notification(council_id=council.id, user_id=user.id, kind="x", params={},
                           created_at=datetime.now(timezone.utc) - timedelta(days=400))
        recent = Notification(council_id=council.id, user_id=user.id, kind="x", params={})
        stale = User(council_id=council.id, email="never@example.org", display_name="Never confirmed",
                     created_at=datetime.now(timezone.utc) - timedelta(days=45))
        db.session.add_all([old, recent, stale])
        db.session.commit()
        recent_id, stale_id = recent.id, stale.id
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "notifications: 1 purged" in result.output
    with app.app_context():
        assert [n.id for n in db.session.scalars(select(Notification))] == [recent_id]
        assert db.session.get(User, stale_id).email != "never@example.org"
        assert db.session.get(User, user.id).deleted_at is None  # only 0 days old
        purges = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purged")).all()
        purged = {p.object_id: p.details["purged"] for p in purges if p.details["purged"]}
        assert purged == {"notifications": 1, "unconfirmed_accounts": 1}


def test_the_pre_election_switch_hides_submit_actions_and_refuses_them(app, council):
    from flask import render_template_string

    from app.core.publication import publication_open

    @publication_open
    def submit_idea():
        return "published"

    template = "{% if publication_paused() %}paused{% else %}<button>Submit an idea</button>{% endif %}"
    with app.test_request_context("/"):
        assert "Submit an idea" in render_template_string(template)
        assert submit_idea() == "published"
    with app.app_context():
        from app.core.models import Council
        db.session.get(Council, council.id).pre_election = True
        db.session.commit()
    with app.test_request_context("/"):
        assert render_template_string(template) == "paused"
        body, status = submit_idea()
        assert status == 403 and "Publishing is paused" in body
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Pre-election period" in page
