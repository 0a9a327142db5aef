"""Early cash-out pricing: the discount a bank takes for paying a claim before maturity.

All arithmetic is exact (``fractions.Fraction`` over integer won and ``Decimal`` rates), and the
one rounding step is explicit and chosen per programme::

    annual rate (%) = base rate + spread(term) + system fee
    discount (won)  = round( amount × annual rate / 100 × days / day count )
    fee part (won)  = round( amount × system fee  / 100 × days / day count )
    interest (won)  = discount − fee part
    advance (won)   = amount − discount

``days`` are the calendar days from the cash-out's value date to maturity (the value date
counts, maturity does not: cashing out the day before maturity is 1 day). ``round`` is the
programme's rule, applied to the won:

* ``floor`` (default): the discount is rounded down, so the holder never pays a fraction of a
  won more than the stated rate; this is the holder-friendly choice for a programme whose point
  is cheap early cash.
* ``half_up``: to the nearest won, halves up (the usual commercial rounding).
* ``ceil``: rounded up, in the bank's favour.

The fee part is rounded by the same rule from the fee rate alone, and the interest is what is
left, so ``interest + fee == discount`` holds exactly. Since every rule is monotonic and the fee
rate is at most the full rate, ``0 <= fee <= discount``.

Rates are percent per year (``Decimal("3.50")`` = 3.5 %) with at most 4 decimal places.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import Any

from sangsaeng.lib.errors import DomainError

RATE_PLACES = 4
MAX_RATE = Decimal(100)
DAY_COUNTS = (365, 360)
MAX_TIER_DAYS = 3660


class Rounding(StrEnum):
    FLOOR = "floor"
    HALF_UP = "half_up"
    CEIL = "ceil"


def round_won(value: Fraction, rule: str) -> int:
    """``value`` (won, exact, not negative) to a whole won by ``rule``."""
    return round_ratio(value.numerator, value.denominator, rule)


def round_ratio(numerator: int, denominator: int, rule: str) -> int:
    """``numerator / denominator`` won (``denominator`` > 0) to a whole won by ``rule``, in
    integers: floor, ceiling, or half up (floor of the value plus one half)."""
    if rule == Rounding.FLOOR:
        return numerator // denominator
    if rule == Rounding.CEIL:
        return -(-numerator // denominator)
    if rule == Rounding.HALF_UP:
        return (2 * numerator + denominator) // (2 * denominator)
    raise DomainError("rounding_invalid", "반올림 규칙은 floor, half_up, ceil 중 하나입니다.")


@dataclass(frozen=True)
class SpreadTier:
    """Terms of up to ``max_days`` days (``None``: any longer term) pay ``spread`` %p."""

    max_days: int | None
    spread: Decimal

    def as_json(self) -> dict[str, Any]:
        return {"max_days": self.max_days, "spread": str(self.spread)}


@dataclass(frozen=True)
class Pricing:
    """A programme's price settings (stored on the programme, never constants)."""

    base_rate: Decimal
    spread_tiers: tuple[SpreadTier, ...]
    system_fee: Decimal
    day_count: int = 365
    rounding: str = Rounding.FLOOR

    def spread_for(self, days: int) -> Decimal:
        """The spread of the first tier whose ``max_days`` covers ``days``."""
        for tier in self.spread_tiers:
            if tier.max_days is None or days <= tier.max_days:
                return tier.spread
        raise DomainError(
            "term_not_priced",
            f"잔존 기간 {days}일에 해당하는 가산금리 구간이 없습니다.",
            field="value_date",
        )

    def annual_rate(self, days: int) -> Decimal:
        return self.rate_with(self.spread_for(days))

    def rate_with(self, spread: Decimal) -> Decimal:
        """The annual discount rate (%) of a term whose tier adds ``spread``: base rate +
        spread + system fee."""
        return self.base_rate + spread + self.system_fee

    def schedule(self) -> list[TermRate]:
        """Each tier as the terms it covers and its rates: the table the pricing page shows."""
        rows, previous = [], 0
        for tier in self.spread_tiers:
            rate = self.rate_with(tier.spread)
            rows.append(TermRate(previous + 1, tier.max_days, tier.spread, rate))
            previous = tier.max_days or previous
        return rows


@dataclass(frozen=True)
class TermRate:
    """Terms of ``from_days`` to ``max_days`` days (``None``: any longer) before maturity."""

    from_days: int
    max_days: int | None
    spread: Decimal
    annual_rate: Decimal


@dataclass(frozen=True)
class Quote:
    """The price of cashing ``amount`` out ``days`` days before maturity."""

    amount: int
    days: int
    day_count: int
    rounding: str
    base_rate: Decimal
    spread: Decimal
    system_fee: Decimal
    annual_rate: Decimal
    discount: int
    fee: int
    interest: int
    advance: int

    def as_json(self) -> dict[str, Any]:
        return {
            "amount": self.amount,
            "days": self.days,
            "day_count": self.day_count,
            "rounding": self.rounding,
            "base_rate": str(self.base_rate),
            "spread": str(self.spread),
            "system_fee": str(self.system_fee),
            "annual_rate": str(self.annual_rate),
            "discount": self.discount,
            "fee": self.fee,
            "interest": self.interest,
            "advance": self.advance,
        }


def _accrual(amount: int, rate: Decimal, days: int, day_count: int) -> tuple[int, int]:
    """amount × rate % × days / day count, exactly, as (numerator, denominator): integers
    throughout (a ``Fraction`` reduces by gcd at every step, and cost more than the rest of a
    cash-out's rules)."""
    numerator, denominator = rate.as_integer_ratio()
    return amount * numerator * days, denominator * 100 * day_count


def quote(pricing: Pricing, *, amount: int, days: int) -> Quote:
    """Price a cash-out. Refuses a term no tier covers and a discount that would eat the
    whole amount (``discount_exceeds_amount``)."""
    if amount <= 0:
        raise DomainError("amount_not_positive", "금액은 1원 이상이어야 합니다.", field="amount")
    if days <= 0:
        raise DomainError(
            "cash_out_at_maturity", "만기일 이후에는 조기현금화할 수 없습니다.", field="value_date"
        )
    spread = pricing.spread_for(days)
    rate = pricing.rate_with(spread)
    discount = round_ratio(*_accrual(amount, rate, days, pricing.day_count), pricing.rounding)
    fee = round_ratio(
        *_accrual(amount, pricing.system_fee, days, pricing.day_count), pricing.rounding
    )
    if discount >= amount:
        raise DomainError(
            "discount_exceeds_amount", "할인료가 금액 이상이어서 현금화할 수 없습니다."
        )
    return Quote(
        amount=amount,
        days=days,
        day_count=pricing.day_count,
        rounding=str(pricing.rounding),
        base_rate=pricing.base_rate,
        spread=spread,
        system_fee=pricing.system_fee,
        annual_rate=rate,
        discount=discount,
        fee=fee,
        interest=discount - fee,
        advance=amount - discount,
    )


# -- cleaning settings from input (API bodies, forms, stored JSON) ------------------------------


def _error(code: str, message: str, field: str) -> DomainError:
    return DomainError(code, message, field=field)


def clean_rate(value: Any, field: str) -> Decimal:
    """A rate in percent per year: 0 ≤ rate < 100, at most 4 decimal places."""
    if isinstance(value, bool) or value is None:
        raise _error("rate_invalid", "금리는 숫자(%)로 입력하세요.", field)
    # A JSON number arrives as a float; its shortest repr ("1.3") is what the sender wrote.
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        rate = Decimal(text)
    except (InvalidOperation, ValueError):
        raise _error("rate_invalid", "금리는 숫자(%)로 입력하세요.", field) from None
    if not rate.is_finite() or rate < 0 or rate >= MAX_RATE:
        raise _error("rate_out_of_range", "금리는 0 이상 100 미만(%)이어야 합니다.", field)
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        raise _error("rate_too_precise", "금리는 소수점 넷째 자리까지 입력하세요.", field)
    return rate.quantize(Decimal(1).scaleb(-RATE_PLACES))


def _tier_parts(item: Any, index: int) -> tuple[Any, Any]:
    if isinstance(item, dict):
        return item.get("max_days"), item.get("spread")
    if isinstance(item, list | tuple) and len(item) == 2:
        return item[0], item[1]
    raise _error(
        "spread_tiers_invalid",
        "가산금리 구간은 [최대 일수, 가산금리] 목록이어야 합니다.",
        f"spread_tiers[{index}]",
    )


def _tier_days(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _error("spread_tiers_invalid", "최대 일수는 정수여야 합니다.", field)
    try:
        days = int(str(value).strip())
    except ValueError:
        raise _error("spread_tiers_invalid", "최대 일수는 정수여야 합니다.", field) from None
    if not 1 <= days <= MAX_TIER_DAYS:
        raise _error(
            "spread_tiers_invalid", f"최대 일수는 1~{MAX_TIER_DAYS}일이어야 합니다.", field
        )
    return days


def clean_tiers(value: Any) -> tuple[SpreadTier, ...]:
    """Tiers as ``[[max_days, spread], ...]`` or ``[{"max_days":, "spread":}, ...]``:
    ``max_days`` strictly increasing; only the last may be empty (any longer term)."""
    if not isinstance(value, list | tuple) or not value or len(value) > 20:
        raise _error("spread_tiers_invalid", "가산금리 구간을 1~20개 입력하세요.", "spread_tiers")
    tiers: list[SpreadTier] = []
    for index, item in enumerate(value):
        field = f"spread_tiers[{index}]"
        raw_days, raw_spread = _tier_parts(item, index)
        days = _tier_days(raw_days, field)
        previous = tiers[-1].max_days if tiers else 0
        if previous is None or (tiers and days is not None and days <= previous):
            raise _error(
                "spread_tiers_order",
                "가산금리 구간의 최대 일수는 커지는 순서여야 하고, 빈 값은 마지막에만 둡니다.",
                field,
            )
        tiers.append(SpreadTier(days, clean_rate(raw_spread, field)))
    return tuple(tiers)


def clean_pricing(data: dict[str, Any]) -> Pricing:
    """Pricing settings from plain data; every refusal names its field."""
    day_count = data.get("day_count", 365)
    if isinstance(day_count, bool) or str(day_count).strip() not in {"365", "360"}:
        raise _error("day_count_invalid", "일수 기준은 365 또는 360이어야 합니다.", "day_count")
    rounding = str(data.get("rounding") or Rounding.FLOOR)
    if rounding not in Rounding.__members__.values():
        raise _error(
            "rounding_invalid", "반올림 규칙은 floor, half_up, ceil 중 하나입니다.", "rounding"
        )
    pricing = Pricing(
        base_rate=clean_rate(data.get("base_rate"), "base_rate"),
        spread_tiers=clean_tiers(data.get("spread_tiers")),
        system_fee=clean_rate(data.get("system_fee"), "system_fee"),
        day_count=int(str(day_count).strip()),
        rounding=rounding,
    )
    top = pricing.base_rate + max(t.spread for t in pricing.spread_tiers) + pricing.system_fee
    if top >= MAX_RATE:
        raise _error("rate_out_of_range", "합계 금리는 100% 미만이어야 합니다.", "base_rate")
    return pricing


def tiers_json(tiers: Iterable[SpreadTier]) -> list[dict[str, Any]]:
    return [t.as_json() for t in tiers]


def tiers_from_json(value: Sequence[dict[str, Any]]) -> tuple[SpreadTier, ...]:
    return tuple(SpreadTier(t["max_days"], Decimal(t["spread"])) for t in value)
