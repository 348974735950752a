"""Slice 1: staff publish a challenge; the public portal lists, searches and feeds it; CPV codes."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.core.models import Role
from app.extensions import db
from tests.helpers import validate_html
from tests.web.test_tenders_support import challenge_form, make_challenge


def _only_challenge(app):
    from app.tenders.models import Challenge

    with app.app_context():
        c = db.session.scalars(select(Challenge)).one()
        return c.id, c.published_at, [(s.kind.value, s.award_count, s.budget) for s in c.stages], \
            [(cr.name["en"], cr.weight) for cr in c.criteria], c.total_budget, c.wrapped_key


def test_staff_write_and_publish_a_two_stage_challenge(app, client, login_as, council):
    login_as(Role.STAFF)
    page = client.get("/tenders/new")
    assert page.status_code == 200
    assert "03000000" in page.get_data(as_text=True)  # the seeded CPV divisions are offered
    response = client.submit("/tenders/new", challenge_form(stage1_months="3"))
    assert response.status_code == 303
    from app.tenders.models import Stage

    with app.app_context():
        assert [s.contract_months for s in db.session.scalars(select(Stage).order_by(Stage.position))] == [3, 12]
    challenge_id, published_at, stages, criteria, total, wrapped = _only_challenge(app)
    assert published_at is None and len(wrapped) == 12 + 32 + 16  # a wrapped 256-bit data key, never the key
    assert stages == [("feasibility", 3, Decimal("20000.00")), ("pilot", 1, Decimal("80000.00"))]
    assert criteria == [("Quality of the idea", 60), ("Social value", 40)] and total == Decimal("100000.00")
    assert client.get("/tenders/").get_data(as_text=True).count("Fewer missed bin collections") == 0
    assert client.submit(f"/tenders/{challenge_id}/publish").status_code == 303
    assert _only_challenge(app)[1] is not None
    listing = client.get("/tenders/").get_data(as_text=True)
    assert "Fewer missed bin collections" in listing


def test_the_form_explains_each_mistake_beside_its_field(client, login_as, council, tmp_path):
    login_as(Role.STAFF)
    past = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.submit("/tenders/new", challenge_form(stage1_deadline=past, criterion2_weight="30",
                                                            cpv_codes=[], stage2_budget=""))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("The deadline must be in the future", "The weights must add up to 100 (they add up to 90)",
                    "Choose at least one category", "Enter this stage's budget"):
        assert message in body, message
    assert "There is a problem" in body and 'value="Fewer missed bin collections"' in body
    assert validate_html({"form": body}, tmp_path) == []


def test_disproportionate_prequalification_is_warned_and_kept_only_when_accepted(app, client, login_as, council):
    login_as(Role.STAFF)
    asks = {"min_turnover": "500000", "years_of_accounts": "3", "insurance_level": "10000000"}
    response = client.submit("/tenders/new", challenge_form(**asks))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "may shut out new and small firms" in body
    assert "above £200,000" in body and "more than 2 years" in body and "above £1,000,000" in body
    from app.tenders.models import Challenge

    with app.app_context():
        assert db.session.scalar(select(Challenge.id)) is None
    assert client.submit("/tenders/new", challenge_form(accept_warnings="y", **asks)).status_code == 303
    # Within the rule there is no warning at all.
    assert client.submit("/tenders/new", challenge_form(min_turnover="200000", years_of_accounts="2",
                                                        insurance_level="1000000")).status_code == 303


def test_portal_searches_by_words_category_value_deadline_and_stage(app, client, make_user, council):
    from app.tenders.models import StageKind

    staff = make_user(Role.STAFF)
    now = datetime.now().astimezone()
    make_challenge(app, council, staff, cpv=("72200000",),
                   stages=[(StageKind.PROTOTYPE, now + timedelta(days=10), 1, Decimal(50000))])
    make_challenge(app, council, staff, cpv=("90000000",))
    make_challenge(app, council, staff, publish=False)

    def count(query):
        body = client.get(f"/tenders/?{query}").get_data(as_text=True)
        return body.count('class="card__title"')

    assert count("") == 2
    assert count("cpv=72000000") == 1 and count("cpv=90000000") == 1 and count("cpv=45000000") == 0
    assert count("min_value=60000") == 1 and count("max_value=60000") == 1
    assert count("stage=prototype") == 1 and count("stage=pilot") == 1
    assert count(f"closes_before={(now + timedelta(days=15)).date().isoformat()}") == 1
    assert count("q=narrow+streets") == 2 and count("q=nothing+like+it") == 0
    fragment = client.get("/tenders/?cpv=72000000", headers={"HX-Request": "true", "HX-Target": "challenge-list"})
    assert "<h1>" not in fragment.get_data(as_text=True)


def test_atom_feeds_of_the_list_and_of_a_challenge(app, client, make_user, council):
    import xml.etree.ElementTree as ET

    staff = make_user(Role.STAFF)
    challenge_id = make_challenge(app, council, staff)
    feed = client.get("/tenders/feed.atom?cpv=90000000")
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [e.find("a:title", ns).text for e in root.findall("a:entry", ns)] == ["Fewer missed bin collections"]
    assert root.find("a:entry/a:category", ns).get("term") == "90000000"
    assert not ET.fromstring(client.get("/tenders/feed.atom?cpv=45000000").data).findall("a:entry", ns)
    one = ET.fromstring(client.get(f"/tenders/{challenge_id}/feed.atom").data)
    assert one.find("a:entry/a:title", ns).text == "Challenge published"


def test_public_challenge_page_is_valid_and_drafts_are_hidden(app, client, make_user, council, tmp_path):
    staff = make_user(Role.STAFF)
    published = make_challenge(app, council, staff)
    draft = make_challenge(app, council, staff, publish=False)
    page = client.get(f"/tenders/{published}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Quality" in body and "60%" in body and "90000000" in body
    assert validate_html({"detail": body, "list": client.get("/tenders/").get_data(as_text=True),
                          "closed": client.get("/tenders/closed").get_data(as_text=True)}, tmp_path) == []
    assert client.get(f"/tenders/{draft}").status_code == 404


def test_cpv_import_command_adds_official_codes(app, tmp_path):
    from app.tenders.models import CpvCode

    source = tmp_path / "cpv.csv"
    source.write_text('CODE,EN,CY\n"72212000-4","Programming services of application software","x"\n'
                      '"not a code","skipped",""\n"03000000-1","Agricultural products (updated)",""\n')
    result = app.test_cli_runner().invoke(args=["cpv", "import", str(source)])
    assert "Imported 2 CPV codes." in result.output and "Skipped 1 rows" in result.output
    with app.app_context():
        assert db.session.get(CpvCode, "72212000").description == "Programming services of application software"
        assert db.session.get(CpvCode, "03000000").description == "Agricultural products (updated)"


def test_manage_and_settings_are_for_staff(app, client, login_as, council):
    login_as(Role.STAFF)
    assert client.get("/tenders/manage").status_code == 200
    response = client.submit("/tenders/settings", {"standstill_working_days": "10", "bank_holidays": "2026-12-25\n2026-12-28",
                                                   "clarification_days": "5", "late_change_days": "3",
                                                   "late_change_min_extension_days": "5"})
    assert response.status_code == 303
    from app.tenders.services import settings_for

    with app.app_context():
        settings = settings_for(council.id)
        assert settings.standstill_working_days == 10 and settings.bank_holidays == ["2026-12-25", "2026-12-28"]


def test_the_portal_runs_the_same_few_queries_however_many_challenges(app, client, make_user, council):
    from tests.helpers import count_queries

    staff = make_user(Role.STAFF)

    def queries():
        client.get("/tenders/")  # warm: the CPV seed and the backstop's minute
        with count_queries(app) as q:
            assert client.get("/tenders/").status_code == 200
        return q.n

    make_challenge(app, council, staff)
    few = queries()
    for _ in range(15):
        make_challenge(app, council, staff)
    assert queries() <= few + 1


def test_deadlines_are_typed_in_uk_time_and_stored_in_utc(app, client, login_as, council):
    from datetime import timezone

    from app.core.models import as_utc
    from app.tenders.models import Stage

    login_as(Role.STAFF)
    year = datetime.now().year + 1
    response = client.submit("/tenders/new", challenge_form(stage1_deadline=f"{year}-07-01T12:00",
                                                            stage2_deadline=f"{year}-12-01T12:00"))
    assert response.status_code == 303
    with app.app_context():
        summer, winter = [as_utc(s.deadline) for s in db.session.scalars(select(Stage).order_by(Stage.position))]
    assert summer == datetime(year, 7, 1, 11, 0, tzinfo=timezone.utc)  # British Summer Time
    assert winter == datetime(year, 12, 1, 12, 0, tzinfo=timezone.utc)
    challenge_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert f"1 July {year}, 12:00" in client.get(f"/tenders/{challenge_id}").get_data(as_text=True)


def test_finer_cpv_codes_can_be_typed_and_must_exist(app, client, login_as, council):
    from app.tenders.models import Challenge
    from app.tenders.services import ensure_cpv_seed, import_cpv

    login_as(Role.STAFF)
    with app.app_context():
        ensure_cpv_seed()
        import_cpv([("90511000-2", "Refuse collection services")])
    page = client.get("/tenders/new").get_data(as_text=True)
    assert "90511000 Refuse collection" not in page  # finer codes are typed, not listed
    bad = client.submit("/tenders/new", challenge_form(cpv_codes=[], other_cpv="90511000 12345678 9051"))
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Write each code as 8 digits" in body
    bad = client.submit("/tenders/new", challenge_form(cpv_codes=[], other_cpv="12345678"))
    assert "These codes are not in the CPV list: 12345678" in bad.get_data(as_text=True)
    assert client.submit("/tenders/new", challenge_form(other_cpv="90511000")).status_code == 303
    with app.app_context():
        challenge = db.session.scalars(select(Challenge)).one()
        assert challenge.cpv_codes == ["90000000", "90511000"]
        challenge_id = challenge.id
    edit = client.get(f"/tenders/{challenge_id}/edit").get_data(as_text=True)
    assert 'value="90511000"' in edit
