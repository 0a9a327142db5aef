"""The cooperation fund over the API (``/api/v1/funds``).

Every write that moves money takes an ``Idempotency-Key`` header (1-100 characters of
``A-Za-z0-9_.:-``; a UUID is ideal). It becomes the ledger transaction's idempotency key
(``funds:<action>:<user id>:<key>``): a retried request returns what the first one wrote and
posts nothing again; the same key with a different body is refused with 409
``idempotency_conflict``.

Operators and programme managers may write; auditors and consultants read; a partner user sees
only the disbursements to its own company (and the refunds on them) and gets 404 for the rest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status

from sangsaeng.accounts.models import User
from sangsaeng.api.validation import Won
from sangsaeng.funds import permissions, queries, reports, services
from sangsaeng.funds.models import (
    Allocation,
    Campaign,
    Contribution,
    Disbursement,
    Fund,
    FundUse,
    Refund,
)
from sangsaeng.funds.statement import Line, Statement, fund_statement
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import NotFound, PermissionDenied
from sangsaeng.lib.korean import josa
from sangsaeng.partners.models import Company
from sangsaeng.partners.validation import FieldError

router = Router(tags=["funds"])
MAX_ID = 2**63 - 1
# The ``Idempotency-Key`` header; the service checks it is present and well formed.
KEY = Header(
    "",
    alias="Idempotency-Key",
    description="1-100 characters of A-Za-z0-9_.:- (a UUID is ideal); required for writes",
)
M = TypeVar("M", bound=Model)


# -- schemas ------------------------------------------------------------------------------------


class BucketOut(Schema):
    balance: int
    reserved: int
    available: int


class FundIn(Schema):
    owner_id: int
    name: str = Field(..., max_length=200)
    code: str = Field(..., max_length=30)
    description: str = Field("", max_length=5000)


class UseOut(Schema):
    id: int
    fund_id: int
    code: str
    name: str
    kind: str
    description: str
    is_active: bool
    restricted: BucketOut
    budget: BucketOut
    available: int


class FundOut(Schema):
    id: int
    owner_id: int
    owner_name: str
    name: str
    code: str
    description: str
    is_active: bool
    cash: int
    pool: BucketOut
    restricted: BucketOut
    unrestricted: BucketOut
    uses: list[UseOut]


class UseIn(Schema):
    name: str = Field(..., max_length=200)
    kind: str = Field(..., max_length=30)
    code: str = Field("", max_length=30)
    description: str = Field("", max_length=5000)


class UsePatch(Schema):
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    is_active: bool | None = None


class CampaignIn(Schema):
    name: str = Field(..., max_length=200)
    starts_on: dt.date
    ends_on: dt.date | None = None
    target_amount: Won | None = None
    description: str = Field("", max_length=5000)


class RelayStepOut(Schema):
    contribution_id: int
    donor: str
    contributed_on: dt.date
    amount: int
    running_total: int


class CampaignOut(Schema):
    id: int
    fund_id: int
    name: str
    description: str
    starts_on: dt.date
    ends_on: dt.date | None
    target_amount: int | None
    total: int
    steps: list[RelayStepOut]


class ContributionIn(Schema):
    amount: Won
    contributed_on: dt.date
    donor_company_id: int | None = None
    donor_name: str = Field("", max_length=200)
    purpose: str = Field("", max_length=300)
    use_id: int | None = Field(None, description="Restrict the money to this use")
    campaign_id: int | None = None


class ContributionOut(Schema):
    id: int
    fund_id: int
    donor_company_id: int | None
    donor_name: str
    donor: str
    contributed_on: dt.date
    amount: int
    purpose: str
    use_id: int | None
    campaign_id: int | None
    restricted: bool
    transaction_id: int | None
    reversed_at: dt.datetime | None
    reversal_reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_donor(obj: Contribution) -> str:
        return obj.donor_display

    @staticmethod
    def resolve_restricted(obj: Contribution) -> bool:
        return obj.is_restricted


class AllocationIn(Schema):
    use_id: int
    amount: Won
    allocated_on: dt.date
    source_use_id: int | None = Field(None, description="Empty: from the unallocated pool")
    memo: str = Field("", max_length=300)


class AllocationOut(Schema):
    id: int
    fund_id: int
    use_id: int
    source_use_id: int | None
    allocated_on: dt.date
    amount: int
    memo: str
    transaction_id: int | None
    reversed_at: dt.datetime | None
    reversal_reason: str
    created_at: dt.datetime


class DisbursementIn(Schema):
    use_id: int
    partner_id: int
    amount: Won
    purpose: str = Field(..., max_length=300)


class LegOut(Schema):
    source: str
    amount: int


class DisbursementOut(Schema):
    id: int
    fund_id: int
    use_id: int
    use_name: str
    partner_id: int
    partner_name: str
    amount: int
    purpose: str
    status: str
    created_at: dt.datetime
    approved_at: dt.datetime | None
    paid_on: dt.date | None
    rejected_at: dt.datetime | None
    rejection_reason: str
    reversed_at: dt.datetime | None
    reversal_reason: str
    legs: list[LegOut]

    @staticmethod
    def resolve_use_name(obj: Disbursement) -> str:
        return obj.use.name

    @staticmethod
    def resolve_partner_name(obj: Disbursement) -> str:
        return obj.partner.name

    @staticmethod
    def resolve_legs(obj: Disbursement) -> list[dict[str, Any]]:
        return [{"source": leg.source, "amount": leg.amount} for leg in obj.legs.all()]


class PayIn(Schema):
    paid_on: dt.date | None = Field(None, description="Default: today (KST)")


class ReasonIn(Schema):
    reason: str = Field(..., max_length=300)


class ReverseIn(Schema):
    reason: str = Field(..., max_length=300)
    reversed_on: dt.date | None = Field(None, description="Default: today (KST)")


class RefundIn(Schema):
    amount: Won
    refunded_on: dt.date
    memo: str = Field("", max_length=300)


class RefundOut(Schema):
    id: int
    fund_id: int
    kind: str
    disbursement_id: int | None
    contribution_id: int | None
    use_id: int | None
    refunded_on: dt.date
    amount: int
    restricted_part: int
    budget_part: int
    memo: str
    transaction_id: int | None
    reversed_at: dt.datetime | None
    reversal_reason: str
    created_at: dt.datetime


class Page(Schema):
    count: int
    limit: int
    offset: int


class ContributionPage(Page):
    items: list[ContributionOut]


class AllocationPage(Page):
    items: list[AllocationOut]


class DisbursementPage(Page):
    items: list[DisbursementOut]


class RefundPage(Page):
    items: list[RefundOut]


class Paging(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


class DisbursementQuery(Paging):
    fund: int | None = Field(None, ge=1, le=MAX_ID)
    use: int | None = Field(None, ge=1, le=MAX_ID)
    partner: int | None = Field(None, ge=1, le=MAX_ID)
    status: str = Field("", max_length=10)


class PeriodQuery(Schema):
    start: dt.date | None = Field(None, description="Default: 1 January of this year")
    end: dt.date | None = Field(None, description="Default: today (KST)")


class LineOut(Schema):
    label: str
    opening: int
    contributions: int
    allocations: int
    refunds_in: int
    refunds_out: int
    disbursements: int
    reversals: int
    closing: int


class UseLinesOut(Schema):
    use_id: int
    name: str
    restricted: LineOut
    budget: LineOut
    combined: LineOut


class StatementOut(Schema):
    fund_id: int
    start: dt.date
    end: dt.date
    pool: LineOut
    uses: list[UseLinesOut]
    unrestricted: LineOut
    restricted: LineOut
    total: LineOut
    cash_closing: int
    balanced: bool


# -- helpers ------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _found(qs: QuerySet[M], pk: int, what: str) -> M:
    obj = qs.filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if obj is None:
        raise NotFound("not_found", f"{josa(what, '을')} 찾을 수 없습니다.")
    return obj


def _fund(user: User, fund_id: int) -> Fund:
    """A fund the user may read; to a partner user no fund exists (404)."""
    return _found(queries.funds_list(user), fund_id, "기금")


def _ref(qs: QuerySet[M], pk: int | None, field: str, what: str) -> M | None:
    """An object named by id in a request body: missing is a 422 on that field."""
    if pk is None:
        return None
    obj = qs.filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if obj is None:
        raise FieldError(
            f"{field.removesuffix('_id')}_not_found", f"{josa(what, '이')} 없습니다.", field=field
        )
    return obj


def _need_ref(qs: QuerySet[M], pk: int, field: str, what: str) -> M:
    obj = _ref(qs, pk, field, what)
    assert obj is not None
    return obj


def _disbursement(user: User, pk: int) -> Disbursement:
    qs = permissions.visible_disbursements(user, Disbursement.objects.all())
    return _found(qs.select_related("fund", "use", "partner"), pk, "지급")


def _bucket(b: queries.Bucket) -> dict[str, int]:
    return {"balance": b.balance, "reserved": b.reserved, "available": b.available}


def _use_out(u: queries.UseBalance) -> dict[str, Any]:
    use = u.use
    return {
        "id": use.pk,
        "fund_id": use.fund_id,
        "code": use.code,
        "name": use.name,
        "kind": use.kind,
        "description": use.description,
        "is_active": use.is_active,
        "restricted": _bucket(u.restricted),
        "budget": _bucket(u.budget),
        "available": u.combined.available,
    }


def _fund_out(fund: Fund) -> dict[str, Any]:
    b = queries.fund_balances(fund)
    return {
        "id": fund.pk,
        "owner_id": fund.owner_id,
        "owner_name": fund.owner.name,
        "name": fund.name,
        "code": fund.code,
        "description": fund.description,
        "is_active": fund.is_active,
        "cash": b.cash,
        "pool": _bucket(b.pool),
        "restricted": _bucket(b.restricted),
        "unrestricted": _bucket(b.unrestricted),
        "uses": [_use_out(u) for u in b.uses],
    }


def _campaign_out(campaign: Campaign) -> dict[str, Any]:
    steps = queries.campaign_progress(campaign)
    return {
        "id": campaign.pk,
        "fund_id": campaign.fund_id,
        "name": campaign.name,
        "description": campaign.description,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "target_amount": campaign.target_amount,
        "total": steps[-1].running_total if steps else 0,
        "steps": [
            {
                "contribution_id": s.contribution.pk,
                "donor": s.contribution.donor_display,
                "contributed_on": s.contribution.contributed_on,
                "amount": s.amount,
                "running_total": s.running_total,
            }
            for s in steps
        ],
    }


def _page(qs: QuerySet[Any], paging: Paging) -> dict[str, Any]:
    return {
        "count": qs.count(),
        "limit": paging.limit,
        "offset": paging.offset,
        "items": list(qs[paging.offset : paging.offset + paging.limit]),
    }


def _period(period: PeriodQuery) -> tuple[dt.date, dt.date]:
    end = period.end or today_kst()
    return period.start or dt.date(end.year, 1, 1), end


def _line(line: Line) -> dict[str, Any]:
    return line.as_row()


def _statement_out(s: Statement) -> dict[str, Any]:
    return {
        "fund_id": s.fund.pk,
        "start": s.start,
        "end": s.end,
        "pool": _line(s.pool),
        "uses": [
            {
                "use_id": u.use.pk,
                "name": u.use.name,
                "restricted": _line(u.restricted),
                "budget": _line(u.budget),
                "combined": _line(u.combined),
            }
            for u in s.uses
        ],
        "unrestricted": _line(s.unrestricted),
        "restricted": _line(s.restricted),
        "total": _line(s.whole),
        "cash_closing": s.cash.closing,
        "balanced": s.balanced,
    }


def _runner(user: User) -> None:
    if not permissions.can_run_funds(user):
        raise PermissionDenied("forbidden", "기금을 운영할 권한이 없습니다 (운영자·사업 담당자만).")


# -- funds, uses, campaigns ---------------------------------------------------------------------


@router.get("", response=list[FundOut], summary="List funds with their balances")
def list_funds(request: HttpRequest) -> list[dict[str, Any]]:
    return [_fund_out(f) for f in queries.funds_list(_user(request))]


@router.post("", response={201: FundOut}, summary="Create a fund")
def create_fund(request: HttpRequest, body: FundIn) -> Status:
    user = _user(request)
    _runner(user)
    owner = _need_ref(Company.objects.all(), body.owner_id, "owner_id", "기업")
    fund = services.fund_create(
        actor=user,
        owner=owner,
        name=body.name,
        code=body.code,
        description=body.description,
        source="api",
    )
    return Status(201, _fund_out(fund))


@router.get("/{int:fund_id}", response=FundOut, summary="A fund with its balances")
def get_fund(request: HttpRequest, fund_id: int) -> dict[str, Any]:
    return _fund_out(_fund(_user(request), fund_id))


@router.post("/{int:fund_id}/uses", response={201: UseOut}, summary="Add a use to a fund")
def create_use(request: HttpRequest, fund_id: int, body: UseIn) -> Status:
    user = _user(request)
    fund = _fund(user, fund_id)
    use = services.use_create(actor=user, fund=fund, source="api", **body.dict())
    return Status(
        201, _use_out(queries.UseBalance(use, queries.Bucket(0, 0), queries.Bucket(0, 0)))
    )


@router.patch(
    "/{int:fund_id}/uses/{int:use_id}", response=UseOut, summary="Rename or deactivate a use"
)
def update_use(request: HttpRequest, fund_id: int, use_id: int, body: UsePatch) -> dict[str, Any]:
    user = _user(request)
    fund = _fund(user, fund_id)
    use = _found(FundUse.objects.filter(fund=fund), use_id, "용도")
    data = {k: v for k, v in body.dict(exclude_unset=True).items() if v is not None}
    services.use_update(actor=user, use=use, data=data, source="api")
    balances = queries.fund_balances(fund)
    return _use_out(next(u for u in balances.uses if u.use.pk == use.pk))


@router.get("/{int:fund_id}/campaigns", response=list[CampaignOut])
def list_campaigns(request: HttpRequest, fund_id: int) -> list[dict[str, Any]]:
    user = _user(request)
    return [_campaign_out(c) for c in queries.campaigns(user, _fund(user, fund_id))]


@router.post("/{int:fund_id}/campaigns", response={201: CampaignOut}, summary="Start a campaign")
def create_campaign(request: HttpRequest, fund_id: int, body: CampaignIn) -> Status:
    user = _user(request)
    fund = _fund(user, fund_id)
    campaign = services.campaign_create(actor=user, fund=fund, source="api", **body.dict())
    return Status(201, _campaign_out(campaign))


@router.get("/{int:fund_id}/campaigns/{int:campaign_id}", response=CampaignOut)
def get_campaign(request: HttpRequest, fund_id: int, campaign_id: int) -> dict[str, Any]:
    user = _user(request)
    fund = _fund(user, fund_id)
    return _campaign_out(_found(Campaign.objects.filter(fund=fund), campaign_id, "캠페인"))


# -- contributions ------------------------------------------------------------------------------


@router.get("/{int:fund_id}/contributions", response=ContributionPage)
def list_contributions(request: HttpRequest, fund_id: int, paging: Query[Paging]) -> dict[str, Any]:
    user = _user(request)
    return _page(queries.contributions(user, _fund(user, fund_id)), paging)


@router.post(
    "/{int:fund_id}/contributions",
    response={201: ContributionOut},
    summary="Record a contribution (Idempotency-Key required)",
)
def create_contribution(
    request: HttpRequest, fund_id: int, body: ContributionIn, idempotency_key: str = KEY
) -> Status:
    user = _user(request)
    fund = _fund(user, fund_id)
    _runner(user)
    contribution = services.contribution_create(
        actor=user,
        fund=fund,
        amount=body.amount,
        contributed_on=body.contributed_on,
        donor_company=_ref(
            Company.objects.all(), body.donor_company_id, "donor_company_id", "기업"
        ),
        donor_name=body.donor_name,
        purpose=body.purpose,
        use=_ref(FundUse.objects.filter(fund=fund), body.use_id, "use_id", "이 기금의 용도"),
        campaign=_ref(
            Campaign.objects.filter(fund=fund), body.campaign_id, "campaign_id", "이 기금의 캠페인"
        ),
        idempotency_key=idempotency_key,
        source="api",
    )
    return Status(201, contribution)


def _contribution(user: User, fund_id: int, pk: int) -> Contribution:
    return _found(Contribution.objects.filter(fund=_fund(user, fund_id)), pk, "출연금")


@router.post("/{int:fund_id}/contributions/{int:contribution_id}/reverse", response=ContributionOut)
def reverse_contribution(
    request: HttpRequest,
    fund_id: int,
    contribution_id: int,
    body: ReverseIn,
    idempotency_key: str = KEY,
) -> Contribution:
    user = _user(request)
    return services.contribution_reverse(
        actor=user,
        contribution=_contribution(user, fund_id, contribution_id),
        reason=body.reason,
        reversed_on=body.reversed_on,
        idempotency_key=idempotency_key,
        source="api",
    )


@router.post(
    "/{int:fund_id}/contributions/{int:contribution_id}/refunds",
    response={201: RefundOut},
    summary="Return (part of) a contribution to its donor",
)
def refund_contribution(
    request: HttpRequest,
    fund_id: int,
    contribution_id: int,
    body: RefundIn,
    idempotency_key: str = KEY,
) -> Status:
    user = _user(request)
    refund = services.refund_to_donor(
        actor=user,
        contribution=_contribution(user, fund_id, contribution_id),
        amount=body.amount,
        refunded_on=body.refunded_on,
        memo=body.memo,
        idempotency_key=idempotency_key,
        source="api",
    )
    return Status(201, refund)


# -- allocations --------------------------------------------------------------------------------


@router.get("/{int:fund_id}/allocations", response=AllocationPage)
def list_allocations(request: HttpRequest, fund_id: int, paging: Query[Paging]) -> dict[str, Any]:
    user = _user(request)
    return _page(queries.allocations(user, _fund(user, fund_id)), paging)


@router.post(
    "/{int:fund_id}/allocations",
    response={201: AllocationOut},
    summary="Allocate budget to a use (Idempotency-Key required)",
)
def create_allocation(
    request: HttpRequest, fund_id: int, body: AllocationIn, idempotency_key: str = KEY
) -> Status:
    user = _user(request)
    fund = _fund(user, fund_id)
    _runner(user)
    uses = FundUse.objects.filter(fund=fund)
    allocation = services.allocation_create(
        actor=user,
        fund=fund,
        use=_need_ref(uses, body.use_id, "use_id", "이 기금의 용도"),
        source_use=_ref(uses, body.source_use_id, "source_use_id", "이 기금의 용도"),
        amount=body.amount,
        allocated_on=body.allocated_on,
        memo=body.memo,
        idempotency_key=idempotency_key,
        source="api",
    )
    return Status(201, allocation)


@router.post("/{int:fund_id}/allocations/{int:allocation_id}/reverse", response=AllocationOut)
def reverse_allocation(
    request: HttpRequest,
    fund_id: int,
    allocation_id: int,
    body: ReverseIn,
    idempotency_key: str = KEY,
) -> Allocation:
    user = _user(request)
    allocation = _found(Allocation.objects.filter(fund=_fund(user, fund_id)), allocation_id, "배정")
    return services.allocation_reverse(
        actor=user,
        allocation=allocation,
        reason=body.reason,
        reversed_on=body.reversed_on,
        idempotency_key=idempotency_key,
        source="api",
    )


# -- disbursements ------------------------------------------------------------------------------


@router.get(
    "/disbursements",
    response=DisbursementPage,
    summary="Disbursements you may see (a partner user: those to its company)",
)
def list_disbursements(request: HttpRequest, filters: Query[DisbursementQuery]) -> dict[str, Any]:
    qs = queries.disbursements(
        _user(request),
        queries.DisbursementFilters(
            fund=filters.fund, use=filters.use, partner=filters.partner, status=filters.status
        ),
    )
    return _page(qs.prefetch_related("legs"), filters)


@router.post(
    "/{int:fund_id}/disbursements",
    response={201: DisbursementOut},
    summary="Request a disbursement to a partner (reserves the amount; Idempotency-Key required)",
)
def request_disbursement(
    request: HttpRequest, fund_id: int, body: DisbursementIn, idempotency_key: str = KEY
) -> Status:
    user = _user(request)
    fund = _fund(user, fund_id)
    _runner(user)
    disbursement = services.disbursement_request(
        actor=user,
        fund=fund,
        use=_need_ref(FundUse.objects.filter(fund=fund), body.use_id, "use_id", "이 기금의 용도"),
        partner=_need_ref(Company.objects.all(), body.partner_id, "partner_id", "기업"),
        amount=body.amount,
        purpose=body.purpose,
        idempotency_key=idempotency_key,
        source="api",
    )
    return Status(201, disbursement)


@router.get("/disbursements/{int:disbursement_id}", response=DisbursementOut)
def get_disbursement(request: HttpRequest, disbursement_id: int) -> Disbursement:
    return _disbursement(_user(request), disbursement_id)


@router.post("/disbursements/{int:disbursement_id}/approve", response=DisbursementOut)
def approve_disbursement(
    request: HttpRequest, disbursement_id: int, idempotency_key: str = KEY
) -> Disbursement:
    user = _user(request)
    return services.disbursement_approve(
        actor=user,
        disbursement=_disbursement(user, disbursement_id),
        idempotency_key=idempotency_key,
        source="api",
    )


@router.post("/disbursements/{int:disbursement_id}/pay", response=DisbursementOut)
def pay_disbursement(
    request: HttpRequest, disbursement_id: int, body: PayIn, idempotency_key: str = KEY
) -> Disbursement:
    user = _user(request)
    return services.disbursement_pay(
        actor=user,
        disbursement=_disbursement(user, disbursement_id),
        paid_on=body.paid_on or today_kst(),
        idempotency_key=idempotency_key,
        source="api",
    )


@router.post("/disbursements/{int:disbursement_id}/reject", response=DisbursementOut)
def reject_disbursement(
    request: HttpRequest, disbursement_id: int, body: ReasonIn, idempotency_key: str = KEY
) -> Disbursement:
    user = _user(request)
    return services.disbursement_reject(
        actor=user,
        disbursement=_disbursement(user, disbursement_id),
        reason=body.reason,
        idempotency_key=idempotency_key,
        source="api",
    )


@router.post("/disbursements/{int:disbursement_id}/reverse", response=DisbursementOut)
def reverse_disbursement(
    request: HttpRequest, disbursement_id: int, body: ReverseIn, idempotency_key: str = KEY
) -> Disbursement:
    user = _user(request)
    return services.disbursement_reverse(
        actor=user,
        disbursement=_disbursement(user, disbursement_id),
        reason=body.reason,
        reversed_on=body.reversed_on,
        idempotency_key=idempotency_key,
        source="api",
    )


@router.post(
    "/disbursements/{int:disbursement_id}/refunds",
    response={201: RefundOut},
    summary="Record money a partner returned",
)
def refund_disbursement(
    request: HttpRequest, disbursement_id: int, body: RefundIn, idempotency_key: str = KEY
) -> Status:
    user = _user(request)
    refund = services.refund_from_partner(
        actor=user,
        disbursement=_disbursement(user, disbursement_id),
        amount=body.amount,
        refunded_on=body.refunded_on,
        memo=body.memo,
        idempotency_key=idempotency_key,
        source="api",
    )
    return Status(201, refund)


# -- refunds ------------------------------------------------------------------------------------


@router.get("/refunds", response=RefundPage, summary="Refunds you may see")
def list_refunds(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    return _page(queries.refunds(_user(request)), paging)


@router.post("/refunds/{int:refund_id}/reverse", response=RefundOut)
def reverse_refund(
    request: HttpRequest, refund_id: int, body: ReverseIn, idempotency_key: str = KEY
) -> Refund:
    user = _user(request)
    refund = _found(queries.refunds(user), refund_id, "반환")
    return services.refund_reverse(
        actor=user,
        refund=refund,
        reason=body.reason,
        reversed_on=body.reversed_on,
        idempotency_key=idempotency_key,
        source="api",
    )


# -- statement ----------------------------------------------------------------------------------


@router.get(
    "/{int:fund_id}/statement", response=StatementOut, summary="Fund statement for a period"
)
def statement(request: HttpRequest, fund_id: int, period: Query[PeriodQuery]) -> dict[str, Any]:
    fund = _fund(_user(request), fund_id)
    start, end = _period(period)
    return _statement_out(fund_statement(fund, start, end, details=False))


@router.get("/{int:fund_id}/statement.xlsx", summary="Fund statement as an Excel workbook")
def statement_xlsx(request: HttpRequest, fund_id: int, period: Query[PeriodQuery]) -> HttpResponse:
    fund = _fund(_user(request), fund_id)
    start, end = _period(period)
    return reports.xlsx_response(fund_statement(fund, start, end))


@router.get("/{int:fund_id}/statement.pdf", summary="Fund statement as a PDF")
def statement_pdf(request: HttpRequest, fund_id: int, period: Query[PeriodQuery]) -> HttpResponse:
    fund = _fund(_user(request), fund_id)
    start, end = _period(period)
    return reports.pdf_response(fund_statement(fund, start, end))
