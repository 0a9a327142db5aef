"""The buyer's own pages: withdrawing from escrow, changing a programme's pricing, declaring a
company insolvent. Each write goes through its service once and shows refusals on the form;
partners do not see these pages, auditors see them and change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from sangsaeng.accounts.models import AuditEntry
from sangsaeng.lib import brn as brn_lib
from sangsaeng.payments import queries, services
from sangsaeng.payments.models import CashOut, Insolvency, Operation, Programme
from sangsaeng.payments.tests.conftest import (
    SETTINGS,
    D,
    assert_invariants,
    key,
    login,
    tx_count,
)

pytestmark = pytest.mark.django_db


def balances(programme: Programme) -> tuple[int, int]:
    """(escrow, free deposit) from the ledger accounts themselves."""
    escrow, deposit = programme.escrow_account, programme.deposit_account
    assert escrow is not None and deposit is not None
    escrow.refresh_from_db()
    deposit.refresh_from_db()
    return escrow.normal_balance, deposit.normal_balance


def pricing_body(**overrides: str) -> dict[str, str]:
    body = {
        "pricing-base_rate": "3.25",
        "pricing-spread_tiers": "30:1.20, :1.45",
        "pricing-system_fee": "0.90",
        "pricing-day_count": "360",
        "pricing-rounding": "half_up",
        "pricing-max_term_days": "180",
    }
    body.update({f"pricing-{name}": value for name, value in overrides.items()})
    return body


# -- escrow withdrawal ----------------------------------------------------------------------------


def test_withdrawal_from_the_programme_page(tree, manager):
    world, *_ = tree
    prog = world.programme
    url = reverse("payments:withdraw", args=[prog.pk])
    page = login(world.operator).get(reverse("payments:programme", args=[prog.pk]))
    assert 'id="withdraw"' in page.content.decode()
    assert "예치금 인출" in page.content.decode()  # Korean first
    assert balances(prog) == (100_000_000, 90_000_000)

    client = login(manager)  # a programme manager may, as in the API
    k = key()
    body = {"withdraw-amount": "30000000", "withdraw-value_date": "2024-03-10",
            "withdraw-idempotency_key": k}  # fmt: skip
    before = tx_count()
    response = client.post(url, body)
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:programme", args=[prog.pk])
    assert client.post(url, body).status_code == 302  # resent: posts nothing more
    assert tx_count() == before + 1
    op = Operation.objects.get(idempotency_key=k)
    assert (op.kind, op.amount, op.value_date) == ("withdraw", 30_000_000, D(2024, 3, 10))
    assert balances(prog) == (70_000_000, 60_000_000)
    figures = queries.figures(prog)
    assert (figures.escrow, figures.free_deposit, figures.outstanding) == (
        70_000_000,
        60_000_000,
        10_000_000,
    )
    assert_invariants()


def test_withdrawing_more_than_the_free_deposit_is_refused_on_the_form(tree):
    world, *_ = tree
    prog = world.programme
    client = login(world.operator)
    url = reverse("payments:withdraw", args=[prog.pk])
    before = tx_count()
    body = {"withdraw-amount": "90000001", "withdraw-value_date": "2024-03-10",
            "withdraw-idempotency_key": key()}  # fmt: skip
    page = client.post(url, body)
    assert page.status_code == 200
    message = "채권에 배정되지 않은 예치금(90,000,000원)보다 많이 인출할 수 없습니다."
    assert page.context["withdraw_form"].errors["amount"] == [message]
    html = page.content.decode()
    assert message in html and 'id="withdraw" open' in html
    # Back-dated to before the claim was issued: the deposit was free that day, but the claim
    # issued later needs it, so the lowest balance from then on is what counts.
    body = {"withdraw-amount": "95000000", "withdraw-value_date": "2024-01-10",
            "withdraw-idempotency_key": key()}  # fmt: skip
    page = client.post(url, body)
    assert page.context["withdraw_form"].errors["amount"] == [message]
    # The form's own checks: no amount, a date in the future.
    body = {"withdraw-amount": "", "withdraw-idempotency_key": key()}
    assert "amount" in client.post(url, body).context["withdraw_form"].errors
    body = {"withdraw-amount": "1", "withdraw-value_date": "2999-01-01",
            "withdraw-idempotency_key": key()}  # fmt: skip
    errors = client.post(url, body).context["withdraw_form"].errors
    assert errors["value_date"] == ["기준일이 미래일 수 없습니다."]
    assert tx_count() == before
    assert not Operation.objects.filter(kind="withdraw").exists()
    assert balances(prog) == (100_000_000, 90_000_000)
    assert_invariants()


# -- pricing --------------------------------------------------------------------------------------


def test_pricing_page_shows_the_settings_and_changes_them(tree):
    world, _root, child = tree
    prog = world.programme
    url = reverse("payments:pricing", args=[prog.pk])
    # A cash-out at the old price, before the change.
    cash_out = services.claim_cash_out(
        actor=world.operator, claim=child, amount=1_000_000, value_date=D(2024, 3, 31),
        idempotency_key=key(),
    )  # fmt: skip
    paid = CashOut.objects.get(operation=cash_out)
    old_price = (paid.annual_rate, paid.discount, paid.advance)

    client = login(world.operator)
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("3.50%", "1.00%", "1~30일", "31~90일", "91일 이상", "5.80%", "6.00%"):
        assert text in html, text
    assert "이미 조기현금화한 채권은 그때 안내·지급된 금액 그대로" in html
    form = page.context["form"]
    assert form.initial["spread_tiers"] == "30:1.30, 90:1.40, :1.50"
    assert form.initial["base_rate"] == "3.50"

    body = pricing_body(shown=form.initial["shown"])
    response = client.post(url, body)
    assert response.status_code == 302 and response["Location"] == url
    prog.refresh_from_db()
    assert prog.base_rate == Decimal("3.25") and prog.system_fee == Decimal("0.90")
    assert [(t["max_days"], Decimal(t["spread"])) for t in prog.spread_tiers] == [
        (30, Decimal("1.20")),
        (None, Decimal("1.45")),
    ]
    assert (prog.day_count, prog.rounding, prog.max_term_days) == (360, "half_up", 180)
    # The cash-out made before keeps its price; a new quote uses the new one.
    paid.refresh_from_db()
    assert (paid.annual_rate, paid.discount, paid.advance) == old_price
    quote = services.cash_out_quote(claim=child, amount=1_000_000, value_date=D(2024, 4, 1))
    assert quote.annual_rate == Decimal("3.25") + Decimal("1.20") + Decimal("0.90")  # 29 days

    # The history, from the audit trail: the opening settings and this change.
    page = client.get(url)
    history = page.context["history"]
    assert [row["opened"] for row in history] == [False, True]
    changed = {str(label): (old, new) for label, old, new in history[0]["fields"]}
    assert changed["기준금리 (연 %)"] == ("3.50%", "3.25%")
    assert changed["기간별 가산금리"] == ("≤30: 1.30, ≤90: 1.40, 91+: 1.50", "≤30: 1.20, 31+: 1.45")
    assert "3.50% → <strong>3.25%</strong>" in page.content.decode()
    assert_invariants()


def test_pricing_refusals_and_stale_forms_change_nothing(tree):
    world, *_ = tree
    prog = world.programme
    url = reverse("payments:pricing", args=[prog.pk])
    client = login(world.operator)
    shown = client.get(url).context["form"].initial["shown"]
    audits = AuditEntry.objects.count()

    # Tiers out of order: the pricing rules' message, next to the tiers input.
    page = client.post(url, pricing_body(spread_tiers="90:1.40, 30:1.30", shown=shown))
    assert page.status_code == 200
    assert page.context["form"].errors["spread_tiers"] == [
        "가산금리 구간의 최대 일수는 커지는 순서여야 하고, 빈 값은 마지막에만 둡니다."
    ]
    page = client.post(url, pricing_body(base_rate="abc", shown=shown))
    assert page.context["form"].errors["base_rate"] == ["금리는 숫자(%)로 입력하세요."]
    page = client.post(url, pricing_body(max_term_days="0", shown=shown))
    assert "max_term_days" in page.context["form"].errors
    # Tiers that stop short of the longest term would leave longer claims without a price.
    page = client.post(url, pricing_body(spread_tiers="30:1.30", shown=shown))
    assert page.status_code == 200
    assert "최장 만기 180일까지 닿지 않습니다" in page.context["form"].errors["spread_tiers"][0]
    body = pricing_body(spread_tiers="30:1.30, 200:1.50", shown=shown)
    assert client.post(url, body).status_code == 302  # past the longest term: every term priced
    prog.refresh_from_db()
    assert prog.spread_tiers[-1] == {"max_days": 200, "spread": "1.5000"}
    shown = client.get(url).context["form"].initial["shown"]
    audits = AuditEntry.objects.count()

    # The same settings again: nothing changes, nothing is audited.
    same = {f"pricing-{k}": v for k, v in client.get(url).context["form"].initial.items()}
    assert client.post(url, same).status_code == 302
    assert AuditEntry.objects.count() == audits

    # Someone else changes the pricing; the form shown before is refused, not applied.
    services.programme_set_pricing(
        actor=world.operator, programme=prog, settings={**SETTINGS, "base_rate": "3.00"}
    )
    page = client.post(url, pricing_body(shown=shown))
    assert page.status_code == 200
    assert "다른 사람이 조건을 바꿨습니다" in page.content.decode()
    prog.refresh_from_db()
    assert prog.base_rate == Decimal("3.00") and prog.day_count == 365
    # Resubmitted from that page (now against the current settings), it goes through.
    resubmit = page.context["form"].data
    assert client.post(url, resubmit).status_code == 302
    prog.refresh_from_db()
    assert prog.base_rate == Decimal("3.25")
    assert_invariants()


# -- insolvency -----------------------------------------------------------------------------------


def test_declaring_an_insolvency(tree):
    world, root, child = tree
    url = reverse("payments:insolvencies")
    client = login(world.operator)
    page = client.get(url)
    assert page.status_code == 200 and "도산 처리된 기업이 없습니다." in page.content.decode()
    body = {"insolvency-company": brn_lib.format_brn(world.t2.brn),
            "insolvency-declared_on": "2024-03-10", "insolvency-note": "회생절차 개시"}  # fmt: skip
    response = client.post(url, body)
    assert response.status_code == 302 and response["Location"] == url
    assert client.post(url, body).status_code == 302  # the same again: the same record
    record = Insolvency.objects.get()
    assert (record.company, record.declared_on, record.note) == (
        world.t2,
        D(2024, 3, 10),
        "회생절차 개시",
    )
    html = client.get(url).content.decode()
    assert world.t2.name in html and "2024-03-10" in html and "회생절차 개시" in html

    # A different date for the same company: the service's refusal, at the top of the page.
    page = client.post(url, {**body, "insolvency-declared_on": "2024-03-11"})
    assert page.status_code == 200
    shown = [str(m) for m in page.context["messages"]]
    assert shown == ["이미 2024-03-10에 도산 처리된 기업입니다."]
    # A mistyped or unknown number, a date in the future: next to the field.
    page = client.post(url, {**body, "insolvency-company": "123-45-6789"})
    assert "사업자등록번호는 숫자 10자리여야 합니다" in page.context["form"].errors["company"][0]
    page = client.post(url, {**body, "insolvency-company": brn_lib.complete("999999999")})
    assert page.context["form"].errors["company"] == ["이 번호로 등록된 기업이 없습니다."]
    page = client.post(url, {**body, "insolvency-declared_on": "2999-01-01"})
    assert page.context["form"].errors["declared_on"]
    assert Insolvency.objects.count() == 1

    # The holder shows as insolvent where its claims are; the rules now refuse it.
    claim_page = client.get(reverse("payments:claim", args=[child.pk])).content.decode()
    assert '<span class="badge off">부도' in claim_page
    root_page = client.get(reverse("payments:claim", args=[root.pk]))
    assert root_page.context["holder_insolvent_on"] is None  # t1 is not insolvent
    holdings = client.get(reverse("payments:holdings"), {"company": world.t2.pk})
    assert "부도" in holdings.content.decode()
    before = tx_count()
    page = client.post(
        reverse("payments:split", args=[child.pk]),
        {"split-to": world.t3.pk, "split-amount": "1000", "split-value_date": "2024-03-12",
         "split-idempotency_key": key()},
    )  # fmt: skip
    assert page.status_code == 200 and tx_count() == before
    assert_invariants()


# -- who may ---------------------------------------------------------------------------------------


def test_partners_auditors_and_consultants_cannot_use_these_pages(tree, auditor, consultant):
    world, *_ = tree
    prog = world.programme
    pricing = reverse("payments:pricing", args=[prog.pk])
    withdraw = reverse("payments:withdraw", args=[prog.pk])
    insolvencies = reverse("payments:insolvencies")
    shown = services.pricing_digest(prog)
    withdrawal = {"withdraw-amount": "1000", "withdraw-idempotency_key": key()}
    declare = {"insolvency-company": world.t1.brn, "insolvency-declared_on": "2024-03-10"}
    before = (tx_count(), AuditEntry.objects.count())

    partner = login(world.partner_t1)
    assert partner.get(pricing).status_code == 404  # a programme is not a partner's to see
    assert partner.post(pricing, pricing_body(shown=shown)).status_code == 404
    assert partner.post(withdraw, withdrawal).status_code == 404
    assert partner.get(insolvencies).status_code == 403
    assert partner.post(insolvencies, declare).status_code == 403
    nav = partner.get(reverse("payments:holdings")).content.decode()
    assert insolvencies not in nav

    reader = login(auditor)
    page = reader.get(pricing)
    assert page.status_code == 200 and 'id="change-pricing"' not in page.content.decode()
    assert "할인 조건 변경 이력" in page.content.decode()
    page = reader.get(reverse("payments:programme", args=[prog.pk]))
    assert 'id="withdraw"' not in page.content.decode()
    page = reader.get(insolvencies)
    assert page.status_code == 200 and 'id="declare"' not in page.content.decode()
    assert reader.post(pricing, pricing_body(shown=shown)).status_code == 403
    assert reader.post(withdraw, withdrawal).status_code == 403
    assert reader.post(insolvencies, declare).status_code == 403
    assert reader.get(withdraw).status_code == 405  # a write only

    outsider = login(consultant)
    for url in (pricing, insolvencies):
        assert outsider.get(url).status_code == 403
    assert outsider.post(withdraw, withdrawal).status_code == 403

    assert (tx_count(), AuditEntry.objects.count()) == before
    assert not Insolvency.objects.exists()
    prog.refresh_from_db()
    assert prog.base_rate == Decimal("3.5") and prog.max_term_days == 365
    assert balances(prog) == (100_000_000, 90_000_000)
    assert_invariants()
