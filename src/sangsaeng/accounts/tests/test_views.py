"""The audit log page, the home page, the layout's menus and the language switch."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sangsaeng.accounts.models import AuditEntry
from sangsaeng.lib.dates import KST
from sangsaeng.partners import services
from sangsaeng.testing.factories import make_company

pytestmark = pytest.mark.django_db

AUDIT = reverse("audit_log")
HOME = reverse("web:home")


# --- audit log ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("operator", 200),
        ("auditor", 200),
        ("manager", 403),
        ("consultant", 403),
        ("partner_a", 403),
    ],
)
def test_audit_page_access_matrix(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(AUDIT).status_code == status


def test_audit_page_requires_login(client):
    response = client.get(AUDIT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_partner_cannot_read_another_companys_audit(client, partner_a, company_b):
    client.force_login(partner_a)
    response = client.get(AUDIT, {"model": "partners.company", "object_id": company_b.pk})
    assert response.status_code == 403
    assert "다라테크" not in response.content.decode()


def test_audit_entries_show_who_when_what_and_changes(client, auditor, manager, company_a):
    services.company_update(actor=manager, company=company_a, data={"employees": 42})
    client.force_login(auditor)
    response = client.get(AUDIT, {"model": "partners.company", "object_id": company_a.pk})
    html = response.content.decode()
    assert manager.username in html
    assert "수정" in html  # the update action, in Korean
    assert "종업원 수" in html  # field label, translated
    assert "— → 42" in html
    assert "2건" in html
    assert f'href="/partners/{company_a.pk}/"' in html


def test_audit_filter_by_model_and_record(client, operator, company_a, company_b):
    client.force_login(operator)
    only_b = client.get(AUDIT, {"model": "partners.company", "object_id": company_b.pk})
    assert "다라테크" in only_b.content.decode()
    assert "가나정밀" not in only_b.content.decode()
    links = client.get(AUDIT, {"model": "partners.supplylink"})
    assert "가나정밀" not in links.content.decode()


def test_audit_htmx_partial_and_pagination(client, operator, settings):
    settings.PAGE_SIZE = 2
    for n in range(5):
        make_company(operator, name=f"감사대상 {n}")
    client.force_login(operator)
    response = client.get(AUDIT, {"page": 2}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="audit-table"' in html
    assert "2 / 3 페이지" in html


def test_audit_times_are_in_kst(client, operator, company_a):
    entry = AuditEntry.objects.filter(object_id=str(company_a.pk)).get()
    client.force_login(operator)
    html = client.get(AUDIT).content.decode()
    assert entry.at.astimezone(KST).strftime("%Y-%m-%d %H:%M") in html


# --- layout, home, language --------------------------------------------------------------


def test_navigation_shows_audit_only_to_those_who_may_read_it(client, operator, manager):
    client.force_login(operator)
    assert f'href="{AUDIT}"' in client.get(HOME).content.decode()
    client.force_login(manager)
    html = client.get(HOME).content.decode()
    assert f'href="{AUDIT}"' not in html
    assert "사업 담당자" in html  # the role in the user menu
    assert 'action="/accounts/logout/"' in html


def test_home_counts_companies_by_kind_and_region_for_staff(client, consultant):
    make_company(name="대기업A", kind="large", region="seoul")
    make_company(name="중소B", kind="sme", region="seoul")
    make_company(name="중소C", kind="sme", region="jeju")
    client.force_login(consultant)
    html = client.get(HOME).content.decode()
    assert "중소기업" in html and "대기업" in html
    assert "서울특별시" in html and "제주특별자치도" in html
    assert "?kind=sme" in html and "?region=seoul" in html


def test_home_shows_a_partner_its_own_company(client, partner_a, company_b):
    client.force_login(partner_a)
    html = client.get(HOME).content.decode()
    assert "가나정밀" in html
    assert "다라테크" not in html
    assert reverse("partners:company_edit", args=[partner_a.company_id]) in html


def test_korean_by_default_and_english_after_the_switch(client, operator):
    client.force_login(operator)
    korean = client.get(HOME).content.decode()
    assert '<html lang="ko"' in korean
    assert "기업" in korean and "로그아웃" in korean
    response = client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert response.status_code == 302
    english = client.get(HOME).content.decode()
    assert '<html lang="en"' in english
    assert "Companies" in english and "Log out" in english
    assert "로그아웃" not in english
    client.post(reverse("set_language"), {"language": "ko", "next": HOME})
    assert "로그아웃" in client.get(HOME).content.decode()


def test_english_regions_and_kinds(client, operator, company_a):
    client.force_login(operator)
    client.post(reverse("set_language"), {"language": "en", "next": HOME})
    html = client.get(reverse("partners:company_list")).content.decode()
    assert "Gyeonggi" in html and "SME" in html


def test_login_page_is_korean_and_signs_in(client, operator):
    page = client.get(reverse("login")).content.decode()
    assert "로그인" in page
    assert "csrfmiddlewaretoken" in page
    response = client.post(
        reverse("login"), {"username": operator.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == HOME


def test_bad_login_says_so_in_korean(client, operator):
    response = client.post(reverse("login"), {"username": operator.username, "password": "x"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_lockout_page_after_five_failures(client, operator):
    for _ in range(5):
        response = client.post(
            reverse("login"), {"username": operator.username, "password": "wrong"}
        )
    assert response.status_code == 429
    assert "로그인 실패 횟수 초과" in response.content.decode()


def test_logout_is_a_post(client, operator):
    client.force_login(operator)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(HOME).status_code == 302


def test_forbidden_page_is_friendly(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("partners:company_create"))
    assert response.status_code == 403
    assert "권한이 없습니다" in response.content.decode()
