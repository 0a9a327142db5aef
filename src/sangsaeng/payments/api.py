"""Win-win payment over the API (``/api/v1/payments``).

Every write is idempotent: send an ``Idempotency-Key`` header (or an ``idempotency_key`` body
field); a retried request returns the same result and posts once; the same key with different
content is refused (409 ``idempotency_key_reused``). A partner user sees and acts on its own
company's holdings only; anything else answers 404, as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from sangsaeng.accounts.models import User
from sangsaeng.accounts.permissions import require
from sangsaeng.api.validation import Won
from sangsaeng.lib.errors import DomainError, NotFound
from sangsaeng.partners.models import Company
from sangsaeng.payments import permissions as perms
from sangsaeng.payments import queries, ratio, services
from sangsaeng.payments.models import Claim, Operation, OtherPayment, Programme

router = Router(tags=["payments"])
MAX_ID = 2**63 - 1


# -- schemas --------------------------------------------------------------------------------------


class Keyed(Schema):
    idempotency_key: str | None = Field(None, max_length=200)


class PricingIn(Schema):
    base_rate: str | float = Field(..., description='% a year, e.g. "3.50"')
    spread_tiers: list[Any] = Field(
        ...,
        description="[[max_days, spread], ...]; the last max_days may be null, "
        'e.g. [[30, "1.3"], [null, "1.5"]]',
    )
    system_fee: str | float
    day_count: int = 365
    rounding: str = Field("floor", description="floor | half_up | ceil")
    max_term_days: int = 365


class ProgrammeIn(Keyed, PricingIn):
    name: str = Field(..., max_length=200)
    buyer_id: int
    bank_id: int
    opened_on: dt.date | None = None


class ProgrammeOut(Schema):
    id: int
    name: str
    buyer_id: int
    buyer_name: str
    bank_id: int
    bank_name: str
    opened_on: dt.date
    base_rate: str
    spread_tiers: list[dict[str, Any]]
    system_fee: str
    day_count: int
    rounding: str
    max_term_days: int

    @staticmethod
    def resolve_buyer_name(obj: Programme) -> str:
        return obj.buyer.name

    @staticmethod
    def resolve_bank_name(obj: Programme) -> str:
        return obj.bank.name

    @staticmethod
    def resolve_base_rate(obj: Programme) -> str:
        return str(obj.base_rate)

    @staticmethod
    def resolve_system_fee(obj: Programme) -> str:
        return str(obj.system_fee)


class FiguresOut(Schema):
    escrow: int
    free_deposit: int
    outstanding: int
    bank_advances: int
    bank_income: int
    open_trees: int
    settled_trees: int


class ProgrammeDetail(ProgrammeOut):
    figures: FiguresOut


class MoneyIn(Keyed):
    amount: Won
    value_date: dt.date | None = None


class IssueIn(MoneyIn):
    holder_id: int
    maturity: dt.date
    memo: str = Field("", max_length=200)


class SplitIn(MoneyIn):
    to_id: int


class CashOutIn(Keyed):
    amount: Won | None = Field(None, description="default: everything the holder still has")
    value_date: dt.date | None = None
    expected_advance: Won | None = Field(
        None, description="the quote's advance, to refuse a changed price"
    )


class SettleIn(Keyed):
    value_date: dt.date | None = None


class ReverseIn(Keyed):
    value_date: dt.date | None = None
    reason: str = Field("", max_length=200)


class BatchOpIn(Schema):
    kind: str = Field(..., max_length=10, description="issue | split | cash_out")
    idempotency_key: str = Field(..., max_length=200)
    amount: Won | None = None
    value_date: dt.date | None = None
    claim_id: int | None = None
    parent_ref: int | None = Field(None, description="index of an earlier operation here")
    company_id: int | None = Field(None, description="holder (issue) or recipient (split)")
    maturity: dt.date | None = None


class BatchIn(Schema):
    operations: list[BatchOpIn] = Field(..., max_length=5000)


class OperationOut(Schema):
    id: int
    kind: str
    idempotency_key: str
    programme_id: int
    claim_id: int | None
    result_claim_id: int | None
    company_id: int | None
    counterparty_id: int | None
    amount: int
    value_date: dt.date
    transaction_id: int | None
    details: dict[str, Any]
    created_at: dt.datetime


class ClaimOut(Schema):
    id: int
    programme_id: int
    parent_id: int | None
    root_id: int | None
    kind: str
    holder_id: int
    holder_name: str
    tier: int
    amount: int
    remaining: int
    issue_date: dt.date
    maturity: dt.date
    last_op_date: dt.date
    settled_on: dt.date | None
    reversed_on: dt.date | None

    @staticmethod
    def resolve_holder_name(obj: Claim) -> str:
        return obj.holder.name


class ClaimDetail(ClaimOut):
    received_from: str
    nodes: list[ClaimOut]


class QuoteOut(Schema):
    claim_id: int
    value_date: dt.date
    amount: int
    days: int
    day_count: int
    rounding: str
    base_rate: str
    spread: str
    system_fee: str
    annual_rate: str
    discount: int
    fee: int
    interest: int
    advance: int


class QuoteQuery(Schema):
    amount: int | None = None
    value_date: dt.date | None = None


class ClaimQuery(Schema):
    programme: int | None = Field(None, ge=1, le=MAX_ID)
    holder: int | None = Field(None, ge=1, le=MAX_ID)
    settled: bool = False
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10**9)


class ClaimPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ClaimOut]


class TierOut(Schema):
    tier: int
    nodes: int
    holders: int
    amount: int
    retained: int


class PayoutOut(Schema):
    id: int
    claim_id: int
    amount: int
    paid_on: dt.date


class HoldingsOut(Schema):
    company_id: int
    total_retained: int
    claims: list[ClaimOut]
    history: list[OperationOut]
    payouts: list[PayoutOut]


class InsolvencyIn(Schema):
    company_id: int
    declared_on: dt.date | None = None
    note: str = Field("", max_length=300)


class InsolvencyOut(Schema):
    id: int
    company_id: int
    declared_on: dt.date
    note: str


class OtherIn(Keyed):
    partner_id: int
    direction: str = Field(..., max_length=20, description="received | paid (수령 | 지급)")
    method: str = Field(..., max_length=20, description="cash | winwin | note | card | other")
    period_start: dt.date
    period_end: dt.date
    amount: Won
    counterparty: str = Field("", max_length=200)
    note: str = Field("", max_length=300)


class OtherOut(Schema):
    id: int
    partner_id: int
    direction: str
    method: str
    period_start: dt.date
    period_end: dt.date
    amount: int
    counterparty: str
    note: str
    source: str


class OtherQuery(Schema):
    partner: int | None = Field(None, ge=1, le=MAX_ID)
    start: dt.date | None = None
    end: dt.date | None = None
    limit: int = Field(200, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10**9)


class ImportOut(Schema):
    saved: int


class ImportProblemOut(Schema):
    row: int
    field: str | None
    code: str
    message: str


class ImportRefusedOut(Schema):
    code: str
    message: str
    errors: list[ImportProblemOut]


class RatioQuery(Schema):
    start: dt.date
    end: dt.date
    short_only: bool = False


class RatioOut(Schema):
    company_id: int
    company_name: str
    received_winwin: int
    received_total: int
    paid_cash_or_winwin: int
    paid_total: int
    received_share_pct: str | None
    paid_share_pct: str | None
    status: str


class SettleDueIn(Schema):
    as_of: dt.date | None = None


# -- helpers --------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _key(request: HttpRequest, body: Keyed | None = None) -> str:
    """The request's idempotency key: the header, or the body field; both must agree."""
    header = request.headers.get("Idempotency-Key")
    field = body.idempotency_key if body is not None else None
    if header and field and header.strip() != field.strip():
        raise DomainError(
            "idempotency_key_mismatch",
            "Idempotency-Key 헤더와 본문의 idempotency_key가 다릅니다.",
            field="idempotency_key",
        )
    return services.clean_key(header or field)


def _in_range(pk: int) -> bool:
    return 1 <= pk <= MAX_ID


def _programme(user: User, pk: int) -> Programme:
    """A programme's full figures are for staff readers; to anyone else it does not exist."""
    found = Programme.objects.select_related("buyer", "bank").filter(pk=pk).first()
    if not _in_range(pk) or found is None or not perms.can_read_all(user):
        raise NotFound("not_found", "상생결제 사업을 찾을 수 없습니다.")
    return found


def _claim(user: User, pk: int) -> Claim:
    if not _in_range(pk):
        raise NotFound("not_found", "채권을 찾을 수 없습니다.")
    qs = perms.visible_claims(user, Claim.objects.select_related("holder", "programme"))
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound("not_found", "채권을 찾을 수 없습니다.")
    return found


def _company(pk: int, field: str) -> Company:
    found = Company.objects.filter(pk=pk).first() if _in_range(pk) else None
    if found is None:
        raise NotFound("company_not_found", "기업을 찾을 수 없습니다.", field=field)
    return found


def _require_payments(user: User) -> None:
    require(perms.can_use_payments(user), "상생결제 정보를 볼 권한이 없습니다.")


def _pricing(body: PricingIn) -> dict[str, Any]:
    return body.dict(include={"base_rate", "spread_tiers", "system_fee", "day_count",
                              "rounding", "max_term_days"})  # fmt: skip


# -- programmes and escrow ------------------------------------------------------------------------


@router.get("/programmes", response=list[ProgrammeOut], summary="List programmes")
def list_programmes(request: HttpRequest) -> list[Programme]:
    user = _user(request)
    _require_payments(user)
    return list(queries.programmes(user)[:500])


@router.post("/programmes", response={201: ProgrammeOut}, summary="Open a programme")
def open_programme(request: HttpRequest, body: ProgrammeIn) -> Status:
    user = _user(request)
    perms.require_manage(user)
    programme = services.programme_open(
        actor=user, buyer=_company(body.buyer_id, "buyer_id"),
        bank=_company(body.bank_id, "bank_id"),
        name=body.name, opened_on=body.opened_on, settings=_pricing(body),
        idempotency_key=_key(request, body), source="api",
    )  # fmt: skip
    return Status(201, programme)


@router.get("/programmes/{programme_id}", response=ProgrammeDetail)
def get_programme(request: HttpRequest, programme_id: int) -> Programme:
    programme = _programme(_user(request), programme_id)
    programme.figures = queries.figures(programme)  # type: ignore[attr-defined]
    return programme


@router.put("/programmes/{programme_id}/pricing", response=ProgrammeOut, summary="Change pricing")
def set_pricing(request: HttpRequest, programme_id: int, body: PricingIn) -> Programme:
    """Idempotent by nature: the same settings again change nothing."""
    user = _user(request)
    programme = _programme(user, programme_id)
    return services.programme_set_pricing(
        actor=user, programme=programme, settings=_pricing(body), source="api"
    )


@router.post("/programmes/{programme_id}/deposits", response={201: OperationOut})
def deposit(request: HttpRequest, programme_id: int, body: MoneyIn) -> Status:
    user = _user(request)
    op = services.escrow_deposit(
        actor=user, programme=_programme(user, programme_id), amount=body.amount,
        value_date=body.value_date, idempotency_key=_key(request, body),
    )  # fmt: skip
    return Status(201, op)


@router.post("/programmes/{programme_id}/withdrawals", response={201: OperationOut})
def withdraw(request: HttpRequest, programme_id: int, body: MoneyIn) -> Status:
    user = _user(request)
    op = services.escrow_withdraw(
        actor=user, programme=_programme(user, programme_id), amount=body.amount,
        value_date=body.value_date, idempotency_key=_key(request, body),
    )  # fmt: skip
    return Status(201, op)


@router.post("/programmes/{programme_id}/claims", response={201: OperationOut}, summary="Issue")
def issue(request: HttpRequest, programme_id: int, body: IssueIn) -> Status:
    user = _user(request)
    op = services.claim_issue(
        actor=user, programme=_programme(user, programme_id),
        holder=_company(body.holder_id, "holder_id"), amount=body.amount, maturity=body.maturity,
        value_date=body.value_date, idempotency_key=_key(request, body), memo=body.memo,
    )  # fmt: skip
    return Status(201, op)


@router.post(
    "/programmes/{programme_id}/operations",
    response={201: list[OperationOut]},
    summary="Many issues, pass-ons and cash-outs at once, all or nothing",
)
def batch(request: HttpRequest, programme_id: int, body: BatchIn) -> Status:
    """Each operation carries its own idempotency key; a retried batch posts only what was
    not posted before. A refusal names the operation (``operations[i]``) and posts nothing."""
    user = _user(request)
    specs = [services.OpSpec(**op.dict()) for op in body.operations]
    ops = services.operations_post_many(
        actor=user, programme=_programme(user, programme_id), operations=specs
    )
    return Status(201, ops)


@router.get("/programmes/{programme_id}/tiers", response=list[TierOut])
def tiers(request: HttpRequest, programme_id: int, settled: bool = False) -> list[Any]:
    return queries.tier_summary(_programme(_user(request), programme_id), settled=settled)


# -- claims ---------------------------------------------------------------------------------------


@router.get("/claims", response=ClaimPage, summary="Claims the user may see")
def list_claims(request: HttpRequest, filters: Query[ClaimQuery]) -> dict[str, Any]:
    user = _user(request)
    _require_payments(user)
    qs = perms.visible_claims(user, Claim.objects.select_related("holder"))
    qs = qs.filter(settled_on__isnull=not filters.settled)
    if filters.programme:
        qs = qs.filter(programme_id=filters.programme)
    if filters.holder:
        qs = qs.filter(holder_id=filters.holder)
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": list(
            qs.order_by("maturity", "pk")[filters.offset : filters.offset + filters.limit]
        ),
    }


@router.get("/claims/{claim_id}", response=ClaimDetail)
def get_claim(request: HttpRequest, claim_id: int) -> Claim:
    """The claim and, for staff, its whole tree; for its holder, the claim and what it made
    of it (the nodes it passed on or cashed out), nothing further down."""
    user = _user(request)
    claim = _claim(user, claim_id)
    if perms.can_read_all(user):
        nodes = queries.tree(claim)
    else:
        nodes = [claim, *claim.children.select_related("holder").order_by("pk")]
    parent = claim.parent
    claim.received_from = parent.holder.name if parent else claim.programme.buyer.name  # type: ignore[attr-defined]
    claim.nodes = nodes  # type: ignore[attr-defined]
    return claim


@router.post("/claims/{claim_id}/splits", response={201: OperationOut}, summary="Pass on")
def split_claim(request: HttpRequest, claim_id: int, body: SplitIn) -> Status:
    user = _user(request)
    op = services.claim_split(
        actor=user, claim=_claim(user, claim_id), to=_company(body.to_id, "to_id"),
        amount=body.amount, value_date=body.value_date, idempotency_key=_key(request, body),
    )  # fmt: skip
    return Status(201, op)


@router.get("/claims/{claim_id}/quote", response=QuoteOut, summary="Price an early cash-out")
def quote(request: HttpRequest, claim_id: int, params: Query[QuoteQuery]) -> dict[str, Any]:
    user = _user(request)
    claim = _claim(user, claim_id)
    perms.require_act_for(user, claim.holder_id)
    q = services.cash_out_quote(claim=claim, amount=params.amount, value_date=params.value_date)
    day = params.value_date or claim.maturity - dt.timedelta(days=q.days)
    return {"claim_id": claim.pk, "value_date": day, **q.as_json()}


@router.post("/claims/{claim_id}/cash-out", response={201: OperationOut}, summary="Cash out")
def cash_out(request: HttpRequest, claim_id: int, body: CashOutIn) -> Status:
    user = _user(request)
    op = services.claim_cash_out(
        actor=user, claim=_claim(user, claim_id), amount=body.amount, value_date=body.value_date,
        idempotency_key=_key(request, body), expected_advance=body.expected_advance,
    )  # fmt: skip
    return Status(201, op)


@router.post("/claims/{claim_id}/settle", response={201: OperationOut}, summary="Settle a tree")
def settle(request: HttpRequest, claim_id: int, body: SettleIn) -> Status:
    user = _user(request)
    perms.require_manage(user)
    op = services.claim_settle(
        actor=user, claim=_claim(user, claim_id), value_date=body.value_date,
        idempotency_key=_key(request, body),
    )  # fmt: skip
    return Status(201, op)


@router.post(
    "/claims/{claim_id}/reverse",
    response={201: OperationOut},
    summary="Reverse an untouched issue or pass-on",
)
def reverse(request: HttpRequest, claim_id: int, body: ReverseIn) -> Status:
    """The buyer's operators undo the issue or pass-on that made an untouched claim (nothing
    passed on or cashed out from it, not settled); the money goes back. Refused: 409
    ``claim_touched``, ``already_reversed``, ``cash_out_not_reversible``; 403 ``forbidden``."""
    user = _user(request)
    perms.require_manage(user)
    op = services.claim_reverse(
        actor=user, claim=_claim(user, claim_id), value_date=body.value_date,
        idempotency_key=_key(request, body), reason=body.reason,
    )  # fmt: skip
    return Status(201, op)


@router.post("/settle-due", response=list[OperationOut], summary="Settle every tree due")
def settle_due(request: HttpRequest, body: SettleDueIn) -> list[Operation]:
    """Idempotent by nature: each tree is settled once, under the key ``settle:<root id>``."""
    user = _user(request)
    perms.require_manage(user)
    return services.settle_due(as_of=body.as_of, actor=user)


# -- holdings, insolvency -------------------------------------------------------------------------


@router.get("/companies/{company_id}/holdings", response=HoldingsOut)
def holdings(request: HttpRequest, company_id: int, settled: bool = False) -> dict[str, Any]:
    user = _user(request)
    if not _in_range(company_id) or not perms.can_view_company(user, company_id):
        raise NotFound("not_found", "기업을 찾을 수 없습니다.")
    if not Company.objects.filter(pk=company_id).exists():
        raise NotFound("not_found", "기업을 찾을 수 없습니다.")
    return {
        "company_id": company_id,
        "total_retained": queries.holdings_total(user, company_id),
        "claims": list(queries.holdings(user, company_id, settled=settled)[:500]),
        "history": list(queries.history(user, company_id)),
        "payouts": list(queries.payouts(user, company_id)),
    }


@router.post("/insolvencies", response={201: InsolvencyOut}, summary="Mark a company bankrupt")
def declare_insolvency(request: HttpRequest, body: InsolvencyIn) -> Status:
    """Idempotent by nature: the same company and date give the same record."""
    user = _user(request)
    perms.require_manage(user)
    record = services.insolvency_declare(
        actor=user, company=_company(body.company_id, "company_id"),
        declared_on=body.declared_on, note=body.note, source="api",
    )  # fmt: skip
    return Status(201, record)


# -- ratio rule and payments by other means -------------------------------------------------------


@router.get("/ratio", response=list[RatioOut], summary="Ratio rule (제22조 제5항)")
def ratio_rule(request: HttpRequest, params: Query[RatioQuery]) -> list[dict[str, Any]]:
    user = _user(request)
    require(perms.can_read_all(user), "상생결제 비율 보고서를 볼 권한이 없습니다.")
    rows = ratio.ratio_report(params.start, params.end)
    if params.short_only:
        rows = [r for r in rows if r.status == "short"]
    return [
        {
            "company_id": r.company.pk,
            "company_name": r.company.name,
            "received_winwin": r.received_winwin,
            "received_total": r.received_total,
            "paid_cash_or_winwin": r.paid_winwin + r.paid_cash,
            "paid_total": r.paid_total,
            "received_share_pct": _pct(r.received_share),
            "paid_share_pct": _pct(r.paid_share),
            "status": r.status,
        }
        for r in rows
    ]


def _pct(share: Any) -> str | None:
    value = ratio.percent(share)
    return None if value is None else str(value)


@router.get("/other-payments", response=list[OtherOut])
def list_other(request: HttpRequest, filters: Query[OtherQuery]) -> list[OtherPayment]:
    user = _user(request)
    require(perms.can_read_all(user), "권한이 없습니다.")
    qs = OtherPayment.objects.all()
    if filters.partner:
        qs = qs.filter(partner_id=filters.partner)
    if filters.start:
        qs = qs.filter(period_start__gte=filters.start)
    if filters.end:
        qs = qs.filter(period_end__lte=filters.end)
    return list(qs[filters.offset : filters.offset + filters.limit])


@router.post("/other-payments", response={201: OtherOut}, summary="Record payments by other means")
def create_other(request: HttpRequest, body: OtherIn) -> Status:
    user = _user(request)
    perms.require_manage(user)
    record = ratio.other_payment_record(
        actor=user, partner=_company(body.partner_id, "partner_id"),
        data=body.dict(exclude={"partner_id", "idempotency_key"}), source="api",
        idempotency_key=_key(request, body),
    )  # fmt: skip
    return Status(201, record)


@router.post(
    "/other-payments/import",
    response={201: ImportOut, 422: ImportRefusedOut},
    summary="Import payments by other means from xlsx",
)
def import_other(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """Columns (row 1): 사업자등록번호, 구분 (수령/지급), 결제수단 (현금/상생결제/어음/카드/기타),
    기간시작, 기간끝, 금액, and optionally 거래상대, 메모. All rows or none are saved."""
    user = _user(request)
    perms.require_manage(user)
    try:
        saved = ratio.other_payments_import(
            actor=user, file=file, source="xlsx", idempotency_key=_key(request)
        )
    except ratio.ImportRefused as exc:
        problems = [p.__dict__ for p in exc.problems[:1000]]
        return Status(422, {"code": exc.code, "message": exc.message, "errors": problems})
    return Status(201, {"saved": saved})


# After the import route: "/other-payments/{record_id}" would otherwise catch "import".
@router.delete("/other-payments/{record_id}", response={204: None})
def delete_other(request: HttpRequest, record_id: int) -> Status:
    user = _user(request)
    perms.require_manage(user)
    record = OtherPayment.objects.filter(pk=record_id).first() if _in_range(record_id) else None
    if record is None:
        raise NotFound("not_found", "기록을 찾을 수 없습니다.")
    ratio.other_payment_delete(actor=user, record=record, source="api")
    return Status(204, None)
