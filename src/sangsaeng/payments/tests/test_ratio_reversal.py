"""The ratio-rule report (제22조 제5항) and reversals: an issue or pass-on entered by mistake and
reversed was never a payment, so it counts neither as received nor as passed on, whatever
period the reversal falls in."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from django.test import Client
from django.urls import reverse

from sangsaeng.partners.models import Company
from sangsaeng.payments import ratio, services
from sangsaeng.payments.models import Claim, Operation, OperationKind
from sangsaeng.payments.tests.conftest import D, World, assert_invariants, key, made

pytestmark = pytest.mark.django_db
MARCH = (D(2024, 3, 1), D(2024, 3, 31))


def split(world: World, claim: Claim, to: Company, amount: int, day: dt.date) -> Claim:
    return made(
        services.claim_split(
            actor=world.operator, claim=claim, to=to, amount=amount, value_date=day,
            idempotency_key=key(),
        ).result_claim
    )  # fmt: skip


def undo(world: World, claim: Claim, day: dt.date) -> None:
    services.claim_reverse(
        actor=world.operator, claim=claim, value_date=day, idempotency_key=key(), reason="오기"
    )


def rows(start: dt.date = MARCH[0], end: dt.date = MARCH[1]) -> dict[int, ratio.RatioRow]:
    return {row.company.pk: row for row in ratio.ratio_report(start, end)}


@pytest.fixture
def root(world: World) -> Claim:
    """10,000,000 issued to t1 on 2024-03-01; t1 paid 7,000,000 onward by promissory note."""
    services.escrow_deposit(
        actor=world.operator, programme=world.programme, amount=100_000_000,
        value_date=D(2024, 1, 2), idempotency_key=key(),
    )  # fmt: skip
    ratio.other_payment_record(
        actor=world.operator, partner=world.t1, idempotency_key=key(),
        data={"direction": "paid", "method": "note", "period_start": MARCH[0],
              "period_end": MARCH[1], "amount": 7_000_000},
    )  # fmt: skip
    return made(
        services.claim_issue(
            actor=world.operator, programme=world.programme, holder=world.t1, amount=10_000_000,
            maturity=D(2024, 6, 28), value_date=D(2024, 3, 1), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip


def test_a_reversed_pass_on_no_longer_counts(world, root):
    mistaken = split(world, root, world.t2, 4_000_000, D(2024, 3, 5))
    before = rows()
    assert (before[world.t1.pk].paid_winwin, before[world.t2.pk].received_winwin) == (
        4_000_000,
        4_000_000,
    )

    undo(world, mistaken, D(2024, 3, 6))
    after = rows()
    t1 = after[world.t1.pk]
    assert (t1.received_winwin, t1.paid_winwin, t1.paid_other) == (10_000_000, 0, 7_000_000)
    assert t1.paid_share == 0 and t1.status == "short" and t1.gap == 1
    assert world.t2.pk not in after  # received nothing by win-win payment
    # The reversal itself is on record (a ``reverse`` operation), yet adds nothing either.
    assert Operation.objects.filter(kind=OperationKind.REVERSE, claim=mistaken).count() == 1
    assert_invariants()

    # The correct pass-on counts once, not alongside the reversed one.
    split(world, root, world.t2, 3_000_000, D(2024, 3, 7))
    after = rows()
    t1, t2 = after[world.t1.pk], after[world.t2.pk]
    assert (t1.received_winwin, t1.paid_winwin, t1.paid_other) == (10_000_000, 3_000_000, 7_000_000)
    assert t1.paid_share == Fraction(3, 10) and ratio.percent(t1.paid_share) == 30
    assert (t2.received_winwin, t2.paid_total) == (3_000_000, 0)
    assert_invariants()


def test_a_reversed_issue_no_longer_counts(world, root):
    other = made(
        services.claim_issue(
            actor=world.operator, programme=world.programme, holder=world.t1b, amount=2_000_000,
            maturity=D(2024, 6, 28), value_date=D(2024, 3, 10), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    assert rows()[world.t1b.pk].received_winwin == 2_000_000
    undo(world, other, D(2024, 3, 11))
    found = rows()
    assert world.t1b.pk not in found
    assert found[world.t1.pk].received_winwin == 10_000_000  # the other tree is untouched
    assert_invariants()


def test_a_reversal_in_a_later_period_takes_it_out_of_the_earlier_one(world, root):
    """Reversed in April, the March pass-on was still a mistake: March no longer counts it."""
    child = split(world, root, world.t2, 4_000_000, D(2024, 3, 28))
    grandchild = split(world, child, world.t3, 1_000_000, D(2024, 3, 29))
    assert rows()[world.t2.pk].paid_winwin == 1_000_000
    undo(world, grandchild, D(2024, 4, 2))
    undo(world, child, D(2024, 4, 2))
    march = rows()
    assert march[world.t1.pk].paid_winwin == 0
    assert world.t2.pk not in march and world.t3.pk not in march
    assert world.t2.pk not in rows(D(2024, 4, 1), D(2024, 4, 30))  # nor is April's reversal
    assert_invariants()


def test_the_ratio_page_shows_the_report_without_the_reversed_pass_on(world, root):
    mistaken = split(world, root, world.t2, 4_000_000, D(2024, 3, 5))
    undo(world, mistaken, D(2024, 3, 6))
    client = Client()
    client.force_login(world.operator)
    page = client.get(reverse("payments:ratio"), {"start": "2024-03-01", "end": "2024-03-31"})
    assert page.status_code == 200
    shown = {row.company.pk: row for row, _received, _paid in page.context["rows"]}
    assert set(shown) == {world.t1.pk}
    assert shown[world.t1.pk].paid_winwin == 0
    html = page.content.decode()
    table = html[html.index('id="ratio"') : html.index('id="other-payments"')]
    assert world.t1.name in table and world.t2.name not in table
    # t1: 10,000,000 received, all by win-win (100.0%); nothing paid onward by cash or
    # win-win out of 7,000,000 paid (0.0%, not 4,000,000 of 11,000,000).
    assert "10,000,000원" in table and "7,000,000원" in table and "0.0%" in table
    assert "4,000,000원" not in table and "11,000,000원" not in table
