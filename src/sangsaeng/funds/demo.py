"""Demo data for the fund: KEIS's cooperation fund and the executives' bonus relay of seed 004
(2,500,000 + 3,200,000 + 3,600,000 = 9,300,000 won), allocated to technology-escrow fee
support and the benefit-sharing fund, with a few payments. Built through the services, like
real use; safe to run twice (it returns the fund already there)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sangsaeng.accounts.models import User
from sangsaeng.funds import services
from sangsaeng.funds.models import Disbursement, Fund, UseKind
from sangsaeng.lib.dates import KST
from sangsaeng.partners.models import Company


def _at(year: int, month: int, day: int, hour: int) -> dt.datetime:
    """A moment in Korean time."""
    return dt.datetime(year, month, day, hour, tzinfo=KST)


RELAY = [
    ("박기영 기획전략본부장", dt.date(2025, 5, 21), 2_500_000),
    ("이창수 원장", dt.date(2025, 8, 14), 3_200_000),
    ("신종각 부원장", dt.date(2025, 9, 10), 3_600_000),
]


def seed_keis_fund(
    *, operator: User, approver: User, owner: Company, partners: Sequence[Company]
) -> Fund:
    """KEIS's fund with its relay. ``approver`` must be another operator or manager (a
    disbursement is approved by someone other than its requester); ``partners`` receive the
    payments (at least two)."""
    found = Fund.objects.filter(code="keis").first()
    if found is not None:
        return found
    fund = services.fund_create(
        actor=operator,
        owner=owner,
        name="KEIS 상생협력기금",
        code="keis",
        description="경영진 경영평가 성과급 기부 릴레이로 조성 (2025)",
        source="demo",
    )
    escrow = services.use_create(
        actor=operator, fund=fund, name="기술임치 수수료 지원", kind=UseKind.TECH_ESCROW
    )
    sharing = services.use_create(
        actor=operator, fund=fund, name="성과공유기금", kind=UseKind.BENEFIT_SHARING
    )
    services.use_create(
        actor=operator, fund=fund, name="우수 협력사 핵심인력 포상", kind=UseKind.KEY_STAFF_AWARD
    )
    relay = services.campaign_create(
        actor=operator,
        fund=fund,
        name="경영진 경영평가성과급 기부 릴레이",
        starts_on=dt.date(2025, 5, 1),
        ends_on=dt.date(2025, 12, 31),
        target_amount=10_000_000,
    )
    for i, (donor, day, amount) in enumerate(RELAY):
        services.contribution_create(
            actor=operator,
            fund=fund,
            amount=amount,
            contributed_on=day,
            donor_name=donor,
            purpose="경영평가 성과급 반납분 기부",
            campaign=relay,
            idempotency_key=f"demo-relay-{i}",
            source="demo",
        )
    for use, amount in ((escrow, 5_000_000), (sharing, 4_300_000)):
        services.allocation_create(
            actor=operator,
            fund=fund,
            use=use,
            amount=amount,
            allocated_on=dt.date(2025, 9, 15),
            idempotency_key=f"demo-allocation-{use.code}",
            source="demo",
        )
    # (use, partner, amount, purpose, requested, approved, paid): each payment is requested
    # after its use got its budget (15 September), approved a couple of days later by someone
    # else, and paid on its payment date.
    payments = [
        (escrow, partners[0], 300_000, "창업기업 기술임치 수수료",
         _at(2025, 9, 22, 10), _at(2025, 9, 24, 14), _at(2025, 10, 1, 11)),
        (sharing, partners[1], 2_000_000, "성과공유 우수 협력사 재분배",
         _at(2025, 10, 13, 9), _at(2025, 10, 15, 16), _at(2025, 10, 20, 10)),
    ]  # fmt: skip
    for i, (use, partner, amount, purpose, requested, approved, paid) in enumerate(payments):
        d = services.disbursement_request(
            actor=operator,
            fund=fund,
            use=use,
            partner=partner,
            amount=amount,
            purpose=purpose,
            idempotency_key=f"demo-disbursement-{i}",
            source="demo",
        )
        services.disbursement_approve(
            actor=approver, disbursement=d, idempotency_key=f"demo-approve-{i}", source="demo"
        )
        services.disbursement_pay(
            actor=operator,
            disbursement=d,
            paid_on=paid.date(),
            idempotency_key=f"demo-pay-{i}",
            source="demo",
        )
        # The services stamp each step with the time it is entered (the demo's load time);
        # the story happened in 2025, so the steps get the times they stand for. Only the
        # record's own timestamps change: the ledger (dated by ``paid_on``), its hash chain
        # and the audit log keep what was actually written and when.
        Disbursement.objects.filter(pk=d.pk).update(
            created_at=requested, approved_at=approved, paid_at=paid
        )
    services.disbursement_request(
        actor=operator,
        fund=fund,
        use=escrow,
        partner=partners[0],
        amount=250_000,
        purpose="기술임치 갱신 수수료",
        idempotency_key="demo-disbursement-open",
        source="demo",
    )
    return fund
