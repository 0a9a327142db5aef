"""Writes to the partner registry. Each function is one transaction and leaves audit entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from sangsaeng.accounts import permissions
from sangsaeng.accounts.audit import audit_record, diff, snapshot
from sangsaeng.accounts.models import AuditAction, User
from sangsaeng.lib.errors import Conflict
from sangsaeng.locking import lock_company, lock_supply_graph, lock_supply_link
from sangsaeng.partners import queries
from sangsaeng.partners.models import Company, SupplyLink, Tag
from sangsaeng.partners.validation import (
    FieldError,
    FieldErrors,
    clean_company,
    clean_int,
    clean_link_date,
    clean_tags,
)

COMPANY_FIELDS = (
    "name",
    "name_en",
    "brn",
    "kind",
    "ksic_code",
    "region",
    "address",
    "founded_on",
    "employees",
    "annual_revenue",
    "is_active",
)
# A partner user keeps its own profile up to date but cannot change who it is in the registry.
# Who a company is in the registry, and the buyer's labels for it (a tag such as "ACE CLUB"
# marks council membership), are the operators' to change, not the partner's own users'.
PARTNER_LOCKED_FIELDS = {"brn", "kind", "is_active", "tags"}
LINK_FIELDS = ("buyer", "supplier", "start_date", "end_date", "annual_volume")


def _company_snapshot(company: Company) -> dict[str, Any]:
    data = snapshot(company, COMPANY_FIELDS)
    data["tags"] = sorted(t.name for t in company.tags.all()) if company.pk else []
    return data


def _changes(company: Company, field: str, value: Any) -> bool:
    """Would ``value`` change ``company``'s ``field`` (tags: as a set of cleaned names)?"""
    if field == "tags":
        return sorted(clean_tags(value)) != sorted(t.name for t in company.tags.all())
    return bool(value != getattr(company, field, value))


def _brn_taken(brn: str, exclude_pk: int | None = None) -> bool:
    qs = Company.objects.filter(brn=brn)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _duplicate_brn() -> FieldErrors:
    return FieldErrors(
        [FieldError("brn_duplicate", "이미 등록된 사업자등록번호입니다.", field="brn")]
    )


def set_tags(company: Company, names: list[str]) -> None:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in names]
    company.tags.set(tags)


def company_create(*, actor: User, data: dict[str, Any], source: str = "web") -> Company:
    permissions.require(permissions.can_edit_registry(actor), "기업을 등록할 권한이 없습니다.")
    cleaned = clean_company(data)
    tags = cleaned.pop("tags", [])
    with transaction.atomic():
        if _brn_taken(cleaned["brn"]):
            raise _duplicate_brn()
        company = Company(**cleaned)
        try:
            with transaction.atomic():
                company.save()
        except IntegrityError as exc:  # a concurrent create with the same BRN won the race
            raise _duplicate_brn() from exc
        set_tags(company, tags)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=company,
            changes=diff({}, _company_snapshot(company)),
            source=source,
        )
    return company


def company_update(
    *, actor: User, company: Company, data: dict[str, Any], source: str = "web"
) -> Company:
    permissions.require(permissions.can_edit_company(actor, company))
    if permissions.role_of(actor) == "partner":
        locked = {k for k in PARTNER_LOCKED_FIELDS & set(data) if _changes(company, k, data[k])}
        if locked:
            raise FieldErrors(
                [
                    FieldError(
                        "field_locked", "협력사 사용자는 변경할 수 없는 항목입니다.", field=f
                    )
                    for f in sorted(locked)
                ]
            )
    cleaned = clean_company(data, partial=True)
    with transaction.atomic():
        company = lock_company(company.pk)
        before = _company_snapshot(company)
        if "brn" in cleaned and _brn_taken(cleaned["brn"], exclude_pk=company.pk):
            raise _duplicate_brn()
        tags = cleaned.pop("tags", None)
        for field, value in cleaned.items():
            setattr(company, field, value)
        company.save()
        if tags is not None:
            set_tags(company, tags)
        changes = diff(before, _company_snapshot(company))
        if changes:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=company,
                changes=changes,
                source=source,
            )
    return company


def company_delete(*, actor: User, company: Company, source: str = "web") -> None:
    """Delete a company that nothing refers to; otherwise ask to deactivate it instead."""
    permissions.require(permissions.can_edit_registry(actor), "기업을 삭제할 권한이 없습니다.")
    with transaction.atomic():
        if (
            SupplyLink.objects.filter(buyer=company).exists()
            or SupplyLink.objects.filter(supplier=company).exists()
            or company.users.exists()
        ):
            raise Conflict(
                "company_in_use",
                "공급망 연결이나 사용자가 있는 기업은 삭제할 수 없습니다. 비활성으로 바꾸세요.",
            )
        before = _company_snapshot(company)
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            instance=company,
            changes=diff({}, before),
            source=source,
        )
        company.delete()


def _clean_link(data: dict[str, Any], partial: bool = False) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: list[FieldError] = []
    checks = {
        "start_date": lambda v: clean_link_date(v, "start_date", required=True),
        "end_date": lambda v: clean_link_date(v, "end_date"),
        "annual_volume": lambda v: clean_int(v, "annual_volume", maximum=10**15) or 0,
    }
    for field, check in checks.items():
        if field in data:
            try:
                cleaned[field] = check(data[field])
            except FieldError as exc:
                errors.append(exc)
        elif field == "start_date" and not partial:
            errors.append(FieldError("required", "시작일을 입력하세요.", field=field))
    if errors:
        raise FieldErrors(errors)
    return cleaned


def check_link_dates(start: dt.date, end: dt.date | None) -> None:
    if end is not None and end < start:
        raise FieldErrors(
            [FieldError("end_before_start", "종료일이 시작일보다 빠릅니다.", field="end_date")]
        )


def check_no_cycle(buyer: Company, supplier: Company) -> None:
    """Refuse a link that would close a loop in the supply graph."""
    if buyer.pk == supplier.pk:
        raise Conflict(
            "supply_self", "기업은 자기 자신의 협력사가 될 수 없습니다.", field="supplier"
        )
    if queries.reaches(supplier.pk, buyer.pk):
        raise Conflict(
            "supply_cycle",
            f"'{supplier}'은(는) 이미 '{buyer}'의 상위(구매) 쪽에 있어, 이 연결은 순환을 만듭니다.",
            field="supplier",
        )


def supply_link_create(
    *, actor: User, buyer: Company, supplier: Company, data: dict[str, Any], source: str = "web"
) -> SupplyLink:
    permissions.require(permissions.can_edit_registry(actor), "공급망을 변경할 권한이 없습니다.")
    cleaned = _clean_link(data)
    check_link_dates(cleaned["start_date"], cleaned.get("end_date"))
    with transaction.atomic():
        lock_supply_graph()
        if SupplyLink.objects.filter(buyer=buyer, supplier=supplier).exists():
            raise Conflict("supply_link_exists", "이미 등록된 공급 관계입니다.", field="supplier")
        check_no_cycle(buyer, supplier)
        link = SupplyLink.objects.create(buyer=buyer, supplier=supplier, **cleaned)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=link,
            changes=diff({}, snapshot(link, LINK_FIELDS)),
            source=source,
        )
    return link


def supply_link_update(
    *, actor: User, link: SupplyLink, data: dict[str, Any], source: str = "web"
) -> SupplyLink:
    permissions.require(permissions.can_edit_registry(actor), "공급망을 변경할 권한이 없습니다.")
    cleaned = _clean_link(data, partial=True)
    with transaction.atomic():
        link = lock_supply_link(link.pk)
        before = snapshot(link, LINK_FIELDS)
        for field, value in cleaned.items():
            setattr(link, field, value)
        check_link_dates(link.start_date, link.end_date)
        link.save()
        changes = diff(before, snapshot(link, LINK_FIELDS))
        if changes:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=link,
                changes=changes,
                source=source,
            )
    return link


def supply_link_delete(*, actor: User, link: SupplyLink, source: str = "web") -> None:
    permissions.require(permissions.can_edit_registry(actor), "공급망을 변경할 권한이 없습니다.")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            instance=link,
            changes=diff({}, snapshot(link, LINK_FIELDS)),
            source=source,
        )
        link.delete()
