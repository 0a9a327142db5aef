"""The demo seed, and ``sangsaeng verify``'s fund checks catching tampering."""

from __future__ import annotations

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
