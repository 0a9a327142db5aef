"""Import and export pages: upload, the error table, templates, exports and who may do what."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sangsaeng.accounts.models import AuditEntry
from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib import dates
from sangsaeng.partners import forms_io
from sangsaeng.partners.io import common
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.testing.factories import link, make_company, next_brn

pytestmark = pytest.mark.django_db

IMPORT = reverse("partners:import")
LIST = reverse("partners:company_list")
HEADERS = ["사업자등록번호", "기업명", "기업구분", "업종코드(KSIC)", "지역", "연매출(원)", "태그"]
LINK_HEADERS = ["구매기업 사업자등록번호", "협력사 사업자등록번호", "시작일", "연간 구매액(원)"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_url(kind: str, fmt: str) -> str:
    return reverse("partners:export", args=[kind, fmt])


def template_url(kind: str, fmt: str = "xlsx") -> str:
    return reverse("partners:import_template", args=[kind, fmt])


def row(name: str, brn: str | None = None, **overrides: Any) -> list[Any]:
    values = {
        "brn": brn_lib.format_brn(brn or next_brn()),
        "name": name,
        "kind": "중소기업",
        "ksic": "29171",
        "region": "경기도",
        "revenue": 1_200_000_000,
        "tags": "ACE CLUB",
    }
    values.update(overrides)
    return list(values.values())


def xlsx_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def upload(
    client, content: bytes, name: str = "협력사 명단.xlsx", kind: str = "companies", **extra: Any
):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content), **extra}
    return client.post(IMPORT, data)


def read_xlsx(content: bytes) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def error_rows(html: str) -> list[list[str]]:
    """The cells of the error table, row by row."""
    table = html[html.index('id="error-table"') : html.index("</table>")]
    body = table[table.index("<tbody>") :]
    return [
        [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


# --- the page ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "manager"])
def test_import_page_for_registry_editors(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(IMPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="file"' in html and 'accept=".xlsx,.csv"' in html
    assert "검증만 (dry run)" in html
    assert template_url("companies") in html and template_url("links") in html
    assert "사업자등록번호" in html  # the columns are listed


@pytest.mark.parametrize("role", ["auditor", "consultant", "partner_a"])
def test_import_refused_to_readers_and_partners(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(IMPORT).status_code == 403
    assert upload(client, xlsx_bytes(HEADERS, [row("몰래기업")])).status_code == 403
    assert client.get(template_url("companies")).status_code == 403
    assert not Company.objects.filter(name="몰래기업").exists()


def test_import_requires_login(client):
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_page_links_to_import_only_for_editors(client, operator, auditor):
    client.force_login(operator)
    assert IMPORT in client.get(LIST).content.decode()
    client.force_login(auditor)
    html = client.get(LIST).content.decode()
    assert IMPORT not in html
    assert export_url("companies", "xlsx") in html  # everyone may export


def test_list_page_export_links_carry_the_filters(client, operator):
    client.force_login(operator)
    html = client.get(LIST, {"q": "가나", "region": "busan"}).content.decode()
    assert f"{export_url('companies', 'xlsx')}?q=%EA%B0%80%EB%82%98&amp;region=busan" in html
    assert f"{export_url('companies', 'csv')}?q=" in html
    assert f'href="{export_url("links", "xlsx")}"' in html


# --- importing -----------------------------------------------------------------------------


def test_upload_good_xlsx_creates_companies(client, operator):
    client.force_login(operator)
    content = xlsx_bytes(HEADERS, [row("한빛정공"), row("새솔소재", region="부산광역시")])
    response = upload(client, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert "가져오기를 마쳤습니다" in html
    assert re.search(r'id="count-created"><small>신규 등록</small><strong>2</strong>', html)
    assert re.search(r'id="count-updated"><small>변경</small><strong>0</strong>', html)
    assert "2행" in html and "초당" in html
    assert f'href="{LIST}"' in html
    assert Company.objects.get(name="새솔소재").region == "busan"
    entry = AuditEntry.objects.get(
        model="partners.company", object_id=str(Company.objects.get(name="한빛정공").pk)
    )
    assert entry.actor == operator and entry.source == "import"


def test_upload_csv_updates_known_companies(client, manager, company_a):
    client.force_login(manager)
    rows = [
        row("가나정밀(주)", company_a.brn, ksic="29", region="경기도"),
        row("신규기업"),
    ]
    html = upload(client, csv_bytes(HEADERS, rows), name="companies.CSV").content.decode()
    assert re.search(r'id="count-created"><small>신규 등록</small><strong>1</strong>', html)
    assert re.search(r'id="count-updated"><small>변경</small><strong>1</strong>', html)
    company_a.refresh_from_db()
    assert company_a.name == "가나정밀(주)"


def test_dry_run_checks_but_saves_nothing(client, operator):
    client.force_login(operator)
    response = upload(client, xlsx_bytes(HEADERS, [row("검증기업")]), dry_run="on")
    html = response.content.decode()
    assert "저장하지 않았습니다" in html
    assert re.search(r'id="count-created"><small>신규 등록 예정</small><strong>1</strong>', html)
    assert not Company.objects.filter(name="검증기업").exists()


def test_bad_row_among_several_shows_the_error_table_and_writes_nothing(client, operator):
    client.force_login(operator)
    bad_brn = "123-45-67890"  # wrong check digit
    rows = [row("첫째기업"), row("둘째기업"), row("셋째기업", brn=bad_brn), row("넷째기업")]
    before = AuditEntry.objects.count()
    response = upload(client, xlsx_bytes(HEADERS, rows))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1개 오류 — 아무것도 저장되지 않았습니다" in html
    [cells] = error_rows(html)
    assert cells[0] == "4"  # the header is row 1: the third data row is row 4
    assert cells[1] == "사업자등록번호"
    assert cells[2] == bad_brn
    assert "검증번호" in cells[3]
    assert "errors-truncated" not in html
    assert not Company.objects.filter(name__in=["첫째기업", "둘째기업", "넷째기업"]).exists()
    assert AuditEntry.objects.count() == before


def test_many_errors_are_truncated_with_a_notice(client, operator, monkeypatch):
    monkeypatch.setattr(common, "MAX_REPORTED_ERRORS", 2)
    client.force_login(operator)
    rows = [row(f"기업 {n}", kind="없는구분") for n in range(5)]
    html = upload(client, csv_bytes(HEADERS, rows), name="c.csv").content.decode()
    assert "5개 오류 — 아무것도 저장되지 않았습니다" in html
    assert len(error_rows(html)) == 2
    assert 'id="errors-truncated"' in html
    assert "전체 5건 중 처음 2건만" in html


def test_unreadable_file_is_a_whole_file_error(client, operator):
    client.force_login(operator)
    html = upload(client, b"not a zip at all", name="c.xlsx").content.decode()
    [cells] = error_rows(html)
    assert cells[0] == "—" and cells[1] == "—"
    assert "엑셀(xlsx) 파일을 읽을 수 없습니다" in cells[3]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("companies.txt", "xlsx 또는 CSV 파일만 가져올 수 있습니다"),
        ("companies", "xlsx 또는 CSV 파일만 가져올 수 있습니다"),
        ("companies.xls", "예전 엑셀 형식(.xls)은 읽을 수 없습니다"),
    ],
)
def test_wrong_extension_is_refused_on_the_field(client, operator, name, message):
    client.force_login(operator)
    response = upload(client, csv_bytes(HEADERS, [row("확장자기업")]), name=name)
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(r'<small id="id_file_error" class="field-error">([^<]+)</small>', html)
    assert error is not None and message in error.group(1)
    assert 'id="error-table"' not in html
    assert not Company.objects.filter(name="확장자기업").exists()


def test_oversized_file_is_refused(client, operator, monkeypatch):
    monkeypatch.setattr(forms_io, "MAX_UPLOAD_BYTES", 100)
    client.force_login(operator)
    html = upload(client, xlsx_bytes(HEADERS, [row("큰파일기업")])).content.decode()
    assert 'id="id_file_error"' in html and "MB보다 큽니다" in html
    assert not Company.objects.filter(name="큰파일기업").exists()


def test_missing_file_and_kind_are_field_errors(client, operator):
    client.force_login(operator)
    html = client.post(IMPORT, {"kind": "nonsense"}).content.decode()
    assert 'id="id_file_error"' in html
    assert 'id="id_kind_error"' in html


def test_upload_supply_links(client, operator, company_a, company_b):
    client.force_login(operator)
    rows = [[company_a.brn_display, company_b.brn_display, "2024-01-01", 500_000_000]]
    html = upload(client, xlsx_bytes(LINK_HEADERS, rows), kind="links").content.decode()
    assert re.search(r'id="count-created"><small>신규 등록</small><strong>1</strong>', html)
    assert 'id="count-updated"' not in html  # links are only ever created
    created = SupplyLink.objects.get(buyer=company_a, supplier=company_b)
    assert created.annual_volume == 500_000_000


def test_link_to_an_unknown_company_is_refused(client, operator, company_a):
    client.force_login(operator)
    rows = [[company_a.brn_display, brn_lib.format_brn(next_brn()), "2024-01-01", ""]]
    html = upload(client, csv_bytes(LINK_HEADERS, rows), name="l.csv", kind="links")
    [cells] = error_rows(html.content.decode())
    assert cells[0] == "2" and cells[1] == "협력사 사업자등록번호"
    assert not SupplyLink.objects.exists()


# --- templates -----------------------------------------------------------------------------


def test_company_template_is_just_the_korean_header_row(client, operator, company_a):
    client.force_login(operator)
    response = client.get(template_url("companies"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert quote("기업_가져오기_양식.xlsx") in response["Content-Disposition"]
    rows = read_xlsx(response.content)
    assert len(rows) == 1  # no company, although one is registered
    assert rows[0][:2] == ("사업자등록번호", "기업명")


def test_link_template_in_csv(client, manager):
    client.force_login(manager)
    response = client.get(template_url("links", "csv"))
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].split(",") == [
        "구매기업 사업자등록번호",
        "구매기업명",
        "협력사 사업자등록번호",
        "협력사명",
        "시작일",
        "종료일",
        "연간 구매액(원)",
    ]
    assert len(text.splitlines()) == 1


def test_filled_in_template_imports(client, operator):
    client.force_login(operator)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(template_url("companies")).content))
    sheet = workbook.worksheets[0]
    headers = [str(cell.value) for cell in sheet[1]]
    values = dict(zip(HEADERS, row("양식기업"), strict=True))
    sheet.append([values.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(client, buffer.getvalue())
    assert Company.objects.filter(name="양식기업").exists()


# --- exports -------------------------------------------------------------------------------


def test_export_companies_xlsx_follows_the_list_filters(client, consultant, operator):
    make_company(operator, name="부산정밀", region="busan", kind="sme")
    make_company(operator, name="부산대기업", region="busan", kind="large")
    make_company(operator, name="제주식품", region="jeju")
    client.force_login(consultant)
    response = client.get(export_url("companies", "xlsx"), {"region": "busan", "page": "2"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    stamp = dates.today_kst().strftime("%Y%m%d")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="companies_{stamp}.xlsx"' in disposition
    assert f"filename*=UTF-8''{quote(f'기업목록_{stamp}.xlsx')}" in disposition
    assert "no-store" in response["Cache-Control"]
    rows = read_xlsx(response.content)
    assert rows[0][:4] == ("사업자등록번호", "기업명", "영문명", "기업구분")
    assert [r[1] for r in rows[1:]] == ["부산대기업", "부산정밀"]
    assert rows[1][5] == "부산광역시"
    only_sme = read_xlsx(client.get(export_url("companies", "xlsx"), {"kind": "sme"}).content)
    assert [r[1] for r in only_sme[1:]] == ["부산정밀", "제주식품"]


def test_export_companies_by_tier_below_an_anchor(client, operator):
    anchor = make_company(operator, name="앵커", kind="large")
    first = make_company(operator, name="일차")
    second = make_company(operator, name="이차")
    link(anchor, first)
    link(first, second)
    client.force_login(operator)
    response = client.get(export_url("companies", "csv"), {"anchor": anchor.pk, "tier": 2})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].split(",")[1] == "이차"


def test_export_companies_csv(client, operator, company_a):
    client.force_login(operator)
    response = client.get(export_url("companies", "csv"), {"q": "가나"})
    assert response["Content-Type"].startswith("text/csv")
    assert quote("기업목록_") in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Korean
    records = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert records[0][0] == "사업자등록번호"
    assert [r[1] for r in records[1:]] == ["가나정밀"]


def test_partner_exports_only_its_own_company_and_links(
    client, partner_a, company_a, company_b, operator
):
    outsider = make_company(operator, name="남의기업")
    link(company_a, company_b)
    link(outsider, company_b)
    client.force_login(partner_a)
    rows = read_xlsx(client.get(export_url("companies", "xlsx")).content)
    assert [r[1] for r in rows[1:]] == ["가나정밀"]
    # Filters naming other companies change nothing: the anchor filter is not a partner's.
    rows = read_xlsx(client.get(export_url("companies", "xlsx"), {"anchor": outsider.pk}).content)
    assert [r[1] for r in rows[1:]] == ["가나정밀"]
    links = read_xlsx(client.get(export_url("links", "xlsx")).content)
    assert [(r[1], r[3]) for r in links[1:]] == [("가나정밀", "다라테크")]


def test_export_links(client, auditor, company_a, company_b):
    link(company_a, company_b, annual_volume=700_000_000)
    client.force_login(auditor)
    response = client.get(export_url("links", "csv"))
    assert quote("공급망_") in response["Content-Disposition"]
    records = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert records[0][0] == "구매기업 사업자등록번호"
    assert records[1][1] == "가나정밀" and records[1][3] == "다라테크"
    assert records[1][6] == "700000000"


def test_export_requires_login_and_a_known_format(client, operator):
    response = client.get(export_url("companies", "xlsx"))
    assert response.status_code == 302
    client.force_login(operator)
    assert client.get("/partners/export/companies.pdf").status_code == 404
    assert client.get("/partners/export/users.xlsx").status_code == 404


def test_error_summary_in_english(client, operator, settings):
    client.force_login(operator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = [row("하나", kind="없음"), row("둘", kind="없음")]
    html = upload(client, csv_bytes(HEADERS, rows), name="c.csv").content.decode()
    assert "2 errors — nothing was saved" in html
    assert "<th>Reason</th>" in html
