"""Messages of the registry's files and commands, and the English company pages:

* a missing required column takes the right particle (번호가, 지역이, 업종코드(KSIC)가);
* ``sangsaeng export`` to an unknown extension says so (it said "nothing was saved", the
  import's summary); ``sangsaeng import`` of a missing file says the file is missing;
* a founding date in the future or in year 1 is refused; a fractional headcount is not asked
  for "원 단위";
* the region select reads in English on English pages (it stayed Korean).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sangsaeng.lib.dates import today_kst
from sangsaeng.partners.forms import CompanyFilterForm, CompanyForm
from sangsaeng.partners.io import import_companies, import_links
from sangsaeng.partners.models import Company
from sangsaeng.partners.tests.test_import_export import (
    CODES,
    KO,
    company_row,
    refused,
    write_xlsx,
)
from sangsaeng.partners.validation import FieldError, clean_company

pytestmark = pytest.mark.django_db


def messages(exc: Any) -> dict[str | None, str]:
    return {e.column: e.message for e in exc.errors}


def test_missing_column_particle_follows_the_word(tmp_path, operator):
    path = write_xlsx(tmp_path / "links.xlsx", ["시작일"], [["2024-01-01"]])
    found = messages(refused(import_links, path, actor=operator))
    assert found["구매기업 사업자등록번호"] == "필수 열 '구매기업 사업자등록번호'가 없습니다."
    assert found["협력사 사업자등록번호"] == "필수 열 '협력사 사업자등록번호'가 없습니다."

    path = write_xlsx(tmp_path / "companies.xlsx", ["기업명"], [["한길"]])
    found = messages(refused(import_companies, path, actor=operator))
    assert found["지역"] == "필수 열 '지역'이 없습니다."
    assert found["업종코드(KSIC)"] == "필수 열 '업종코드(KSIC)'가 없습니다."
    assert not any("이(가)" in m for m in found.values())


def test_export_to_an_unknown_extension_says_why(tmp_path, operator):
    with pytest.raises(CommandError) as caught:
        call_command("export", "companies", str(tmp_path / "companies.txt"))
    assert "파일 형식을 알 수 없습니다" in str(caught.value)
    assert "저장하지 않았습니다" not in str(caught.value)
    assert not (tmp_path / "companies.txt").exists()


def test_import_of_a_missing_file_says_it_is_missing(tmp_path, operator):
    missing: Path = tmp_path / "nowhere.xlsx"
    with pytest.raises(CommandError, match="파일이 없습니다"):
        call_command("import", "companies", str(missing), stderr=io.StringIO())


@pytest.mark.parametrize(
    "founded",
    ["0001-01-01", "9999-12-31", (today_kst() + dt.timedelta(days=1)).isoformat()],
)
def test_a_founding_date_in_the_future_or_year_one_is_refused(tmp_path, operator, founded):
    path = write_xlsx(tmp_path / "c.xlsx", KO, [company_row(1, founded_on=founded)])
    exc = refused(import_companies, path, actor=operator)
    assert [(e.row, e.column, e.code) for e in exc.errors] == [
        (2, "설립일", "founded_out_of_range")
    ]
    assert not Company.objects.exists()


def test_a_founding_date_of_today_and_of_1896_are_fine():
    for day in ("1896-08-01", today_kst().isoformat()):
        data = dict(zip(CODES, company_row(1, founded_on=day), strict=True))
        assert clean_company(data)["founded_on"] == dt.date.fromisoformat(day)


def test_a_fractional_headcount_is_not_asked_in_won():
    data = dict(zip(CODES, company_row(1, employees=1.5), strict=True))
    with pytest.raises(Exception) as caught:
        clean_company(data)
    errors = getattr(caught.value, "errors", [caught.value])
    employees = next(e for e in errors if isinstance(e, FieldError) and e.field == "employees")
    assert employees.message == "정수를 입력하세요."


def region_choices(form: type[forms.Form]) -> list[tuple[str, Any]]:
    field = form.base_fields["region"]
    assert isinstance(field, forms.ChoiceField)
    return list(field.choices)  # type: ignore[arg-type]


def test_region_choices_follow_the_page_language(operator):
    with translation.override("en"):
        assert dict(region_choices(CompanyForm))["seoul"] == "Seoul"
        labels = [str(label) for _slug, label in region_choices(CompanyFilterForm)]
        assert "North Chungcheong" in labels and "충청북도" not in labels
    with translation.override("ko"):
        assert dict(region_choices(CompanyForm))["seoul"] == "서울특별시"

    client = Client()
    client.force_login(operator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("partners:company_list")).content.decode()
    assert ">Seoul</option>" in page and "서울특별시</option>" not in page
