"""The demo's fund and payment programme: built through the services, verify-clean, idempotent."""

import pytest

from sangsaeng.demo import money, seeds
from sangsaeng.funds.models import Contribution, Fund
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.ledger.models import Transaction
from sangsaeng.payments.models import Claim, Programme

pytestmark = pytest.mark.django_db


def test_money_demo_is_consistent_and_loads_once():
    seeds.load()
    first = money.load()  # dates are relative to today (KST)
    assert first.fund_created and first.programme_created
    assert first.settled == 1  # tree A matured 40 days ago

    fund = Fund.objects.get(code="keis")
    relay = sorted(Contribution.objects.filter(fund=fund).values_list("amount", flat=True))
    assert relay == [2_500_000, 3_200_000, 3_600_000]

    programme = Programme.objects.get(name=money.PROGRAMME_NAME)
    claims = Claim.objects.filter(programme=programme)
    assert claims.filter(parent__isnull=True).count() == 3
    assert claims.filter(parent__isnull=True, settled_on__isnull=False).count() == 1
    # The deepest node is tier 3 of LS ELECTRIC's tree B (LS → 한길 → 오창기판 → 청원화학).
    assert claims.filter(holder=money.company("cheongwon-chem")).exists()

    findings = run_checks()
    assert len(findings) >= 9
    assert all(f.ok for f in findings), [f.problems for f in findings if not f.ok]

    transactions = Transaction.objects.count()
    again = money.load()
    assert not again.fund_created and not again.programme_created
    assert again.settled == 0
    assert Transaction.objects.count() == transactions
