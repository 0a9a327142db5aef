"""The payment pages as people use them, in Debian's chromium: a tier-2 partner passes part
of its claim on, asks for the cash-out price, confirms it; the operator sees the tree by tier
and maturity. Screenshots go to ``$SHOTS_DIR`` (default /tmp/shots); fixtures from
``sangsaeng.testing.browser``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sangsaeng.accounts.models import Role
from sangsaeng.payments import services
from sangsaeng.payments.models import Claim
from sangsaeng.payments.tests.conftest import D, key, made, make_world
from sangsaeng.testing.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("details.user-menu summary")).to_have_text(username)


def test_partner_cash_out_and_operator_tree(page: Page, live_server, shots: Path) -> None:
    operator = make_user(Role.OPERATOR, username="상생팀")
    w = make_world(operator)
    services.escrow_deposit(
        actor=operator, programme=w.programme, amount=100_000_000, value_date=D(2024, 1, 2),
        idempotency_key=key(),
    )  # fmt: skip
    root = made(
        services.claim_issue(
            actor=operator, programme=w.programme, holder=w.t1, amount=30_000_000,
            maturity=D(2024, 5, 30), value_date=D(2024, 3, 1), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    child = made(
        services.claim_split(
            actor=operator, claim=root, to=w.t2, amount=12_000_000, value_date=D(2024, 3, 4),
            idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    partner = make_user(Role.PARTNER, company=w.t2, username="이차정밀담당")
    base = live_server.url

    sign_in(page, base, partner.username)
    page.goto(f"{base}/payments/")
    expect(page).to_have_url(re.compile(r"/payments/holdings/"))
    expect(page.locator("#total")).to_have_text("12,000,000원")
    page.screenshot(path=str(shots / "payments-holdings.png"), full_page=True)

    page.goto(f"{base}/payments/claims/{child.pk}/")
    page.locator("#split summary").click()
    page.get_by_label("넘길 협력사").select_option(label=w.t3.name)
    page.locator("#id_split-amount").fill("5000000")
    page.locator("#id_split-value_date").fill("2024-03-08")
    page.get_by_role("button", name="지급", exact=True).click()
    expect(page.locator("#retained")).to_have_text("7,000,000원")

    page.locator("#cash-out summary").click()
    page.locator("#id_amount").fill("3000000")
    page.locator("#id_value_date").fill("2024-04-10")
    page.get_by_role("button", name="금액 확인").click()
    # 50 days at 5.90 %: 3,000,000 × 0.059 × 50 / 365 = 24,246.58 → 24,246; 2,975,754 now.
    expect(page.locator("#discount")).to_contain_text("24,246원")
    expect(page.locator("#advance")).to_have_text("2,975,754원")
    page.screenshot(path=str(shots / "payments-quote.png"), full_page=True)
    page.get_by_role("button", name="조기현금화 확정").click()
    expect(page.locator("#retained")).to_have_text("4,000,000원")
    page.screenshot(path=str(shots / "payments-claim.png"), full_page=True)
    assert Claim.objects.filter(parent=child, kind="cash_out").count() == 1

    # Another company's claim does not exist for this partner.
    response = page.goto(f"{base}/payments/claims/{root.pk}/")
    assert response is not None and response.status == 404

    page.context.clear_cookies()
    sign_in(page, base, operator.username)
    page.goto(f"{base}/payments/programmes/{w.programme.pk}/")
    expect(page.locator("#tiers")).to_contain_text("3차")
    expect(page.locator("#maturities")).to_contain_text("2024-05-30")
    page.screenshot(path=str(shots / "payments-programme.png"), full_page=True)
