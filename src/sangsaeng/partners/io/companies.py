"""Importing companies from a file: validate every row, then upsert by BRN in one transaction.

A row whose BRN is already registered updates that company; only the columns present in the
file are compared and written, so a file with a few columns changes only those. A column that
is present but blank clears the value (``활성`` blank means active, as in the form).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from sangsaeng.accounts import permissions
from sangsaeng.accounts.audit import audit_bulk, diff, snapshot
from sangsaeng.accounts.models import AuditAction, User
from sangsaeng.lib import brn as brn_lib
from sangsaeng.locking import lock_companies
from sangsaeng.partners.io.common import (
    IN_CHUNK,
    PROGRESS_EVERY,
    WRITE_BATCH,
    Column,
    ErrorList,
    ImportResult,
    Progress,
    chunks,
    file_error,
    no_progress,
)
from sangsaeng.partners.io.reading import (
    HeaderMap,
    Source,
    Table,
    column_name,
    excel_serial_date,
    map_headers,
    open_table,
)
from sangsaeng.partners.models import Company, Tag
from sangsaeng.partners.services import COMPANY_FIELDS
from sangsaeng.partners.validation import (
    COMPANY_CLEANERS,
    REQUIRED_COMPANY_FIELDS,
    FieldError,
)

COMPANY_COLUMNS: tuple[Column, ...] = tuple(
    Column(f, label, aliases, required=f in REQUIRED_COMPANY_FIELDS)
    for f, label, aliases in (
        ("brn", "사업자등록번호", ("사업자번호",)),
        ("name", "기업명", ("회사명", "상호")),
        ("name_en", "영문명", ("영문 기업명",)),
        ("kind", "기업구분", ("구분",)),
        ("ksic_code", "업종코드(KSIC)", ("업종코드", "KSIC", "KSIC 코드")),
        ("region", "지역", ("시도",)),
        ("address", "주소", ()),
        ("founded_on", "설립일", ("설립일자",)),
        ("employees", "종업원수", ("직원수",)),
        ("annual_revenue", "연매출(원)", ("연매출", "매출액")),
        ("tags", "태그", ()),
        ("is_active", "활성", ("활성여부", "사용여부")),
    )
)
_THROUGH = Company.tags.through


@dataclass
class _Row:
    row: int
    data: dict[str, Any]


@dataclass
class _Plan:
    creates: list[tuple[Company, list[str]]] = field(default_factory=list)
    # (company with new values set, fields changed, new tags or None, audit changes)
    updates: list[tuple[Company, list[str], list[str] | None, dict]] = field(default_factory=list)
    unchanged: int = 0


def import_companies(
    source: Source,
    *,
    actor: User,
    fmt: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the companies in ``source`` (an xlsx or CSV path or binary file object).

    Every row is validated first; if any is refused, :class:`ImportErrors` lists them all and
    nothing is written. Otherwise new BRNs are created and known ones updated in one
    transaction, with one audit entry per created or changed company (source ``import``).
    With ``dry_run`` the same checks run and the counts are returned, but nothing is written.
    """
    permissions.require(permissions.can_edit_registry(actor), "기업을 등록할 권한이 없습니다.")
    report = progress or no_progress
    started = time.perf_counter()
    errors = ErrorList()
    with open_table(source, fmt) as table:
        header = map_headers(table.headers, COMPANY_COLUMNS, errors)
        errors.raise_if_any()
        rows, count = _validate_rows(table, header, errors, report)
    _check_duplicate_brns(rows, header, errors)
    errors.raise_if_any(rows=count)
    if not count:
        raise file_error("no_rows", "가져올 데이터 행이 없습니다.", row=2)
    present = set(header.positions)
    try:
        with transaction.atomic():
            plan = _plan(rows, present)
            if not dry_run:
                _write(plan, actor, report)
    except IntegrityError as exc:  # a concurrent writer registered one of the BRNs meanwhile
        raise file_error(
            "conflict", "다른 작업이 같은 기업을 동시에 등록했습니다. 다시 시도하세요."
        ) from exc
    return ImportResult(
        kind="companies",
        rows=len(rows),
        created=len(plan.creates),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        dry_run=dry_run,
        seconds=time.perf_counter() - started,
        created_ids=[] if dry_run else [c.pk for c, _ in plan.creates],
    )


def _validate_rows(
    table: Table, header: HeaderMap, errors: ErrorList, report: Progress
) -> tuple[list[_Row], int]:
    """The clean rows, and how many data rows the file has."""
    rows: list[_Row] = []
    reported_stray: set[int] = set()
    count = 0
    report("validate", 0, table.total)
    for number, values in table.rows:
        count += 1
        ok = True
        cleaned: dict[str, Any] = {}
        for name, value in header.values(values).items():
            if name == "founded_on":
                value = excel_serial_date(value)
            try:
                cleaned[name] = COMPANY_CLEANERS[name](value)
            except FieldError as exc:
                errors.add(number, header.labels[name], exc.code, exc.message, value)
                ok = False
        for index, value in header.stray(values):
            if index not in reported_stray:
                reported_stray.add(index)
                errors.add(
                    number,
                    column_name(index),
                    "unnamed_column",
                    "열 이름이 없는 열에 값이 있습니다. 첫 행에 열 이름을 쓰거나 값을 지우세요.",
                    value,
                )
        if ok:
            rows.append(_Row(number, cleaned))
        if count % PROGRESS_EVERY == 0:
            report("validate", count, table.total)
    report("validate", count, count)
    return rows, count


def _check_duplicate_brns(rows: list[_Row], header: HeaderMap, errors: ErrorList) -> None:
    by_brn: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_brn[row.data["brn"]].append(row.row)
    for brn, numbers in by_brn.items():
        if len(numbers) < 2:
            continue
        for number in numbers:
            others = ", ".join(str(n) for n in numbers if n != number)
            errors.add(
                number,
                header.labels["brn"],
                "brn_duplicate_in_file",
                f"같은 사업자등록번호가 파일의 {others}행에도 있습니다.",
                brn_lib.format_brn(brn),
            )


def _lock_existing(brns: list[str]) -> dict[str, Company]:
    """The registered companies among ``brns``, locked in primary-key order."""
    ids: list[int] = []
    for chunk in chunks(brns, IN_CHUNK):
        ids.extend(Company.objects.filter(brn__in=chunk).values_list("pk", flat=True))
    return {company.brn: company for company in lock_companies(ids)}


def _tags_of(company_ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks(company_ids, IN_CHUNK):
        pairs = _THROUGH.objects.filter(company_id__in=chunk).values_list("company_id", "tag__name")
        for company_id, name in pairs:
            tags[company_id].append(name)
    return {k: sorted(v) for k, v in tags.items()}


def _snapshot(company: Company, tags: list[str] | None) -> dict[str, Any]:
    data = snapshot(company, COMPANY_FIELDS)
    if tags is not None:
        data["tags"] = sorted(tags)
    return data


def _plan(rows: list[_Row], present: set[str]) -> _Plan:
    existing = _lock_existing([r.data["brn"] for r in rows])
    with_tags = "tags" in present
    old_tags = _tags_of([c.pk for c in existing.values()]) if with_tags and existing else {}
    fields = [f for f in COMPANY_FIELDS if f in present]
    plan = _Plan()
    for row in rows:
        data = row.data
        tags: list[str] = data.get("tags", [])
        company = existing.get(data["brn"])
        if company is None:
            plan.creates.append((Company(**{f: data[f] for f in fields}), tags))
            continue
        before_tags = old_tags.get(company.pk, []) if with_tags else None
        changed = [f for f in fields if getattr(company, f) != data[f]]
        new_tags = sorted(tags) if with_tags else None
        tags_changed = with_tags and new_tags != before_tags
        if not changed and not tags_changed:
            plan.unchanged += 1
            continue
        before = _snapshot(company, before_tags)
        for f in changed:
            setattr(company, f, data[f])
        after = _snapshot(company, new_tags)
        plan.updates.append(
            (company, changed, new_tags if tags_changed else None, diff(before, after))
        )
    return plan


def _tag_ids(plan: _Plan) -> dict[str, int]:
    """Tag ids by name for every tag the plan sets, creating the missing tags."""
    names = {n for _, tags in plan.creates for n in tags}
    names |= {n for _, _, tags, _ in plan.updates if tags for n in tags}
    ids: dict[str, int] = {}
    ordered = sorted(names)
    for chunk in chunks(ordered, IN_CHUNK):
        ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
    missing = [n for n in ordered if n not in ids]
    if missing:
        Tag.objects.bulk_create([Tag(name=n) for n in missing], ignore_conflicts=True)
        for chunk in chunks(missing, IN_CHUNK):
            ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "pk"))
    return ids


def _write(plan: _Plan, actor: User, report: Progress) -> None:
    total = len(plan.creates) + len(plan.updates)
    done = 0
    report("write", 0, total)
    tag_ids = _tag_ids(plan)
    for batch in chunks(plan.creates, WRITE_BATCH):
        Company.objects.bulk_create([c for c, _ in batch])
        _THROUGH.objects.bulk_create(
            [_THROUGH(company_id=c.pk, tag_id=tag_ids[n]) for c, tags in batch for n in tags]
        )
        audit_bulk(
            actor=actor,
            action=AuditAction.CREATE,
            items=[(c, diff({}, _snapshot(c, tags))) for c, tags in batch],
            source="import",
        )
        done += len(batch)
        report("write", done, total)
    now = timezone.now()
    for ubatch in chunks(plan.updates, WRITE_BATCH):
        fields = sorted({f for _, changed, _, _ in ubatch for f in changed})
        companies = [c for c, _, _, _ in ubatch]
        for company in companies:
            company.updated_at = now
        Company.objects.bulk_update(companies, [*fields, "updated_at"])
        retagged = [(c, tags) for c, _, tags, _ in ubatch if tags is not None]
        if retagged:
            _THROUGH.objects.filter(company_id__in=[c.pk for c, _ in retagged]).delete()
            _THROUGH.objects.bulk_create(
                [_THROUGH(company_id=c.pk, tag_id=tag_ids[n]) for c, tags in retagged for n in tags]
            )
        audit_bulk(
            actor=actor,
            action=AuditAction.UPDATE,
            items=[(c, changes) for c, _, _, changes in ubatch],
            source="import",
        )
        done += len(ubatch)
        report("write", done, total)
