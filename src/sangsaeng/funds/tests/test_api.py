"""The fund API: every action, Idempotency-Key, error codes, and the role fences."""

from __future__ import annotations

import pytest

from sangsaeng.funds.models import Contribution, Disbursement
from sangsaeng.funds.tests.helpers import contribute, keis_year, paid, request
from sangsaeng.ledger.models import Transaction
from sangsaeng.lib.dates import today_kst

pytestmark = pytest.mark.django_db
BASE = "/api/v1/funds"


def post(api, path, body, key=None):
    headers = dict(api.headers)
    if key:
        headers["Idempotency-Key"] = key
    return api.client.post(path, data=body, content_type="application/json", headers=headers)


def amount_bodies(fund, escrow, company_a) -> list[tuple[str, dict]]:
    """The requests that take an amount (without it): contribute, allocate, disburse."""
    return [
        (f"{BASE}/{fund.pk}/contributions", {"contributed_on": "2025-09-01", "donor_name": "x"}),
        (f"{BASE}/{fund.pk}/allocations", {"use_id": escrow.pk, "allocated_on": "2025-09-01"}),
        (
            f"{BASE}/{fund.pk}/disbursements",
            {"use_id": escrow.pk, "partner_id": company_a.pk, "purpose": "x"},
        ),
    ]


def test_setup_over_the_api(api_as, operator, keis):
    api = api_as(operator)
    r = post(api, BASE, {"owner_id": keis.pk, "name": "KEIS 상생협력기금", "code": "keis"})
    assert r.status_code == 201, r.json()
    fund = r.json()
    assert fund["cash"] == 0
    r = post(
        api, f"{BASE}/{fund['id']}/uses", {"name": "기술임치 수수료 지원", "kind": "tech_escrow"}
    )
    assert r.status_code == 201
    assert r.json()["code"] == "tech-escrow"
    r = post(
        api,
        f"{BASE}/{fund['id']}/campaigns",
        {"name": "경영진 릴레이", "starts_on": "2025-05-01", "ends_on": "2025-12-31"},
    )
    assert r.status_code == 201
    r = post(api, BASE, {"owner_id": keis.pk, "name": "x", "code": "keis"})
    assert r.status_code == 409
    assert r.json()["code"] == "fund_code_taken"


def test_relay_and_statement_over_the_api(api_as, operator, manager, fund, escrow, sharing):
    api, approver = api_as(operator), api_as(manager)
    campaign = post(
        api, f"{BASE}/{fund.pk}/campaigns", {"name": "릴레이", "starts_on": "2025-05-01"}
    ).json()
    for i, (amount, day) in enumerate(
        [(2_500_000, "2025-05-21"), (3_200_000, "2025-08-14"), (3_600_000, "2025-09-10")]
    ):
        r = post(
            api,
            f"{BASE}/{fund.pk}/contributions",
            {
                "amount": amount,
                "contributed_on": day,
                "donor_name": f"임원 {i}",
                "campaign_id": campaign["id"],
            },
            key=f"relay-{i}",
        )
        assert r.status_code == 201, r.json()
    relay = api.get(f"{BASE}/{fund.pk}/campaigns/{campaign['id']}").json()
    assert [s["running_total"] for s in relay["steps"]] == [2_500_000, 5_700_000, 9_300_000]
    for use, amount in ((escrow, 5_000_000), (sharing, 4_300_000)):
        r = post(
            api,
            f"{BASE}/{fund.pk}/allocations",
            {"use_id": use.pk, "amount": amount, "allocated_on": "2025-09-15"},
            key=f"alloc-{use.pk}",
        )
        assert r.status_code == 201, r.json()
    partner = fund.owner  # placeholder replaced below
    from sangsaeng.testing import factories

    partner = factories.make_company(operator, name="우수협력사")
    r = post(
        api,
        f"{BASE}/{fund.pk}/disbursements",
        {
            "use_id": sharing.pk,
            "partner_id": partner.pk,
            "amount": 2_000_000,
            "purpose": "성과공유",
        },
        key="d1",
    )
    assert r.status_code == 201, r.json()
    d = r.json()
    assert d["status"] == "requested"
    assert d["legs"] == [{"source": "budget", "amount": 2_000_000}]
    r = post(api, f"{BASE}/disbursements/{d['id']}/approve", {}, key="a1")
    assert r.status_code == 403
    assert r.json()["code"] == "self_approval"
    r = post(approver, f"{BASE}/disbursements/{d['id']}/approve", {}, key="a2")
    assert r.json()["status"] == "approved"
    r = post(api, f"{BASE}/disbursements/{d['id']}/pay", {"paid_on": "2025-10-20"}, key="p1")
    assert r.json()["status"] == "paid"
    s = api.get(f"{BASE}/{fund.pk}/statement", {"start": "2025-01-01", "end": "2025-12-31"}).json()
    assert s["total"]["contributions"] == 9_300_000
    assert s["total"]["disbursements"] == 2_000_000
    assert s["total"]["closing"] == 7_300_000
    assert s["cash_closing"] == 7_300_000
    assert s["balanced"]
    by_use = {u["name"]: u["combined"] for u in s["uses"]}
    assert by_use["성과공유기금"]["closing"] == 2_300_000
    got = api.get(f"{BASE}/{fund.pk}").json()
    assert got["pool"]["balance"] == 0
    assert got["cash"] == 7_300_000


def test_idempotency_key(api_as, operator, fund):
    api = api_as(operator)
    body = {"amount": 1000, "contributed_on": "2025-09-01", "donor_name": "홍길동"}
    path = f"{BASE}/{fund.pk}/contributions"
    r = post(api, path, body)
    assert r.status_code == 400
    assert r.json()["code"] == "idempotency_key_required"
    r = post(api, path, body, key="bad key!")
    assert r.json()["code"] == "idempotency_key_invalid"
    first = post(api, path, body, key="c-1")
    again = post(api, path, body, key="c-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Transaction.objects.count() == 1
    r = post(api, path, {**body, "amount": 2000}, key="c-1")
    assert r.status_code == 409
    assert r.json()["code"] == "idempotency_conflict"


def test_refusals_have_stable_codes(api_as, operator, fund, escrow, sharing, company_a):
    api = api_as(operator)
    contribute(operator, fund, 1_000_000, use=escrow)
    before = Transaction.objects.count()
    r = post(
        api,
        f"{BASE}/{fund.pk}/disbursements",
        {"use_id": sharing.pk, "partner_id": company_a.pk, "amount": 500_000, "purpose": "x"},
        key="k1",
    )
    assert r.status_code == 409
    assert r.json()["code"] == "restricted_to_other_use"
    r = post(
        api,
        f"{BASE}/{fund.pk}/disbursements",
        {"use_id": escrow.pk, "partner_id": company_a.pk, "amount": 5_000_000, "purpose": "x"},
        key="k2",
    )
    assert r.json()["code"] == "insufficient_balance"
    r = post(
        api,
        f"{BASE}/{fund.pk}/allocations",
        {"use_id": sharing.pk, "amount": 0, "allocated_on": "2025-09-01"},
        key="k3",
    )
    assert r.status_code == 400
    assert r.json()["code"] == "amount_not_positive"
    assert r.json()["errors"][0]["field"] == "amount"
    r = post(
        api,
        f"{BASE}/{fund.pk}/contributions",
        {"amount": 1, "contributed_on": "2025-09-01", "donor_name": "x", "use_id": 10**6},
        key="k4",
    )
    assert r.status_code == 422
    assert r.json()["code"] == "use_not_found"
    assert Transaction.objects.count() == before


def test_reverse_and_refunds_over_the_api(api_as, operator, manager, fund, escrow, company_a):
    api = api_as(operator)
    c = contribute(operator, fund, 1_000, use=escrow)
    d = paid(operator, manager, fund, escrow, company_a, 600)
    r = post(
        api,
        f"{BASE}/disbursements/{d.pk}/refunds",
        {"amount": 100, "refunded_on": "2025-09-02"},
        key="r1",
    )
    assert r.status_code == 201, r.json()
    refund = r.json()
    assert refund["kind"] == "partner"
    r = post(api, f"{BASE}/disbursements/{d.pk}/reverse", {"reason": "오류"}, key="v1")
    assert r.json()["code"] == "refunds_outstanding"
    r = post(api, f"{BASE}/refunds/{refund['id']}/reverse", {"reason": "오류"}, key="v2")
    assert r.status_code == 200
    r = post(api, f"{BASE}/disbursements/{d.pk}/reverse", {"reason": "오류"}, key="v3")
    assert r.status_code == 200
    assert r.json()["reversed_at"]
    # On 2 September 600 of the donation had been paid out (the reversal is dated today).
    r = post(
        api,
        f"{BASE}/{fund.pk}/contributions/{c.pk}/refunds",
        {"amount": 1_000, "refunded_on": "2025-09-02"},
        key="r2",
    )
    assert r.status_code == 409
    assert r.json()["code"] == "insufficient_balance_on_date"
    r = post(
        api,
        f"{BASE}/{fund.pk}/contributions/{c.pk}/refunds",
        {"amount": 1_000, "refunded_on": today_kst().isoformat()},
        key="r3",
    )
    assert r.status_code == 201
    assert r.json()["kind"] == "donor"
    r = post(api, f"{BASE}/{fund.pk}/contributions/{c.pk}/reverse", {"reason": "x"}, key="v4")
    assert r.json()["code"] == "refunds_outstanding"


def test_reject_over_the_api(api_as, operator, manager, fund, escrow, company_a):
    contribute(operator, fund, 1_000, use=escrow)
    d = request(operator, fund, escrow, company_a, 600)
    api = api_as(manager)
    r = post(api, f"{BASE}/disbursements/{d.pk}/reject", {"reason": "증빙 부족"}, key="j1")
    assert r.json()["status"] == "rejected"
    r = post(api, f"{BASE}/disbursements/{d.pk}/pay", {}, key="p1")
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_state"


def test_auditor_reads_everything_changes_nothing(
    api_as, operator, manager, auditor, fund, escrow, sharing
):
    keis_year(operator, manager, fund, escrow, sharing)
    api = api_as(auditor)
    assert api.get(BASE).status_code == 200
    assert api.get(f"{BASE}/{fund.pk}/statement").status_code == 200
    assert api.get(f"{BASE}/{fund.pk}/contributions").json()["count"] == 3
    assert api.get(f"{BASE}/disbursements").json()["count"] == 2
    assert api.get(f"{BASE}/{fund.pk}/statement.xlsx").status_code == 200
    r = post(
        api,
        f"{BASE}/{fund.pk}/contributions",
        {"amount": 1, "contributed_on": "2025-09-01", "donor_name": "x"},
        key="k",
    )
    assert r.status_code == 403
    d = Disbursement.objects.first()
    assert d is not None
    r = post(api, f"{BASE}/disbursements/{d.pk}/reverse", {"reason": "x"}, key="k")
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"


def test_partner_fence(api_as, operator, manager, fund, escrow, company_a, company_b, partner_a):
    contribute(operator, fund, 10_000, use=escrow)
    mine = paid(operator, manager, fund, escrow, company_a, 1_000)
    theirs = paid(operator, manager, fund, escrow, company_b, 2_000)
    api = api_as(partner_a)
    assert api.get(BASE).json() == []
    listing = api.get(f"{BASE}/disbursements").json()
    assert [d["id"] for d in listing["items"]] == [mine.pk]
    assert api.get(f"{BASE}/disbursements", {"partner": company_b.pk}).json()["count"] == 0
    assert api.get(f"{BASE}/disbursements/{mine.pk}").status_code == 200
    assert api.get(f"{BASE}/disbursements/{theirs.pk}").status_code == 404
    for path in ("", "/statement", "/contributions", "/allocations", "/campaigns"):
        assert api.get(f"{BASE}/{fund.pk}{path}").status_code == 404, path
    r = post(api, f"{BASE}/disbursements/{mine.pk}/reverse", {"reason": "x"}, key="k")
    assert r.status_code == 403
    r = post(api, f"{BASE}/disbursements/{theirs.pk}/reverse", {"reason": "x"}, key="k")
    assert r.status_code == 404
    r = post(
        api,
        f"{BASE}/{fund.pk}/contributions",
        {"amount": 1, "contributed_on": "2025-09-01", "donor_name": "x"},
        key="k",
    )
    assert r.status_code == 404
    assert api.get(f"{BASE}/refunds").json()["count"] == 0


def test_openapi_documents_the_key_header(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = [p for p in schema["paths"] if p.startswith(BASE)]
    assert len(paths) >= 20
    op = schema["paths"][f"{BASE}/{{fund_id}}/contributions"]["post"]
    assert ("Idempotency-Key", "header") in [(p["name"], p["in"]) for p in op["parameters"]]


def test_amount_refusals_are_400_like_payments(api_as, operator, manager, fund, escrow, company_a):
    """QA: funds answered 422 for ``amount_not_positive`` where payments answers 400. The
    service's own amount check (not the schema) answers, 400 with the same code."""
    contribute(operator, fund, 1_000, use=escrow)
    d = paid(operator, manager, fund, escrow, company_a, 600)
    c = Contribution.objects.get()
    api = api_as(operator)
    bodies = [
        *amount_bodies(fund, escrow, company_a),
        (f"{BASE}/disbursements/{d.pk}/refunds", {"refunded_on": "2025-09-02"}),
        (f"{BASE}/{fund.pk}/contributions/{c.pk}/refunds", {"refunded_on": "2025-09-02"}),
    ]
    for i, (path, body) in enumerate(bodies):
        for amount in (0, -5):
            r = post(api, path, {**body, "amount": amount}, key=f"a{i}{amount}")
            assert r.status_code == 400, (path, r.json())
            assert r.json()["code"] == "amount_not_positive"
            assert r.json()["errors"][0]["field"] == "amount"
    r = post(
        api,
        f"{BASE}/{fund.pk}/campaigns",
        {"name": "릴레이", "starts_on": "2025-05-01", "target_amount": 0},
    )
    assert (r.status_code, r.json()["code"]) == (400, "amount_not_positive")


def test_disbursement_to_a_bank_is_refused_over_the_api(api_as, operator, fund, escrow):
    from sangsaeng.testing import factories

    bank = factories.make_company(operator, name="우리은행", kind="bank")
    contribute(operator, fund, 1_000, use=escrow)
    r = post(
        api_as(operator),
        f"{BASE}/{fund.pk}/disbursements",
        {"use_id": escrow.pk, "partner_id": bank.pk, "amount": 100, "purpose": "x"},
        key="b1",
    )
    # 422 like the other refusals of the partner (partner_is_owner, partner_inactive).
    assert r.status_code == 422
    assert r.json()["code"] == "recipient_not_partner"
    assert r.json()["errors"][0]["field"] == "partner_id"
    assert not Disbursement.objects.exists()


def test_not_found_messages_use_the_right_particle(api_as, operator, fund, escrow):
    api = api_as(operator)
    assert api.get(f"{BASE}/999").json()["message"] == "기금을 찾을 수 없습니다."
    assert api.get(f"{BASE}/disbursements/999").json()["message"] == "지급을 찾을 수 없습니다."
    r = post(api, f"{BASE}/refunds/999/reverse", {"reason": "x"}, key="n1")
    assert r.json()["message"] == "반환을 찾을 수 없습니다."
    r = post(
        api,
        f"{BASE}/{fund.pk}/disbursements",
        {"use_id": 999, "partner_id": 999, "amount": 1, "purpose": "x"},
        key="n2",
    )
    assert r.json()["message"] == "이 기금의 용도가 없습니다."
    r = post(
        api,
        f"{BASE}/{fund.pk}/disbursements",
        {"use_id": escrow.pk, "partner_id": 999, "amount": 1, "purpose": "x"},
        key="n3",
    )
    assert r.json()["message"] == "기업이 없습니다."
    for body in (r.json(),):
        assert "(를)" not in str(body) and "(가)" not in str(body)


def test_boolean_amount_is_refused(api_as, operator, fund, escrow, company_a):
    """QA: JSON ``true`` was read as an amount of 1 won and posted."""
    contribute(operator, fund, 1_000, use=escrow)
    api = api_as(operator)
    bodies = amount_bodies(fund, escrow, company_a)
    before = Transaction.objects.count()
    for i, (path, body) in enumerate(bodies):
        for flag in (True, False):
            r = post(api, path, {**body, "amount": flag}, key=f"b{i}{flag}")
            assert r.status_code == 422, (path, r.json())
            assert r.json()["errors"][0]["code"] == "int_type"
            assert r.json()["errors"][0]["field"] == "amount"
    assert Transaction.objects.count() == before
    assert Disbursement.objects.count() == 0


def test_a_key_reused_for_another_request_is_a_conflict(
    api_as, operator, manager, fund, escrow, company_a
):
    """QA: the same Idempotency-Key approved (or rejected) a second disbursement, and a
    reversal retried with another reason answered 200 as if it were the same request."""
    contribute(operator, fund, 10_000, use=escrow)
    d1 = request(operator, fund, escrow, company_a, 100)
    d2 = request(operator, fund, escrow, company_a, 100)
    d3 = request(operator, fund, escrow, company_a, 100)
    api = api_as(manager)
    assert post(api, f"{BASE}/disbursements/{d1.pk}/approve", {}, key="ap").status_code == 200
    assert post(api, f"{BASE}/disbursements/{d1.pk}/approve", {}, key="ap").status_code == 200
    r = post(api, f"{BASE}/disbursements/{d2.pk}/approve", {}, key="ap")
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_conflict")
    assert Disbursement.objects.get(pk=d2.pk).status == "requested"

    reject = f"{BASE}/disbursements/{d3.pk}/reject"
    assert post(api, reject, {"reason": "증빙 부족"}, key="rj").status_code == 200
    assert post(api, reject, {"reason": "증빙 부족"}, key="rj").status_code == 200
    r = post(api, reject, {"reason": "다른 사유"}, key="rj")
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_conflict")
    r = post(api, f"{BASE}/disbursements/{d2.pk}/reject", {"reason": "증빙 부족"}, key="rj")
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_conflict")
    assert Disbursement.objects.get(pk=d2.pk).status == "requested"

    d = paid(operator, manager, fund, escrow, company_a, 500)
    reverse = f"{BASE}/disbursements/{d.pk}/reverse"
    assert post(api, reverse, {"reason": "오류"}, key="rv").status_code == 200
    count = Transaction.objects.count()
    assert post(api, reverse, {"reason": "오류"}, key="rv").status_code == 200
    r = post(api, reverse, {"reason": "다른 사유"}, key="rv")
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_conflict")
    assert Transaction.objects.count() == count
    assert Disbursement.objects.get(pk=d.pk).reversal_reason == "오류"
