"""Short builders for the fund tests, all through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sangsaeng.accounts.models import User
from sangsaeng.funds import services
from sangsaeng.funds.models import Allocation, Contribution, Disbursement, Fund, FundUse
from sangsaeng.funds.tests.conftest import new_key
from sangsaeng.ledger.models import Account, PendingTransfer, Transaction
from sangsaeng.partners.models import Company

DAY = dt.date(2025, 9, 1)


def contribute(actor: User, fund: Fund, amount: int, **extra: Any) -> Contribution:
    data: dict[str, Any] = {"contributed_on": DAY, "donor_name": "홍길동"}
    data.update(extra)
    data.setdefault("idempotency_key", new_key())
    return services.contribution_create(actor=actor, fund=fund, amount=amount, **data)


def allocate(actor: User, fund: Fund, use: FundUse, amount: int, **extra: Any) -> Allocation:
    data: dict[str, Any] = {"allocated_on": DAY}
    data.update(extra)
    data.setdefault("idempotency_key", new_key())
    return services.allocation_create(actor=actor, fund=fund, use=use, amount=amount, **data)


def request(
    actor: User, fund: Fund, use: FundUse, partner: Company, amount: int, **extra: Any
) -> Disbursement:
    data: dict[str, Any] = {"purpose": "기술임치 수수료"}
    data.update(extra)
    data.setdefault("idempotency_key", new_key())
    return services.disbursement_request(
        actor=actor, fund=fund, use=use, partner=partner, amount=amount, **data
    )


def paid(
    requester: User,
    approver: User,
    fund: Fund,
    use: FundUse,
    partner: Company,
    amount: int,
    day: dt.date = DAY,
) -> Disbursement:
    d = request(requester, fund, use, partner, amount)
    services.disbursement_approve(actor=approver, disbursement=d, idempotency_key=new_key())
    return services.disbursement_pay(
        actor=requester, disbursement=d, paid_on=day, idempotency_key=new_key()
    )


def normal(account: Account) -> tuple[int, int]:
    """(balance, reserved) of an account, fresh from the database."""
    account.refresh_from_db()
    return account.normal_balance, account.pending


def ledger_counts() -> tuple[int, int]:
    return Transaction.objects.count(), PendingTransfer.objects.count()


def keis_year(operator: User, manager: User, fund: Fund, escrow: FundUse, sharing: FundUse) -> None:
    """The relay of seed 004 and a few payments: 9,300,000 in, 2,600,000 out."""
    for name, day, amount in (
        ("박기영 기획전략본부장", dt.date(2025, 5, 21), 2_500_000),
        ("이창수 원장", dt.date(2025, 8, 14), 3_200_000),
        ("신종각 부원장", dt.date(2025, 9, 10), 3_600_000),
    ):
        contribute(operator, fund, amount, donor_name=name, contributed_on=day)
    allocate(operator, fund, escrow, 5_000_000, allocated_on=dt.date(2025, 9, 15))
    allocate(operator, fund, sharing, 4_300_000, allocated_on=dt.date(2025, 9, 15))
    from sangsaeng.testing import factories

    startup = factories.make_company(operator, name="충북대 창업기업 가")
    partner = factories.make_company(operator, name="우수협력사 다")
    paid(operator, manager, fund, escrow, startup, 600_000, day=dt.date(2025, 10, 1))
    paid(operator, manager, fund, sharing, partner, 2_000_000, day=dt.date(2025, 10, 20))
