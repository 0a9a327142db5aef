"""The fund statement as files: an Excel workbook (openpyxl) and a PDF (WeasyPrint).

Both come from the same :class:`~sangsaeng.funds.statement.Statement` as the page, so the three
always show the same figures. The PDF is HTML rendered by WeasyPrint with the Nanum (or Noto
CJK) fonts Debian installs, so Korean text is real text in the file (searchable, copyable),
not images. WeasyPrint is imported lazily: without it the rest of the app works and the PDF
endpoint answers 503 ``pdf_unavailable``.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sangsaeng.funds.statement import MOVEMENTS, Line, Statement
from sangsaeng.lib.dates import format_date, now_kst
from sangsaeng.lib.errors import DomainError

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WON = "#,##0"
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="E8EEF7")
TOTAL_FILL = PatternFill("solid", fgColor="F3F3F3")


class PdfUnavailable(DomainError):
    status = 503


def line_headers() -> list[str]:
    return [
        _("Account"),
        _("Opening balance"),
        _("Contributions"),
        _("Allocations"),
        _("Refunds from partners"),
        _("Refunds to donors"),
        _("Disbursements"),
        _("Reversals"),
        _("Closing balance"),
    ]


def line_values(line: Line) -> list[Any]:
    return [line.label, line.opening, *(getattr(line, m) for m in MOVEMENTS), line.closing]


def filename(statement: Statement, ext: str) -> str:
    return f"fund-{statement.fund.code}-{statement.start:%Y%m%d}-{statement.end:%Y%m%d}.{ext}"


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- xlsx ---------------------------------------------------------------------------------------


def _table(ws: Worksheet, headers: list[str], rows: list[list[Any]], *, totals: set[int]) -> None:
    """Write a header row and rows; money columns (ints) get a thousands format."""
    start = ws.max_row + 2 if ws.max_row > 1 else 1
    for col, title in enumerate(headers, 1):
        cell = ws.cell(row=start, column=col, value=title)
        cell.font, cell.fill = BOLD, HEAD_FILL
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for i, values in enumerate(rows, 1):
        for col, value in enumerate(values, 1):
            cell = ws.cell(row=start + i, column=col, value=value)
            if isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = WON
            if i - 1 in totals:
                cell.font, cell.fill = BOLD, TOTAL_FILL


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _summary_sheet(ws: Worksheet, s: Statement) -> None:
    ws.title = _("Statement")
    ws["A1"] = f"{s.fund.name} — {_('Fund statement')}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"{_('Period')}: {s.start.isoformat()} ~ {s.end.isoformat()}"
    ws["A3"] = f"{_('Fund owner')}: {s.fund.owner.name}"
    ws["A4"] = f"{_('Prepared')}: {format_date(now_kst())} (KST)"
    lines = s.lines
    subtotal_rows = {i for i, line in enumerate(lines) if line.emphasis}
    _table(ws, line_headers(), [line_values(x) for x in lines], totals=subtotal_rows)
    uses = [line_values(u.combined) for u in s.uses]
    if uses:
        ws.cell(row=ws.max_row + 2, column=1, value=_("By use")).font = BOLD
        _table(ws, line_headers(), uses, totals=set())
    ws.cell(row=ws.max_row + 2, column=1, value=_("Cash held by the fund"))
    ws.cell(row=ws.max_row, column=2, value=s.cash.closing).number_format = WON
    ws.cell(row=ws.max_row + 1, column=1, value=_("Figures agree with the ledger"))
    ws.cell(row=ws.max_row, column=2, value=_("Yes") if s.balanced else _("No"))
    _widths(ws, [30, 15, 15, 15, 15, 15, 15, 15, 15])
    ws.freeze_panes = "B6"


def _records_sheet(wb: Workbook, title: str, headers: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    _table(ws, headers, rows, totals=set())
    _widths(ws, [12, 28, 24, 15, 30, 12])
    ws.freeze_panes = "A2"


def _reversed(record: Any) -> str:
    return _("Reversed") if record.reversed_at else ""


def _counterpart(refund: Any) -> str:
    """Who returned the money (a partner) or got it back (a donor)."""
    if refund.disbursement is not None:
        return str(refund.disbursement.partner.name)
    return str(refund.contribution.donor_display)


def statement_xlsx(s: Statement) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    _summary_sheet(ws, s)
    _records_sheet(
        wb,
        _("Contributions"),
        [_("Date"), _("Donor"), _("Restricted to"), _("Amount"), _("Purpose"), _("Note")],
        [
            [
                c.contributed_on,
                c.donor_display,
                c.use.name if c.use else _("Unrestricted"),
                c.amount,
                c.purpose,
                _reversed(c),
            ]
            for c in s.contributions
        ],
    )
    _records_sheet(
        wb,
        _("Allocations"),
        [_("Date"), _("To use"), _("From"), _("Amount"), _("Memo"), _("Note")],
        [
            [
                a.allocated_on,
                a.use.name,
                a.source_use.name if a.source_use else _("Unallocated pool"),
                a.amount,
                a.memo,
                _reversed(a),
            ]
            for a in s.allocations
        ],
    )
    _records_sheet(
        wb,
        _("Disbursements"),
        [_("Payment date"), _("Partner"), _("Use"), _("Amount"), _("Purpose"), _("Note")],
        [
            [d.paid_on, d.partner.name, d.use.name, d.amount, d.purpose, _reversed(d)]
            for d in s.disbursements
        ],
    )
    _records_sheet(
        wb,
        _("Refunds"),
        [_("Date"), _("From / to"), _("Use"), _("Amount"), _("Memo"), _("Note")],
        [
            [
                r.refunded_on,
                _counterpart(r),
                r.use.name if r.use else _("Unallocated pool"),
                r.amount if r.kind == "partner" else -r.amount,
                r.memo,
                _reversed(r),
            ]
            for r in s.refunds
        ],
    )
    for sheet in wb.worksheets[1:]:
        for row in sheet.iter_rows(min_row=2, max_col=1):
            row[0].number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(s: Statement) -> HttpResponse:
    return _attachment(HttpResponse(statement_xlsx(s), content_type=XLSX_TYPE), filename(s, "xlsx"))


# -- pdf ----------------------------------------------------------------------------------------


def statement_html(s: Statement) -> str:
    return render_to_string(
        "funds/statement_pdf.html",
        {"s": s, "headers": line_headers(), "prepared": format_date(now_kst())},
    )


def statement_pdf(s: Statement) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # not installed, or its system libraries are missing
        raise PdfUnavailable(
            "pdf_unavailable", "PDF를 만들 수 없습니다 (WeasyPrint가 설치되어 있지 않습니다)."
        ) from exc
    return HTML(string=statement_html(s)).write_pdf()


def pdf_response(s: Statement) -> HttpResponse:
    response = HttpResponse(statement_pdf(s), content_type="application/pdf")
    return _attachment(response, filename(s, "pdf"))
