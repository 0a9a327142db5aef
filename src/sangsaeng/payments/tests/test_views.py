"""The payment pages: each renders, each write goes through its service once, and the partner
fence holds on every page (404 for what is not yours, 403 for what you may not do)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook

from sangsaeng.ledger.models import Transaction
from sangsaeng.lib.errors import DomainError
from sangsaeng.payments import ratio, services
from sangsaeng.payments.models import OtherPayment
from sangsaeng.payments.tests.conftest import D, key, login

pytestmark = pytest.mark.django_db


def test_staff_pages_render(tree):
    world, _root, child = tree
    client = login(world.operator)
    page = client.get(reverse("payments:index"))
    assert page.status_code == 200 and world.programme.name in page.content.decode()
    page = client.get(reverse("payments:programme", args=[world.programme.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for text in (world.t1.name, world.t2.name, "10,000,000원", "6,000,000원", "2024-04-30"):
        assert text in html
    assert client.get(reverse("payments:claim", args=[child.pk])).status_code == 200
    page = client.get(reverse("payments:holdings"), {"company": world.t2.pk})
    assert "4,000,000원" in page.content.decode()
    assert client.get(reverse("payments:ratio")).status_code == 200


def test_operator_deposits_and_issues_through_the_pages(tree):
    world, *_ = tree
    client = login(world.operator)
    pid = world.programme.pk
    k = key()
    body = {
        "deposit-amount": "5000",
        "deposit-value_date": "2024-02-01",
        "deposit-idempotency_key": k,
    }
    before = Transaction.objects.count()
    assert client.post(reverse("payments:deposit", args=[pid]), body).status_code == 302
    assert client.post(reverse("payments:deposit", args=[pid]), body).status_code == 302  # resent
    assert Transaction.objects.count() == before + 1
    body = {
        "issue-holder": world.t2.pk, "issue-amount": "1000", "issue-maturity": "2024-05-01",
        "issue-value_date": "2024-03-01", "issue-idempotency_key": key(),
    }  # fmt: skip
    page = client.post(reverse("payments:issue", args=[pid]), body)
    assert page.status_code == 200  # t2 is not the buyer's supplier: the form says so
    assert Transaction.objects.count() == before + 1
    body["issue-holder"] = world.t1.pk
    assert client.post(reverse("payments:issue", args=[pid]), body).status_code == 302
    assert Transaction.objects.count() == before + 2


def test_partner_passes_on_and_cashes_out_with_a_quote(tree):
    world, _root, child = tree
    client = login(world.partner_t2)
    page = client.get(reverse("payments:claim", args=[child.pk]))
    assert page.status_code == 200 and 'id="split"' in page.content.decode()
    assert "하위 협력사에 지급" in page.content.decode()  # Korean first (payments/locale)
    body = {"split-to": world.t3.pk, "split-amount": "1000000", "split-value_date": "2024-03-06",
            "split-idempotency_key": key()}  # fmt: skip
    assert client.post(reverse("payments:split", args=[child.pk]), body).status_code == 302
    child.refresh_from_db()
    assert child.remaining == 3_000_000

    url = reverse("payments:cash_out", args=[child.pk])
    page = client.get(url, {"amount": "3000000", "value_date": "2024-03-31"})
    html = page.content.decode()
    # 30 days at 5.80 %: 3,000,000 × 0.058 × 30 / 365 = 14,301.37 → 14,301; 2,985,699 paid now.
    assert "14,301원" in html and "2,985,699원" in html
    assert (
        Transaction.objects.filter(kind="payments.cash_out").count() == 0
    )  # a quote writes nothing
    confirm = page.context["form"]
    body = {name: confirm.initial.get(name) for name in confirm.fields}
    before = Transaction.objects.count()
    assert client.post(url, body).status_code == 302
    assert client.post(url, body).status_code == 302  # double click
    assert Transaction.objects.count() == before + 1
    child.refresh_from_db()
    assert child.remaining == 0
    # A stale quote (price changed meanwhile) is refused, not paid.
    body = {**body, "expected_advance": 1, "idempotency_key": key()}
    client.post(url, body)
    assert Transaction.objects.count() == before + 1


@pytest.mark.parametrize(
    ("query", "field", "text"),
    [
        ({"amount": "0", "value_date": "2024-03-31"}, "amount", "1원 이상"),
        ({"amount": "-5", "value_date": "2024-03-31"}, "amount", "1원 이상"),
        ({"amount": "4000001", "value_date": "2024-03-31"}, "amount", "4,000,000"),
        ({"amount": str(10**22), "value_date": "2024-03-31"}, "amount", ""),
        ({"amount": "1000", "value_date": "2099-01-01"}, "value_date", ""),
        ({"amount": "1000", "value_date": "2024-04-30"}, "value_date", ""),  # on maturity
        ({"amount": "abc"}, "amount", ""),
    ],
)
def test_a_refused_quote_is_a_form_error_not_a_server_error(tree, query, field, text):
    world, _root, child = tree
    page = login(world.partner_t2).get(reverse("payments:cash_out", args=[child.pk]), query)
    assert page.status_code == 200
    errors = page.context["quote_form"].errors
    assert field in errors, errors
    assert text in " ".join(errors[field])
    assert Transaction.objects.filter(kind="payments.cash_out").count() == 0


def test_partner_fence_on_every_page(tree, auditor, consultant):
    world, root, child = tree
    t2 = login(world.partner_t2)
    pid = world.programme.pk
    not_yours = [
        ("get", reverse("payments:claim", args=[root.pk])),
        ("get", reverse("payments:cash_out", args=[root.pk])),
        ("post", reverse("payments:split", args=[root.pk])),
        ("post", reverse("payments:cash_out", args=[root.pk])),
        ("post", reverse("payments:settle", args=[root.pk])),
        ("get", reverse("payments:programme", args=[pid])),
        ("post", reverse("payments:deposit", args=[pid])),
        ("post", reverse("payments:issue", args=[pid])),
    ]
    for method, url in not_yours:
        assert getattr(t2, method)(url).status_code == 404, url
    forbidden = [
        ("get", reverse("payments:ratio")),
        ("post", reverse("payments:other_create")),
        ("post", reverse("payments:other_import")),
        ("post", reverse("payments:other_delete", args=[1])),
        ("post", reverse("payments:settle", args=[child.pk])),
    ]
    for method, url in forbidden:
        assert getattr(t2, method)(url).status_code == 403, url
    # Its own holdings only: a ?company= for someone else is ignored.
    page = t2.get(reverse("payments:holdings"), {"company": world.t1.pk})
    assert world.t2.name in page.content.decode()
    assert "10,000,000원" not in page.content.decode()
    assert t2.get(reverse("payments:index")).status_code == 302

    reader = login(auditor)
    for url in (
        reverse("payments:index"), reverse("payments:programme", args=[pid]),
        reverse("payments:claim", args=[root.pk]), reverse("payments:ratio"),
    ):  # fmt: skip
        assert reader.get(url).status_code == 200, url
    before = Transaction.objects.count()
    for url in (
        reverse("payments:deposit", args=[pid]), reverse("payments:issue", args=[pid]),
        reverse("payments:split", args=[root.pk]), reverse("payments:cash_out", args=[root.pk]),
        reverse("payments:settle", args=[root.pk]), reverse("payments:other_create"),
    ):  # fmt: skip
        assert reader.post(url).status_code == 403, url
    assert reader.get(reverse("payments:cash_out", args=[root.pk])).status_code == 403
    assert Transaction.objects.count() == before

    outsider = login(consultant)
    assert outsider.get(reverse("payments:index")).status_code == 403
    assert outsider.get(reverse("payments:holdings")).status_code == 403


def test_settle_and_ratio_pages(tree):
    world, root, _child = tree
    client = login(world.operator)
    body = {"settle-idempotency_key": key(), "settle-value_date": "2024-04-30"}
    assert client.post(reverse("payments:settle", args=[root.pk]), body).status_code == 302
    root.refresh_from_db()
    assert root.settled_on == D(2024, 4, 30)
    page = client.get(
        reverse("payments:programme", args=[world.programme.pk]), {"status": "settled"}
    )
    assert "2024-04-30" in page.content.decode()

    body = {
        "other-partner": world.t1.pk, "other-direction": "paid", "other-method": "note",
        "other-period_start": "2024-03-01", "other-period_end": "2024-03-31",
        "other-amount": "9000000", "other-idempotency_key": key(),
    }  # fmt: skip
    assert client.post(reverse("payments:other_create"), body).status_code == 302
    page = client.get(reverse("payments:ratio"), {"start": "2024-03-01", "end": "2024-03-31"})
    rows = {row.company.pk: row for row, _r, _p in page.context["rows"]}
    assert rows[world.t1.pk].status == "short"

    wb = Workbook()
    ws = wb.worksheets[0]
    ws.append(["사업자등록번호", "구분", "결제수단", "기간시작", "기간끝", "금액"])
    ws.append([world.t2.brn, "지급", "현금", "2024-03-01", "2024-03-31", 5_000_000])
    data = io.BytesIO()
    wb.save(data)
    upload = io.BytesIO(data.getvalue())
    upload.name = "other.xlsx"
    files: dict[str, Any] = {"import-file": upload, "import-idempotency_key": key()}
    assert client.post(reverse("payments:other_import"), files).status_code == 302
    assert OtherPayment.objects.count() == 2


def test_a_reversed_ratio_period_is_said_not_swapped(tree):
    world, *_ = tree
    page = login(world.operator).get(
        reverse("payments:ratio"), {"start": "2024-12-31", "end": "2024-01-01"}
    )
    assert page.status_code == 200
    assert page.context["period"].errors["end"] == ["기간의 끝이 시작보다 빠릅니다."]
    year = page.context["start"].year
    assert (page.context["start"], page.context["end"]) == (D(year, 1, 1), D(year, 12, 31))


def test_refusals_a_form_cannot_show_are_said_at_the_top(tree):
    world, root, child = tree
    client = login(world.operator)
    before = Transaction.objects.count()
    # A hand-made or stale post without its hidden key: a message, not "check the fields".
    page = client.post(
        reverse("payments:deposit", args=[world.programme.pk]), {"deposit-amount": "5000"}
    )
    assert page.status_code == 200
    assert "양식이 만료되었습니다" in page.content.decode()
    # A supplier picked on a stale page, no longer offered: the form names what to pick.
    body = {"split-to": world.t1b.pk, "split-amount": "1000", "split-value_date": "2024-03-06",
            "split-idempotency_key": key()}  # fmt: skip
    page = client.post(reverse("payments:split", args=[child.pk]), body)
    assert page.context["split_form"].errors["to"] == [
        "보유 기업의 협력사(공급망에 등록된 하위 협력사) 중에서 고르세요."
    ]
    # Passing on from a settled claim: the page no longer shows the form; the refusal shows.
    services.claim_settle(
        actor=world.operator, claim=root, value_date=D(2024, 4, 30), idempotency_key=key()
    )
    settled = Transaction.objects.count()
    body = {**body, "split-to": world.t3.pk, "split-idempotency_key": key()}
    page = client.post(reverse("payments:split", args=[child.pk]), body)
    assert page.status_code == 200
    shown = [str(m) for m in page.context["messages"]]
    assert len(shown) == 1 and "결제" in shown[0], shown
    assert Transaction.objects.count() == settled == before + 1
    # A settled claim's page says what was paid, not what is still held.
    html = client.get(reverse("payments:claim", args=[child.pk])).content.decode()
    assert "만기 지급액" in html and "보유 잔액" not in html


@pytest.mark.parametrize("raw", ["²", "１２", "-²", "٣"])
def test_digits_that_are_not_ascii_are_no_id_nor_amount(tree, raw):
    """``str.isdigit()`` says yes to superscripts and other scripts' digits, which ``int()``
    refuses (or reads): they are refused as input, never a server error."""
    world, *_ = tree
    page = login(world.operator).get(reverse("payments:holdings"), {"company": raw})
    assert page.status_code == 200
    data = {"direction": "paid", "method": "cash", "period_start": "2024-01-01",
            "period_end": "2024-03-31", "amount": raw}  # fmt: skip
    with pytest.raises(DomainError) as exc:
        ratio.clean_other(data)
    assert exc.value.code == "amount_invalid"


@pytest.mark.parametrize(("typed", "held"), [("1,000,000", 3_000_000), ("999원", 3_999_001)])
def test_a_pass_on_amount_may_carry_separators_and_won(tree, typed, held):
    """The amount is a text box (a number input drops "만" and posts 100 for "100만"): won
    grouped by thousands, with or without 원, are read as written."""
    world, _root, child = tree
    client = login(world.partner_t2)
    page = client.get(reverse("payments:claim", args=[child.pk])).content.decode()
    assert 'name="split-amount"' in page and 'type="number" name="split-amount"' not in page
    body = {"split-to": world.t3.pk, "split-amount": typed, "split-value_date": "2024-03-06",
            "split-idempotency_key": key()}  # fmt: skip
    assert client.post(reverse("payments:split", args=[child.pk]), body).status_code == 302
    child.refresh_from_db()
    assert child.remaining == held


@pytest.mark.parametrize("typed", ["100만", "1억", "1,00,000", "1.5", "１２"])
def test_a_pass_on_amount_in_units_is_refused_and_nothing_posted(tree, typed):
    world, _root, child = tree
    client = login(world.partner_t2)
    before = Transaction.objects.count()
    body = {"split-to": world.t3.pk, "split-amount": typed, "split-value_date": "2024-03-06",
            "split-idempotency_key": key()}  # fmt: skip
    page = client.post(reverse("payments:split", args=[child.pk]), body)
    assert page.status_code == 200
    assert page.context["split_form"].errors["amount"] == [
        "금액은 원 단위 숫자로 입력하세요 (예: 1,000,000). 100만·1억 같은 단위는 쓸 수 없습니다."
    ]
    assert Transaction.objects.count() == before
