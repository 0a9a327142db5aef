"""Companies and supply links over the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from sangsaeng.accounts import permissions
from sangsaeng.accounts.models import User
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import DomainError, NotFound
from sangsaeng.partners import queries, services
from sangsaeng.partners.models import MAX_EMPLOYEES, MAX_WON, Company, SupplyLink

router = Router(tags=["partners"])
MAX_ID = 2**63 - 1
NOT_NULLABLE = {"name", "brn", "kind", "ksic_code", "region", "is_active", "tags"}


class CompanyOut(Schema):
    id: int
    name: str
    name_en: str
    brn: str
    kind: str
    ksic_code: str
    region: str
    address: str
    founded_on: dt.date | None
    employees: int | None
    annual_revenue: int | None
    tags: list[str]
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_tags(obj: Company) -> list[str]:
        return [t.name for t in obj.tags.all()]


class CompanyIn(Schema):
    name: str = Field(..., max_length=200)
    name_en: str = Field("", max_length=200)
    brn: str = Field(..., max_length=20, description="10 digits; dashes allowed")
    kind: str = Field(..., max_length=20)
    ksic_code: str = Field(..., max_length=10)
    region: str = Field(..., max_length=30)
    address: str = Field("", max_length=300)
    founded_on: dt.date | None = None
    employees: int | None = Field(None, ge=0, le=MAX_EMPLOYEES)
    annual_revenue: int | None = Field(None, ge=0, le=MAX_WON)
    tags: list[str] = Field(default_factory=list, max_length=50)
    is_active: bool = True


class CompanyPatch(Schema):
    name: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    brn: str | None = Field(None, max_length=20)
    kind: str | None = Field(None, max_length=20)
    ksic_code: str | None = Field(None, max_length=10)
    region: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=300)
    founded_on: dt.date | None = None
    employees: int | None = Field(None, ge=0, le=MAX_EMPLOYEES)
    annual_revenue: int | None = Field(None, ge=0, le=MAX_WON)
    tags: list[str] | None = Field(None, max_length=50)
    is_active: bool | None = None


class CompanyQuery(Schema):
    q: str = Field("", max_length=100)
    kind: str = Field("", max_length=20)
    region: str = Field("", max_length=30)
    industry: str = Field("", max_length=5, pattern=r"^[0-9]*$")
    anchor: int | None = Field(None, ge=1, le=MAX_ID)
    tier: int | None = Field(None, ge=1, le=20)
    active: bool | None = None
    tag: str = Field("", max_length=50)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


class CompanyPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CompanyOut]


class ChainItem(Schema):
    level: int
    company: CompanyOut


class TierOut(Schema):
    company_id: int
    anchor_id: int
    as_of: dt.date
    tier: int | None


class LinkOut(Schema):
    id: int
    buyer_id: int
    supplier_id: int
    start_date: dt.date
    end_date: dt.date | None
    annual_volume: int


class LinkIn(Schema):
    buyer_id: int = Field(..., ge=1, le=MAX_ID)
    supplier_id: int = Field(..., ge=1, le=MAX_ID)
    start_date: dt.date
    end_date: dt.date | None = None
    annual_volume: int = Field(0, ge=0, le=MAX_WON)


class LinkPatch(Schema):
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    annual_volume: int | None = Field(None, ge=0, le=MAX_WON)


class LinkQuery(Schema):
    buyer: int | None = Field(None, ge=1, le=MAX_ID)
    supplier: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10**9)


class LinkPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[LinkOut]


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _company(user: User, company_id: int) -> Company:
    """The company if the user may see it; a partner asking for another gets 404, as if absent."""
    if not 1 <= company_id <= MAX_ID:
        raise NotFound("not_found", "기업을 찾을 수 없습니다.")
    company = (
        permissions.visible_companies(user, Company.objects.prefetch_related("tags"))
        .filter(pk=company_id)
        .first()
    )
    if company is None:
        raise NotFound("not_found", "기업을 찾을 수 없습니다.")
    return company


def _visible_links(user: User) -> QuerySet[SupplyLink]:
    qs = SupplyLink.objects.all()
    if permissions.role_of(user) == "partner":
        qs = qs.filter(Q(buyer_id=user.company_id) | Q(supplier_id=user.company_id))
    return qs


def _link(user: User, link_id: int) -> SupplyLink:
    if not 1 <= link_id <= MAX_ID:
        raise NotFound("not_found", "공급 관계를 찾을 수 없습니다.")
    link = _visible_links(user).select_related("buyer", "supplier").filter(pk=link_id).first()
    if link is None:
        raise NotFound("not_found", "공급 관계를 찾을 수 없습니다.")
    return link


@router.get("/companies", response=CompanyPage, summary="List and filter companies")
def list_companies(request: HttpRequest, filters: Query[CompanyQuery]) -> dict[str, Any]:
    user = _user(request)
    qs = queries.company_search(
        user,
        queries.CompanyFilters(
            q=filters.q,
            kind=filters.kind,
            region=filters.region,
            industry=filters.industry,
            anchor=filters.anchor,
            tier=filters.tier,
            active=filters.active,
            tag=filters.tag,
        ),
    )
    page = qs.prefetch_related("tags")[filters.offset : filters.offset + filters.limit]
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": list(page),
    }


@router.post("/companies", response={201: CompanyOut}, summary="Register a company")
def create_company(request: HttpRequest, body: CompanyIn) -> Status:
    company = services.company_create(actor=_user(request), data=body.dict(), source="api")
    return Status(201, company)


@router.get("/companies/{company_id}", response=CompanyOut)
def get_company(request: HttpRequest, company_id: int) -> Company:
    return _company(_user(request), company_id)


@router.patch("/companies/{company_id}", response=CompanyOut)
def update_company(request: HttpRequest, company_id: int, body: CompanyPatch) -> Company:
    user = _user(request)
    company = _company(user, company_id)
    data = body.dict(exclude_unset=True)
    if any(
        v is None
        for k, v in data.items()
        if k in {"name", "brn", "kind", "ksic_code", "region", "is_active", "tags"}
    ):
        raise DomainError("validation_error", "필수 항목은 null로 바꿀 수 없습니다.")
    services.company_update(actor=user, company=company, data=data, source="api")
    return _company(user, company_id)


@router.delete("/companies/{company_id}", response={204: None})
def delete_company(request: HttpRequest, company_id: int) -> Status:
    user = _user(request)
    services.company_delete(actor=user, company=_company(user, company_id), source="api")
    return Status(204, None)


@router.get("/companies/{company_id}/chain", response=list[ChainItem])
def company_chain(
    request: HttpRequest, company_id: int, direction: str = "down", as_of: dt.date | None = None
) -> list[dict[str, Any]]:
    """Suppliers below (``down``) or buyers above (``up``) the company, with their level."""
    user = _user(request)
    company = _company(user, company_id)
    if direction not in {"down", "up"}:
        raise DomainError("invalid_direction", "direction은 down 또는 up이어야 합니다.")
    if permissions.role_of(user) == "partner" and direction == "down":
        # A partner sees its own direct suppliers only, not its suppliers' suppliers.
        entries = [
            e for e in queries.supply_chain(company, direction="down", as_of=as_of) if e.level == 1
        ]
    elif permissions.role_of(user) == "partner":
        entries = [
            e for e in queries.supply_chain(company, direction="up", as_of=as_of) if e.level == 1
        ]
    else:
        entries = queries.supply_chain(company, direction=direction, as_of=as_of)
    return [{"level": e.level, "company": e.company} for e in entries]


@router.get("/companies/{company_id}/tier", response=TierOut)
def company_tier(
    request: HttpRequest, company_id: int, anchor: int, as_of: dt.date | None = None
) -> dict[str, Any]:
    """The company's tier below ``anchor`` (null when the anchor's chain does not reach it)."""
    user = _user(request)
    company = _company(user, company_id)
    if not 1 <= anchor <= MAX_ID or not Company.objects.filter(pk=anchor).exists():
        raise NotFound("anchor_not_found", "기준 기업을 찾을 수 없습니다.")
    day = as_of or today_kst()
    return {
        "company_id": company.pk,
        "anchor_id": anchor,
        "as_of": day,
        "tier": queries.tier_of(company.pk, anchor, as_of=day),
    }


@router.get("/supply-links", response=LinkPage, summary="List supply links")
def list_links(request: HttpRequest, filters: Query[LinkQuery]) -> dict[str, Any]:
    qs = _visible_links(_user(request))
    if filters.buyer:
        qs = qs.filter(buyer_id=filters.buyer)
    if filters.supplier:
        qs = qs.filter(supplier_id=filters.supplier)
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": list(qs[filters.offset : filters.offset + filters.limit]),
    }


@router.post("/supply-links", response={201: LinkOut}, summary="Link a supplier to a buyer")
def create_link(request: HttpRequest, body: LinkIn) -> Status:
    user = _user(request)
    permissions.require(permissions.can_edit_registry(user), "공급망을 변경할 권한이 없습니다.")
    buyer = _company(user, body.buyer_id)
    supplier = _company(user, body.supplier_id)
    data = body.dict(exclude={"buyer_id", "supplier_id"})
    link = services.supply_link_create(
        actor=user, buyer=buyer, supplier=supplier, data=data, source="api"
    )
    return Status(201, link)


@router.get("/supply-links/{link_id}", response=LinkOut)
def get_link(request: HttpRequest, link_id: int) -> SupplyLink:
    return _link(_user(request), link_id)


@router.patch("/supply-links/{link_id}", response=LinkOut)
def update_link(request: HttpRequest, link_id: int, body: LinkPatch) -> SupplyLink:
    user = _user(request)
    data = body.dict(exclude_unset=True)
    if data.get("start_date", 0) is None:
        raise DomainError("validation_error", "시작일은 비울 수 없습니다.")
    return services.supply_link_update(
        actor=user, link=_link(user, link_id), data=data, source="api"
    )


@router.delete("/supply-links/{link_id}", response={204: None})
def delete_link(request: HttpRequest, link_id: int) -> Status:
    user = _user(request)
    services.supply_link_delete(actor=user, link=_link(user, link_id), source="api")
    return Status(204, None)
