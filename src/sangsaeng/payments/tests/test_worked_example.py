"""A worked example, every figure computed by hand in the comments.

Programme: base rate 3.50 %, spread 1.30 %p (≤ 30 days) / 1.40 %p (31–90) / 1.50 %p (longer),
system fee 1.00 %, 365-day year, discount rounded down to the won.

    2024-01-02  the buyer deposits 50,000,000 into escrow
    2024-03-01  the buyer issues 30,000,000 to tier 1, due 2024-05-30
    2024-03-04  tier 1 passes 12,000,000 to tier 2
    2024-03-08  tier 2 passes  5,000,000 to tier 3
    2024-03-15  tier 3 cashes out all 5,000,000
    2024-04-10  tier 2 cashes out 3,000,000 of the 7,000,000 it kept
    2024-05-10  tier 1 cashes out 2,000,000 of the 18,000,000 it kept
    2024-05-30  maturity: the escrow pays everyone
"""

from __future__ import annotations

import pytest

from sangsaeng.ledger.models import Account
from sangsaeng.payments import services
from sangsaeng.payments.models import Payout
from sangsaeng.payments.tests.conftest import D, assert_invariants, key, made

pytestmark = pytest.mark.django_db


def balances(programme) -> dict[str, int]:
    """Normal balances by code suffix (``escrow``, ``owed.<id>``, ``bank.cash``...)."""
    prefix = f"pay.{programme.pk}."
    rows = Account.objects.filter(code__startswith=prefix)
    return {a.code.removeprefix(prefix): a.normal_balance for a in rows}


def test_three_tier_chain(world):
    w, op = world, world.operator
    services.escrow_deposit(
        actor=op, programme=w.programme, amount=50_000_000, value_date=D(2024, 1, 2),
        idempotency_key=key(),
    )  # fmt: skip
    root = made(services.claim_issue(
        actor=op, programme=w.programme, holder=w.t1, amount=30_000_000,
        maturity=D(2024, 5, 30), value_date=D(2024, 3, 1), idempotency_key=key(),
    ).result_claim)  # fmt: skip
    c2 = made(services.claim_split(
        actor=w.partner_t1, claim=root, to=w.t2, amount=12_000_000, value_date=D(2024, 3, 4),
        idempotency_key=key(),
    ).result_claim)  # fmt: skip
    c3 = made(services.claim_split(
        actor=w.partner_t2, claim=c2, to=w.t3, amount=5_000_000, value_date=D(2024, 3, 8),
        idempotency_key=key(),
    ).result_claim)  # fmt: skip

    # Tier 3, 2024-03-15: 76 days to 2024-05-30 (16 left in March + 30 + 30) → spread 1.40,
    # rate 3.50 + 1.40 + 1.00 = 5.90 %.
    #   discount = 5,000,000 × 0.059 × 76 / 365 = 22,420,000 / 365 = 61,424.66 → 61,424
    #   fee      = 5,000,000 × 0.010 × 76 / 365 =  3,800,000 / 365 = 10,410.96 → 10,410
    #   interest = 61,424 − 10,410 = 51,014;  advance = 5,000,000 − 61,424 = 4,938,576
    t3 = services.claim_cash_out(
        actor=w.partner_t3, claim=c3, value_date=D(2024, 3, 15), idempotency_key=key()
    ).cash_out
    assert (t3.days, str(t3.annual_rate)) == (76, "5.9000")
    assert (t3.discount, t3.fee, t3.interest, t3.advance) == (61_424, 10_410, 51_014, 4_938_576)

    # Tier 2, 2024-04-10: 50 days → 5.90 %.
    #   discount = 3,000,000 × 0.059 × 50 / 365 = 8,850,000 / 365 = 24,246.58 → 24,246
    #   fee      = 3,000,000 × 0.010 × 50 / 365 = 1,500,000 / 365 =  4,109.59 →  4,109
    #   interest = 20,137;  advance = 2,975,754
    t2 = services.claim_cash_out(
        actor=w.partner_t2, claim=c2, amount=3_000_000, value_date=D(2024, 4, 10),
        idempotency_key=key(),
    ).cash_out  # fmt: skip
    assert (t2.days, t2.discount, t2.fee, t2.interest, t2.advance) == (
        50, 24_246, 4_109, 20_137, 2_975_754,
    )  # fmt: skip

    # Tier 1, 2024-05-10: 20 days → spread 1.30, rate 5.80 %.
    #   discount = 2,000,000 × 0.058 × 20 / 365 = 2,320,000 / 365 = 6,356.16 → 6,356
    #   fee      = 2,000,000 × 0.010 × 20 / 365 =   400,000 / 365 = 1,095.89 → 1,095
    #   interest = 5,261;  advance = 1,993,644
    t1 = services.claim_cash_out(
        actor=w.partner_t1, claim=root, amount=2_000_000, value_date=D(2024, 5, 10),
        idempotency_key=key(),
    ).cash_out  # fmt: skip
    assert (t1.days, str(t1.annual_rate), t1.discount, t1.fee, t1.advance) == (
        20, "5.8000", 6_356, 1_095, 1_993_644,
    )  # fmt: skip

    # Before maturity the ledger shows who is owed what:
    #   tier 1: 30,000,000 − 12,000,000 − 2,000,000 = 16,000,000
    #   tier 2: 12,000,000 −  5,000,000 − 3,000,000 =  4,000,000
    #   tier 3:  5,000,000 −  5,000,000             =          0
    #   bank:    5,000,000 + 3,000,000 + 2,000,000  = 10,000,000 (= its advances at face)
    #   escrow 50,000,000 = free deposit 20,000,000 + owed 30,000,000
    b = balances(w.programme)
    ids = {w.t1.pk: 16_000_000, w.t2.pk: 4_000_000, w.t3.pk: 0, w.bank.pk: 10_000_000}
    assert {pk: b[f"owed.{pk}"] for pk in ids} == ids
    assert (b["escrow"], b["deposit"], b["bank.advances"]) == (50_000_000, 20_000_000, 10_000_000)
    # The bank paid out 4,938,576 + 2,975,754 + 1,993,644 = 9,907,974 and booked
    # interest 51,014 + 20,137 + 5,261 = 76,412 and fees 10,410 + 4,109 + 1,095 = 15,614.
    assert (b["bank.cash"], b["bank.discount"], b["bank.fee"]) == (-9_907_974, 76_412, 15_614)

    (settlement,) = services.settle_due(as_of=D(2024, 6, 1))
    # One payout per node that retained something: tier 1, tier 2 and the bank's three.
    paid = sorted(Payout.objects.filter(operation=settlement).values_list("holder_id", "amount"))
    assert paid == sorted(
        [(w.t1.pk, 16_000_000), (w.t2.pk, 4_000_000)]
        + [(w.bank.pk, a) for a in (5_000_000, 3_000_000, 2_000_000)]
    )

    # After maturity: nothing owed; the escrow keeps the 20,000,000 that backed no claim; the
    # bank got 10,000,000 back for 9,907,974 paid out: 92,026 = 76,412 + 15,614 earned.
    b = balances(w.programme)
    assert all(b[f"owed.{pk}"] == 0 for pk in ids)
    assert (b["escrow"], b["deposit"], b["bank.advances"], b["bank.cash"]) == (
        20_000_000, 20_000_000, 0, 92_026,
    )  # fmt: skip
    assert_invariants()
