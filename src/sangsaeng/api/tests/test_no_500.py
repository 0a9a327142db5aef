"""No request of any shape gives a 500: random paths, ids, query strings and bodies."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sangsaeng.api.auth import token_create

pytestmark = pytest.mark.django_db

ROUTES = [
    "/api/v1/companies",
    "/api/v1/companies/{id}",
    "/api/v1/companies/{id}/chain",
    "/api/v1/companies/{id}/tier",
    "/api/v1/supply-links",
    "/api/v1/supply-links/{id}",
]
FIELDS = [
    "name", "brn", "kind", "ksic_code", "region", "founded_on", "employees", "annual_revenue",
    "tags", "is_active", "buyer_id", "supplier_id", "start_date", "end_date", "annual_volume",
    "q", "limit", "offset", "anchor", "tier", "direction", "as_of", "industry", "active",
]  # fmt: skip

ids = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.text(min_size=1, max_size=12).filter(lambda s: "/" not in s and "?" not in s),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["2024-02-30", "1248100998", "124-81-00998", "seoul", "sme", "29171"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8).map(json.dumps),
    json_values.map(json.dumps),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
)
queries = st.dictionaries(
    st.sampled_from(FIELDS), st.one_of(st.text(max_size=20), st.integers().map(str)), max_size=5
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["get", "post", "patch", "put", "delete"]),
    route=st.sampled_from(ROUTES),
    obj_id=ids,
    query=queries,
    body=bodies,
)
def test_never_a_server_error(operator, company_a, method, route, obj_id, query, body):
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {_token(operator)}"}
    path = route.format(id=obj_id)
    if method in {"post", "patch", "put"}:
        response = getattr(client, method)(
            path, data=body, content_type="application/json", headers=headers
        )
    else:
        response = getattr(client, method)(path, data=query, headers=headers)
    assert response.status_code < 500, (method, path, query, body, response.content[:300])
    if response.status_code >= 400:  # unknown paths and wrong methods included
        assert response["Content-Type"].startswith("application/json"), response.content[:300]
        assert "code" in response.json()


_tokens: dict[str, str] = {}


def _token(user):
    """One token per test user (usernames are unique across the run)."""
    if user.username not in _tokens:
        _tokens[user.username] = token_create(user=user)
    return _tokens[user.username]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/companies", {"name": "가\x00나", "brn": "1248100998", "kind": "sme",
                                       "ksic_code": "29171", "region": "seoul"}),
        ("get", "/api/v1/companies?q=%00", None),
        ("get", "/api/v1/companies/99999999999999999999999", None),
        ("get", "/api/v1/companies/-1", None),
        ("get", "/api/v1/companies?offset=999999999", None),
        ("post", "/api/v1/supply-links", {"buyer_id": 2**63, "supplier_id": 1,
                                          "start_date": "2024-01-01"}),
        ("post", "/api/v1/companies", {"name": "x", "brn": "1248100998", "kind": "sme",
                                       "ksic_code": "29171", "region": "seoul",
                                       "annual_revenue": 10**30}),
    ],
)  # fmt: skip
def test_known_edge_cases(operator, method, path, body):
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {_token(operator)}"}
    if body is None:
        response = getattr(client, method)(path, headers=headers)
    else:
        response = getattr(client, method)(
            path, data=json.dumps(body), content_type="application/json", headers=headers
        )
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert "code" in response.json()
