"""Consultations: building, answering (drafts, errors, conditional pages, checking, submitting),
anonymity, closing, exports, equality counts, themes and the published outcome."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select

from app.consultations import services
from app.consultations.demo import build_every_kind
from app.consultations.models import (Answer, Consultation, ConsultationPage, EqualityCount, Question, QuestionKind,
                                      Response, ResponseMode)
from app.core.models import AuditEntry, Council, Notification, Role, User
from app.extensions import db
from tests.conftest import FormClient, sign_in


def make_consultation(app, council, *, mode=ResponseMode.SIGNED_IN, opens=-5, closes=5) -> dict:
    """The demo's consultation with every kind of question; returns its question ids by kind."""
    with app.app_context():
        c = build_every_kind(db.session.get(Council, council.id), title={"en": "Budget 2027", "cy": "Cyllideb 2027"},
                             opens=date.today() + timedelta(days=opens), closes=date.today() + timedelta(days=closes))
        c.mode = mode
        db.session.commit()
        ids = {"id": c.id}
        for q in services.questions_of(c):
            ids[q.kind.value] = q.id
        return ids


def page_one(ids, **overrides):
    data = {f"q{ids['postcode']}": "CC1 1AA", f"q{ids['single']}": "o1", f"q{ids['multiple']}": ["o1", "o2"]}
    data.update(overrides)
    return data


def page_two(ids, **overrides):
    r, b = ids["ranking"], ids["budget"]
    data = {f"q{r}-o1": "2", f"q{r}-o2": "1", f"q{r}-o3": "3", f"q{r}-o4": "4",
            f"q{b}-o1": "40", f"q{b}-o2": "30", f"q{b}-o3": "20", f"q{b}-o4": "10",
            f"q{ids['rating']}": "4", f"q{ids['long_text']}": "Keep the libraries open"}
    data.update(overrides)
    return data


def count(app, model, *conditions):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def start(client, consultation_id):
    return client.submit(f"/consultations/{consultation_id}/start")


def answer_everything(client, ids, wants_outcome=True):
    cid = ids["id"]
    start(client, cid)
    assert client.submit(f"/consultations/{cid}/page/1", page_one(ids)).headers["Location"].endswith("/page/2")
    assert client.submit(f"/consultations/{cid}/page/2", page_two(ids)).headers["Location"].endswith("/page/3")
    client.submit(f"/consultations/{cid}/page/3", {f"q{ids['short_text']}": "Castell library"})
    client.submit(f"/consultations/{cid}/about-you", {"eq-age_band": "65-74", "eq-sex": "female"})
    return client.submit(f"/consultations/{cid}/check", {"wants_outcome": "y" if wants_outcome else ""})


def test_a_resident_answers_checks_and_gets_a_reference(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    person = make_user(ward=council.wards[0])
    auth.login(person)
    done = answer_everything(client, ids)
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/consultations/{ids['id']}/done")
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    reference = re.search(r'<strong class="reference">([^<]+)</strong>', page).group(1)
    assert re.fullmatch(rf"C{ids['id']}-[A-Z2-9]{{6}}", reference)
    assert app.test_client().get(done.headers["Location"]).status_code == 404  # shown only to the sender
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.user_id == person.id and response.submitted_at and response.ward_id == council.wards[0].id
        assert response.equality_draft is None
        by_question = {a.question_id: a for a in response.answers}
        assert by_question[ids["ranking"]].data == ["o2", "o1", "o3", "o4"]
        assert by_question[ids["budget"]].data == {"o1": 40, "o2": 30, "o3": 20, "o4": 10}
        # Equality answers are only counts: no row per person that could be tied to the response.
        assert {c.name for c in inspect(EqualityCount).columns} == {"consultation_id", "field", "value", "count"}
        counts = {(e.field, e.value): e.count for e in db.session.scalars(select(EqualityCount))}
        assert counts == {("age_band", "65-74"): 1, ("sex", "female"): 1}
    again = start(client, ids["id"])
    assert again.headers["Location"].endswith(f"/consultations/{ids['id']}")
    assert "You answered on" in client.get(f"/consultations/{ids['id']}").get_data(as_text=True)


def test_a_wrong_answer_is_refused_and_every_other_answer_kept(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    auth.login(make_user())
    cid = ids["id"]
    start(client, cid)
    client.submit(f"/consultations/{cid}/page/1", page_one(ids))
    r = ids["ranking"]
    response = client.submit(f"/consultations/{cid}/page/2", page_two(ids, **{f"q{r}-o2": "2"}))  # two second places
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and "Give each item a different place" in page
    assert "Keep the libraries open" in page and f'name="q{ids["budget"]}-o1" type="text" inputmode="numeric" value="40"' in page
    with app.app_context():
        saved = {a.question_id for a in db.session.scalars(select(Answer))}
    # The valid answers on the refused page are saved; the wrong one is not.
    assert ids["long_text"] in saved and ids["budget"] in saved and ids["ranking"] not in saved
    response = client.submit(f"/consultations/{cid}/page/2", page_two(ids, **{f"q{ids['budget']}-o1": "90"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Your amounts add up to £150: they must add up to £100" in page
    response = client.submit(f"/consultations/{cid}/page/2", page_two(ids, **{f"q{ids['rating']}": ""}))
    assert response.status_code == 400 and "Choose a rating from 1 to 5" in response.get_data(as_text=True)


def test_a_draft_is_saved_and_finished_later(app, council, make_user):
    ids = make_consultation(app, council)
    person = make_user()
    app.test_client_class = FormClient
    first = app.test_client()
    sign_in(first, person)
    start(first, ids["id"])
    saved = first.submit(f"/consultations/{ids['id']}/page/1", {**page_one(ids), "action": "save"})
    assert saved.headers["Location"].endswith(f"/consultations/{ids['id']}")
    later = app.test_client()  # another day, another browser
    sign_in(later, person)
    assert "Continue your answers" in later.get(f"/consultations/{ids['id']}").get_data(as_text=True)
    start(later, ids["id"])
    page = later.get(f"/consultations/{ids['id']}/page/1").get_data(as_text=True)
    assert 'value="CC1 1AA"' in page
    assert count(app, Response) == 1


def test_the_conditional_page_follows_the_answer_that_shows_it(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    auth.login(make_user())
    cid = ids["id"]
    start(client, cid)
    client.submit(f"/consultations/{cid}/page/1", page_one(ids))
    client.submit(f"/consultations/{cid}/page/2", page_two(ids))
    client.submit(f"/consultations/{cid}/page/3", {f"q{ids['short_text']}": "Castell library"})
    client.submit(f"/consultations/{cid}/page/1", page_one(ids, **{f"q{ids['single']}": "o3"}))  # never uses it
    after_two = client.submit(f"/consultations/{cid}/page/2", page_two(ids))
    assert after_two.headers["Location"].endswith("/about-you")  # page 3 is skipped now
    check = client.get(f"/consultations/{cid}/check").get_data(as_text=True)
    assert "Which library do you use most?" not in check
    client.submit(f"/consultations/{cid}/check", {})
    with app.app_context():
        assert ids["short_text"] not in {a.question_id for a in db.session.scalars(select(Answer))}


def test_submitting_with_a_required_answer_missing_sends_the_person_back(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    auth.login(make_user())
    start(client, ids["id"])
    client.submit(f"/consultations/{ids['id']}/page/1", {**page_one(ids), "action": "save"})
    response = client.submit(f"/consultations/{ids['id']}/check", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Answer “Put these in order of importance to you”" in page
    assert count(app, Response, Response.submitted_at.isnot(None)) == 0


def test_ranking_move_buttons_work_without_javascript(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    auth.login(make_user())
    start(client, ids["id"])
    client.submit(f"/consultations/{ids['id']}/page/1", page_one(ids))
    moved = client.submit(f"/consultations/{ids['id']}/page/2", {"action": f"move:{ids['ranking']}:o3:up"})
    assert moved.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Answer.data).where(Answer.question_id == ids["ranking"])) == \
            ["o1", "o3", "o2", "o4"]
    page = client.get(f"/consultations/{ids['id']}/page/2").get_data(as_text=True)
    assert page.index("Roads") < page.index("Parks")


def test_the_budget_running_total_says_what_is_left(app, client, council):
    ids = make_consultation(app, council)
    b = ids["budget"]
    body = client.get(f"/consultations/question/{b}/total?q{b}-o1=30&q{b}-o2=25").get_data(as_text=True)
    assert "Total so far: £55 of £100." in body and "£45 left to share." in body


def test_an_anonymous_response_keeps_no_user_id_or_ip_address(app, council, make_user):
    ids = make_consultation(app, council, mode=ResponseMode.ANONYMOUS)
    app.test_client_class = FormClient
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    answer_everything(client, ids, wants_outcome=False)
    signed_in = app.test_client()
    signed_in.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    sign_in(signed_in, make_user())
    answer_everything(signed_in, ids, wants_outcome=False)
    with app.app_context():
        rows = db.session.execute(select(Response.__table__)).mappings().all()
        assert len(rows) == 2 and all(row["submitted_at"] for row in rows)
        assert all(row["user_id"] is None for row in rows)
        everything = " ".join(str(v) for row in rows for v in row.values())
        assert "203.0.113.77" not in everything


def test_answers_after_the_close_are_refused(app, client, council, make_user, auth):
    ids = make_consultation(app, council, opens=-10, closes=-1)
    auth.login(make_user())
    assert start(client, ids["id"]).status_code == 403
    assert "This consultation has closed" in client.get(f"/consultations/{ids['id']}/page/1").get_data(as_text=True)
    assert client.submit(f"/consultations/{ids['id']}/check", {}).status_code == 403
    assert count(app, Response) == 0


def test_a_draft_left_open_cannot_be_sent_after_the_close(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    auth.login(make_user())
    start(client, ids["id"])
    client.submit(f"/consultations/{ids['id']}/page/1", page_one(ids))
    with app.app_context():
        db.session.get(Consultation, ids["id"]).closes_on = date.today() - timedelta(days=1)
        db.session.commit()
    assert client.submit(f"/consultations/{ids['id']}/check", {}).status_code == 403
    assert count(app, Response, Response.submitted_at.isnot(None)) == 0


def test_staff_build_a_consultation_with_a_conditional_page(app, client, council, make_user, auth):
    auth.login(make_user(Role.STAFF))
    bad = client.submit("/consultations/new", {"title-en": "", "opens_on": "2026-12-01", "closes_on": "2026-11-01",
                                               "mode": "signed_in"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter the English text for “Title”" in page
    assert "The closing date must be on or after the opening date" in page
    created = client.submit("/consultations/new", {"title-en": "Parking charges", "summary-en": "Should we charge?",
                                                   "opens_on": "2026-12-01", "closes_on": "2027-01-31",
                                                   "mode": "anonymous", "published": "y"})
    cid = int(created.headers["Location"].split("/")[2])
    client.submit(f"/consultations/{cid}/build", {"page-title-en": "Parking"})
    with app.app_context():
        first_page = db.session.scalar(select(ConsultationPage.id))
    no_options = client.submit(f"/consultations/pages/{first_page}/questions/new",
                               {"kind": "single", "text-en": "Do you drive into town?", "options": "Yes"})
    assert no_options.status_code == 400 and "Give at least two options" in no_options.get_data(as_text=True)
    client.submit(f"/consultations/pages/{first_page}/questions/new",
                  {"kind": "single", "text-en": "Do you drive into town?", "options": "Yes | Ydw\nNo | Nac ydw",
                   "required": "y"})
    with app.app_context():
        question = db.session.scalar(select(Question))
        assert question.options == [{"key": "o1", "en": "Yes", "cy": "Ydw"}, {"key": "o2", "en": "No", "cy": "Nac ydw"}]
    build = client.get(f"/consultations/{cid}/build").get_data(as_text=True)
    assert f'value="{question.id}:o1"' in build  # a later page can depend on the answer
    client.submit(f"/consultations/{cid}/build", {"page-title-en": "Where you park", "page-show_if": f"{question.id}:o1"})
    with app.app_context():
        second = db.session.scalars(select(ConsultationPage).order_by(ConsultationPage.position)).all()[1]
        assert (second.show_if_question_id, second.show_if_option) == (question.id, "o1")


def test_personal_details_leave_only_when_asked_and_the_export_is_audited(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    respondent = make_user(email="respondent@example.org")
    resident_client = app.test_client()
    sign_in(resident_client, respondent)
    answer_everything(resident_client, ids)
    auth.login(make_user(Role.STAFF))
    plain = client.get(f"/consultations/{ids['id']}/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(plain)))
    assert len(rows) == 1 and "respondent@example.org" not in plain and "email" not in rows[0]
    assert rows[0][f"q{ids['ranking']}_o2"] == "1" and rows[0][f"q{ids['rating']}"] == "4"
    assert count(app, AuditEntry) == 0
    assert "respondent@example.org" not in client.get(f"/consultations/{ids['id']}/export.csv?personal=y").get_data(
        as_text=True)  # a link cannot ask for personal details: only the form's POST can
    assert "CC1 1AA" not in plain  # the full postcode stays out unless personal details are asked for
    book = load_workbook(io.BytesIO(client.submit(f"/consultations/{ids['id']}/export.xlsx", {"personal": "y"}).data))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    values = dict(zip(header, [cell.value for cell in sheet[2]]))
    assert values["email"] == "respondent@example.org"
    assert values[f"q{ids['rating']}"] == 4 and values[f"q{ids['budget']}_o1"] == 40  # numbers, not text
    assert values[f"q{ids['multiple']}_o1"] is True
    assert isinstance(values["submitted_at"], datetime)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action)) == "consultations.exported_personal_details"


def test_residents_cannot_reach_staff_pages(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    auth.login(make_user())
    for url in (f"/consultations/{ids['id']}/results", f"/consultations/{ids['id']}/export.csv",
                f"/consultations/{ids['id']}/build", "/consultations/manage"):
        assert client.get(url).status_code == 403, url


def test_equality_counts_below_five_show_as_fewer_than_five(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    with app.app_context():
        for value, n in (("65-74", 6), ("25-44", 2)):
            db.session.add(EqualityCount(consultation_id=ids["id"], field="age_band", value=value, count=n))
        db.session.commit()
    auth.login(make_user(Role.STAFF))
    page = client.get(f"/consultations/{ids['id']}/results").get_data(as_text=True)
    table = page[page.index("<caption>Your age</caption>"):]
    table = table[:table.index("</table>")]
    assert "<td>65 to 74</td><td>6</td>" in table and "<td>25 to 44</td><td>fewer than 5</td>" in table


def test_staff_tag_free_text_with_themes_and_see_the_counts(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    for text in ("Keep the libraries open", "Fix the potholes", "Libraries matter"):
        resident = app.test_client()
        sign_in(resident, make_user())
        start(resident, ids["id"])
        resident.submit(f"/consultations/{ids['id']}/page/1", page_one(ids))
        resident.submit(f"/consultations/{ids['id']}/page/2", page_two(ids, **{f"q{ids['long_text']}": text}))
        resident.submit(f"/consultations/{ids['id']}/check", {})
    auth.login(make_user(Role.STAFF))
    url = f"/consultations/questions/{ids['long_text']}/answers"
    client.submit(url, {"action": "theme", "theme-name": "Libraries"})
    found = client.get(url + "?q=librar").get_data(as_text=True)
    assert "Keep the libraries open" in found and "Libraries matter" in found and "potholes" not in found
    with app.app_context():
        theme_id = db.session.scalar(select(services.Theme.id))
        answer_ids = db.session.scalars(select(Answer.id).where(Answer.question_id == ids["long_text"],
                                                                Answer.text.ilike("%librar%"))).all()
    for answer_id in answer_ids:
        client.submit(f"/consultations/answers/{answer_id}/themes", {"theme": str(theme_id)})
    assert ">Libraries</a> (2)" in client.get(url).get_data(as_text=True)


def test_publishing_the_outcome_tells_those_who_asked(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    wants, does_not = make_user(), make_user()
    for person, flag in ((wants, True), (does_not, False)):
        c = app.test_client()
        sign_in(c, person)
        answer_everything(c, ids, wants_outcome=flag)
    auth.login(make_user(Role.STAFF))
    assert client.get(f"/consultations/{ids['id']}/outcome").status_code == 409  # still open
    with app.app_context():
        db.session.get(Consultation, ids["id"]).closes_on = date.today() - timedelta(days=1)
        db.session.commit()
    empty = client.submit(f"/consultations/{ids['id']}/outcome", {"you_said-en": "", "we_did-en": ""})
    assert empty.status_code == 400
    client.submit(f"/consultations/{ids['id']}/outcome", {"you_said-en": "You want libraries open.",
                                                          "we_did-en": "We kept them open on Saturdays."})
    public = app.test_client().get(f"/consultations/{ids['id']}").get_data(as_text=True)
    assert "We asked, you said, we did" in public and "We kept them open on Saturdays." in public
    assert "<svg" in public and "2 people answered" in public
    with app.app_context():
        told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "consultations.outcome")).all()
    assert told == [wants.id]


def test_a_draft_document_takes_comments_paragraph_by_paragraph(app, client, council, make_user, auth):
    from app.consultations.models import DraftParagraph, ParagraphComment, Phase, PhaseKind

    ids = make_consultation(app, council)
    with app.app_context():
        phase = Phase(consultation_id=ids["id"], kind=PhaseKind.SCRUTINY, title={"en": "Draft plan"},
                      starts_on=date.today() - timedelta(days=1), ends_on=date.today() + timedelta(days=1),
                      paragraphs=[DraftParagraph(position=1, text={"en": "First paragraph."}),
                                  DraftParagraph(position=2, text={"en": "Second paragraph."})])
        db.session.add(phase)
        db.session.commit()
        phase_id, second = phase.id, phase.paragraphs[1].id
    auth.login(make_user())
    client.submit(f"/consultations/paragraphs/{second}/comments", {"body": "Charge only visitors"})
    page = client.get(f"/consultations/{ids['id']}/phases/{phase_id}").get_data(as_text=True)
    section = page[page.index(f'id="paragraph-{second}"'):]
    assert "Charge only visitors" in section
    assert count(app, ParagraphComment, ParagraphComment.paragraph_id == second) == 1
    too_long = client.submit(f"/consultations/paragraphs/{second}/comments", {"body": "x" * 2001})
    assert too_long.status_code == 400 and "Use 2,000 characters or fewer" in too_long.get_data(as_text=True)
    assert "x" * 2001 in too_long.get_data(as_text=True)  # what was typed is still there


def test_lists_show_open_and_published_consultations_by_ward(app, client, council):
    make_consultation(app, council)
    closed = make_consultation(app, council, opens=-20, closes=-10)
    with app.app_context():
        c = db.session.get(Consultation, closed["id"])
        c.title = {"en": "Old parking plan"}
        db.session.commit()
    assert "Budget 2027" in client.get("/consultations/").get_data(as_text=True)
    assert "Old parking plan" not in client.get("/consultations/").get_data(as_text=True)
    assert "Old parking plan" in client.get("/consultations/?state=closed").get_data(as_text=True)
    feed = client.get("/consultations/feed.atom")
    assert feed.mimetype == "application/atom+xml" and b"Budget 2027" in feed.data


def test_consultation_pages_are_valid_html(app, client, council, make_user, auth, tmp_path):
    from tests.helpers import validate_html

    ids = make_consultation(app, council)
    auth.login(make_user())
    start(client, ids["id"])
    pages = {"list": client.get("/consultations/"), "detail": client.get(f"/consultations/{ids['id']}"),
             "page1": client.get(f"/consultations/{ids['id']}/page/1"),
             "page2-errors": client.submit(f"/consultations/{ids['id']}/page/2", {"action": "continue"}),
             "about": client.get(f"/consultations/{ids['id']}/about-you"),
             "check": client.get(f"/consultations/{ids['id']}/check")}
    auth.logout()
    auth.login(make_user(Role.STAFF))
    with app.app_context():
        first_page = db.session.scalar(select(ConsultationPage.id).order_by(ConsultationPage.id))
    pages.update({"build": client.get(f"/consultations/{ids['id']}/build"),
                  "results": client.get(f"/consultations/{ids['id']}/results"),
                  "question": client.get(f"/consultations/pages/{first_page}/questions/new"),
                  "new": client.get("/consultations/new"), "manage": client.get("/consultations/manage"),
                  "key-in": client.get(f"/consultations/{ids['id']}/key-in")})
    for name, response in pages.items():
        assert response.status_code == (400 if name.endswith("errors") else 200), name
    html = {name: r.get_data(as_text=True) for name, r in pages.items()}
    for name, page in html.items():
        assert page.count("<h1") == 1, name
    assert validate_html(html, tmp_path) == []


@pytest.mark.parametrize("channel", ["paper", "phone"])
def test_staff_key_in_a_paper_response_with_its_channel(app, client, council, make_user, auth, channel):
    ids = make_consultation(app, council)
    staff = make_user(Role.STAFF)
    auth.login(staff)
    client.submit(f"/consultations/{ids['id']}/key-in", {"channel": channel})
    client.submit(f"/consultations/{ids['id']}/page/1", page_one(ids))
    client.submit(f"/consultations/{ids['id']}/page/2", page_two(ids))
    client.submit(f"/consultations/{ids['id']}/page/3", {})
    done = client.submit(f"/consultations/{ids['id']}/check", {})
    assert done.status_code == 303
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert (response.channel.value, response.keyed_by_id, response.user_id) == (channel, staff.id, None)



# --- Found in review --------------------------------------------------------------------------

def test_one_person_gets_one_response_however_they_click(app, council, make_user):
    ids = make_consultation(app, council)
    person = make_user()
    first, second = app.test_client(), app.test_client()
    sign_in(first, person)
    sign_in(second, person)
    start(first, ids["id"])
    start(second, ids["id"])  # another tab, or a double click
    assert count(app, Response) == 1
    answer_everything(first, ids)
    again = second.submit(f"/consultations/{ids['id']}/check", {})
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/consultations/{ids['id']}")
    assert count(app, Response, Response.submitted_at.isnot(None)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.sum(EqualityCount.count)).where(EqualityCount.field == "sex")) == 1


def test_a_draft_can_be_saved_with_required_questions_still_empty(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    auth.login(make_user())
    start(client, ids["id"])
    saved = client.submit(f"/consultations/{ids['id']}/page/1", {f"q{ids['postcode']}": "CC1 1AA", "action": "save"})
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Answer.text)) == "CC1 1AA"


def test_moving_a_priority_keeps_what_was_typed_elsewhere_on_the_page(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    auth.login(make_user())
    start(client, ids["id"])
    client.submit(f"/consultations/{ids['id']}/page/1", page_one(ids))
    b = ids["budget"]
    response = client.submit(f"/consultations/{ids['id']}/page/2", {
        "action": f"move:{ids['ranking']}:o3:up", f"q{b}-o1": "90", f"q{ids['long_text']}": "Typed before moving"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'name="q{b}-o1" type="text" inputmode="numeric" value="90"' in page and "Typed before moving" in page
    assert page.index("Roads") < page.index("Parks")


def test_anonymous_responses_keep_only_the_day_they_were_sent(app, council):
    ids = make_consultation(app, council, mode=ResponseMode.ANONYMOUS)
    app.test_client_class = FormClient
    answer_everything(app.test_client(), ids, wants_outcome=False)
    with app.app_context():
        response = db.session.scalar(select(Response))
        for moment in (response.submitted_at, response.created_at, response.updated_at):
            assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


def test_control_characters_do_not_break_the_spreadsheet(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    resident = app.test_client()
    sign_in(resident, make_user())
    start(resident, ids["id"])
    resident.submit(f"/consultations/{ids['id']}/page/1", page_one(ids))
    resident.submit(f"/consultations/{ids['id']}/page/2", page_two(ids, **{f"q{ids['long_text']}": "line\x0bbreak\x00"}))
    resident.submit(f"/consultations/{ids['id']}/check", {})
    auth.login(make_user(Role.STAFF))
    book = load_workbook(io.BytesIO(client.get(f"/consultations/{ids['id']}/export.xlsx").data))
    assert "linebreak" in [cell.value for cell in book.active[2]]


def test_another_councils_consultation_is_not_found(app, client, council, make_user, auth):
    with app.app_context():
        other = Council(slug="elsewhere", name_en="Elsewhere", host_names="elsewhere.example")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    ids = make_consultation(app, council)
    with app.app_context():
        db.session.get(Consultation, ids["id"]).council_id = other_id
        db.session.commit()
    auth.login(make_user(Role.STAFF))
    for url in (f"/consultations/{ids['id']}", f"/consultations/{ids['id']}/results",
                f"/consultations/question/{ids['budget']}/total", f"/consultations/questions/{ids['long_text']}/answers"):
        assert client.get(url).status_code == 404, url


def test_unpublished_consultations_stay_out_of_public_pages_and_data(app, client, council, make_user, auth):
    ids = make_consultation(app, council, opens=-20, closes=-10)
    with app.app_context():
        c = db.session.get(Consultation, ids["id"])
        c.published = False
        db.session.commit()
    assert client.get(f"/consultations/{ids['id']}").status_code == 404
    assert client.get(f"/consultations/question/{ids['budget']}/total").status_code == 404
    auth.login(make_user(Role.STAFF))
    response = client.submit(f"/consultations/{ids['id']}/outcome", {"you_said-en": "x", "we_did-en": "y"})
    assert response.status_code == 409
    assert "Budget 2027" not in client.get("/open-data/consultations.csv").get_data(as_text=True)


def test_who_can_answer_cannot_change_once_people_have_answered(app, client, council, make_user, auth):
    ids = make_consultation(app, council)
    resident = app.test_client()
    sign_in(resident, make_user())
    answer_everything(resident, ids)
    auth.login(make_user(Role.STAFF))
    response = client.submit(f"/consultations/{ids['id']}/edit", {
        "title-en": "Budget 2027", "summary-en": "Savings", "opens_on": "2026-01-01", "closes_on": "2030-01-01",
        "mode": "anonymous", "published": "y"})
    assert response.status_code == 400 and "who can answer cannot change now" in response.get_data(as_text=True)


def test_drafts_never_sent_are_purged_after_their_retention_period(app, client, council, make_user, auth):
    from datetime import datetime, timezone

    from app.core.retention import run_retention

    ids = make_consultation(app, council)
    auth.login(make_user())
    start(client, ids["id"])
    client.submit(f"/consultations/{ids['id']}/about-you", {"eq-religion": "muslim"})
    with app.app_context():
        assert run_retention()["consultation-drafts"] == 0
        db.session.scalar(select(Response)).updated_at = datetime.now(timezone.utc) - timedelta(days=91)
        db.session.commit()
        assert run_retention()["consultation-drafts"] == 1
    assert count(app, Response) == 0


def test_the_outcome_notice_reads_in_the_residents_language(app, council, make_user):
    from app.core.notifications import render_text

    ids = make_consultation(app, council, opens=-10, closes=-1)
    welsh_reader = make_user(language="cy")
    with app.app_context():
        c = db.session.get(Consultation, ids["id"])
        db.session.add(Response(consultation_id=c.id, user_id=welsh_reader.id, wants_outcome=True,
                                submitted_at=datetime.now()))
        db.session.commit()
        services.publish_outcome(c, db.session.get(User, make_user(Role.STAFF).id), {"en": "You said"}, {"en": "We did"})
        note = db.session.scalar(select(Notification))
        subject, body = render_text(note, "cy")
    assert "Cyllideb 2027" in subject and "Cyllideb 2027" in body
