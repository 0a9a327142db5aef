"""Importing and exporting companies and supply links (xlsx and CSV), and the CLI commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from sangsaeng.accounts.models import AuditEntry, Role
from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib.errors import PermissionDenied
from sangsaeng.partners.io import (
    MAX_REPORTED_ERRORS,
    ImportErrors,
    export_companies,
    export_links,
    find_cycles,
    import_companies,
    import_links,
)
from sangsaeng.partners.models import Company, SupplyLink, Tag
from sangsaeng.testing import factories

KO = ["사업자등록번호", "기업명", "영문명", "기업구분", "업종코드(KSIC)", "지역", "주소", "설립일"]
KO += ["종업원수", "연매출(원)", "태그", "활성"]
CODES = ["brn", "name", "name_en", "kind", "ksic_code", "region", "address", "founded_on"]
CODES += ["employees", "annual_revenue", "tags", "is_active"]
LINK_KO = [
    "구매기업 사업자등록번호",
    "협력사 사업자등록번호",
    "시작일",
    "종료일",
    "연간 구매액(원)",
]


def brn(n: int) -> str:
    return brn_lib.complete(f"{700_000_000 + n:09d}")


def bad_checksum(n: int) -> str:
    good = brn(n)
    return good[:9] + str((int(good[9]) + 1) % 10)


def company_row(n: int, **overrides: Any) -> list[Any]:
    values = {
        "brn": brn_lib.format_brn(brn(n)),
        "name": f"협력기업 {n}",
        "name_en": f"Partner {n}",
        "kind": "중소기업",
        "ksic_code": "29171",
        "region": "경기도",
        "address": f"경기도 화성시 산업로 {n}",
        "founded_on": "2010-03-01",
        "employees": 40 + n,
        "annual_revenue": 1_200_000_000 + n,
        "tags": "ACE CLUB, 혁신허브 2012",
        "is_active": "예",
    }
    values.update(overrides)
    return [values[c] for c in CODES]


def write_xlsx(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(
    path: Path, headers: list[str], rows: list[list[Any]], encoding: str = "utf-8-sig"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    if path.suffix == ".xlsx":
        return write_xlsx(path, headers, rows)
    return write_csv(path, headers, rows)


def refused(fn: Any, *args: Any, **kwargs: Any) -> ImportErrors:
    with pytest.raises(ImportErrors) as info:
        fn(*args, **kwargs)
    return info.value


def triples(exc: ImportErrors) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.code) for e in exc.errors]


# Companies: good files ----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("headers", [KO, CODES], ids=["korean", "codes"])
def test_good_file_imports(tmp_path, operator, suffix, headers):
    rows = [company_row(1), company_row(2, region="서울", kind="large"), company_row(3)]
    rows[2][CODES.index("region")] = "seoul"
    path = write(tmp_path / f"companies{suffix}", headers, rows)

    result = import_companies(path, actor=operator)

    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    company = Company.objects.get(brn=brn(1))
    assert company.name == "협력기업 1"
    assert company.kind == "sme"
    assert company.region == "gyeonggi"
    assert company.ksic_code == "29171"
    assert company.founded_on == dt.date(2010, 3, 1)
    assert company.employees == 41
    assert company.annual_revenue == 1_200_000_001
    assert company.is_active is True
    assert sorted(t.name for t in company.tags.all()) == ["ACE CLUB", "혁신허브 2012"]
    assert Company.objects.get(brn=brn(2)).region == "seoul"
    assert Company.objects.get(brn=brn(2)).kind == "large"
    assert Tag.objects.count() == 2
    entries = AuditEntry.objects.filter(source="import", action="create")
    assert entries.count() == 3
    entry = entries.get(object_id=str(company.pk))
    assert entry.actor == operator
    assert entry.changes["brn"] == [None, brn(1)]
    assert entry.changes["tags"] == [None, ["ACE CLUB", "혁신허브 2012"]]
    assert result.created_ids and len(result.created_ids) == 3


def test_excel_typed_cells(tmp_path, operator):
    """Numbers, real dates and Excel serial dates as Excel stores them."""
    row = company_row(
        1,
        brn=int(brn(1)),
        ksic_code=29171,
        founded_on=dt.datetime(2001, 5, 17),
        employees=12.0,
        annual_revenue=5e9,
        is_active=True,
    )
    row2 = company_row(2, founded_on=36999, ksic_code="C29171", is_active="아니오")
    import_companies(write_xlsx(tmp_path / "typed.xlsx", KO, [row, row2]), actor=operator)
    first = Company.objects.get(brn=brn(1))
    assert (first.founded_on, first.employees, first.annual_revenue) == (
        dt.date(2001, 5, 17),
        12,
        5_000_000_000,
    )
    second = Company.objects.get(brn=brn(2))
    assert second.founded_on == dt.date(2001, 4, 18)  # Excel serial 36999
    assert second.ksic_code == "29171"
    assert second.is_active is False


def test_only_required_columns_and_blank_rows(tmp_path, operator):
    headers = ["기업명", "사업자등록번호", "기업구분", "업종코드 (KSIC)", "지역"]
    rows: list[list[Any]] = [
        ["가", brn(1), "중소기업", "29", "부산"],
        [],
        ["나", brn(2), "sme", "10", "대구"],
    ]
    result = import_companies(write_csv(tmp_path / "min.csv", headers, rows), actor=operator)
    assert result.created == 2
    assert Company.objects.get(brn=brn(2)).tags.count() == 0


def test_file_object_and_progress(operator):
    buffer = io.BytesIO()
    write_xlsx_buffer = openpyxl.Workbook()
    sheet = write_xlsx_buffer.active
    assert sheet is not None
    sheet.append(KO)
    for n in range(600):
        sheet.append(company_row(n))
    write_xlsx_buffer.save(buffer)
    buffer.seek(0)
    calls: list[tuple[str, int, int | None]] = []

    result = import_companies(
        buffer, actor=operator, fmt="xlsx", progress=lambda *a: calls.append(a)
    )

    assert result.created == 600
    assert {c[0] for c in calls} == {"validate", "write"}
    assert calls[-1] == ("write", 600, 600)
    assert ("validate", 600, 600) in calls


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_uploaded_file(tmp_path, operator, suffix):
    """What the web upload page passes: a Django UploadedFile, format from its name."""
    path = write(tmp_path / f"c{suffix}", KO, [company_row(1)])
    upload = SimpleUploadedFile(f"협력사 명단{suffix}", path.read_bytes())
    assert import_companies(upload, actor=operator).created == 1


# Companies: refusals -------------------------------------------------------------------------


def _assert_nothing_written(companies: int, entries: int) -> None:
    assert Company.objects.count() == companies
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_one_bad_row_among_many_writes_nothing(tmp_path, operator, company_a, suffix):
    rows = [company_row(n) for n in range(60)]
    rows[25][CODES.index("region")] = "화성"  # spreadsheet row 27
    path = write(tmp_path / f"c{suffix}", KO, rows)
    before = (Company.objects.count(), AuditEntry.objects.count())

    exc = refused(import_companies, path, actor=operator)

    assert triples(exc) == [(27, "지역", "invalid_region")]
    assert exc.errors[0].value == "화성"
    assert "시·도" in exc.errors[0].message
    assert exc.total == 1 and exc.rows == 60
    _assert_nothing_written(*before)


def test_every_bad_row_reported_in_order(tmp_path, operator):
    rows = [company_row(n) for n in range(5)]
    rows[1][CODES.index("employees")] = "마흔"
    rows[1][CODES.index("founded_on")] = "2020-13-01"
    rows[3][CODES.index("kind")] = "재벌"
    rows[4][CODES.index("ksic_code")] = "40"
    rows[4][CODES.index("annual_revenue")] = 10**16
    exc = refused(import_companies, write_xlsx(tmp_path / "c.xlsx", KO, rows), actor=operator)
    assert triples(exc) == [
        (3, "설립일", "invalid_date"),
        (3, "종업원수", "invalid_number"),
        (5, "기업구분", "invalid_kind"),
        (6, "업종코드(KSIC)", "ksic_unknown"),
        (6, "연매출(원)", "too_large"),
    ]
    assert Company.objects.count() == 0


def test_duplicate_brn_in_file_names_both_rows(tmp_path, operator):
    rows = [company_row(1), company_row(2), company_row(1, name="다른 이름")]
    exc = refused(import_companies, write_csv(tmp_path / "c.csv", KO, rows), actor=operator)
    assert triples(exc) == [
        (2, "사업자등록번호", "brn_duplicate_in_file"),
        (4, "사업자등록번호", "brn_duplicate_in_file"),
    ]
    assert "4행" in exc.errors[0].message and "2행" in exc.errors[1].message
    assert Company.objects.count() == 0


def test_bad_brn_checksum(tmp_path, operator):
    rows = [company_row(1), company_row(2, brn=bad_checksum(2))]
    exc = refused(import_companies, write_xlsx(tmp_path / "c.xlsx", CODES, rows), actor=operator)
    assert triples(exc) == [(3, "brn", "brn_checksum")]
    assert "검증번호" in exc.errors[0].message
    assert Company.objects.count() == 0


def test_unknown_column_named(tmp_path, operator):
    path = write_xlsx(tmp_path / "c.xlsx", [*KO, "비고"], [[*company_row(1), "메모"]])
    exc = refused(import_companies, path, actor=operator)
    assert triples(exc) == [(1, "비고", "unknown_column")]
    assert "사업자등록번호" in exc.errors[0].message


def test_missing_required_column(tmp_path, operator):
    headers = [h for h in KO if h != "기업구분"]
    rows = [[v for h, v in zip(KO, company_row(1), strict=True) if h != "기업구분"]]
    exc = refused(import_companies, write_csv(tmp_path / "c.csv", headers, rows), actor=operator)
    assert triples(exc) == [(1, "기업구분", "missing_column")]


def test_duplicate_column(tmp_path, operator):
    path = write_csv(tmp_path / "c.csv", [*KO, "name"], [[*company_row(1), "x"]])
    exc = refused(import_companies, path, actor=operator)
    assert triples(exc) == [(1, "name", "duplicate_column")]


def test_value_under_unnamed_column(tmp_path, operator):
    path = write_csv(tmp_path / "c.csv", KO, [company_row(1), [*company_row(2), "덤"]])
    exc = refused(import_companies, path, actor=operator)
    assert triples(exc) == [(3, "M열", "unnamed_column")]


def test_error_list_is_capped(tmp_path, operator):
    rows = [company_row(n, region="?") for n in range(MAX_REPORTED_ERRORS + 200)]
    exc = refused(import_companies, write_csv(tmp_path / "c.csv", KO, rows), actor=operator)
    assert exc.total == MAX_REPORTED_ERRORS + 200
    assert len(exc.errors) == MAX_REPORTED_ERRORS
    assert exc.truncated
    assert exc.errors[0].row == 2


def test_file_problems(tmp_path, operator):
    assert refused(import_companies, tmp_path / "x.txt", actor=operator).errors[0].code == (
        "file_format"
    )
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    assert refused(import_companies, bad, actor=operator).errors[0].code == "file_unreadable"
    empty = write_csv(tmp_path / "empty.csv", KO, [])
    assert refused(import_companies, empty, actor=operator).errors[0].code == "no_rows"
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"\xff\xfe\xfa" * 10)
    assert refused(import_companies, latin, actor=operator).errors[0].code == "file_encoding"


@pytest.mark.parametrize("encoding", ["cp949", "utf-8", "utf-8-sig"])
def test_csv_encodings(tmp_path, operator, encoding):
    path = write_csv(tmp_path / "c.csv", KO, [company_row(1, name="가나다정밀(주)")], encoding)
    import_companies(path, actor=operator)
    assert Company.objects.get(brn=brn(1)).name == "가나다정밀(주)"


def test_semicolon_csv(tmp_path, operator):
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(KO)
        writer.writerow(company_row(1, annual_revenue="1,000,000"))
    import_companies(path, actor=operator)
    assert Company.objects.get(brn=brn(1)).annual_revenue == 1_000_000


def test_auditor_may_not_import(tmp_path, auditor):
    path = write_csv(tmp_path / "c.csv", KO, [company_row(1)])
    with pytest.raises(PermissionDenied):
        import_companies(path, actor=auditor)
    with pytest.raises(PermissionDenied):
        import_links(path, actor=auditor)
    assert Company.objects.count() == 0


def test_manager_may_import(tmp_path, manager):
    path = write_csv(tmp_path / "c.csv", KO, [company_row(1)])
    assert import_companies(path, actor=manager).created == 1


# Companies: upsert and round trip ------------------------------------------------------------


def test_existing_brn_updates_company(tmp_path, operator, company_a):
    company_a.tags.add(Tag.objects.create(name="옛 태그"))
    entries_before = AuditEntry.objects.count()
    rows = [
        company_row(1),
        company_row(
            2,
            brn=company_a.brn,
            name=company_a.name,
            employees=77,
            tags="ACE CLUB",
            name_en="",
            address="",
            founded_on="",
            annual_revenue="",
            kind="sme",
            ksic_code="29171",
            region="gyeonggi",
        ),
    ]
    result = import_companies(write_xlsx(tmp_path / "c.xlsx", KO, rows), actor=operator)

    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    company_a.refresh_from_db()
    assert company_a.employees == 77
    assert [t.name for t in company_a.tags.all()] == ["ACE CLUB"]
    update = AuditEntry.objects.get(action="update", object_id=str(company_a.pk))
    assert update.source == "import"
    assert update.changes == {"employees": [None, 77], "tags": [["옛 태그"], ["ACE CLUB"]]}
    assert AuditEntry.objects.count() == entries_before + 2


def test_partial_columns_leave_other_fields(tmp_path, operator):
    factories.make_company(
        operator, brn=brn(1), name="원래", address="부산 어딘가", employees=5, region="busan"
    )
    headers = ["사업자등록번호", "기업명", "기업구분", "업종코드(KSIC)", "지역", "종업원수"]
    rows = [[brn(1), "원래", "중소기업", "29171", "부산광역시", 6]]
    result = import_companies(write_csv(tmp_path / "c.csv", headers, rows), actor=operator)
    assert result.updated == 1
    company = Company.objects.get(brn=brn(1))
    assert (company.employees, company.address) == (6, "부산 어딘가")


def test_dry_run_writes_nothing(tmp_path, operator, company_a):
    rows = [company_row(1), company_row(2, brn=company_a.brn, name="새 이름")]
    entries = AuditEntry.objects.count()
    result = import_companies(write_csv(tmp_path / "c.csv", KO, rows), actor=operator, dry_run=True)
    assert (result.created, result.updated, result.dry_run) == (1, 1, True)
    assert Company.objects.count() == 1
    company_a.refresh_from_db()
    assert company_a.name == "가나정밀"
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_has_no_changes(tmp_path, operator, suffix):
    factories.make_company(
        operator,
        name="가나정밀",
        name_en="Gana Precision",
        kind="midsize",
        ksic_code="01110",
        region="jeonbuk",
        address="전북 군산시, 1",
        founded_on="1999-12-31",
        employees=0,
        annual_revenue=10**15,
        tags=["ACE CLUB", "2차"],
        is_active=False,
    )
    factories.make_company(operator, name="다라", kind="micro", tags=[])
    factories.make_company(operator, name="마바", kind="university", region="sejong")
    path = tmp_path / f"export{suffix}"
    assert export_companies(path, user=operator) == 3
    entries = AuditEntry.objects.count()

    result = import_companies(path, actor=operator)

    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 0, 0, 3)
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_formula_like_text_is_exported_as_text(tmp_path, operator, suffix):
    company = factories.make_company(
        operator, name='=HYPERLINK("http://evil","보기")', address="-지하 1층", name_en="@home"
    )
    path = tmp_path / f"export{suffix}"
    export_companies(path, user=operator)
    if suffix == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        assert "'=HYPERLINK" in text and "'-지하 1층" in text and "'@home" in text
    else:
        sheet = openpyxl.load_workbook(path).worksheets[0]
        cell = sheet.cell(row=2, column=2)
        assert cell.data_type == "s" and cell.value == company.name

    result = import_companies(path, actor=operator)

    assert result.unchanged == 1
    company.refresh_from_db()
    assert company.name.startswith("=HYPERLINK") and company.address == "-지하 1층"


def test_export_xlsx_contents(tmp_path, operator, company_a):
    path = tmp_path / "out.xlsx"
    export_companies(path, user=operator)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == KO
    assert rows[1][0] == brn_lib.format_brn(company_a.brn)
    assert rows[1][3] == "중소기업"
    assert rows[1][5] == "경기도"
    assert rows[1][11] == "예"


def test_export_csv_has_bom_and_partner_sees_own(tmp_path, partner_a, company_a, company_b):
    path = tmp_path / "out.csv"
    assert export_companies(path, user=partner_a) == 1
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert company_a.name in data.decode("utf-8-sig")
    assert company_b.name not in data.decode("utf-8-sig")


def test_export_to_file_object(operator, company_a):
    buffer = io.BytesIO()
    assert export_companies(buffer, user=operator, fmt="csv") == 1
    assert buffer.getvalue().decode("utf-8-sig").splitlines()[0].startswith("사업자등록번호,")


# Supply links -------------------------------------------------------------------------------


@pytest.fixture
def firms(operator):
    return [factories.make_company(operator, name=f"기업{c}") for c in "ABCDE"]


def link_row(buyer: Company, supplier: Company, **overrides: Any) -> list[Any]:
    values = {
        "buyer": brn_lib.format_brn(buyer.brn),
        "supplier": supplier.brn,
        "start": "2023-01-01",
        "end": "",
        "volume": "120,000,000",
    }
    values.update(overrides)
    return list(values.values())


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_links_import(tmp_path, operator, firms, suffix):
    a, b, c, d, _ = firms
    rows = [link_row(a, b), link_row(a, c, end="2024-12-31"), link_row(b, d, volume="")]
    entries = AuditEntry.objects.count()
    result = import_links(write(tmp_path / f"l{suffix}", LINK_KO, rows), actor=operator)
    assert (result.rows, result.created) == (3, 3)
    ab = SupplyLink.objects.get(buyer=a, supplier=b)
    assert (ab.start_date, ab.end_date, ab.annual_volume) == (
        dt.date(2023, 1, 1),
        None,
        120_000_000,
    )
    assert SupplyLink.objects.get(buyer=a, supplier=c).end_date == dt.date(2024, 12, 31)
    assert SupplyLink.objects.get(buyer=b, supplier=d).annual_volume == 0
    new = AuditEntry.objects.filter(model="partners.supplylink", source="import")
    assert new.count() == 3 and AuditEntry.objects.count() == entries + 3
    assert new.get(object_id=str(ab.pk)).changes["buyer"] == [None, a.pk]


def test_links_cycle_within_file(tmp_path, operator, firms):
    a, b, c, d, e = firms
    rows = [link_row(a, b), link_row(b, c), link_row(d, e), link_row(c, a)]
    exc = refused(import_links, write_csv(tmp_path / "l.csv", LINK_KO, rows), actor=operator)
    assert triples(exc) == [(5, "협력사 사업자등록번호", "supply_cycle")]
    assert "기업C → 기업A → 기업B → 기업C" in exc.errors[0].message
    assert SupplyLink.objects.count() == 0


def test_links_cycle_against_database(tmp_path, operator, firms):
    a, b, c, _, _ = firms
    factories.link(a, b)
    factories.link(b, c)
    entries = AuditEntry.objects.count()
    rows = [link_row(c, a)]
    exc = refused(import_links, write_xlsx(tmp_path / "l.xlsx", LINK_KO, rows), actor=operator)
    assert triples(exc) == [(2, "협력사 사업자등록번호", "supply_cycle")]
    assert SupplyLink.objects.count() == 2
    assert AuditEntry.objects.count() == entries


def test_links_row_refusals(tmp_path, operator, firms):
    a, b, c, d, e = firms
    factories.link(d, e)
    rows = [
        link_row(a, a),  # 2: self
        link_row(a, b),  # 3: duplicate of 4
        link_row(a, b),  # 4
        ["", c.brn, "2023-01-01", "", ""],  # 5: buyer missing
        [brn(99), c.brn, "2023-01-01", "", ""],  # 6: unknown buyer
        link_row(a, c, start="2024-05-01", end="2024-04-30"),  # 7: end before start
        link_row(d, e),  # 8: exists
        link_row(b, c, start=""),  # 9: start required
        link_row(c, d, volume="-5"),  # 10: negative
    ]
    exc = refused(import_links, write_csv(tmp_path / "l.csv", LINK_KO, rows), actor=operator)
    assert triples(exc) == [
        (2, "협력사 사업자등록번호", "supply_self"),
        (3, "협력사 사업자등록번호", "link_duplicate_in_file"),
        (4, "협력사 사업자등록번호", "link_duplicate_in_file"),
        (5, "구매기업 사업자등록번호", "brn_required"),
        (6, "구매기업 사업자등록번호", "company_unknown"),
        (7, "종료일", "end_before_start"),
        (8, "협력사 사업자등록번호", "supply_link_exists"),
        (9, "시작일", "required"),
        (10, "연간 구매액(원)", "negative"),
    ]
    assert SupplyLink.objects.count() == 1


def test_links_export_then_import_refuses_existing(tmp_path, operator, firms):
    a, b, c, _, _ = firms
    factories.link(a, b, annual_volume=5)
    factories.link(a, c, end_date="2030-01-01")
    path = tmp_path / "links.xlsx"
    assert export_links(path, user=operator) == 2
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = next(sheet.iter_rows(values_only=True))
    assert header[:4] == (
        "구매기업 사업자등록번호",
        "구매기업명",
        "협력사 사업자등록번호",
        "협력사명",
    )
    exc = refused(import_links, path, actor=operator)
    assert {e.code for e in exc.errors} == {"supply_link_exists"}

    SupplyLink.objects.all().delete()
    result = import_links(path, actor=operator)
    assert result.created == 2
    assert SupplyLink.objects.get(buyer=a, supplier=b).annual_volume == 5
    assert SupplyLink.objects.get(buyer=a, supplier=c).end_date == dt.date(2030, 1, 1)


def test_find_cycles_orders_and_paths():
    existing = [(1, 2), (2, 3)]
    new = [(10, 3, 4), (11, 4, 1), (12, 3, 1), (13, 5, 6)]
    assert find_cycles(existing, new) == {11: [4, 1, 2, 3, 4], 12: [3, 1, 2, 3]}
    assert find_cycles(existing, [(1, 1, 3)]) == {}


def test_find_cycles_long_chain_is_fast():
    n = 50_000
    existing = [(i, i + 1) for i in range(n)]
    new = [(k, n + k + 1, n + k) for k in range(n)]  # a second chain, written bottom-up
    assert find_cycles(existing, new) == {}
    assert find_cycles(existing, [*new, (-1, n, 0)]) == {-1: [n, 0, *range(1, n + 1)]}


# Command line -------------------------------------------------------------------------------


def test_cli_import_and_export(tmp_path, operator):
    path = write_xlsx(tmp_path / "c.xlsx", KO, [company_row(n) for n in range(5)])
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "companies", str(path), stdout=out, stderr=err)
    assert "신규 5" in out.getvalue() and "행/초" in out.getvalue()
    assert Company.objects.count() == 5

    export_path = tmp_path / "back.csv"
    out = io.StringIO()
    call_command("export", "companies", str(export_path), user=operator.username, stdout=out)
    assert "5행" in out.getvalue()
    out = io.StringIO()
    call_command("import", "companies", str(export_path), "--format", "csv", stdout=out)
    assert "동일 5" in out.getvalue()

    a, b = Company.objects.order_by("pk")[:2]
    links = write_csv(tmp_path / "l.csv", LINK_KO, [link_row(a, b)])
    call_command("import", "links", str(links), stdout=io.StringIO(), stderr=io.StringIO())
    assert SupplyLink.objects.count() == 1
    call_command("export", "links", str(tmp_path / "l.xlsx"), stdout=io.StringIO())
    assert (tmp_path / "l.xlsx").exists()


def test_cli_errors_print_table_and_fail(tmp_path, operator):
    rows = [company_row(1), company_row(2, brn=bad_checksum(2))]
    path = write_csv(tmp_path / "c.csv", KO, rows)
    err = io.StringIO()
    with pytest.raises(CommandError, match="오류가 1건"):
        call_command("import", "companies", str(path), stdout=io.StringIO(), stderr=err)
    table = err.getvalue()
    assert "행" in table and "3" in table and "사업자등록번호" in table and "brn_checksum" in table
    assert Company.objects.count() == 0


def test_cli_dry_run(tmp_path, operator):
    path = write_csv(tmp_path / "c.csv", KO, [company_row(1)])
    out = io.StringIO()
    call_command("import", "companies", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert "시험 실행" in out.getvalue()
    assert Company.objects.count() == 0


def test_cli_actor(tmp_path, db):
    path = write_csv(tmp_path / "c.csv", KO, [company_row(1)])
    with pytest.raises(CommandError, match="운영자 계정이 없습니다"):
        call_command("import", "companies", str(path), stdout=io.StringIO())
    auditor = factories.make_user(Role.AUDITOR)
    with pytest.raises(CommandError, match="권한"):
        call_command("import", "companies", str(path), user=auditor.username, stdout=io.StringIO())
    with pytest.raises(CommandError, match="없거나"):
        call_command("import", "companies", str(path), user="nobody", stdout=io.StringIO())
    manager = factories.make_user(Role.MANAGER)
    call_command(
        "import",
        "companies",
        str(path),
        user=manager.username,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert AuditEntry.objects.get(action="create").actor == manager
