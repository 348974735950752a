from hypothesis import given
from hypothesis import strategies as st

from app.core.postcodes import normalise_postcode


def test_common_ways_of_typing_a_postcode_give_one_form():
    for typed in ["cc1 1aa", "CC11AA", "  cc1   1aa ", "Cc1 1Aa"]:
        assert normalise_postcode(typed) == "CC1 1AA"
    assert normalise_postcode("sw1a2aa") == "SW1A 2AA"
    assert normalise_postcode("m11ae") == "M1 1AE"


def test_text_that_is_not_a_postcode_is_refused():
    for typed in ["", "hello", "12345", "CC1", "CC1 1A", "CC1 1AAA", "1CC 1AA"]:
        assert normalise_postcode(typed) is None


@given(st.text(max_size=12))
def test_normalising_is_idempotent(typed):
    once = normalise_postcode(typed)
    if once is not None:
        assert normalise_postcode(once) == once
        assert once == once.upper() and once.count(" ") == 1
