import pytest
from hypothesis import given
from hypothesis import strategies as st

from sangsaeng.lib import brn


@pytest.mark.parametrize(
    "value",
    [
        "124-81-00998",  # a large electronics maker's published number
        "1248100998",
        " 124 81 00998 ",
    ],
)
def test_valid_numbers_normalise_to_ten_digits(value):
    assert brn.normalize(value) == "1248100998"


def test_check_digit_worked_by_hand():
    # 1·1 + 2·3 + 4·7 + 8·1 + 1·3 + 0·7 + 0·1 + 9·3 + 9·5 = 118; + (9·5)//10 = 4 → 122;
    # (10 − 122 mod 10) mod 10 = 8, the last digit of 124-81-00998.
    assert brn.check_digit("124810099") == 8


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "brn_required"),
        ("124-81-0099", "brn_length"),
        ("12481009981", "brn_length"),
        ("12A8100998", "brn_not_digits"),
        ("１２４８１００９９８", "brn_not_digits"),  # full-width digits
        ("1248100997", "brn_checksum"),
    ],
)
def test_invalid_numbers_say_why(value, code):
    with pytest.raises(brn.BRNError) as err:
        brn.normalize(value)
    assert err.value.code == code
    assert err.value.message


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_complete_always_makes_a_valid_number(first_nine):
    assert brn.is_valid(brn.complete(first_nine))


@given(st.from_regex(r"[0-9]{9}", fullmatch=True), st.integers(1, 9))
def test_any_other_last_digit_is_refused(first_nine, delta):
    good = brn.complete(first_nine)
    bad = good[:9] + str((int(good[9]) + delta) % 10)
    assert not brn.is_valid(bad)


def test_format():
    assert brn.format_brn("1248100998") == "124-81-00998"
