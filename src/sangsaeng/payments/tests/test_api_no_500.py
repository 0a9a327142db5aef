"""No request of any shape to the payments API gives a 500, and none breaks an invariant: random
paths, ids (the seeded programme's real claims among them), queries, bodies and users."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sangsaeng.api.auth import token_create
from sangsaeng.payments.tests.conftest import assert_invariants

pytestmark = pytest.mark.django_db

ROUTES = [
    "/api/v1/payments/programmes", "/api/v1/payments/programmes/{id}",
    "/api/v1/payments/programmes/{id}/pricing", "/api/v1/payments/programmes/{id}/deposits",
    "/api/v1/payments/programmes/{id}/withdrawals", "/api/v1/payments/programmes/{id}/claims",
    "/api/v1/payments/programmes/{id}/operations", "/api/v1/payments/programmes/{id}/tiers",
    "/api/v1/payments/claims", "/api/v1/payments/claims/{id}",
    "/api/v1/payments/claims/{id}/splits", "/api/v1/payments/claims/{id}/quote",
    "/api/v1/payments/claims/{id}/cash-out", "/api/v1/payments/claims/{id}/settle",
    "/api/v1/payments/claims/{id}/reverse", "/api/v1/payments/other-payments/import",
    "/api/v1/payments/settle-due", "/api/v1/payments/companies/{id}/holdings",
    "/api/v1/payments/insolvencies", "/api/v1/payments/ratio",
    "/api/v1/payments/other-payments", "/api/v1/payments/other-payments/{id}",
]  # fmt: skip
FIELDS = [
    "amount", "value_date", "holder_id", "maturity", "to_id", "expected_advance", "name",
    "buyer_id", "bank_id", "base_rate", "spread_tiers", "system_fee", "day_count", "rounding",
    "max_term_days", "idempotency_key", "operations", "kind", "claim_id", "parent_ref",
    "company_id", "start", "end", "partner_id", "direction", "method", "period_start",
    "period_end", "as_of", "settled", "limit", "offset", "reason", "status", "tier", "page",
]  # fmt: skip
# Names stand for the seeded records' real ids (sequences do not restart between tests).
REAL = ["programme", "claim", "child", "t1", "t2", "stranger"]
ids = st.one_of(
    st.integers(-(2**70), 2**70).map(str), st.sampled_from(["1", "2", "0", "x", *REAL, *REAL])
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["2024-03-05", "2024-02-30", "3.5", "floor", "issue", "split", "cash_out"]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4)
    ),
    max_leaves=8,
)
bodies = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8).map(json.dumps)
queries = st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=12), max_size=4)
_tokens: dict[str, str] = {}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["get", "post", "put", "delete"]),
    route=st.sampled_from(ROUTES),
    obj_id=ids,
    query=queries,
    body=bodies,
    key=st.one_of(st.none(), st.text(max_size=120)),
    as_partner=st.booleans(),
)
def test_never_a_server_error(world, seeded, method, route, obj_id, query, body, key, as_partner):
    user = world.partner_t1 if as_partner else world.operator
    if user.username not in _tokens:
        _tokens[user.username] = token_create(user=user)
    headers = {"Authorization": f"Bearer {_tokens[user.username]}"}
    if key is not None and key.isprintable() and "\n" not in key:
        headers["Idempotency-Key"] = key
    client = Client(raise_request_exception=False)
    path = route.format(id=seeded.get(obj_id, obj_id))
    if method in {"post", "put"}:
        r = getattr(client, method)(
            path, data=body, content_type="application/json", headers=headers
        )
    else:
        r = getattr(client, method)(path, data=query, headers=headers)
    assert r.status_code < 500, (method, path, body, r.content[:300])
    if r.status_code >= 400 and r.get("Content-Type") == "application/json":
        assert "code" in r.json(), r.content[:300]
    assert_invariants()
