"""Importing payments by other means from xlsx: every bad row is named (row and column) and
nothing is saved — a malformed business registration number included (it was a 500), the
same row twice (it counted the same payments twice) and dates no one means (year 1, 9999)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook

from sangsaeng.payments import ratio
from sangsaeng.payments.models import OtherPayment
from sangsaeng.payments.tests.conftest import World, key, login

pytestmark = pytest.mark.django_db
HEADER = ["사업자등록번호", "구분", "결제수단", "기간시작", "기간끝", "금액", "거래상대"]


def xlsx(*rows: list[Any]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    data.name = "other.xlsx"
    return data


def good(world: World, **changes: Any) -> list[Any]:
    row = {
        "brn": world.t1.brn, "direction": "지급", "method": "현금", "start": "2024-03-01",
        "end": "2024-03-31", "amount": 1_000_000, "counterparty": "이차정밀",
    }  # fmt: skip
    row.update(changes)
    return list(row.values())


def refused(world: World, file: io.BytesIO) -> list[tuple[int, str | None, str]]:
    with pytest.raises(ratio.ImportRefused) as caught:
        ratio.other_payments_import(actor=world.operator, file=file)
    assert OtherPayment.objects.count() == 0
    return [(p.row, p.field, p.code) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("brn", "code"),
    [
        ("123-45-67890", "brn_checksum"),
        ("12345", "brn_length"),
        ("abc", "brn_not_digits"),
        ("", "brn_required"),
    ],
)
def test_a_malformed_brn_names_its_row_and_saves_nothing(world, brn, code):
    file = xlsx(good(world), good(world, brn=brn, amount=2))
    assert refused(world, file) == [(3, "brn", code)]


def test_a_row_repeated_in_the_file_is_refused(world):
    file = xlsx(good(world), good(world, amount=5), good(world))
    assert refused(world, file) == [(4, None, "row_duplicate_in_file")]
    # Same partner and period but another counterparty is another payment, not a repeat.
    ratio.other_payments_import(
        actor=world.operator, file=xlsx(good(world), good(world, counterparty="삼차산업"))
    )
    assert OtherPayment.objects.count() == 2


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("0001-01-01", "2024-03-31", "period_start"),
        ("2024-03-01", "9999-12-31", "period_end"),
    ],
)
def test_dates_out_of_range_are_refused(world, start, end, field):
    file = xlsx(good(world, start=start, end=end))
    assert refused(world, file) == [(2, field, "date_out_of_range")]


def test_a_file_with_headers_but_no_rows_is_refused(world):
    assert refused(world, xlsx()) == [(2, None, "no_rows")]


def test_problems_come_in_row_order(world):
    file = xlsx(good(world, amount=-1), good(world, brn="123-45-67890"))
    assert refused(world, file) == [(2, "amount", "amount_invalid"), (3, "brn", "brn_checksum")]


def test_api_refuses_a_bad_brn_with_422_not_500(api_as, world):
    staff = api_as(world.operator)
    r = staff.client.post(
        "/api/v1/payments/other-payments/import",
        data={"file": xlsx(good(world, brn="123-45-67890"))},
        headers={**staff.headers, "Idempotency-Key": "qa-import-1"},
    )
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "import_invalid"
    assert r.json()["errors"][0]["row"] == 2
    assert OtherPayment.objects.count() == 0


def test_web_page_names_the_column_of_each_problem(world):
    client = login(world.operator)
    files = {
        "import-file": xlsx(good(world, end="2024-02-30")),
        "import-idempotency_key": key(),
    }
    page = client.post(reverse("payments:other_import"), files)
    assert page.status_code == 200
    text = page.content.decode()
    assert "기간끝" in text.split("alert-error", 1)[1]  # which of the two date columns
    assert OtherPayment.objects.count() == 0
