"""The cash-out price: rates by term, the discount formula and each rounding rule."""

import math
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sangsaeng.lib.errors import DomainError
from sangsaeng.payments.pricing import (
    Pricing,
    Rounding,
    SpreadTier,
    TermRate,
    clean_pricing,
    clean_rate,
    clean_tiers,
    quote,
    round_ratio,
    round_won,
)

TIERS = (
    SpreadTier(30, Decimal("1.30")),
    SpreadTier(90, Decimal("1.40")),
    SpreadTier(None, Decimal("1.50")),
)


def pricing(**changes):
    data: dict[str, Any] = {
        "base_rate": Decimal("3.50"),
        "spread_tiers": TIERS,
        "system_fee": Decimal("1.00"),
        "day_count": 365,
        "rounding": Rounding.FLOOR,
    }
    data.update(changes)
    return Pricing(**data)


def test_spread_by_term():
    p = pricing()
    assert p.spread_for(1) == Decimal("1.30")
    assert p.spread_for(30) == Decimal("1.30")
    assert p.spread_for(31) == Decimal("1.40")
    assert p.spread_for(90) == Decimal("1.40")
    assert p.spread_for(91) == Decimal("1.50")
    assert p.spread_for(3000) == Decimal("1.50")
    assert p.annual_rate(60) == Decimal("5.90")


def test_schedule_lists_each_tier_with_its_terms_and_annual_rate():
    """The pricing page's table: 1-30 days 3.50 + 1.30 + 1.00 = 5.80 %, 31-90 days 5.90 %,
    91 days and more 6.00 %; each row's rate is the one ``quote`` charges for its terms."""
    p = pricing()
    assert p.schedule() == [
        TermRate(1, 30, Decimal("1.30"), Decimal("5.80")),
        TermRate(31, 90, Decimal("1.40"), Decimal("5.90")),
        TermRate(91, None, Decimal("1.50"), Decimal("6.00")),
    ]
    for row in p.schedule():
        assert quote(p, amount=1_000_000, days=row.from_days).annual_rate == row.annual_rate


def test_term_beyond_the_last_tier_is_refused():
    p = pricing(spread_tiers=(SpreadTier(90, Decimal("1.4")),))
    with pytest.raises(DomainError) as exc:
        p.spread_for(91)
    assert exc.value.code == "term_not_priced"


def test_worked_example_60_days():
    # 10,000,000원, 60 days before maturity, BoK base 3.50 + spread 1.40 (31–90 days)
    # + system fee 1.00 = 5.90 % a year on a 365-day year:
    #   discount = 10,000,000 × 0.059 × 60 / 365 = 35,400,000 / 365 = 96,986.30… → floor 96,986
    #   fee      = 10,000,000 × 0.010 × 60 / 365 =  6,000,000 / 365 = 16,438.35… → floor 16,438
    #   interest = 96,986 − 16,438 = 80,548; advance = 10,000,000 − 96,986 = 9,903,014
    q = quote(pricing(), amount=10_000_000, days=60)
    assert q.annual_rate == Decimal("5.90")
    assert (q.discount, q.fee, q.interest, q.advance) == (96_986, 16_438, 80_548, 9_903_014)
    assert quote(pricing(rounding=Rounding.HALF_UP), amount=10_000_000, days=60).discount == 96_986
    assert quote(pricing(rounding=Rounding.CEIL), amount=10_000_000, days=60).discount == 96_987
    # On a 360-day year: 35,400,000 / 360 = 98,333.33… → 98,333.
    assert quote(pricing(day_count=360), amount=10_000_000, days=60).discount == 98_333


def test_rounding_rules_on_an_exact_half():
    # 5원 at 10 % for a whole 365-day year is exactly 0.5원.
    p = pricing(
        base_rate=Decimal(10), system_fee=Decimal(0), spread_tiers=(SpreadTier(None, Decimal(0)),)
    )
    assert quote(p, amount=5, days=365).discount == 0
    assert quote(replace(p, rounding=Rounding.HALF_UP), amount=5, days=365).discount == 1
    assert quote(replace(p, rounding=Rounding.CEIL), amount=5, days=365).discount == 1


@pytest.mark.parametrize(
    ("value", "rule", "expected"),
    [
        (Fraction(5, 2), "floor", 2), (Fraction(5, 2), "half_up", 3), (Fraction(5, 2), "ceil", 3),
        (Fraction(12, 5), "floor", 2), (Fraction(12, 5), "half_up", 2),
        (Fraction(12, 5), "ceil", 3),
        (Fraction(3), "floor", 3), (Fraction(3), "half_up", 3), (Fraction(3), "ceil", 3),
        (Fraction(0), "ceil", 0),
    ],
)  # fmt: skip
def test_round_won(value, rule, expected):
    assert round_won(value, rule) == expected


def _reference(value: Fraction, rule: str) -> int:
    """Rounding as written before integer maths: ``math`` on exact fractions."""
    if rule == "floor":
        return math.floor(value)
    if rule == "ceil":
        return math.ceil(value)
    return math.floor(value + Fraction(1, 2))


@given(
    numerator=st.integers(0, 10**30),
    denominator=st.integers(1, 10**12),
    rule=st.sampled_from(list(Rounding)),
)
def test_integer_rounding_is_exactly_the_fraction_rounding(numerator, denominator, rule):
    assert round_ratio(numerator, denominator, rule) == _reference(
        Fraction(numerator, denominator), rule
    )


@given(
    amount=st.integers(1, 10**15),
    days=st.integers(1, 3660),
    base=st.integers(0, 99_9999),
    fee=st.integers(0, 99_9999),
    rule=st.sampled_from(list(Rounding)),
    day_count=st.sampled_from([365, 360]),
)
def test_quote_charges_exactly_the_fraction_formula(amount, days, base, fee, rule, day_count):
    """The discount and the fee are the exact formula rounded once, for any rate of up to four
    decimal places (the settings' precision)."""
    p = pricing(
        base_rate=Decimal(base).scaleb(-4), system_fee=Decimal(fee).scaleb(-4),
        spread_tiers=(SpreadTier(None, Decimal("0.0001")),), rounding=rule, day_count=day_count,
    )  # fmt: skip
    rate = p.annual_rate(days)
    exact = Fraction(amount) * Fraction(rate) / 100 * days / day_count
    try:
        q = quote(p, amount=amount, days=days)
    except DomainError as exc:
        assert exc.code == "discount_exceeds_amount"
        assert _reference(exact, rule) >= amount
        return
    assert q.discount == _reference(exact, rule)
    fee_exact = Fraction(amount) * Fraction(p.system_fee) / 100 * days / day_count
    assert q.fee == _reference(fee_exact, rule)


def test_refusals():
    with pytest.raises(DomainError) as exc:
        quote(pricing(), amount=0, days=10)
    assert exc.value.code == "amount_not_positive"
    with pytest.raises(DomainError) as exc:
        quote(pricing(), amount=100, days=0)
    assert exc.value.code == "cash_out_at_maturity"
    greedy = pricing(base_rate=Decimal("99"), system_fee=Decimal(0))
    with pytest.raises(DomainError) as exc:
        quote(greedy, amount=100, days=3000)
    assert exc.value.code == "discount_exceeds_amount"


@given(
    amount=st.integers(100, 10**13),  # rates < 30 %: the discount is under 30 won
    days=st.integers(1, 365),
    base=st.integers(0, 2000),
    fee=st.integers(0, 500),
    rule=st.sampled_from(list(Rounding)),
    day_count=st.sampled_from([365, 360]),
)
def test_quote_parts_add_up(amount, days, base, fee, rule, day_count):
    p = pricing(
        base_rate=Decimal(base).scaleb(-2),
        system_fee=Decimal(fee).scaleb(-2),
        rounding=rule,
        day_count=day_count,
    )
    q = quote(p, amount=amount, days=days)
    exact = Fraction(amount) * Fraction(q.annual_rate) / 100 * days / day_count
    assert abs(q.discount - exact) < 1
    assert 0 <= q.fee <= q.discount
    assert q.interest + q.fee == q.discount
    assert q.advance + q.discount == amount
    assert q.advance > 0


def test_clean_pricing_accepts_lists_and_dicts():
    p = clean_pricing(
        {
            "base_rate": "3.5",
            "spread_tiers": [[30, "1.3"], {"max_days": 90, "spread": 1.4}, [None, "1.5"]],
            "system_fee": 1,
            "day_count": "360",
            "rounding": "half_up",
        }
    )
    assert p.base_rate == Decimal("3.5000")
    assert p.spread_tiers[1] == SpreadTier(90, Decimal("1.4"))
    assert p.day_count == 360
    assert p.rounding == "half_up"


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"base_rate": "x"}, "rate_invalid", "base_rate"),
        ({"base_rate": None}, "rate_invalid", "base_rate"),
        ({"base_rate": "-1"}, "rate_out_of_range", "base_rate"),
        ({"base_rate": "100"}, "rate_out_of_range", "base_rate"),
        ({"base_rate": "NaN"}, "rate_out_of_range", "base_rate"),
        ({"base_rate": "1.23456"}, "rate_too_precise", "base_rate"),
        ({"system_fee": True}, "rate_invalid", "system_fee"),
        ({"day_count": 366}, "day_count_invalid", "day_count"),
        ({"rounding": "banker"}, "rounding_invalid", "rounding"),
        ({"spread_tiers": []}, "spread_tiers_invalid", "spread_tiers"),
        ({"spread_tiers": "1.3"}, "spread_tiers_invalid", "spread_tiers"),
        ({"spread_tiers": [[90, "1"], [30, "2"]]}, "spread_tiers_order", "spread_tiers[1]"),
        ({"spread_tiers": [[None, "1"], [30, "2"]]}, "spread_tiers_order", "spread_tiers[1]"),
        ({"spread_tiers": [[0, "1"]]}, "spread_tiers_invalid", "spread_tiers[0]"),
        ({"spread_tiers": [["abc", "1"]]}, "spread_tiers_invalid", "spread_tiers[0]"),
        ({"spread_tiers": [[1, 2, 3]]}, "spread_tiers_invalid", "spread_tiers[0]"),
        ({"base_rate": "60", "system_fee": "40"}, "rate_out_of_range", "base_rate"),
    ],
)
def test_clean_pricing_refusals(data, code, field):
    base = {"base_rate": "3.5", "spread_tiers": [[None, "1.5"]], "system_fee": "1"}
    with pytest.raises(DomainError) as exc:
        clean_pricing({**base, **data})
    assert (exc.value.code, exc.value.field) == (code, field)


def test_clean_rate_and_tiers_round_trip():
    assert clean_rate(1.3, "x") == Decimal("1.3")
    assert clean_tiers([[30, "1.3"], [None, "1.5"]])[1].max_days is None
