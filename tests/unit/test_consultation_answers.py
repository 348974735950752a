"""Reading and checking consultation answers, without Flask or a database."""
from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from app.consultations import answers

OPTIONS = [{"key": "o1", "en": "Libraries"}, {"key": "o2", "en": "Parks"}, {"key": "o3", "en": "Roads"}]


@dataclass
class Q:
    kind: str
    required: bool = False
    options: list = field(default_factory=lambda: OPTIONS)
    budget_total: int | None = None
    id: int = 7


def parse(question, **form):
    return answers.parse(question, MultiDict(form), wards_for_postcode=lambda pc: {"CC1 1AA": [1],
                                                                                   "CC1 9ZZ": [1, 2]}.get(pc, []))


def test_required_questions_say_what_is_missing_for_each_kind():
    for kind in ("short_text", "long_text", "single", "multiple", "rating", "ranking", "budget", "postcode"):
        result = parse(Q(kind, required=True, budget_total=10))
        assert result.error is not None and result.empty, kind
    assert parse(Q("short_text")).error is None  # optional and empty is fine


def test_text_longer_than_the_limit_is_refused_and_kept():
    result = parse(Q("short_text"), q7="x" * 501)
    assert "500" in str(result.error) and result.text == "x" * 501


def test_choices_must_be_among_the_options():
    assert parse(Q("single"), q7="o2").text == "o2"
    assert parse(Q("single"), q7="o9").error is not None
    multiple = answers.parse(Q("multiple"), MultiDict([("q7", "o3"), ("q7", "o1"), ("q7", "o1"), ("q7", "zz")]))
    assert multiple.data == ["o1", "o3"]
    assert parse(Q("rating"), q7="6").error is not None and parse(Q("rating"), q7="4").text == "4"


def test_a_ranking_needs_every_item_in_a_different_place():
    good = parse(Q("ranking"), **{"q7-o1": "2", "q7-o2": "3", "q7-o3": "1"})
    assert good.error is None and good.data == ["o3", "o1", "o2"]
    duplicate = parse(Q("ranking"), **{"q7-o1": "1", "q7-o2": "1", "q7-o3": "2"})
    assert "different place" in str(duplicate.error) and duplicate.data == {"o1": "1", "o2": "1", "o3": "2"}
    assert parse(Q("ranking"), **{"q7-o1": "1", "q7-o2": "2"}).error is not None  # one left out
    assert parse(Q("ranking"), **{"q7-o1": "1", "q7-o2": "2", "q7-o3": "9"}).error is not None


def test_a_budget_must_add_up_exactly():
    question = Q("budget", budget_total=100)
    assert parse(question, **{"q7-o1": "50", "q7-o2": "£30", "q7-o3": "20"}).data == {"o1": 50, "o2": 30, "o3": 20}
    over = parse(question, **{"q7-o1": "80", "q7-o2": "30"})
    assert "£110" in str(over.error) and "£100" in str(over.error) and over.data["o1"] == "80"
    assert parse(question, **{"q7-o1": "-5", "q7-o2": "105"}).error is not None
    assert parse(question, **{"q7-o1": "lots"}).error is not None


def test_a_postcode_gives_the_ward_unless_it_straddles_two():
    assert (parse(Q("postcode"), q7="cc1 1aa").text, parse(Q("postcode"), q7="cc1 1aa").ward_id) == ("CC1 1AA", 1)
    straddling = parse(Q("postcode"), q7="CC19ZZ")
    assert straddling.error is None and straddling.ward_id is None
    assert parse(Q("postcode"), q7="ZZ9 9ZZ").error is not None
    assert parse(Q("postcode"), q7="not a postcode").error is not None


def test_a_conditional_page_shows_only_for_the_answer_it_names():
    @dataclass
    class Page:
        show_if_question_id: int | None
        show_if_option: str | None

    page = Page(3, "o1")
    assert answers.page_visible(page, lambda qid: ("o1", None))
    assert not answers.page_visible(page, lambda qid: ("o2", None))
    assert answers.page_visible(page, lambda qid: (None, ["o2", "o1"]))
    assert not answers.page_visible(page, lambda qid: None)
    assert answers.page_visible(Page(None, None), lambda qid: None)


def test_move_buttons_swap_neighbours_and_stop_at_the_ends():
    assert answers.moved(["a", "b", "c"], "b", "up") == ["b", "a", "c"]
    assert answers.moved(["a", "b", "c"], "b", "down") == ["a", "c", "b"]
    assert answers.moved(["a", "b", "c"], "a", "up") == ["a", "b", "c"]
    assert answers.moved(["a", "b", "c"], "c", "down") == ["a", "b", "c"]


def test_tallies_count_choices_places_and_amounts():
    single = answers.tally(Q("single"), [("o1", None, 1), ("o1", None, 2), ("o2", None, 1), (None, None, 1)])
    assert (single.answered, single.counts) == (3, {"o1": 2, "o2": 1})
    ranking = answers.tally(Q("ranking"), [(None, ["o1", "o2", "o3"], 1), (None, ["o3", "o1", "o2"], 1)])
    assert ranking.average_place == {"o1": 1.5, "o2": 2.5, "o3": 2.0}
    budget = answers.tally(Q("budget"), [(None, {"o1": 60, "o2": 40, "o3": 0}, 1), (None, {"o1": 0, "o2": 0, "o3": 100}, 1)])
    assert budget.average_amount == {"o1": 30.0, "o2": 20.0, "o3": 50.0}


def test_equality_counts_below_five_are_suppressed():
    assert answers.suppress_small({"a": 0, "b": 4, "c": 5, "d": 12}) == {"a": None, "b": None, "c": 5, "d": 12}
