"""No form post or query of any shape to the fund pages gives a server error, and none breaks
an invariant: random field values (real ids and BRNs among them), as a fund operator, a
manager, an auditor and a partner user. (The API has its own such test; this one covers the
forms, which call the same services.)"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sangsaeng.accounts.models import Role
from sangsaeng.funds import services
from sangsaeng.funds.tests.conftest import new_key
from sangsaeng.funds.tests.helpers import allocate, contribute, paid, request
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.testing import factories

pytestmark = pytest.mark.django_db

# Each page, with the seeded records its {id} naturally stands for.
DISBURSEMENTS = ["requested", "approved", "paid", "rejected", "reversed"]
CONTRIBUTIONS = ["contribution", "restricted"]
ROUTES = [
    ("/funds/", []), ("/funds/new/", []), ("/funds/{fund}/", []),
    ("/funds/{fund}/uses/new/", []), ("/funds/{fund}/campaigns/new/", []),
    ("/funds/{fund}/campaigns/{id}/", ["campaign"]), ("/funds/{fund}/contributions/", []),
    ("/funds/{fund}/contributions/new/", []), ("/funds/{fund}/allocations/", []),
    ("/funds/{fund}/allocations/new/", []), ("/funds/{fund}/disbursements/new/", []),
    ("/funds/{fund}/statement/", []), ("/funds/{fund}/statement.xlsx", []),
    ("/funds/{fund}/statement.pdf", []), ("/funds/disbursements/", []),
    ("/funds/disbursements/{id}/", DISBURSEMENTS),
    ("/funds/disbursements/{id}/{action}/", DISBURSEMENTS),
    ("/funds/contributions/{id}/", CONTRIBUTIONS),
    ("/funds/contributions/{id}/{action}/", CONTRIBUTIONS),
    ("/funds/allocations/{id}/reverse/", ["allocation"]),
    ("/funds/refunds/{id}/reverse/", ["partner_refund", "donor_refund"]),
]  # fmt: skip
ACTIONS = ["approve", "pay", "reject", "reverse", "refund", "delete", "x"]
# The fields of every form in funds/forms.py (the views give none of them a prefix), and the
# list pages' query parameters.
FIELDS = [
    "idempotency_key", "owner", "name", "code", "description", "kind", "starts_on", "ends_on",
    "target_amount", "donor_company", "donor_name", "contributed_on", "amount", "purpose", "use",
    "campaign", "allocated_on", "memo", "source_use", "partner", "paid_on", "reason",
    "reversed_on", "refunded_on", "start", "end", "status", "fund", "page",
]  # fmt: skip
REAL = [
    "fund", "escrow", "sharing", "campaign", "contribution", "restricted", "allocation",
    "requested", "approved", "paid", "rejected", "reversed", "partner_refund", "donor_refund",
    "keis_brn", "partner_brn", "donor_brn", "other_brn",
]  # fmt: skip
# Those who run the fund weigh most: theirs are the posts that reach the services.
ROLES = ["operator", "operator", "manager", "manager", "auditor", "partner", "other_partner"]
# A plausible value for every field, so that many posts pass the form and reach the service
# (whose refusals are where an uncaught error would hide); random values are laid over it.
PLAUSIBLE = {
    "owner": "keis_brn", "name": "새 항목", "code": "new-code", "description": "", "kind":
    "tech_escrow", "starts_on": "2025-09-01", "ends_on": "2025-12-31", "target_amount": "1000",
    "donor_company": "donor_brn", "donor_name": "홍길동", "contributed_on": "2025-09-01",
    "amount": "1000", "purpose": "지원", "use": "escrow", "campaign": "campaign",
    "allocated_on": "2025-09-01", "memo": "", "source_use": "", "partner": "partner_brn",
    "paid_on": "2025-09-05", "reason": "오류", "reversed_on": "", "refunded_on": "2025-09-05",
    "start": "2025-01-01", "end": "2025-12-31", "idempotency_key": "fresh_key",
}  # fmt: skip
texts = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.text(max_size=15),
    st.sampled_from(["", "0", "1", "100", "1000", "2500000", "2025-09-01", "2025-10-15",
                     "2025-01-01", "2025-12-31", "2025-02-30", "2099-01-01", "1900-01-01",
                     "9999-12-31", "tech_escrow", "benefit_sharing", "requested", "approved",
                     "paid", "rejected", "reversed", "key-1", "keis", "123-45-67890", *REAL]),
    # What str.isdigit() and int() disagree on, and other near-numbers.
    st.sampled_from(["²", "١٢", "1\n", " 1 ", "-1", "1e3", "1.5"]),
)  # fmt: skip


@pytest.fixture
def world(operator, manager, auditor, fund, escrow, sharing, keis):
    """Every kind of fund record, one or more of each: a campaign, contributions (to the pool
    for the campaign from a company, and restricted to a use), allocations, a disbursement in
    each status, and a refund of each kind. Returns (users by role, ids and BRNs by name)."""
    donor = factories.make_company(operator, name="기부기업")
    partner = factories.make_company(operator, name="우수협력사")
    other = factories.make_company(operator, name="다른협력사")
    campaign = services.campaign_create(
        actor=operator, fund=fund, name="2025 릴레이", starts_on=dt.date(2025, 5, 1)
    )
    pooled = contribute(
        operator, fund, 9_000_000, campaign=campaign, donor_company=donor, donor_name=""
    )
    restricted = contribute(operator, fund, 3_000_000, use=escrow)
    allocation = allocate(operator, fund, escrow, 4_000_000)
    allocate(operator, fund, sharing, 3_000_000)
    requested = request(operator, fund, escrow, partner, 100_000)
    approved = request(operator, fund, sharing, partner, 200_000)
    services.disbursement_approve(actor=manager, disbursement=approved, idempotency_key=new_key())
    done = paid(operator, manager, fund, escrow, partner, 500_000)
    rejected = request(operator, fund, escrow, other, 50_000)
    services.disbursement_reject(
        actor=operator, disbursement=rejected, reason="중복", idempotency_key=new_key()
    )
    reversed_ = paid(operator, manager, fund, sharing, other, 300_000)
    services.disbursement_reverse(
        actor=operator, disbursement=reversed_, reason="오입력", idempotency_key=new_key()
    )
    partner_refund = services.refund_from_partner(
        actor=operator, disbursement=done, amount=100_000, refunded_on=dt.date(2025, 9, 2),
        idempotency_key=new_key(),
    )  # fmt: skip
    donor_refund = services.refund_to_donor(
        actor=operator, contribution=pooled, amount=500_000, refunded_on=dt.date(2025, 9, 2),
        idempotency_key=new_key(),
    )  # fmt: skip
    users = {
        "operator": operator,
        "manager": manager,
        "auditor": auditor,
        "partner": factories.make_user(Role.PARTNER, company=partner),
        "other_partner": factories.make_user(Role.PARTNER, company=other),
    }
    records = {
        "fund": fund, "escrow": escrow, "sharing": sharing, "campaign": campaign,
        "contribution": pooled, "restricted": restricted, "allocation": allocation,
        "requested": requested, "approved": approved, "paid": done, "rejected": rejected,
        "reversed": reversed_, "partner_refund": partner_refund, "donor_refund": donor_refund,
    }  # fmt: skip
    seeded = {name: str(record.pk) for name, record in records.items()}
    for name, company in (("keis", keis), ("partner", partner), ("donor", donor), ("other", other)):
        seeded[f"{name}_brn"] = company.brn_display
    return users, seeded


def assert_invariants() -> None:
    failed = {f.name: f.problems for f in run_checks() if not f.ok}
    assert not failed, failed


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["get", "post", "post"]),
    route=st.sampled_from(ROUTES),
    fund_id=st.sampled_from(["fund"] * 6 + ["escrow", "0", "9" * 20]),
    obj=st.one_of(st.integers(0, 4), st.sampled_from([*REAL, "0", "99999", "9" * 20])),
    action=st.sampled_from(ACTIONS),
    base=st.one_of(
        st.just(set(PLAUSIBLE)), st.just(set()), st.sets(st.sampled_from(list(PLAUSIBLE)))
    ),
    data=st.dictionaries(st.sampled_from(FIELDS), texts, max_size=4),
    role=st.sampled_from(ROLES),
)
def test_never_a_server_error(world, method, route, fund_id, obj, action, base, data, role):
    users, seeded = world
    seeded["fresh_key"] = uuid.uuid4().hex
    route, natural = route
    obj_id = natural[obj % len(natural)] if isinstance(obj, int) and natural else str(obj)
    client = Client(raise_request_exception=False)
    client.force_login(users[role])
    path = route.format(
        fund=seeded.get(fund_id, fund_id), id=seeded.get(obj_id, obj_id), action=action
    )
    values = {name: PLAUSIBLE[name] for name in base} | data
    form = {name: seeded.get(value, value) for name, value in values.items()}
    response = getattr(client, method)(path, form)
    assert response.status_code < 500, (role, method, path, form)
    assert_invariants()


@pytest.mark.parametrize("value", ["²", "١٢", "1²"])
def test_disbursement_list_ignores_a_fund_id_of_other_digits(operator, value):
    """A ``fund`` filter of "²" was a 500: "²".isdigit() is true, but int("²") raises."""
    client = Client()
    client.force_login(operator)
    assert client.get("/funds/disbursements/", {"fund": value}).status_code == 200
