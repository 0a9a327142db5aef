"""The fund statement (기금 운용 현황) for any period, computed from the ledger alone.

One grouped query over the fund's postings up to the end of the period gives, for each of the
fund's accounts, the balance before the period and the period's movements by transaction kind.
Each account is a *line*: the unallocated pool, each use's allocated budget (unrestricted) and
each use's restricted donations. Lines add up to subtotals (unrestricted, restricted, per use)
and to the whole fund, whose closing figure equals the fund's cash.

Every figure is in the account's normal sense (money the line holds, so positive), and each
line satisfies ``opening + contributions + allocations + refunds_in - refunds_out -
disbursements + reversals = closing`` (checked by the tests and shown on the page).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import BooleanField, Case, Sum, Value, When
from django.utils.translation import gettext as _

from sangsaeng.funds.models import (
    KIND_ALLOCATION,
    KIND_CONTRIBUTION,
    KIND_DISBURSEMENT,
    KIND_DONOR_REFUND,
    KIND_REFUND,
    Allocation,
    Contribution,
    Disbursement,
    DisbursementStatus,
    Fund,
    FundUse,
    Refund,
)
from sangsaeng.funds.validation import FIRST_DAY, LAST_DAY
from sangsaeng.ledger.models import Account, Posting
from sangsaeng.lib.dates import KST
from sangsaeng.lib.errors import DomainError

MOVEMENTS = (
    "contributions",
    "allocations",
    "refunds_in",
    "refunds_out",
    "disbursements",
    "reversals",
)


@dataclass
class Line:
    """One account (or a sum of accounts) over the period."""

    label: str
    opening: int = 0
    # Subtotals and totals are shown in bold (a plain attribute, not a compared field).
    emphasis = False
    contributions: int = 0
    allocations: int = 0  # signed: in to this line +, out of it -
    refunds_in: int = 0  # from partners
    refunds_out: int = 0  # to donors, shown positive
    disbursements: int = 0  # to partners, shown positive
    reversals: int = 0  # signed: the net effect of reversing transactions
    closing: int = 0

    @property
    def inflows(self) -> int:
        return self.contributions + self.refunds_in

    @property
    def outflows(self) -> int:
        return self.refunds_out + self.disbursements

    @property
    def adds_up(self) -> bool:
        movement = self.inflows + self.allocations - self.outflows + self.reversals
        return self.opening + movement == self.closing

    def add(self, other: Line) -> None:
        for f in fields(self):
            if f.name != "label":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_row(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def total(label: str, lines: list[Line]) -> Line:
    result = Line(label)
    result.emphasis = True
    for line in lines:
        result.add(line)
    return result


@dataclass
class UseLines:
    """A use's two accounts over the period, and their sum."""

    use: FundUse
    restricted: Line
    budget: Line
    combined: Line


@dataclass
class Statement:
    fund: Fund
    start: dt.date
    end: dt.date
    pool: Line
    uses: list[UseLines]
    unrestricted: Line  # the pool and every use's budget
    restricted: Line  # every use's restricted donations
    whole: Line  # the fund
    cash: Line  # the fund's cash account; equals ``whole`` line by line
    contributions: list[Contribution] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    disbursements: list[Disbursement] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        """Every account line, then the subtotals: the table of the report."""
        return [
            self.pool,
            *(u.budget for u in self.uses),
            self.unrestricted,
            *(u.restricted for u in self.uses),
            self.restricted,
            self.whole,
        ]

    @property
    def balanced(self) -> bool:
        """The fund's lines and its cash agree, and every line adds up."""
        return self.cash.as_row() | {"label": ""} == self.whole.as_row() | {"label": ""} and all(
            line.adds_up for line in [*self.lines, *(u.combined for u in self.uses)]
        )


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=KST)


def _apply(line: Line, kind: str, amount: int) -> None:
    """Add a normal-signed ``amount`` moved by transactions of ``kind`` to ``line``."""
    if kind == KIND_CONTRIBUTION:
        line.contributions += amount
    elif kind == KIND_ALLOCATION:
        line.allocations += amount
    elif kind == KIND_REFUND:
        line.refunds_in += amount
    elif kind == KIND_DONOR_REFUND:
        line.refunds_out -= amount
    elif kind == KIND_DISBURSEMENT:
        line.disbursements -= amount
    else:  # reversals (and anything else the ledger wrote on these accounts)
        line.reversals += amount


def _movements(accounts: list[Account], start: dt.date, end: dt.date) -> dict[int, Line]:
    """The lines of ``accounts``, filled from one grouped query over their postings."""
    lines = {a.pk: Line(a.name) for a in accounts}
    signs = {a.pk: a.sign for a in accounts}
    before = Case(
        When(occurred_at__lt=_start(start), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    rows = (
        Posting.objects.filter(
            account_id__in=list(lines), occurred_at__lt=_start(end + dt.timedelta(days=1))
        )
        .annotate(before=before)
        .values("account_id", "before", "transaction__kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        line = lines[row["account_id"]]
        amount = row["total"] * signs[row["account_id"]]
        line.closing += amount
        if row["before"]:
            line.opening += amount
        else:
            _apply(line, row["transaction__kind"], amount)
    return lines


def check_period(start: dt.date, end: dt.date) -> None:
    if start < FIRST_DAY or end > LAST_DAY:
        raise DomainError(
            "period_invalid", "1900년부터 2999년 사이의 기간이어야 합니다.", field="start"
        )
    if end < start:
        raise DomainError("period_invalid", "기간의 끝이 시작보다 빠릅니다.", field="end")
    if (end - start).days > 366 * 50:
        raise DomainError(
            "period_invalid", "기간이 너무 깁니다. 50년 이내로 지정하세요.", field="start"
        )


def fund_statement(fund: Fund, start: dt.date, end: dt.date, *, details: bool = True) -> Statement:
    """The statement of ``fund`` from ``start`` to ``end`` (both included, dates in KST)."""
    check_period(start, end)
    uses = list(
        FundUse.objects.filter(fund=fund).select_related("restricted_account", "budget_account")
    )
    accounts = [fund.cash_account, fund.pool_account]
    for use in uses:
        accounts += [use.restricted_account, use.budget_account]
    lines = _movements(accounts, start, end)
    pool = lines[fund.pool_account_id]
    pool.label = _("Unallocated pool")
    use_lines = []
    for use in uses:
        restricted, budget = lines[use.restricted_account_id], lines[use.budget_account_id]
        restricted.label = _("%(use)s (restricted)") % {"use": use.name}
        budget.label = _("%(use)s (allocated)") % {"use": use.name}
        use_lines.append(UseLines(use, restricted, budget, total(use.name, [restricted, budget])))
    unrestricted = total(_("Unrestricted total"), [pool, *(u.budget for u in use_lines)])
    restricted_total = total(_("Restricted total"), [u.restricted for u in use_lines])
    statement = Statement(
        fund=fund,
        start=start,
        end=end,
        pool=pool,
        uses=use_lines,
        unrestricted=unrestricted,
        restricted=restricted_total,
        whole=total(_("Fund total"), [unrestricted, restricted_total]),
        cash=lines[fund.cash_account_id],
    )
    if details:
        _add_details(statement)
    return statement


def _add_details(statement: Statement) -> None:
    """The period's records, for the detail tables (the figures come from the ledger)."""
    fund, period = statement.fund, (statement.start, statement.end)
    statement.contributions = list(
        Contribution.objects.filter(fund=fund, contributed_on__range=period)
        .select_related("donor_company", "use", "campaign")
        .order_by("contributed_on", "id")
    )
    statement.allocations = list(
        Allocation.objects.filter(fund=fund, allocated_on__range=period)
        .select_related("use", "source_use")
        .order_by("allocated_on", "id")
    )
    statement.disbursements = list(
        Disbursement.objects.filter(
            fund=fund, status=DisbursementStatus.PAID, paid_on__range=period
        )
        .select_related("use", "partner")
        .order_by("paid_on", "id")
    )
    statement.refunds = list(
        Refund.objects.filter(fund=fund, refunded_on__range=period)
        .select_related("use", "disbursement__partner", "contribution__donor_company")
        .order_by("refunded_on", "id")
    )
