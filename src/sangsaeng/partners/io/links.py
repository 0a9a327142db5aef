"""Importing supply links from a file.

Both companies of a link must already be registered (import the companies first). A file is
refused as a whole if any row is: bad values, a company linked to itself, the same pair twice
in the file or already registered, an end date before the start, or a link that would close a
cycle in the supply graph (existing links plus the file's rows; the row that closes it is
named). The check against the registered graph runs under the supply-graph lock.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from sangsaeng.accounts import permissions
from sangsaeng.accounts.audit import audit_bulk, diff, snapshot
from sangsaeng.accounts.models import AuditAction, User
from sangsaeng.lib import brn as brn_lib
from sangsaeng.locking import lock_supply_graph
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
from sangsaeng.partners.models import MAX_WON, Company, SupplyLink
from sangsaeng.partners.services import LINK_FIELDS
from sangsaeng.partners.validation import FieldError, clean_brn, clean_int, clean_link_date

LINK_COLUMNS: tuple[Column, ...] = (
    Column("buyer_brn", "구매기업 사업자등록번호", ("구매기업 사업자번호",), required=True),
    Column("buyer_name", "구매기업명", (), informational=True),
    Column("supplier_brn", "협력사 사업자등록번호", ("협력사 사업자번호",), required=True),
    Column("supplier_name", "협력사명", (), informational=True),
    Column("start_date", "시작일", ("거래 시작일",), required=True),
    Column("end_date", "종료일", ("거래 종료일",)),
    Column("annual_volume", "연간 구매액(원)", ("연간 구매액", "구매액")),
)

LINK_CLEANERS: dict[str, Any] = {
    "buyer_brn": clean_brn,
    "supplier_brn": clean_brn,
    "start_date": lambda v: clean_link_date(excel_serial_date(v), "start_date", required=True),
    "end_date": lambda v: clean_link_date(excel_serial_date(v), "end_date"),
    "annual_volume": lambda v: clean_int(v, "annual_volume", maximum=MAX_WON) or 0,
}


@dataclass
class _Row:
    row: int
    data: dict[str, Any]
    ok: bool = True


def import_links(
    source: Source,
    *,
    actor: User,
    fmt: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the supply links in ``source`` (an xlsx or CSV path or binary file object).

    All rows are validated, the registered ones under the supply-graph lock; if any row is
    refused, :class:`ImportErrors` lists them all and nothing is written. Otherwise every link
    is created in one transaction with an audit entry each (source ``import``).
    """
    permissions.require(permissions.can_edit_registry(actor), "공급망을 변경할 권한이 없습니다.")
    report = progress or no_progress
    started = time.perf_counter()
    errors = ErrorList()
    with open_table(source, fmt) as table:
        header = map_headers(table.headers, LINK_COLUMNS, errors)
        errors.raise_if_any()
        rows = _validate_rows(table, header, errors, report)
    if not rows:
        raise file_error("no_rows", "가져올 데이터 행이 없습니다.", row=2)
    _check_duplicate_pairs(rows, header, errors)
    with transaction.atomic():
        lock_supply_graph()
        companies = _resolve(rows, header, errors)
        existing = list(SupplyLink.objects.values_list("buyer_id", "supplier_id"))
        _check_existing(rows, header, errors, companies, set(existing))
        _check_cycles(rows, header, errors, companies, existing)
        errors.raise_if_any(rows=len(rows))
        links = [_link(row, companies) for row in rows]
        if not dry_run:
            _write(links, actor, report)
    return ImportResult(
        kind="links",
        rows=len(rows),
        created=len(links),
        dry_run=dry_run,
        seconds=time.perf_counter() - started,
        created_ids=[] if dry_run else [link.pk for link in links],
    )


def _validate_rows(
    table: Table, header: HeaderMap, errors: ErrorList, report: Progress
) -> list[_Row]:
    rows: list[_Row] = []
    reported_stray: set[int] = set()
    report("validate", 0, table.total)
    for number, values in table.rows:
        row = _Row(number, {})
        for name, value in header.values(values).items():
            try:
                row.data[name] = LINK_CLEANERS[name](value)
            except FieldError as exc:
                errors.add(number, header.labels[name], exc.code, exc.message, value)
                row.ok = False
        data = row.data
        end = data.get("end_date")
        if end is not None and data.get("start_date") and end < data["start_date"]:
            errors.add(
                number,
                header.labels["end_date"],
                "end_before_start",
                "종료일이 시작일보다 빠릅니다.",
                end.isoformat(),
            )
            row.ok = False
        if data.get("buyer_brn") and data.get("buyer_brn") == data.get("supplier_brn"):
            errors.add(
                number,
                header.labels["supplier_brn"],
                "supply_self",
                "기업은 자기 자신의 협력사가 될 수 없습니다.",
                brn_lib.format_brn(data["supplier_brn"]),
            )
            row.ok = False
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
        data.setdefault("annual_volume", 0)
        rows.append(row)
        if len(rows) % PROGRESS_EVERY == 0:
            report("validate", len(rows), table.total)
    report("validate", len(rows), len(rows))
    return rows


def _pair(row: _Row) -> tuple[str, str] | None:
    buyer, supplier = row.data.get("buyer_brn"), row.data.get("supplier_brn")
    return (buyer, supplier) if buyer and supplier and buyer != supplier else None


def _check_duplicate_pairs(rows: list[_Row], header: HeaderMap, errors: ErrorList) -> None:
    by_pair: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    for row in rows:
        pair = _pair(row)
        if pair:
            by_pair[pair].append(row)
    for group in by_pair.values():
        if len(group) < 2:
            continue
        for row in group:
            others = ", ".join(str(r.row) for r in group if r is not row)
            errors.add(
                row.row,
                header.labels["supplier_brn"],
                "link_duplicate_in_file",
                f"같은 구매기업–협력사 연결이 파일의 {others}행에도 있습니다.",
                brn_lib.format_brn(row.data["supplier_brn"]),
            )
            row.ok = False


def _resolve(rows: list[_Row], header: HeaderMap, errors: ErrorList) -> dict[str, Company]:
    """The registered companies named in the file, by BRN (only id and name loaded); rows
    naming an unknown BRN are refused."""
    brns = sorted(
        {row.data[f] for row in rows for f in ("buyer_brn", "supplier_brn") if row.data.get(f)}
    )
    companies: dict[str, Company] = {}
    for chunk in chunks(brns, IN_CHUNK):
        for pk, brn, name in Company.objects.filter(brn__in=chunk).values_list("pk", "brn", "name"):
            companies[brn] = Company(pk=pk, brn=brn, name=name)
    for row in rows:
        for f in ("buyer_brn", "supplier_brn"):
            value = row.data.get(f)
            if value and value not in companies:
                errors.add(
                    row.row,
                    header.labels[f],
                    "company_unknown",
                    "등록되지 않은 사업자등록번호입니다. 기업을 먼저 등록하세요.",
                    brn_lib.format_brn(value),
                )
                row.ok = False
    return companies


def _check_existing(
    rows: list[_Row],
    header: HeaderMap,
    errors: ErrorList,
    companies: dict[str, Company],
    existing: set[tuple[int, int]],
) -> None:
    for row in rows:
        pair = _pair(row)
        if not pair or pair[0] not in companies or pair[1] not in companies:
            continue
        if (companies[pair[0]].pk, companies[pair[1]].pk) in existing:
            errors.add(
                row.row,
                header.labels["supplier_brn"],
                "supply_link_exists",
                "이미 등록된 공급 관계입니다.",
                brn_lib.format_brn(pair[1]),
            )
            row.ok = False


def _check_cycles(
    rows: list[_Row],
    header: HeaderMap,
    errors: ErrorList,
    companies: dict[str, Company],
    existing: list[tuple[int, int]],
) -> None:
    candidates = [
        (i, companies[r.data["buyer_brn"]].pk, companies[r.data["supplier_brn"]].pk)
        for i, r in enumerate(rows)
        if r.ok
    ]
    cycles = find_cycles(existing, candidates)
    if not cycles:
        return
    names = {c.pk: c.name for c in companies.values()}
    missing = {pk for path in cycles.values() for pk in path if pk not in names}
    for chunk in chunks(sorted(missing), IN_CHUNK):
        names.update(Company.objects.filter(pk__in=chunk).values_list("pk", "name"))
    for index, path in sorted(cycles.items()):
        row = rows[index]
        errors.add(
            row.row,
            header.labels["supplier_brn"],
            "supply_cycle",
            f"이 연결은 공급망에 순환을 만듭니다: {_format_path([names[pk] for pk in path])} "
            "(구매기업 → 협력사 순).",
            brn_lib.format_brn(row.data["supplier_brn"]),
        )
        row.ok = False


def _format_path(names: list[str]) -> str:
    if len(names) > 8:
        names = [*names[:3], "…", *names[-3:]]
    return " → ".join(names)


def find_cycles(
    existing: Iterable[tuple[int, int]], new: Sequence[tuple[int, int, int]]
) -> dict[int, list[int]]:
    """Which new links would close a cycle in the supply graph.

    ``existing`` holds ``(buyer, supplier)`` pairs already registered, ``new`` holds
    ``(key, buyer, supplier)`` in file order. New links are added one by one after all the
    existing ones; each that would close a cycle is left out and returned as
    ``{key: [buyer, supplier, ..., buyer]}``, so every later link is judged against a graph
    that has no cycle through the refused ones.

    Cost: one pass of Kahn's algorithm each way finds the nodes that can lie on a cycle at all
    (usually none, and then the answer is immediate). Only links inside that core are then
    checked one by one with an iterative depth-first search confined to it.
    """
    existing = list(existing)
    core = _cyclic_core([*existing, *((b, s) for _, b, s in new)])
    if not core:
        return {}
    graph: dict[int, list[int]] = defaultdict(list)
    for buyer, supplier in existing:
        if buyer in core and supplier in core:
            graph[buyer].append(supplier)
    found: dict[int, list[int]] = {}
    for key, buyer, supplier in new:
        if buyer not in core or supplier not in core:
            continue
        path = _path(graph, supplier, buyer)
        if path is None:
            graph[buyer].append(supplier)
        else:
            found[key] = [buyer, *path]
    return found


def _cyclic_core(edges: list[tuple[int, int]]) -> set[int]:
    """The nodes left after repeatedly removing nodes without incoming links, then nodes
    without outgoing links: every cycle lies inside this set (empty if there is none)."""
    out: dict[int, list[int]] = defaultdict(list)
    into: dict[int, list[int]] = defaultdict(list)
    for buyer, supplier in edges:
        out[buyer].append(supplier)
        into[supplier].append(buyer)
    alive = set(out) | set(into)
    for sources, targets in ((into, out), (out, into)):
        degree = {n: sum(1 for m in sources.get(n, ()) if m in alive) for n in alive}
        queue = [n for n, d in degree.items() if d == 0]
        while queue:
            node = queue.pop()
            alive.discard(node)
            for m in targets.get(node, ()):
                if m in alive:
                    degree[m] -= 1
                    if degree[m] == 0:
                        queue.append(m)
    return alive


def _path(graph: dict[int, list[int]], start: int, target: int) -> list[int] | None:
    """A path ``[start, ..., target]`` along the links, or None (iterative DFS)."""
    parent: dict[int, int | None] = {start: None}
    stack = [start]
    while stack:
        node = stack.pop()
        if node == target:
            path = [node]
            while (previous := parent[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for nxt in graph.get(node, ()):
            if nxt not in parent:
                parent[nxt] = node
                stack.append(nxt)
    return None


def _link(row: _Row, companies: dict[str, Company]) -> SupplyLink:
    data = row.data
    return SupplyLink(
        buyer=companies[data["buyer_brn"]],
        supplier=companies[data["supplier_brn"]],
        start_date=data["start_date"],
        end_date=data.get("end_date"),
        annual_volume=data["annual_volume"],
    )


def _write(links: list[SupplyLink], actor: User, report: Progress) -> None:
    done = 0
    report("write", 0, len(links))
    for batch in chunks(links, WRITE_BATCH):
        SupplyLink.objects.bulk_create(batch)
        audit_bulk(
            actor=actor,
            action=AuditAction.CREATE,
            items=[(link, diff({}, snapshot(link, LINK_FIELDS))) for link in batch],
            source="import",
        )
        done += len(batch)
        report("write", done, len(links))
