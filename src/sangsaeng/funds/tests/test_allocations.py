"""Allocations from the pool and between uses; restricted money never moves."""

from __future__ import annotations

import datetime as dt

import pytest

from sangsaeng.funds.tests.helpers import allocate, contribute, ledger_counts, normal
from sangsaeng.lib.errors import DomainError

pytestmark = pytest.mark.django_db


def test_pool_to_budget(operator, fund, escrow):
    contribute(operator, fund, 9_300_000)
    a = allocate(operator, fund, escrow, 5_000_000)
    assert normal(fund.pool_account) == (4_300_000, 0)
    assert normal(escrow.budget_account) == (5_000_000, 0)
    assert normal(fund.cash_account) == (9_300_000, 0)
    assert a.transaction is not None
    assert a.transaction.kind == "funds.allocation"


def test_more_than_the_pool_is_refused(operator, fund, escrow):
    contribute(operator, fund, 1_000)
    before = ledger_counts()
    with pytest.raises(DomainError) as exc:
        allocate(operator, fund, escrow, 1_001)
    assert exc.value.code == "insufficient_balance"
    assert exc.value.status == 409
    assert ledger_counts() == before
    assert normal(fund.pool_account) == (1_000, 0)


def test_restricted_money_cannot_be_allocated(operator, fund, escrow, sharing):
    contribute(operator, fund, 1_000_000, use=escrow)
    before = ledger_counts()
    with pytest.raises(DomainError) as exc:
        allocate(operator, fund, sharing, 500_000)
    assert exc.value.code == "restricted_to_other_use"
    assert "지정된 기부금" in exc.value.message
    assert ledger_counts() == before


def test_reallocation_moves_only_budget(operator, fund, escrow, sharing):
    contribute(operator, fund, 300, use=escrow)
    contribute(operator, fund, 500)
    allocate(operator, fund, escrow, 500)
    allocate(operator, fund, sharing, 200, source_use=escrow)
    assert normal(escrow.budget_account) == (300, 0)
    assert normal(sharing.budget_account) == (200, 0)
    with pytest.raises(DomainError) as exc:
        allocate(operator, fund, sharing, 400, source_use=escrow)
    assert exc.value.code == "restricted_to_other_use"
    with pytest.raises(DomainError) as exc:
        allocate(operator, fund, sharing, 10_000, source_use=escrow)
    assert exc.value.code == "insufficient_balance"
    with pytest.raises(DomainError) as exc:
        allocate(operator, fund, escrow, 1, source_use=escrow)
    assert exc.value.code == "same_use"
    assert normal(escrow.restricted_account) == (300, 0)


def test_back_dated_outflow_must_fit_history(operator, fund, escrow):
    contribute(operator, fund, 100, contributed_on=dt.date(2025, 9, 1))
    before = ledger_counts()
    # The pool holds 100 today, but held nothing on 15 August.
    with pytest.raises(DomainError) as exc:
        allocate(operator, fund, escrow, 50, allocated_on=dt.date(2025, 8, 15))
    assert exc.value.code == "insufficient_balance_on_date"
    assert ledger_counts() == before
    allocate(operator, fund, escrow, 50, allocated_on=dt.date(2025, 9, 1))


def test_back_dated_outflow_before_a_later_one(operator, fund, escrow, sharing):
    contribute(operator, fund, 100, contributed_on=dt.date(2025, 9, 1))
    contribute(operator, fund, 100, contributed_on=dt.date(2025, 9, 10))
    allocate(operator, fund, escrow, 150, allocated_on=dt.date(2025, 9, 10))
    # 50 is left today, and on 5 September the pool held 100, but taking 50 then would leave
    # it at -... no: 100 - 50 = 50, then +100 - 150 = 0: fine.
    allocate(operator, fund, sharing, 50, allocated_on=dt.date(2025, 9, 5))
    assert normal(fund.pool_account) == (0, 0)


def test_auditor_cannot_allocate(auditor, operator, fund, escrow):
    contribute(operator, fund, 100)
    with pytest.raises(DomainError) as exc:
        allocate(auditor, fund, escrow, 50)
    assert exc.value.code == "forbidden"
