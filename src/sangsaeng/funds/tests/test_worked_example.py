"""Seed 004: KEIS's executives give part of their performance bonuses in a relay
(2,500,000 + 3,200,000 + 3,600,000 = 9,300,000 won); the fund uses the money for
technology-escrow fee support and a benefit-sharing fund redistributed to excellent partners."""

from __future__ import annotations

import datetime as dt

import pytest

from sangsaeng.funds import queries, services
from sangsaeng.funds.models import DisbursementStatus
from sangsaeng.funds.statement import fund_statement
from sangsaeng.funds.tests.conftest import new_key
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.testing import factories

pytestmark = pytest.mark.django_db

RELAY = [
    ("박기영 기획전략본부장", dt.date(2025, 5, 21), 2_500_000),
    ("이창수 원장", dt.date(2025, 8, 14), 3_200_000),
    ("신종각 부원장", dt.date(2025, 9, 10), 3_600_000),
]


def test_executives_relay(operator, manager, fund, escrow, sharing):
    relay = services.campaign_create(
        actor=operator,
        fund=fund,
        name="경영진 경영평가성과급 기부 릴레이",
        starts_on=dt.date(2025, 5, 1),
        ends_on=dt.date(2025, 12, 31),
    )
    for donor, day, amount in RELAY:
        services.contribution_create(
            actor=operator,
            fund=fund,
            amount=amount,
            contributed_on=day,
            donor_name=donor,
            purpose="경영평가 성과급 반납분 기부",
            campaign=relay,
            idempotency_key=new_key(),
        )
    running = [row.running_total for row in queries.campaign_progress(relay)]
    assert running == [2_500_000, 5_700_000, 9_300_000]
    assert queries.campaign_total(relay) == 9_300_000

    # The money is unrestricted: it sits in the pool until allocated.
    balances = queries.fund_balances(fund)
    assert balances.pool.balance == 9_300_000
    assert balances.cash == 9_300_000

    services.allocation_create(
        actor=operator,
        fund=fund,
        use=escrow,
        amount=5_000_000,
        allocated_on=dt.date(2025, 9, 15),
        idempotency_key=new_key(),
    )
    services.allocation_create(
        actor=operator,
        fund=fund,
        use=sharing,
        amount=4_300_000,
        allocated_on=dt.date(2025, 9, 15),
        idempotency_key=new_key(),
    )

    # Technology-escrow fees for two start-ups (via the universities' start-up centres) and a
    # benefit-sharing payment to an excellent partner.
    startup_a = factories.make_company(operator, name="충북대 창업기업 가")
    startup_b = factories.make_company(operator, name="음성군 창업기업 나")
    partner = factories.make_company(operator, name="우수협력사 다")
    payments = [
        (escrow, startup_a, 300_000, dt.date(2025, 10, 1)),
        (escrow, startup_b, 300_000, dt.date(2025, 10, 2)),
        (sharing, partner, 2_000_000, dt.date(2025, 10, 20)),
    ]
    for use, company, amount, day in payments:
        d = services.disbursement_request(
            actor=operator,
            fund=fund,
            use=use,
            partner=company,
            amount=amount,
            purpose="기술임치 수수료" if use == escrow else "성과공유 재분배",
            idempotency_key=new_key(),
        )
        services.disbursement_approve(actor=manager, disbursement=d, idempotency_key=new_key())
        d = services.disbursement_pay(
            actor=operator, disbursement=d, paid_on=day, idempotency_key=new_key()
        )
        assert d.status == DisbursementStatus.PAID

    statement = fund_statement(fund, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert statement.whole.opening == 0
    assert statement.whole.contributions == 9_300_000
    assert statement.whole.allocations == 0
    assert statement.whole.disbursements == 2_600_000
    assert statement.whole.closing == 6_700_000
    assert statement.cash.closing == 6_700_000
    assert statement.pool.contributions == 9_300_000
    assert statement.pool.allocations == -9_300_000
    assert statement.pool.closing == 0
    by_use = {u.use.name: u for u in statement.uses}
    assert by_use["기술임치 수수료 지원"].budget.allocations == 5_000_000
    assert by_use["기술임치 수수료 지원"].combined.disbursements == 600_000
    assert by_use["기술임치 수수료 지원"].combined.closing == 4_400_000
    assert by_use["성과공유기금"].combined.disbursements == 2_000_000
    assert by_use["성과공유기금"].combined.closing == 2_300_000
    assert statement.restricted.closing == 0
    assert statement.unrestricted.closing == 6_700_000
    assert statement.balanced

    # A period that starts after the relay: its opening is the earlier movements.
    autumn = fund_statement(fund, dt.date(2025, 10, 1), dt.date(2025, 10, 31))
    assert autumn.whole.opening == 9_300_000
    assert autumn.whole.disbursements == 2_600_000
    assert autumn.whole.closing == 6_700_000
    assert autumn.balanced

    assert all(f.ok for f in run_checks()), [f.problems for f in run_checks() if not f.ok]
