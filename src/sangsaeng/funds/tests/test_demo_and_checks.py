"""The demo seed, and ``sangsaeng verify``'s fund checks catching tampering."""

from __future__ import annotations

import datetime as dt

import pytest

from sangsaeng.funds.demo import seed_keis_fund
from sangsaeng.funds.models import Fund
from sangsaeng.funds.queries import campaign_total, fund_balances
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.ledger.models import Account
from sangsaeng.testing import factories

pytestmark = pytest.mark.django_db
FUND_CHECKS = ["funds.conservation", "funds.records", "funds.disbursements"]


@pytest.fixture
def demo(operator, manager, keis):
    partners = [factories.make_company(operator), factories.make_company(operator)]
    return seed_keis_fund(operator=operator, approver=manager, owner=keis, partners=partners)


def test_demo_seed(operator, manager, keis, demo):
    assert campaign_total(demo.campaigns.get()) == 9_300_000
    balances = fund_balances(demo)
    assert balances.cash == 9_300_000 - 2_300_000
    assert balances.total.reserved == 250_000
    again = seed_keis_fund(operator=operator, approver=manager, owner=keis, partners=[])
    assert again.pk == demo.pk
    assert Fund.objects.count() == 1
    assert all(f.ok for f in run_checks())


def test_checks_catch_money_created_outside_the_fund(demo):
    assert all(f.ok for f in run_checks(FUND_CHECKS))
    pool = Account.objects.get(pk=demo.pool_account_id)
    # A cached balance changed behind the ledger's back: cash no longer equals the fund.
    Account.objects.filter(pk=pool.pk).update(balance=pool.balance - 1)
    found = {f.name: f for f in run_checks(FUND_CHECKS)}
    assert not found["funds.conservation"].ok
    assert "cash" in found["funds.conservation"].problems[0]


def test_checks_catch_a_record_out_of_step(demo):
    contribution = demo.contributions.first()
    type(contribution).objects.filter(pk=contribution.pk).update(amount=1)
    found = {f.name: f for f in run_checks(FUND_CHECKS)}
    assert not found["funds.records"].ok
    d = demo.disbursements.filter(status="requested").get()
    type(d).objects.filter(pk=d.pk).update(status="rejected")
    found = {f.name: f for f in run_checks(FUND_CHECKS)}
    assert not found["funds.disbursements"].ok


def test_demo_payments_are_requested_and_approved_before_they_are_paid(demo):
    """QA: the seeded payments showed request and approval at load time (today) but a payment
    date in 2025. Each is now requested, then approved, then paid, in that order."""
    from sangsaeng.lib.dates import KST

    paid = list(demo.disbursements.filter(status="paid").order_by("paid_on"))
    assert [d.paid_on.isoformat() for d in paid] == ["2025-10-01", "2025-10-20"]
    for d in paid:
        assert d.approved_at is not None and d.paid_at is not None
        assert d.created_at < d.approved_at < d.paid_at
        assert d.approved_at.astimezone(KST).date() <= d.paid_on
        assert d.paid_at.astimezone(KST).date() == d.paid_on
        # Requested after the money was allocated to the use (2025-09-15).
        assert d.created_at.astimezone(KST).date() > dt.date(2025, 9, 15)
    assert all(f.ok for f in run_checks())
