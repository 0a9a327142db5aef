"""Reads over the fund: balances, campaign progress, the record lists behind the pages and
the API. Lists go through ``funds.permissions`` so the partner fence is drawn once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum

from sangsaeng.accounts.models import User
from sangsaeng.funds import permissions
from sangsaeng.funds.models import (
    Allocation,
    Campaign,
    Contribution,
    Disbursement,
    Fund,
    FundUse,
    Refund,
)
from sangsaeng.ledger.models import Account


@dataclass(frozen=True)
class Bucket:
    """One account's money: ``balance`` held, ``reserved`` by requested disbursements,
    ``available`` = balance - reserved (normal sense, won)."""

    balance: int
    reserved: int

    @property
    def available(self) -> int:
        return self.balance - self.reserved

    @classmethod
    def of(cls, account: Account) -> Bucket:
        return cls(account.normal_balance, account.pending)

    def __add__(self, other: Bucket) -> Bucket:
        return Bucket(self.balance + other.balance, self.reserved + other.reserved)


@dataclass(frozen=True)
class UseBalance:
    use: FundUse
    restricted: Bucket
    budget: Bucket

    @property
    def combined(self) -> Bucket:
        return self.restricted + self.budget


@dataclass(frozen=True)
class FundBalances:
    """The fund's money now, from the ledger's cached balances (``verify`` checks them)."""

    cash: int
    pool: Bucket
    uses: list[UseBalance] = field(default_factory=list)

    @property
    def restricted(self) -> Bucket:
        return sum((u.restricted for u in self.uses), Bucket(0, 0))

    @property
    def budgets(self) -> Bucket:
        return sum((u.budget for u in self.uses), Bucket(0, 0))

    @property
    def unrestricted(self) -> Bucket:
        return self.pool + self.budgets

    @property
    def total(self) -> Bucket:
        return self.restricted + self.unrestricted


def fund_balances(fund: Fund) -> FundBalances:
    uses = list(
        FundUse.objects.filter(fund=fund).select_related("restricted_account", "budget_account")
    )
    ids = [fund.cash_account_id, fund.pool_account_id]
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=ids)}
    return FundBalances(
        cash=accounts[fund.cash_account_id].normal_balance,
        pool=Bucket.of(accounts[fund.pool_account_id]),
        uses=[
            UseBalance(use, Bucket.of(use.restricted_account), Bucket.of(use.budget_account))
            for use in uses
        ],
    )


def funds_list(user: User) -> QuerySet[Fund]:
    if not permissions.can_read_funds(user):
        return Fund.objects.none()
    return Fund.objects.select_related("owner", "cash_account", "pool_account")


# -- campaigns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelayStep:
    """One contribution of a campaign with the campaign's total after it."""

    contribution: Contribution
    amount: int  # net of what was returned to the donor
    running_total: int


def _standing(qs: QuerySet[Contribution]) -> QuerySet[Contribution]:
    return qs.filter(reversed_at__isnull=True)


def campaign_progress(campaign: Campaign) -> list[RelayStep]:
    """The campaign's contributions in date order, each with the running total (reversed
    contributions left out, refunds to donors deducted)."""
    contributions = (
        _standing(campaign.contributions.all())
        .select_related("donor_company", "use")
        .annotate(returned=Sum("refunds__amount", filter=Q(refunds__reversed_at__isnull=True)))
        .order_by("contributed_on", "id")
    )
    steps, running = [], 0
    for c in contributions:
        net = c.amount - (c.returned or 0)
        running += net
        steps.append(RelayStep(c, net, running))
    return steps


def campaign_total(campaign: Campaign) -> int:
    steps = campaign_progress(campaign)
    return steps[-1].running_total if steps else 0


# -- record lists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisbursementFilters:
    fund: int | None = None
    use: int | None = None
    partner: int | None = None
    status: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


def disbursements(user: User, filters: DisbursementFilters | None = None) -> QuerySet[Disbursement]:
    """The disbursements ``user`` may see (a partner: to its own company), filtered."""
    f = filters or DisbursementFilters()
    qs = permissions.visible_disbursements(user, Disbursement.objects.all())
    if f.fund:
        qs = qs.filter(fund_id=f.fund)
    if f.use:
        qs = qs.filter(use_id=f.use)
    if f.partner:
        qs = qs.filter(partner_id=f.partner)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.start:
        qs = qs.filter(created_at__date__gte=f.start)
    if f.end:
        qs = qs.filter(created_at__date__lte=f.end)
    return qs.select_related("fund", "use", "partner", "created_by", "approved_by")


def contributions(user: User, fund: Fund) -> QuerySet[Contribution]:
    if not permissions.can_read_funds(user):
        return Contribution.objects.none()
    return fund.contributions.select_related("donor_company", "use", "campaign", "created_by")


def allocations(user: User, fund: Fund) -> QuerySet[Allocation]:
    if not permissions.can_read_funds(user):
        return Allocation.objects.none()
    return fund.allocations.select_related("use", "source_use", "created_by")


def refunds(user: User, fund: Fund | None = None) -> QuerySet[Refund]:
    qs = permissions.visible_refunds(user, Refund.objects.all())
    if fund is not None:
        qs = qs.filter(fund=fund)
    return qs.select_related("use", "disbursement__partner", "contribution", "created_by")


def campaigns(user: User, fund: Fund) -> QuerySet[Campaign]:
    if not permissions.can_read_funds(user):
        return Campaign.objects.none()
    return fund.campaigns.annotate(
        raised=Sum("contributions__amount", filter=Q(contributions__reversed_at__isnull=True))
    )
