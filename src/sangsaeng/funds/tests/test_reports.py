"""The statement as xlsx and PDF: same figures as the page, Korean text intact."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import zlib

import pytest
from openpyxl import load_workbook

from sangsaeng.funds import reports
from sangsaeng.funds.statement import fund_statement
from sangsaeng.funds.tests.helpers import keis_year

pytestmark = pytest.mark.django_db
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.fixture
def statement(operator, manager, fund, escrow, sharing):
    keis_year(operator, manager, fund, escrow, sharing)
    return fund_statement(fund, *YEAR)


def test_xlsx_has_the_statement_figures(statement):
    wb = load_workbook(io.BytesIO(reports.statement_xlsx(statement)))
    ws = wb.worksheets[0]
    rows = {row[0]: row for row in ws.iter_rows(values_only=True) if row and row[0]}
    total = rows[statement.whole.label]
    assert total[1:] == (0, 9_300_000, 0, 0, 0, 2_600_000, 0, 6_700_000)
    pool = rows[statement.pool.label]
    assert pool[-1] == 0
    assert len(wb.worksheets) == 5
    contributions = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in contributions] == [2_500_000, 3_200_000, 3_600_000]
    assert contributions[0][1] == "박기영 기획전략본부장"
    disbursed = list(wb.worksheets[3].iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in disbursed] == [600_000, 2_000_000]


def test_pdf_renders_korean(statement):
    pytest.importorskip("weasyprint")
    pdf = reports.statement_pdf(statement)
    assert pdf.startswith(b"%PDF")
    # The Korean font is embedded (a subset of NanumGothic or Noto CJK), so Hangul is drawn
    # from real glyphs, not tofu boxes.
    inflated = _inflated(pdf)
    assert b"NanumGothic" in inflated or b"NotoSansCJK" in inflated
    html = reports.statement_html(statement)
    assert "KEIS 상생협력기금" in html
    assert "기금 운용 현황" in html  # the funds app's own Korean translation
    assert "9,300,000" in html
    assert "6,700,000" in html
    assert b" Tj" in inflated or b" TJ" in inflated  # text is drawn as text


def _inflated(pdf: bytes) -> bytes:
    """Every stream of the PDF, decompressed where it is (fonts and content hide in them)."""
    parts, start = [pdf], 0
    while (i := pdf.find(b"stream", start)) != -1:
        j = pdf.find(b"endstream", i)
        if j == -1:
            break
        body = pdf[i + 6 : j].lstrip(b"\r\n")
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompressobj().decompress(body))
        start = j + 9
    return b"\n".join(parts)


def test_statement_command(statement, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    xlsx = tmp_path / "s.xlsx"
    call_command(
        "fund_statement", "keis", "--start", "2025-01-01", "--end", "2025-12-31",
        "--xlsx", str(xlsx), stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "9,300,000" in text
    assert "6,700,000" in text
    assert xlsx.stat().st_size > 1000


def test_pdf_without_weasyprint_is_a_clean_503(statement, api_as, operator, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    r = api_as(operator).get(f"/api/v1/funds/{statement.fund.pk}/statement.pdf")
    assert r.status_code == 503
    assert r.json()["code"] == "pdf_unavailable"
