"""The registry as people use it: sign in, search, register a company (after a typo in its
BRN), and a partner user who cannot open another company's page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sangsaeng.accounts.models import Role
from sangsaeng.lib import brn as brn_lib
from sangsaeng.testing.factories import link, make_company, make_user, next_brn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
BAD_BRN = "123-45-67890"  # ten digits, wrong check digit


def sign_in(page: Page, base: str, username: str, shot: Path | None = None) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    if shot:
        page.screenshot(path=str(shot))
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("details.user-menu summary")).to_have_text(username)


def sign_out(page: Page) -> None:
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="로그아웃").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def seed_registry() -> dict[str, object]:
    operator = make_user(Role.OPERATOR, username="운영자")
    anchor = make_company(
        operator,
        name="한국중공업",
        kind="large",
        region="gyeongnam",
        ksic_code="29",
        annual_revenue=8_450_000_000_000,
        tags="ACE CLUB",
    )
    rows = [
        ("가나정밀", "sme", "gyeonggi", "29171", 12_300_000_000, "ACE CLUB, 스마트공장"),
        ("다라테크", "sme", "busan", "26", 4_560_000_000, ""),
        ("마바소재", "midsize", "ulsan", "24", 230_000_000_000, "혁신허브 2012"),
        ("사아전자", "sme", "chungnam", "28", 980_000_000, ""),
        ("자차식품", "micro", "jeju", "10", 85_000_000, ""),
    ]
    companies = {
        name: make_company(
            operator,
            name=name,
            kind=kind,
            region=region,
            ksic_code=code,
            annual_revenue=revenue,
            tags=tags,
        )
        for name, kind, region, code, revenue, tags in rows
    }
    link(anchor, companies["가나정밀"], annual_volume=12_000_000_000)
    link(anchor, companies["마바소재"], annual_volume=54_000_000_000)
    link(companies["가나정밀"], companies["다라테크"], annual_volume=1_500_000_000)
    link(companies["다라테크"], companies["자차식품"])
    partner = make_user(Role.PARTNER, username="가나담당", company=companies["가나정밀"])
    return {"operator": operator, "partner": partner, "anchor": anchor, **companies}


def test_operator_registers_a_company_and_a_partner_is_fenced(
    live_server, page: Page, shots: Path
) -> None:
    data = seed_registry()
    base = live_server.url
    sign_in(page, base, "운영자", shots / "login.png")
    expect(page.locator("main")).to_contain_text("구분별 기업 수")
    page.screenshot(path=str(shots / "home.png"), full_page=True)

    # Find a company through the search box: htmx swaps the table and updates the URL.
    page.get_by_role("banner").get_by_role("link", name="기업", exact=True).click()
    expect(page.get_by_role("heading", name="기업", exact=True)).to_be_visible()
    table = page.locator("#company-table")
    expect(table).to_contain_text("마바소재")
    expect(table).to_contain_text("2,300억원")
    page.screenshot(path=str(shots / "company_list.png"), full_page=True)
    page.evaluate("window.sameDocument = true")  # gone if the page were loaded again
    page.get_by_label("검색").fill("다라")
    expect(table).not_to_contain_text("마바소재")
    expect(table).to_contain_text("다라테크")
    assert page.evaluate("window.sameDocument === true"), "search reloaded the whole page"
    expect(page).to_have_url(re.compile(r"q=%EB%8B%A4%EB%9D%BC|q=다라"))

    # Register a company: first with a mistyped BRN, then corrected.
    page.get_by_role("button", name="기업 등록").click()
    page.get_by_label("기업명").fill("한빛정공")
    page.get_by_label("사업자등록번호").fill(BAD_BRN)
    page.get_by_label("구분").select_option("sme")
    page.get_by_label("업종 (KSIC 중분류)").select_option("29")
    page.get_by_label("지역").select_option("gyeongnam")
    page.get_by_label("연 매출액 (원)").fill("3500000000")
    page.get_by_role("button", name="등록", exact=True).click()
    error = page.locator("#id_brn_error")
    expect(error).to_contain_text("검증번호")
    expect(page.get_by_label("사업자등록번호")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(shots / "company_form_bad_brn.png"), full_page=True)

    good = brn_lib.format_brn(next_brn())
    page.get_by_label("사업자등록번호").fill(good)
    page.get_by_role("button", name="등록", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("한빛정공"))).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("기업을 등록했습니다")
    expect(page.locator("dl.profile")).to_contain_text(good)
    expect(page.locator("dl.profile")).to_contain_text("35억원")
    page.get_by_role("button", name="감사 로그").click()
    expect(page.locator("#audit-table")).to_contain_text("한빛정공")
    expect(page.locator("#audit-table")).to_contain_text("생성")
    page.screenshot(path=str(shots / "audit_log.png"), full_page=True)

    # The anchor's page shows its suppliers by tier, each a link for staff.
    page.goto(f"{base}/partners/{data['anchor'].pk}/")  # type: ignore[attr-defined]
    suppliers = page.locator("#suppliers")
    expect(suppliers).to_contain_text("3차")
    suppliers.get_by_role("link", name="다라테크").click()
    expect(page.get_by_role("heading", name=re.compile("다라테크"))).to_be_visible()
    page.goto(f"{base}/partners/{data['anchor'].pk}/")  # type: ignore[attr-defined]
    page.screenshot(path=str(shots / "company_detail.png"), full_page=True)

    page.get_by_role("banner").get_by_role("link", name="기업", exact=True).click()
    page.get_by_label("검색").fill("한빛")
    expect(page.locator("#company-table")).to_contain_text("한빛정공")
    expect(page.locator("#company-table")).to_contain_text(good)
    sign_out(page)

    # A partner user sees its own company but not another one, even by URL.
    sign_in(page, base, "가나담당")
    other = data["다라테크"]
    response = page.goto(f"{base}/partners/{other.pk}/")  # type: ignore[attr-defined]
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="페이지를 찾을 수 없습니다")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("다라테크")
    page.goto(f"{base}/partners/{data['가나정밀'].pk}/")  # type: ignore[attr-defined]
    expect(page.locator("#suppliers")).to_contain_text("다라테크")  # by name only
    expect(page.locator("#suppliers").get_by_role("link")).to_have_count(0)
    expect(page.locator("#suppliers")).not_to_contain_text("자차식품")  # tier 2: hidden
    page.screenshot(path=str(shots / "partner_own_company.png"), full_page=True)
    page.goto(f"{base}/partners/")
    expect(page.locator("#company-table")).to_contain_text("가나정밀")
    expect(page.locator("#company-table")).not_to_contain_text("다라테크")
