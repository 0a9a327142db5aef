"""Refunds from partners (back into the use) and to donors (out of what they funded)."""

from __future__ import annotations

import datetime as dt

import pytest

from sangsaeng.funds import services
from sangsaeng.funds.tests.conftest import new_key
from sangsaeng.funds.tests.helpers import (
    allocate,
    contribute,
    ledger_counts,
    normal,
    paid,
    request,
)
from sangsaeng.lib.errors import DomainError

pytestmark = pytest.mark.django_db

PAID_ON = dt.date(2025, 9, 2)


@pytest.fixture
def payment(operator, manager, fund, escrow, company_a):
    """700 paid from 기술임치: 300 of restricted donations, 400 of budget (100 left)."""
    contribute(operator, fund, 300, use=escrow)
    contribute(operator, fund, 500)
    allocate(operator, fund, escrow, 500)
    return paid(operator, manager, fund, escrow, company_a, 700, day=PAID_ON)


def back(actor, disbursement, amount, **extra):
    data = {"refunded_on": PAID_ON, "idempotency_key": new_key(), **extra}
    return services.refund_from_partner(
        actor=actor, disbursement=disbursement, amount=amount, **data
    )


def test_partner_refund_restores_budget_then_restricted(operator, fund, escrow, payment):
    r = back(operator, payment, 250)
    assert (r.budget_part, r.restricted_part) == (250, 0)
    assert normal(escrow.budget_account) == (350, 0)
    r = back(operator, payment, 250)
    assert (r.budget_part, r.restricted_part) == (150, 100)
    assert normal(escrow.budget_account) == (500, 0)
    assert normal(escrow.restricted_account) == (100, 0)
    assert normal(fund.cash_account) == (600, 0)
    assert r.transaction.kind == "funds.refund"


def test_partner_refund_limits(operator, manager, fund, escrow, company_a, payment):
    before = ledger_counts()
    with pytest.raises(DomainError) as exc:
        back(operator, payment, 701)
    assert exc.value.code == "refund_exceeds_paid"
    with pytest.raises(DomainError) as exc:
        back(operator, payment, 10, refunded_on=PAID_ON - dt.timedelta(days=1))
    assert exc.value.code == "date_too_early"
    assert ledger_counts() == before
    back(operator, payment, 700)
    with pytest.raises(DomainError) as exc:
        back(operator, payment, 1)
    assert exc.value.code == "refund_exceeds_paid"
    d = request(operator, fund, escrow, company_a, 10)
    with pytest.raises(DomainError) as exc:
        back(operator, d, 1)
    assert exc.value.code == "not_paid"


def test_partner_refund_idempotent(operator, payment):
    key = new_key()
    first = back(operator, payment, 100, idempotency_key=key)
    assert back(operator, payment, 100, idempotency_key=key).pk == first.pk
    with pytest.raises(DomainError) as exc:
        back(operator, payment, 99, idempotency_key=key)
    assert exc.value.code == "idempotency_conflict"


def donor_back(actor, contribution, amount, **extra):
    data = {"refunded_on": dt.date(2025, 9, 3), "idempotency_key": new_key(), **extra}
    return services.refund_to_donor(actor=actor, contribution=contribution, amount=amount, **data)


def test_donor_refund_from_pool(operator, fund):
    c = contribute(operator, fund, 1_000)
    r = donor_back(operator, c, 400)
    assert normal(fund.pool_account) == (600, 0)
    assert normal(fund.cash_account) == (600, 0)
    assert r.transaction.kind == "funds.donor_refund"
    assert r.restricted_part == 0
    with pytest.raises(DomainError) as exc:
        donor_back(operator, c, 601)
    assert exc.value.code == "refund_exceeds_contribution"


def test_donor_refund_from_restricted(operator, fund, escrow):
    c = contribute(operator, fund, 1_000, use=escrow)
    r = donor_back(operator, c, 1_000)
    assert r.use == escrow
    assert r.restricted_part == 1_000
    assert normal(escrow.restricted_account) == (0, 0)


def test_donor_refund_of_money_already_allocated(operator, fund, escrow):
    c = contribute(operator, fund, 1_000)
    allocate(operator, fund, escrow, 800)
    before = ledger_counts()
    with pytest.raises(DomainError) as exc:
        donor_back(operator, c, 500)
    assert exc.value.code == "insufficient_balance"
    assert ledger_counts() == before


def test_donor_refund_of_money_reserved(operator, fund, escrow, company_a):
    c = contribute(operator, fund, 1_000, use=escrow)
    request(operator, fund, escrow, company_a, 700)
    with pytest.raises(DomainError) as exc:
        donor_back(operator, c, 301)
    assert exc.value.code == "insufficient_balance"
    donor_back(operator, c, 300)
