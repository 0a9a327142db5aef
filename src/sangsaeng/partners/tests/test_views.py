"""Registry pages: list, search and filters, forms, the detail page and who may open what."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sangsaeng.accounts.models import AuditEntry
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.testing.factories import link, make_company, next_brn

pytestmark = pytest.mark.django_db

LIST = reverse("partners:company_list")
CREATE = reverse("partners:company_create")
BAD_CHECKSUM_BRN = "123-45-67890"  # ten digits, but the check digit should be 1


def detail_url(company: Company) -> str:
    return reverse("partners:company_detail", args=[company.pk])


def edit_url(company: Company) -> str:
    return reverse("partners:company_edit", args=[company.pk])


def names_in(response) -> list[str]:
    """Company names in the results table, in order."""
    html = response.content.decode()
    table = html[html.index('id="company-table"') :]
    return re.findall(r'<a href="/partners/\d+/">([^<]+)</a>', table)


def form_data(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "한빛정공",
        "brn": next_brn(),
        "kind": "sme",
        "industry": "29",
        "ksic_code": "29171",
        "region": "gyeongnam",
        "annual_revenue": "3500000000",
        "tags": "ACE CLUB, 스마트공장",
        "is_active": "on",
    }
    data.update(extra)
    return data


# --- list, search, filters, pagination ---------------------------------------------------


def test_list_shows_companies_in_korean(client, operator, company_a, company_b):
    client.force_login(operator)
    response = client.get(LIST)
    assert response.status_code == 200
    assert names_in(response) == ["가나정밀", "다라테크"]
    html = response.content.decode()
    assert "사업자등록번호" in html
    assert company_a.brn_display in html
    assert "<html" in html


def test_search_by_name_and_by_brn(client, operator, company_a, company_b):
    client.force_login(operator)
    assert names_in(client.get(LIST, {"q": "다라"})) == ["다라테크"]
    assert names_in(client.get(LIST, {"q": company_a.brn_display})) == ["가나정밀"]
    assert names_in(client.get(LIST, {"q": "없는기업"})) == []


def test_filters_by_kind_region_industry_and_status(client, operator):
    make_company(operator, name="서울대기업", kind="large", region="seoul", ksic_code="30110")
    make_company(operator, name="부산중소", kind="sme", region="busan", ksic_code="29171")
    make_company(operator, name="휴업기업", kind="sme", region="busan", is_active=False)
    client.force_login(operator)
    assert names_in(client.get(LIST, {"kind": "large"})) == ["서울대기업"]
    assert names_in(client.get(LIST, {"region": "busan", "active": "1"})) == ["부산중소"]
    assert names_in(client.get(LIST, {"industry": "30"})) == ["서울대기업"]
    assert names_in(client.get(LIST, {"active": "0"})) == ["휴업기업"]


def test_bad_filter_values_are_ignored(client, operator, company_a):
    client.force_login(operator)
    response = client.get(LIST, {"kind": "nonsense", "anchor": "abc", "page": "x"})
    assert response.status_code == 200
    assert names_in(response) == ["가나정밀"]


def test_tier_filter_from_an_anchor_shows_the_tier_column(client, operator):
    anchor = make_company(operator, name="앵커전자", kind="large")
    t1 = make_company(operator, name="일차부품")
    t2 = make_company(operator, name="이차소재")
    make_company(operator, name="무관기업")
    link(anchor, t1)
    link(t1, t2)
    client.force_login(operator)
    everyone = client.get(LIST)
    assert "차수</th>" not in everyone.content.decode()
    below = client.get(LIST, {"anchor": anchor.pk})
    assert names_in(below) == ["이차소재", "일차부품"]
    assert "1차" in below.content.decode() and "2차" in below.content.decode()
    assert names_in(client.get(LIST, {"anchor": anchor.pk, "tier": 2})) == ["이차소재"]


def test_pagination_keeps_the_filters(client, operator, settings):
    settings.PAGE_SIZE = 3
    for n in range(7):
        make_company(operator, name=f"페이지기업 {n}", region="ulsan")
    make_company(operator, name="다른지역", region="jeju")
    client.force_login(operator)
    first = client.get(LIST, {"region": "ulsan"})
    assert len(names_in(first)) == 3
    assert "region=ulsan&amp;page=2" in first.content.decode()
    last = client.get(LIST, {"region": "ulsan", "page": 3})
    assert names_in(last) == ["페이지기업 6"]
    assert "기업 7곳" in last.content.decode()


def test_htmx_gets_only_the_results(client, operator, company_a):
    client.force_login(operator)
    response = client.get(LIST, {"q": "가나"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="company-table"' in html
    assert "HX-Request" in response["Vary"]
    # Back with a cache miss asks for the whole page again.
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in client.get(LIST, headers=restore).content.decode()


def test_list_query_count_does_not_grow_with_rows(
    client, operator, settings, django_assert_max_num_queries
):
    settings.PAGE_SIZE = 50
    anchor = make_company(operator, name="앵커", kind="large")
    for n in range(40):
        supplier = make_company(operator, name=f"협력 {n}", tags=f"태그{n % 3}, 공통")
        link(anchor, supplier)
    client.force_login(operator)
    # session, user, anchors, count, page, tags (prefetched), tiers (one walk)
    with django_assert_max_num_queries(7):
        response = client.get(LIST, {"anchor": anchor.pk})
    assert len(names_in(response)) == 40


def test_partner_sees_only_its_own_company_and_no_anchor_filter(client, partner_a, company_b):
    client.force_login(partner_a)
    response = client.get(LIST)
    assert names_in(response) == ["가나정밀"]
    assert 'name="anchor"' not in response.content.decode()


def test_list_requires_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- create ------------------------------------------------------------------------------


def test_create_form_renders_selects(client, operator):
    client.force_login(operator)
    html = client.get(CREATE).content.decode()
    assert '<select name="kind"' in html
    assert '<select name="region"' in html
    assert "서울특별시" in html
    assert 'type="date"' in html


def test_create_with_bad_brn_shows_why_next_to_the_field(client, operator):
    client.force_login(operator)
    response = client.post(CREATE, form_data(brn=BAD_CHECKSUM_BRN))
    assert response.status_code == 200
    html = response.content.decode()
    error = re.search(r'<small id="id_brn_error" class="field-error">([^<]+)</small>', html)
    assert error is not None
    assert "검증번호" in error.group(1)
    assert 'aria-invalid="true"' in html
    assert not Company.objects.filter(name="한빛정공").exists()


def test_create_reports_several_field_errors_at_once(client, operator, company_a):
    client.force_login(operator)
    response = client.post(
        CREATE, form_data(brn=company_a.brn, industry="29", ksic_code="99999", name="")
    )
    html = response.content.decode()
    assert "id_name_error" in html
    assert "id_ksic_code_error" in html  # detailed code outside the chosen division


def test_create_duplicate_brn_is_refused_on_the_field(client, operator, company_a):
    client.force_login(operator)
    html = client.post(CREATE, form_data(brn=company_a.brn_display)).content.decode()
    assert re.search(r'id="id_brn_error"[^>]*>이미 등록된 사업자등록번호', html)


def test_create_saves_through_the_service(client, operator):
    client.force_login(operator)
    brn = next_brn()
    response = client.post(CREATE, form_data(brn=f"{brn[:3]}-{brn[3:5]}-{brn[5:]}"))
    company = Company.objects.get(brn=brn)
    assert response.status_code == 302
    assert response["Location"] == detail_url(company)
    assert company.ksic_code == "29171"
    assert company.annual_revenue == 3_500_000_000
    assert sorted(t.name for t in company.tags.all()) == ["ACE CLUB", "스마트공장"]
    entry = AuditEntry.objects.get(model="partners.company", object_id=str(company.pk))
    assert entry.actor == operator and entry.source == "web"


@pytest.mark.parametrize(("typed", "saved"), [("3,500,000,000원", 3_500_000_000), ("35억", None)])
def test_revenue_is_typed_in_won_with_separators_not_units(client, operator, typed, saved):
    """Revenue is a text box: a number input dropped "억" and saved 35 won for "35억"."""
    client.force_login(operator)
    brn = next_brn()
    response = client.post(CREATE, form_data(brn=brn, annual_revenue=typed))
    if saved is None:
        assert response.status_code == 200
        assert "100만·1억 같은 단위는 쓸 수 없습니다" in response.content.decode()
        assert not Company.objects.filter(brn=brn).exists()
    else:
        assert response.status_code == 302
        assert Company.objects.get(brn=brn).annual_revenue == saved


def test_division_alone_is_the_industry_code(client, manager):
    client.force_login(manager)
    brn = next_brn()
    client.post(CREATE, form_data(brn=brn, industry="46", ksic_code=""))
    assert Company.objects.get(brn=brn).ksic_code == "46"


@pytest.mark.parametrize("role", ["auditor", "consultant", "partner_a"])
def test_create_refused_to_readers_and_partners(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data()).status_code == 403
    assert not Company.objects.filter(name="한빛정공").exists()


# --- edit --------------------------------------------------------------------------------


def test_edit_prefills_and_saves(client, manager, company_a):
    client.force_login(manager)
    page = client.get(edit_url(company_a)).content.decode()
    assert 'value="가나정밀"' in page
    assert f'value="{company_a.brn_display}"' in page
    data = form_data(name="가나정밀(주)", brn=company_a.brn_display, tags="혁신허브 2012")
    response = client.post(edit_url(company_a), data)
    assert response.status_code == 302
    company_a.refresh_from_db()
    assert company_a.name == "가나정밀(주)"
    assert [t.name for t in company_a.tags.all()] == ["혁신허브 2012"]


def test_partner_edits_its_own_company_but_not_its_identity(client, partner_a, company_a):
    client.force_login(partner_a)
    page = client.get(edit_url(company_a)).content.decode()
    assert re.search(r'<input[^>]*name="brn"[^>]*disabled', page)
    assert re.search(r'<input[^>]*name="tags"[^>]*disabled', page)
    data = form_data(
        name="가나정밀 새이름", brn=next_brn(), kind="large", is_active="", tags="ACE CLUB"
    )
    response = client.post(edit_url(company_a), data)
    assert response.status_code == 302
    company_a.refresh_from_db()
    assert company_a.name == "가나정밀 새이름"
    assert company_a.kind == "sme" and company_a.is_active  # disabled fields ignore the POST
    assert "ACE CLUB" not in [t.name for t in company_a.tags.all()]


@pytest.mark.parametrize("role", ["auditor", "consultant"])
def test_edit_refused_to_readers(client, request, role, company_a):
    client.force_login(request.getfixturevalue(role))
    assert client.get(edit_url(company_a)).status_code == 403
    assert client.post(edit_url(company_a), form_data()).status_code == 403


def test_partner_cannot_open_another_company(client, partner_a, company_b):
    client.force_login(partner_a)
    assert client.get(detail_url(company_b)).status_code == 404
    assert client.get(edit_url(company_b)).status_code == 404
    assert client.post(edit_url(company_b), form_data()).status_code == 404
    response = client.get(detail_url(company_b))
    assert "다라테크" not in response.content.decode()
    assert "페이지를 찾을 수 없습니다" in response.content.decode()


def test_unknown_and_huge_ids_are_404(client, operator):
    client.force_login(operator)
    assert client.get("/partners/999999/").status_code == 404
    assert client.get(f"/partners/{2**70}/").status_code == 404


# --- detail and supply chain -------------------------------------------------------------


@pytest.fixture
def chain(operator, company_a):
    """앵커 → 가나정밀 (partner_a's company) → 이차 → 삼차."""
    anchor = make_company(operator, name="앵커중공업", kind="large")
    t2 = make_company(operator, name="이차정밀")
    t3 = make_company(operator, name="삼차소재")
    link(anchor, company_a, annual_volume=1_200_000_000)
    link(company_a, t2)
    link(t2, t3)
    return anchor, company_a, t2, t3


def test_detail_shows_profile_and_whole_chain_for_staff(client, consultant, chain):
    anchor, company, t2, t3 = chain
    client.force_login(consultant)
    html = client.get(detail_url(company)).content.decode()
    assert company.brn_display in html
    for other in (anchor, t2, t3):
        assert f'href="{detail_url(other)}"' in html
    assert "2차" in html  # suppliers grouped by tier
    assert "12억원" in html  # the anchor link's annual volume, in 억
    assert "공급 관계 추가" not in html  # consultants read only


def test_partner_sees_direct_counterparts_as_plain_names(client, partner_a, chain):
    anchor, company, t2, t3 = chain
    client.force_login(partner_a)
    html = client.get(detail_url(company)).content.decode()
    assert "앵커중공업" in html and "이차정밀" in html
    assert "삼차소재" not in html  # beyond level 1
    for other in (anchor, t2, t3):
        assert detail_url(other) not in html
    assert "12억원" not in html  # no link volumes
    assert "감사 로그" not in html


def test_detail_links_to_its_audit_entries_for_auditors(client, auditor, manager, company_a):
    audit = f"/accounts/audit/?model=partners.company&amp;object_id={company_a.pk}"
    client.force_login(auditor)
    assert audit in client.get(detail_url(company_a)).content.decode()
    client.force_login(manager)
    assert audit not in client.get(detail_url(company_a)).content.decode()


def test_add_supplier_by_brn(client, operator, company_a, company_b):
    client.force_login(operator)
    url = reverse("partners:link_create", args=[company_a.pk])
    data = {
        "direction": "supplier",
        "counterpart": company_b.brn_display,
        "start_date": "2024-01-01",
        "annual_volume": "500000000",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    created = SupplyLink.objects.get(buyer=company_a, supplier=company_b)
    assert created.annual_volume == 500_000_000


def test_add_buyer_by_brn(client, operator, company_a, company_b):
    client.force_login(operator)
    url = reverse("partners:link_create", args=[company_a.pk])
    data = {"direction": "buyer", "counterpart": company_b.brn, "start_date": "2024-01-01"}
    client.post(url, data)
    assert SupplyLink.objects.filter(buyer=company_b, supplier=company_a).exists()


def test_cycle_is_refused_with_a_clear_message(client, operator, chain):
    anchor, _, _, t3 = chain
    client.force_login(operator)
    url = reverse("partners:link_create", args=[t3.pk])
    data = {"direction": "supplier", "counterpart": anchor.brn, "start_date": "2024-01-01"}
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "순환" in html
    assert 'id="id_counterpart_error"' in html
    assert not SupplyLink.objects.filter(buyer=t3, supplier=anchor).exists()


def test_unknown_counterpart_and_bad_dates(client, operator, company_a, company_b):
    client.force_login(operator)
    url = reverse("partners:link_create", args=[company_a.pk])
    unknown = {"direction": "supplier", "counterpart": next_brn(), "start_date": "2024-01-01"}
    assert "등록된 기업이 없습니다" in client.post(url, unknown).content.decode()
    backwards = {
        "direction": "supplier",
        "counterpart": company_b.brn,
        "start_date": "2024-01-01",
        "end_date": "2023-01-01",
    }
    assert 'id="id_end_date_error"' in client.post(url, backwards).content.decode()
    assert not SupplyLink.objects.exists()


def test_delete_link(client, operator, company_a, company_b):
    created = link(company_a, company_b)
    client.force_login(operator)
    url = reverse("partners:link_delete", args=[company_b.pk, created.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not SupplyLink.objects.exists()


def test_link_changes_refused_to_readers(client, auditor, company_a, company_b):
    created = link(company_a, company_b)
    client.force_login(auditor)
    add = reverse("partners:link_create", args=[company_a.pk])
    data = {"direction": "supplier", "counterpart": company_b.brn, "start_date": "2024-01-01"}
    assert client.post(add, data).status_code == 403
    delete = reverse("partners:link_delete", args=[company_a.pk, created.pk])
    assert client.post(delete).status_code == 403
    assert SupplyLink.objects.count() == 1


def test_link_of_another_company_cannot_be_deleted_through_this_one(
    client, operator, company_a, company_b
):
    other = make_company(operator, name="제3기업")
    created = link(company_b, other)
    client.force_login(operator)
    url = reverse("partners:link_delete", args=[company_a.pk, created.pk])
    assert client.post(url).status_code == 404
