"""Exporting companies and supply links to xlsx or CSV.

Files carry the Korean headers and values people read (기업구분 중소기업, 지역 경기도, BRN as
123-45-67890), all of which the import accepts, so an exported file imports back unchanged.
xlsx is written in openpyxl's write-only mode (streamed); CSV as UTF-8 with a BOM, which Excel
needs to open Korean text correctly.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from django.db.models import Q, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sangsaeng.accounts.models import User
from sangsaeng.accounts.permissions import visible_companies
from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib import regions
from sangsaeng.lib.errors import PermissionDenied
from sangsaeng.partners.io.companies import COMPANY_COLUMNS
from sangsaeng.partners.io.links import LINK_COLUMNS
from sangsaeng.partners.io.reading import FORMULA_TRIGGERS, detect_format
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.partners.validation import KIND_LABELS_KO

Target = str | os.PathLike[str] | IO[bytes]
_FETCH = 2000

_COMPANY_WIDTHS = {"brn": 14, "name": 28, "name_en": 24, "address": 40, "tags": 24}
_LINK_WIDTHS = {"buyer_brn": 22, "supplier_brn": 22, "buyer_name": 28, "supplier_name": 28}


class _Sheet:
    """Rows appended to an xlsx sheet or a CSV file."""

    def __init__(self, append: Callable[[Sequence[Any]], None]) -> None:
        self.append = append
        self.count = 0

    def write(self, values: Sequence[Any]) -> None:
        self.append(values)
        self.count += 1


class _Utf8Sink:
    """Text written by the csv module, encoded to UTF-8 onto a binary stream."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(text.encode("utf-8"))
        return len(text)


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value  # never a formula when Excel opens the file
    return "" if value is None else value


def _xlsx_value(sheet: Any, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, not the formula openpyxl would make of it
        return cell
    return value


@contextlib.contextmanager
def _open_sheet(
    target: Target,
    fmt: str | None,
    title: str,
    headers: list[str],
    widths: list[int],
) -> Iterator[_Sheet]:
    kind = detect_format(target, fmt)
    if kind == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header_cells = []
        for text in headers:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        yield _Sheet(lambda values: sheet.append([_xlsx_value(sheet, v) for v in values]))
        workbook.save(target)
        return
    with contextlib.ExitStack() as stack:
        if isinstance(target, str | os.PathLike):
            stream: IO[bytes] = stack.enter_context(Path(target).open("wb"))
        else:
            stream = target
        stream.write(b"\xef\xbb\xbf")
        writer = csv.writer(_Utf8Sink(stream), lineterminator="\r\n")
        writer.writerow(headers)
        yield _Sheet(lambda values: writer.writerow([_csv_value(v) for v in values]))


def _require_reader(user: User) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("forbidden", "내보내기 권한이 없습니다.")


def export_companies(
    target: Target,
    *,
    user: User,
    fmt: str | None = None,
    companies: QuerySet[Company] | None = None,
) -> int:
    """Write the companies ``user`` may see (optionally only those in ``companies``, e.g. a
    filtered list) to ``target``, a path or a binary file object; ``fmt`` (``xlsx``/``csv``)
    is needed for a file object without a name. Returns the number of companies written."""
    _require_reader(user)
    qs = visible_companies(user, companies if companies is not None else Company.objects.all())
    qs = qs.order_by("name", "pk")
    tags = _tags_by_company(qs)
    fields = [c.field for c in COMPANY_COLUMNS]
    with _open_sheet(
        target,
        fmt,
        "기업",
        [c.label for c in COMPANY_COLUMNS],
        [_COMPANY_WIDTHS.get(f, 14) for f in fields],
    ) as sheet:
        for company in qs.iterator(chunk_size=_FETCH):
            sheet.write(
                [
                    brn_lib.format_brn(company.brn),
                    company.name,
                    company.name_en,
                    KIND_LABELS_KO.get(company.kind, company.kind),
                    company.ksic_code,
                    regions.LABELS.get(company.region, company.region),
                    company.address,
                    company.founded_on,
                    company.employees,
                    company.annual_revenue,
                    ", ".join(tags.get(company.pk, [])),
                    "예" if company.is_active else "아니오",
                ]
            )
        return sheet.count


def _tags_by_company(qs: QuerySet[Company]) -> dict[int, list[str]]:
    through = Company.tags.through
    tags: dict[int, list[str]] = defaultdict(list)
    pairs = through.objects.filter(company__in=qs.values("pk")).order_by("tag__name")
    for company_id, name in pairs.values_list("company_id", "tag__name").iterator(_FETCH):
        tags[company_id].append(name)
    return tags


def export_links(
    target: Target,
    *,
    user: User,
    fmt: str | None = None,
    links: QuerySet[SupplyLink] | None = None,
) -> int:
    """Write the supply links between companies ``user`` may see (a partner user: the links of
    its own company) to ``target``. Returns the number of links written."""
    _require_reader(user)
    visible = visible_companies(user, Company.objects.all()).values("pk")
    qs = links if links is not None else SupplyLink.objects.all()
    qs = qs.filter(Q(buyer__in=visible) | Q(supplier__in=visible))
    rows = qs.order_by("buyer__name", "buyer_id", "supplier__name", "supplier_id").values_list(
        "buyer__brn",
        "buyer__name",
        "supplier__brn",
        "supplier__name",
        "start_date",
        "end_date",
        "annual_volume",
    )
    with _open_sheet(
        target,
        fmt,
        "공급망",
        [c.label for c in LINK_COLUMNS],
        [_LINK_WIDTHS.get(c.field, 14) for c in LINK_COLUMNS],
    ) as sheet:
        for buyer_brn, buyer_name, supplier_brn, supplier_name, start, end, volume in rows.iterator(
            chunk_size=_FETCH
        ):
            sheet.write(
                [
                    brn_lib.format_brn(buyer_brn),
                    buyer_name,
                    brn_lib.format_brn(supplier_brn),
                    supplier_name,
                    start,
                    end,
                    volume,
                ]
            )
        return sheet.count
