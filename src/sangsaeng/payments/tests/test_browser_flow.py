"""The whole win-win payment flow in the browser, as the issue describes it: the buyer's
operator deposits and issues a claim to tier 1; tier 1 passes part of it to tier 2; tier 2
cashes out early; at maturity the operator settles and the pages show what each was paid.

Figures by hand (programme pricing from conftest.SETTINGS: base 3.50 %, spread 1.40 %p for
31–90 days, system fee 1.00 %, 365-day year, rounded down):
- issue 30,000,000 to tier 1; tier 1 passes 12,000,000 to tier 2, retains 18,000,000;
- tier 2 cashes out all 12,000,000 on 2024-04-10, 50 days before maturity 2024-05-30:
  12,000,000 × 5.90 % × 50 / 365 = 96,986.30 → 96,986 discount; the bank advances 11,903,014;
- at maturity the escrow pays tier 1 its 18,000,000 and the bank its 12,000,000.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sangsaeng.accounts.models import Role
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.payments.models import Claim
from sangsaeng.payments.tests.conftest import make_world
from sangsaeng.payments.tests.test_browser import sign_in
from sangsaeng.testing.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_issue_pass_on_cash_out_settle(page: Page, live_server, shots: Path) -> None:
    operator = make_user(Role.OPERATOR, username="구매팀")
    w = make_world(operator)
    tier1 = make_user(Role.PARTNER, company=w.t1, username="일차담당")
    tier2 = make_user(Role.PARTNER, company=w.t2, username="이차담당")
    base = live_server.url

    # The buyer deposits into escrow and issues a claim to its tier-1 partner.
    sign_in(page, base, operator.username)
    page.goto(f"{base}/payments/programmes/{w.programme.pk}/")
    page.locator("#deposit summary").click()
    page.locator("#id_deposit-amount").fill("100000000")
    page.locator("#id_deposit-value_date").fill("2024-01-02")
    page.get_by_role("button", name="예치", exact=True).click()
    page.locator("#issue summary").click()
    page.locator("#id_issue-holder").select_option(label=w.t1.name)
    page.locator("#id_issue-amount").fill("30000000")
    page.locator("#id_issue-maturity").fill("2024-05-30")
    page.locator("#id_issue-value_date").fill("2024-03-01")
    page.get_by_role("button", name="발행", exact=True).click()
    expect(page.locator("#maturities")).to_contain_text("30,000,000원")
    root = Claim.objects.get(programme=w.programme, parent__isnull=True)

    # Tier 1 passes 12,000,000 on to its own supplier.
    page.context.clear_cookies()
    sign_in(page, base, tier1.username)
    page.goto(f"{base}/payments/holdings/")
    expect(page.locator("#total")).to_have_text("30,000,000원")
    page.goto(f"{base}/payments/claims/{root.pk}/")
    page.locator("#split summary").click()
    page.locator("#id_split-to").select_option(label=w.t2.name)
    page.locator("#id_split-amount").fill("12000000")
    page.locator("#id_split-value_date").fill("2024-03-04")
    page.get_by_role("button", name="지급", exact=True).click()
    expect(page.locator("#retained")).to_have_text("18,000,000원")
    child = Claim.objects.get(parent=root, holder=w.t2)

    # Tier 2 sees the price first, then cashes everything out.
    page.context.clear_cookies()
    sign_in(page, base, tier2.username)
    page.goto(f"{base}/payments/claims/{child.pk}/")
    page.locator("#cash-out summary").click()
    page.locator("#id_value_date").fill("2024-04-10")
    page.get_by_role("button", name="금액 확인").click()
    expect(page.locator("#discount")).to_contain_text("96,986원")
    expect(page.locator("#advance")).to_have_text("11,903,014원")
    page.get_by_role("button", name="조기현금화 확정").click()
    expect(page.locator("#retained")).to_have_text("0원")

    # After maturity the buyer's operator settles the tree; each holder is paid once.
    page.context.clear_cookies()
    sign_in(page, base, operator.username)
    page.goto(f"{base}/payments/claims/{root.pk}/")
    page.locator('form[action$="/settle/"] button').last.click()
    expect(page.locator("body")).to_contain_text("모든 보유 기업에 지급했습니다")
    page.screenshot(path=str(shots / "payments-settled.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, base, tier1.username)
    page.goto(f"{base}/payments/holdings/")
    expect(page.locator("#total")).to_have_text("0원")
    expect(page.locator("#history")).to_contain_text("18,000,000원")

    root.refresh_from_db()
    assert root.settled_on is not None
    assert all(f.ok for f in run_checks()), [f.problems for f in run_checks() if not f.ok]
