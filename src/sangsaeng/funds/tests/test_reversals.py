"""Reversals: the mirror transaction, refusals when the money has moved on, idempotency."""

from __future__ import annotations

import datetime as dt

import pytest

from sangsaeng.funds import services
from sangsaeng.funds.tests.conftest import new_key
from sangsaeng.funds.tests.helpers import allocate, contribute, ledger_counts, normal, paid
from sangsaeng.ledger.models import TxKind
from sangsaeng.lib.errors import DomainError

pytestmark = pytest.mark.django_db


def undo(fn, actor, record, **extra):
    name = type(record).__name__.lower()
    data = {"reason": "입력 오류", "idempotency_key": new_key(), **extra}
    return fn(actor=actor, **{name: record}, **data)


def test_contribution_reversal(operator, fund):
    c = contribute(operator, fund, 1_000)
    c = undo(services.contribution_reverse, operator, c)
    assert c.is_reversed
    assert c.reversal_transaction.kind == TxKind.REVERSAL
    assert c.reversal_transaction.reverses_id == c.transaction_id
    assert normal(fund.pool_account) == (0, 0)
    assert normal(fund.cash_account) == (0, 0)


def test_reversal_is_once(operator, fund):
    c = contribute(operator, fund, 1_000)
    key = new_key()
    undo(services.contribution_reverse, operator, c, idempotency_key=key)
    count = ledger_counts()
    undo(services.contribution_reverse, operator, c, idempotency_key=key)
    assert ledger_counts() == count
    with pytest.raises(DomainError) as exc:
        undo(services.contribution_reverse, operator, c)
    assert exc.value.code == "already_reversed"


def test_reversal_refused_when_money_moved_on(operator, fund, escrow):
    c = contribute(operator, fund, 1_000)
    allocate(operator, fund, escrow, 600)
    before = ledger_counts()
    with pytest.raises(DomainError) as exc:
        undo(services.contribution_reverse, operator, c)
    assert exc.value.code == "insufficient_balance"
    assert ledger_counts() == before
    c.refresh_from_db()
    assert not c.is_reversed


def test_reversal_needs_reason_and_runner(operator, auditor, fund):
    c = contribute(operator, fund, 1_000)
    with pytest.raises(DomainError) as exc:
        undo(services.contribution_reverse, operator, c, reason="")
    assert exc.value.code == "required"
    with pytest.raises(DomainError) as exc:
        undo(services.contribution_reverse, auditor, c)
    assert exc.value.code == "forbidden"


def test_reversal_date_not_before_original(operator, fund):
    c = contribute(operator, fund, 1_000, contributed_on=dt.date(2025, 9, 1))
    with pytest.raises(DomainError) as exc:
        undo(services.contribution_reverse, operator, c, reversed_on=dt.date(2025, 8, 31))
    assert exc.value.code == "date_too_early"
    undo(services.contribution_reverse, operator, c, reversed_on=dt.date(2025, 9, 1))


def test_contribution_with_refund_needs_refund_reversed_first(operator, fund):
    c = contribute(operator, fund, 1_000)
    r = services.refund_to_donor(
        actor=operator,
        contribution=c,
        amount=100,
        refunded_on=dt.date(2025, 9, 2),
        idempotency_key=new_key(),
    )
    with pytest.raises(DomainError) as exc:
        undo(services.contribution_reverse, operator, c)
    assert exc.value.code == "refunds_outstanding"
    undo(services.refund_reverse, operator, r)
    assert normal(fund.pool_account) == (1_000, 0)
    undo(services.contribution_reverse, operator, c)
    assert normal(fund.cash_account) == (0, 0)


def test_allocation_reversal(operator, fund, escrow, company_a, manager):
    contribute(operator, fund, 1_000)
    a = allocate(operator, fund, escrow, 600)
    b = allocate(operator, fund, escrow, 400)
    paid(operator, manager, fund, escrow, company_a, 500)
    undo(services.allocation_reverse, operator, b)
    assert normal(escrow.budget_account) == (100, 0)
    assert normal(fund.pool_account) == (400, 0)
    with pytest.raises(DomainError) as exc:
        undo(services.allocation_reverse, operator, a)
    assert exc.value.code == "insufficient_balance"


def test_disbursement_reversal_restores_both_accounts(operator, manager, fund, escrow, company_a):
    contribute(operator, fund, 300, use=escrow)
    contribute(operator, fund, 500)
    allocate(operator, fund, escrow, 500)
    d = paid(operator, manager, fund, escrow, company_a, 700)
    key = new_key()
    d = undo(services.disbursement_reverse, operator, d, idempotency_key=key)
    assert d.is_reversed
    assert normal(escrow.restricted_account) == (300, 0)
    assert normal(escrow.budget_account) == (500, 0)
    assert normal(fund.cash_account) == (800, 0)
    assert all(leg.reversal_transaction for leg in d.legs.all())
    count = ledger_counts()
    undo(services.disbursement_reverse, operator, d, idempotency_key=key)
    assert ledger_counts() == count


def test_unpaid_disbursement_cannot_be_reversed(operator, fund, escrow, company_a):
    from sangsaeng.funds.tests.helpers import request

    contribute(operator, fund, 300, use=escrow)
    d = request(operator, fund, escrow, company_a, 100)
    with pytest.raises(DomainError) as exc:
        undo(services.disbursement_reverse, operator, d)
    assert exc.value.code == "not_paid"


def test_disbursement_with_partner_refund(operator, manager, fund, escrow, company_a):
    contribute(operator, fund, 300, use=escrow)
    d = paid(operator, manager, fund, escrow, company_a, 300)
    r = services.refund_from_partner(
        actor=operator,
        disbursement=d,
        amount=100,
        refunded_on=dt.date(2025, 9, 1),
        idempotency_key=new_key(),
    )
    with pytest.raises(DomainError) as exc:
        undo(services.disbursement_reverse, operator, d)
    assert exc.value.code == "refunds_outstanding"
    undo(services.refund_reverse, operator, r)
    undo(services.disbursement_reverse, operator, d)
    assert normal(escrow.restricted_account) == (300, 0)
