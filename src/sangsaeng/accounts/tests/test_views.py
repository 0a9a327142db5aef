"""The audit log page, the home page, the layout's menus and the language switch."""

from __future__ import annotations

import re

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from sangsaeng.accounts.audit import audit_record
from sangsaeng.accounts.models import ApiToken, AuditEntry
from sangsaeng.api.auth import token_create
from sangsaeng.lib.dates import KST
from sangsaeng.partners import services
from sangsaeng.partners.models import Company
from sangsaeng.testing.factories import link, make_company

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


def _audit_html(client, user, **params) -> str:
    client.force_login(user)
    return client.get(AUDIT, params).content.decode()


def test_audit_record_types_are_korean_names(client, operator):
    token_create(user=operator, name="ci")
    token = ApiToken.objects.get()
    audit_record(actor=operator, action="create", instance=token, changes={"name": [None, "ci"]})
    html = _audit_html(client, operator, model="accounts.apitoken")
    assert f"API 토큰 #{token.pk}" in html
    assert "accounts.apitoken #" not in html and "api token" not in html
    # The filter's choices too: Korean names, not the derived English ones.
    assert '<option value="accounts.apitoken" selected>API 토큰</option>' in html
    assert '<option value="partners.contact">담당자</option>' in html


def test_audit_nested_values_and_none_read_as_text(client, operator):
    AuditEntry.objects.create(
        actor_name=operator.username,
        action="create",
        model="payments.programme",
        object_id="1",
        object_repr="LS일렉트릭 상생결제",
        source="demo",
        changes={
            "spread_tiers": [
                None,
                [{"max_days": 30, "spread": "1.3000"}, {"max_days": None, "spread": "1.5000"}],
            ],
            "max_term_days": [None, 180],
        },
    )
    html = _audit_html(client, operator, model="payments.programme")
    assert "상생결제 약정 #1" in html
    assert "최대 일수: 30, 가산금리: 1.3000; 최대 일수: 없음, 가산금리: 1.5000" in html
    assert "None" not in html and "{&#x27;" not in html and "payments.programme #" not in html
    assert "데모 데이터" in html  # the source, in Korean


def test_audit_foreign_keys_show_names_and_amounts_show_won(client, operator):
    buyer = make_company(operator, name="구매대기업")
    supplier = make_company(operator, name="납품협력사")
    link(buyer, supplier, annual_volume=1_234_567_890)
    html = _audit_html(client, operator, model="partners.supplylink")
    assert "<strong>구매기업</strong>: 구매대기업" in html
    assert "<strong>협력사</strong>: 납품협력사" in html
    assert "1,234,567,890원" in html
    assert f"협력사</strong>: {supplier.pk}<" not in html


def test_audit_unknown_ids_and_the_system_actor(client, operator):
    AuditEntry.objects.create(
        actor_name="system",
        action="update",
        model="partners.supplylink",
        object_id="7",
        object_repr="삭제된 관계",
        source="cli",
        changes={"supplier": [999_999, None], "end_date": [None, "2025-12-31"]},
    )
    html = _audit_html(client, operator, model="partners.supplylink")
    assert "기업 #999999 → —" in html  # a record gone since: its type and id
    assert "— → 2025-12-31" in html
    assert "시스템" in html and "명령줄" in html


def test_audit_changes_follow_the_model_field_order(client, operator):
    """Not the database's key order: PostgreSQL's jsonb puts short keys first (brn < name)."""
    company = make_company(operator, name="순서기업", employees=12)
    html = _audit_html(client, operator, model="partners.company", object_id=company.pk)
    labels = re.findall(r"<li><strong>(.*?)</strong>", html)
    fields = [Company._meta.get_field(n) for n in ("name", "brn", "kind", "region", "employees")]
    with translation.override("ko"):
        expected = [str(f.verbose_name) for f in fields if isinstance(f, models.Field)]
    assert [label for label in labels if label in expected] == expected


def test_audit_timestamps_in_changes_are_in_kst(client, operator):
    token_create(user=operator, name="ci")
    token = ApiToken.objects.get()
    changes = {"revoked_at": [None, "2025-05-21T05:03:00+00:00"]}
    audit_record(actor=operator, action="update", instance=token, changes=changes, source="cli")
    html = _audit_html(client, operator, model="accounts.apitoken")
    assert "<strong>폐기 시각</strong>: — → 2025-05-21 14:03" in html


def test_audit_page_resolves_names_without_a_query_per_entry(client, operator):
    def queries_for_page() -> int:
        client.force_login(operator)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(AUDIT, {"model": "partners.supplylink"}).status_code == 200
        return len(queries)

    buyer = make_company(operator)
    link(buyer, make_company(operator))
    few = queries_for_page()
    for _ in range(6):
        link(buyer, make_company(operator))
    assert queries_for_page() == few


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
