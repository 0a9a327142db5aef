"""The statement: periods, openings, refunds and reversals land in the right columns."""

from __future__ import annotations

import datetime as dt

import pytest

from sangsaeng.funds import services
from sangsaeng.funds.statement import fund_statement
from sangsaeng.funds.tests.conftest import new_key
from sangsaeng.funds.tests.helpers import allocate, contribute, paid
from sangsaeng.lib.errors import DomainError

pytestmark = pytest.mark.django_db
D = dt.date


def test_movements_by_kind_and_period(operator, manager, fund, escrow, company_a):
    contribute(operator, fund, 1_000, contributed_on=D(2025, 1, 10))
    c = contribute(operator, fund, 500, use=escrow, contributed_on=D(2025, 1, 20))
    allocate(operator, fund, escrow, 800, allocated_on=D(2025, 2, 1))
    d = paid(operator, manager, fund, escrow, company_a, 900, day=D(2025, 2, 10))
    services.refund_from_partner(
        actor=operator,
        disbursement=d,
        amount=500,
        refunded_on=D(2025, 3, 1),
        idempotency_key=new_key(),
    )
    services.refund_to_donor(
        actor=operator,
        contribution=c,
        amount=100,
        refunded_on=D(2025, 3, 5),
        idempotency_key=new_key(),
    )
    services.contribution_reverse(
        actor=operator,
        contribution=contribute(operator, fund, 50, contributed_on=D(2025, 1, 31)),
        reason="중복 입력",
        reversed_on=D(2025, 3, 9),
        idempotency_key=new_key(),
    )

    jan = fund_statement(fund, D(2025, 1, 1), D(2025, 1, 31))
    assert jan.whole.contributions == 1_550
    assert jan.restricted.contributions == 500
    assert jan.whole.closing == 1_550
    feb = fund_statement(fund, D(2025, 2, 1), D(2025, 2, 28))
    assert feb.whole.opening == 1_550
    assert feb.pool.allocations == -800
    assert feb.unrestricted.allocations == 0
    assert feb.whole.disbursements == 900
    # 500 restricted first, then 400 of the budget.
    escrow_lines = feb.uses[0]
    assert (escrow_lines.restricted.disbursements, escrow_lines.budget.disbursements) == (500, 400)
    mar = fund_statement(fund, D(2025, 3, 1), D(2025, 3, 31))
    assert mar.whole.refunds_in == 500
    # The partner's 500 restores the budget part (400) first, then 100 of the donation,
    # which is what goes back to the donor.
    assert (mar.uses[0].budget.refunds_in, mar.uses[0].restricted.refunds_in) == (400, 100)
    assert mar.whole.refunds_out == 100
    assert mar.whole.reversals == -50
    assert mar.whole.closing == 1_550 - 900 + 500 - 100 - 50
    year = fund_statement(fund, D(2025, 1, 1), D(2025, 12, 31))
    assert year.whole.closing == mar.whole.closing == year.cash.closing
    for s in (jan, feb, mar, year):
        assert s.balanced


@pytest.mark.parametrize(
    ("start", "end"),
    [(D(2025, 2, 1), D(2025, 1, 1)), (D(1, 1, 1), D(2025, 1, 1)), (D(2025, 1, 1), D(9999, 12, 31))],
)
def test_bad_periods(fund, start, end):
    with pytest.raises(DomainError) as exc:
        fund_statement(fund, start, end)
    assert exc.value.code == "period_invalid"


def test_dates_out_of_range(operator, fund):
    with pytest.raises(DomainError) as exc:
        contribute(operator, fund, 1, contributed_on=D(1899, 12, 31))
    assert exc.value.code == "date_out_of_range"
