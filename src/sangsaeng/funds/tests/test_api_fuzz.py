"""No request of any shape to the fund API gives a 500: random ids, headers, queries, bodies."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sangsaeng.api.auth import token_create
from sangsaeng.funds.tests.helpers import contribute, request

pytestmark = pytest.mark.django_db

ROUTES = [
    "",
    "/{id}",
    "/{id}/uses",
    "/{id}/uses/{id}",
    "/{id}/campaigns",
    "/{id}/campaigns/{id}",
    "/{id}/contributions",
    "/{id}/contributions/{id}/reverse",
    "/{id}/contributions/{id}/refunds",
    "/{id}/allocations",
    "/{id}/allocations/{id}/reverse",
    "/{id}/disbursements",
    "/{id}/statement",
    "/{id}/statement.xlsx",
    "/disbursements",
    "/disbursements/{id}",
    "/disbursements/{id}/approve",
    "/disbursements/{id}/pay",
    "/disbursements/{id}/reject",
    "/disbursements/{id}/reverse",
    "/disbursements/{id}/refunds",
    "/refunds",
    "/refunds/{id}/reverse",
]
FIELDS = [
    "owner_id", "name", "code", "description", "kind", "is_active", "starts_on", "ends_on",
    "target_amount", "amount", "contributed_on", "donor_company_id", "donor_name", "purpose",
    "use_id", "campaign_id", "source_use_id", "allocated_on", "memo", "partner_id", "paid_on",
    "reason", "reversed_on", "refunded_on", "start", "end", "limit", "offset", "status",
]  # fmt: skip
ids = st.one_of(
    st.sampled_from(["1", "2", "0"]),
    st.integers(-(2**70), 2**70).map(str),
    st.text(min_size=1, max_size=8).filter(
        lambda s: "/" not in s and "?" not in s and "#" not in s
    ),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([1, 2, 100, 2_500_000]),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(
        ["2025-09-01", "2025-02-30", "9999-12-31", "0001-01-01", "tech_escrow", "paid"]
    ),
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), scalars, max_size=8).map(json.dumps),
    st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
)
queries = st.dictionaries(
    st.sampled_from(FIELDS), st.one_of(st.text(max_size=12), st.integers().map(str)), max_size=4
)


@pytest.fixture
def seeded(operator, fund, escrow, company_a):
    """A fund with money, a use and a requested disbursement (ids 1), once per test."""
    contribute(operator, fund, 5_000, use=escrow)
    request(operator, fund, escrow, company_a, 100)
    return fund


keys = st.one_of(st.none(), st.text(max_size=120), st.sampled_from(["k1", "k2"]))


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["get", "post", "patch", "delete"]),
    route=st.sampled_from(ROUTES),
    first=ids,
    second=ids,
    query=queries,
    body=bodies,
    key=keys,
)
def test_never_a_server_error(operator, seeded, method, route, first, second, query, body, key):
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {token_create(user=operator)}"}
    if key is not None and "\n" not in key and "\r" not in key:
        headers["Idempotency-Key"] = key
    path = "/api/v1/funds" + route.replace("{id}", first, 1).replace("{id}", second, 1)
    if method in {"post", "patch"}:
        response = getattr(client, method)(
            path, data=body, content_type="application/json", headers=headers
        )
    else:
        response = getattr(client, method)(path, data=query, headers=headers)
    assert response.status_code < 500, (method, path, query, body, response.content[:300])
    if response.status_code >= 400 and response.get("Content-Type") == "application/json":
        assert "code" in response.json()
