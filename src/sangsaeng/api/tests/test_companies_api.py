"""Companies and supply links over the API: CRUD, filters, errors, and the partner fence."""

import pytest

from sangsaeng.accounts.models import AuditEntry
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.testing.factories import link, make_company, next_brn

pytestmark = pytest.mark.django_db


def body(**extra):
    data = {
        "name": "경민테크",
        "brn": next_brn(),
        "kind": "sme",
        "ksic_code": "29171",
        "region": "chungnam",
        "annual_revenue": 3_500_000_000,
        "tags": ["산업혁신운동"],
    }
    data.update(extra)
    return data


def test_requires_a_token(client):
    response = client.get("/api/v1/companies")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    response = client.get("/api/v1/companies", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/companies" in paths
    assert "/api/v1/supply-links/{link_id}" in paths


def test_crud_round_trip(api_as, operator):
    api = api_as(operator)
    created = api.post("/api/v1/companies", body())
    assert created.status_code == 201, created.json()
    cid = created.json()["id"]
    assert created.json()["tags"] == ["산업혁신운동"]

    patched = api.patch(f"/api/v1/companies/{cid}", {"employees": 48, "region": "충청남도"})
    assert patched.status_code == 200
    assert patched.json()["employees"] == 48

    fetched = api.get(f"/api/v1/companies/{cid}")
    assert fetched.json()["name"] == "경민테크"

    assert api.delete(f"/api/v1/companies/{cid}").status_code == 204
    assert api.get(f"/api/v1/companies/{cid}").status_code == 404
    actions = list(AuditEntry.objects.filter(object_id=str(cid)).values_list("action", "source"))
    assert sorted(actions) == [("create", "api"), ("delete", "api"), ("update", "api")]


def test_bad_brn_gives_field_error(api_as, operator):
    response = api_as(operator).post("/api/v1/companies", body(brn="1248100997"))
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "validation_error"
    assert data["errors"][0] == {
        "field": "brn",
        "code": "brn_checksum",
        "message": data["errors"][0]["message"],
    }
    assert "검증번호" in data["errors"][0]["message"]
    assert Company.objects.count() == 0


def test_schema_errors_have_the_same_shape(api_as, operator):
    response = api_as(operator).post("/api/v1/companies", {"name": "x", "employees": "many"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"brn", "employees"} <= fields


def test_invalid_json_is_a_400(operator):
    from django.test import Client

    from sangsaeng.api.auth import token_create

    response = Client().post(
        "/api/v1/companies",
        data=b"{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_create(user=operator)}"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"


def test_filters_and_pagination(api_as, operator):
    for i in range(5):
        make_company(operator, name=f"서울기업{i}", region="seoul", kind="sme")
    make_company(operator, name="부산물산", region="busan", kind="micro", ksic_code="46101")
    api = api_as(operator)
    page = api.get("/api/v1/companies", {"region": "seoul", "limit": 2, "offset": 2}).json()
    assert page["count"] == 5
    assert [c["name"] for c in page["items"]] == ["서울기업2", "서울기업3"]
    assert api.get("/api/v1/companies", {"industry": "46"}).json()["count"] == 1
    assert api.get("/api/v1/companies", {"q": "부산"}).json()["items"][0]["name"] == "부산물산"
    assert api.get("/api/v1/companies", {"limit": 0}).status_code == 422


def test_tier_and_chain_endpoints(api_as, operator):
    anchor, t1, t2 = (make_company(operator, name=n) for n in ["LS일렉트릭", "한길EST", "소재2차"])
    link(anchor, t1)
    link(t1, t2)
    api = api_as(operator)
    assert api.get(f"/api/v1/companies/{t2.pk}/tier", {"anchor": anchor.pk}).json()["tier"] == 2
    listed = api.get("/api/v1/companies", {"anchor": anchor.pk, "tier": 2}).json()
    assert [c["name"] for c in listed["items"]] == ["소재2차"]
    chain = api.get(f"/api/v1/companies/{anchor.pk}/chain").json()
    assert [(c["level"], c["company"]["name"]) for c in chain] == [(1, "한길EST"), (2, "소재2차")]
    up = api.get(f"/api/v1/companies/{t2.pk}/chain", {"direction": "up"}).json()
    assert [c["level"] for c in up] == [1, 2]


def test_supply_link_crud_and_cycle(api_as, operator):
    a, b = make_company(operator), make_company(operator)
    api = api_as(operator)
    created = api.post(
        "/api/v1/supply-links",
        {"buyer_id": a.pk, "supplier_id": b.pk, "start_date": "2023-01-01", "annual_volume": 10},
    )
    assert created.status_code == 201
    link_id = created.json()["id"]
    cycle = api.post(
        "/api/v1/supply-links", {"buyer_id": b.pk, "supplier_id": a.pk, "start_date": "2023-01-01"}
    )
    assert cycle.status_code == 409
    assert cycle.json()["code"] == "supply_cycle"
    bad_dates = api.patch(f"/api/v1/supply-links/{link_id}", {"end_date": "2022-01-01"})
    assert bad_dates.status_code == 422
    assert bad_dates.json()["errors"][0]["code"] == "end_before_start"
    assert (
        api.patch(f"/api/v1/supply-links/{link_id}", {"end_date": "2025-12-31"}).status_code == 200
    )
    assert api.delete(f"/api/v1/supply-links/{link_id}").status_code == 204
    assert SupplyLink.objects.count() == 0


def test_auditor_reads_but_cannot_write(api_as, auditor, company_a):
    api = api_as(auditor)
    assert api.get(f"/api/v1/companies/{company_a.pk}").status_code == 200
    response = api.post("/api/v1/companies", body())
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert api.patch(f"/api/v1/companies/{company_a.pk}", {"employees": 1}).status_code == 403
    assert api.delete(f"/api/v1/companies/{company_a.pk}").status_code == 403


class TestPartnerFence:
    """A partner user reaches its own company and nothing else, through every endpoint."""

    def test_list_shows_only_own_company(self, api_as, partner_a, company_a, company_b):
        items = api_as(partner_a).get("/api/v1/companies").json()["items"]
        assert [c["id"] for c in items] == [company_a.pk]
        searched = api_as(partner_a).get("/api/v1/companies", {"q": company_b.name}).json()
        assert searched["count"] == 0

    @pytest.mark.parametrize(
        ("method", "path", "payload"),
        [
            ("get", "/api/v1/companies/{b}", None),
            ("patch", "/api/v1/companies/{b}", {"address": "침입"}),
            ("delete", "/api/v1/companies/{b}", None),
            ("get", "/api/v1/companies/{b}/chain", None),
            ("get", "/api/v1/companies/{b}/tier?anchor={a}", None),
            ("get", "/api/v1/supply-links/{other_link}", None),
            ("patch", "/api/v1/supply-links/{other_link}", {"annual_volume": 1}),
            ("delete", "/api/v1/supply-links/{other_link}", None),
        ],
    )
    def test_other_company_is_refused(
        self, api_as, partner_a, company_a, company_b, operator, method, path, payload
    ):
        other = link(company_b, make_company(operator, name="타사협력사"))
        url = path.format(a=company_a.pk, b=company_b.pk, other_link=other.pk)
        api = api_as(partner_a)
        response = getattr(api, method)(url, payload) if payload else getattr(api, method)(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        company_b.refresh_from_db()
        assert company_b.address == ""
        assert SupplyLink.objects.filter(pk=other.pk, annual_volume=0).exists()

    def test_cannot_create_companies_or_links(self, api_as, partner_a, company_a, company_b):
        api = api_as(partner_a)
        assert api.post("/api/v1/companies", body()).status_code == 403
        response = api.post(
            "/api/v1/supply-links",
            {"buyer_id": company_a.pk, "supplier_id": company_b.pk, "start_date": "2024-01-01"},
        )
        assert response.status_code == 403

    def test_link_list_shows_only_own_links(
        self, api_as, partner_a, company_a, company_b, operator
    ):
        link(company_b, make_company(operator))
        own = link(company_a, make_company(operator))
        items = api_as(partner_a).get("/api/v1/supply-links").json()["items"]
        assert [i["id"] for i in items] == [own.pk]

    def test_own_company_is_editable_but_not_its_identity(self, api_as, partner_a, company_a):
        api = api_as(partner_a)
        assert api.patch(f"/api/v1/companies/{company_a.pk}", {"employees": 9}).status_code == 200
        response = api.patch(f"/api/v1/companies/{company_a.pk}", {"kind": "large"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "field_locked"

    def test_chain_shows_only_direct_neighbours(self, api_as, partner_a, company_a, operator):
        t1 = make_company(operator, name="직접협력사")
        link(company_a, t1)
        link(t1, make_company(operator, name="간접협력사"))
        chain = api_as(partner_a).get(f"/api/v1/companies/{company_a.pk}/chain").json()
        assert [c["company"]["name"] for c in chain] == ["직접협력사"]
