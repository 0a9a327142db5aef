"""No form post or query of any shape to the payment pages gives a server error, and none breaks
an invariant: random field values (real ids among them), for the operator and a partner user.
(The API has its own such test; this one covers the forms, which call the same services.)"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sangsaeng.payments.tests.conftest import assert_invariants

pytestmark = pytest.mark.django_db

ROUTES = [
    "/payments/", "/payments/programmes/{programme}/", "/payments/programmes/{programme}/deposit/",
    "/payments/programmes/{programme}/withdraw/", "/payments/programmes/{programme}/issue/",
    "/payments/programmes/{programme}/pricing/", "/payments/holdings/",
    "/payments/claims/{id}/", "/payments/claims/{id}/split/", "/payments/claims/{id}/cash-out/",
    "/payments/claims/{id}/settle/", "/payments/claims/{id}/reverse/", "/payments/insolvencies/",
    "/payments/ratio/", "/payments/ratio/other/", "/payments/ratio/other/{id}/delete/",
]  # fmt: skip
PREFIXES = ["deposit", "withdraw", "issue", "split", "settle", "reverse", "pricing", "insolvency",
            "other", ""]  # fmt: skip
FIELDS = [
    "amount", "value_date", "holder", "maturity", "to", "expected_advance", "memo",
    "idempotency_key", "base_rate", "spread_tiers", "system_fee", "day_count", "rounding",
    "max_term_days", "shown", "company", "declared_on", "note", "partner", "direction",
    "method", "period_start", "period_end", "counterparty", "start", "end", "reason", "page",
]  # fmt: skip
REAL = ["programme", "claim", "child", "t1", "t2", "t3", "stranger"]
texts = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.text(max_size=15),
    st.sampled_from(["", "0", "1000", "2024-03-05", "2024-03-06", "2024-04-30", "2099-01-01",
                     "2024-02-30", "3.5", "30:1.30, :1.50", "30:1.30", "floor", "365", *REAL]),
)  # fmt: skip


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["get", "post"]),
    route=st.sampled_from(ROUTES),
    obj_id=st.one_of(st.sampled_from(REAL), st.integers(0, 2**70).map(str)),
    prefix=st.sampled_from(PREFIXES),
    data=st.dictionaries(st.sampled_from(FIELDS), texts, max_size=8),
    as_partner=st.booleans(),
)
def test_never_a_server_error(world, seeded, method, route, obj_id, prefix, data, as_partner):
    client = Client(raise_request_exception=False)
    client.force_login(world.partner_t1 if as_partner else world.operator)
    path = route.format(programme=seeded["programme"], id=seeded.get(obj_id, obj_id))
    form = {
        (f"{prefix}-{name}" if prefix else name): seeded.get(value, value)
        for name, value in data.items()
    }
    response = getattr(client, method)(path, form)
    assert response.status_code < 500, (method, path, form)
    assert_invariants()
