"""The payments API: every action, idempotent retries, error shapes and the partner fence."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import Workbook

from sangsaeng.ledger.models import Transaction
from sangsaeng.payments import services
from sangsaeng.payments.models import OtherPayment
from sangsaeng.payments.tests.conftest import SETTINGS, D, World, key, made

pytestmark = pytest.mark.django_db
P = "/api/v1/payments"


def post(client, path, body, idem=None):
    headers = dict(client.headers)
    if idem:
        headers["Idempotency-Key"] = idem
    return client.client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.fixture
def setup(world: World):
    services.escrow_deposit(
        actor=world.operator, programme=world.programme, amount=100_000_000,
        value_date=D(2024, 1, 2), idempotency_key=key(),
    )  # fmt: skip
    root = made(
        services.claim_issue(
            actor=world.operator, programme=world.programme, holder=world.t1, amount=10_000_000,
            maturity=D(2024, 4, 30), value_date=D(2024, 3, 1), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    return world, root


def test_open_deposit_issue_split_cash_out_settle(api_as, world):
    staff = api_as(world.operator)
    body = {"name": "API 사업", "buyer_id": world.buyer.pk, "bank_id": world.bank.pk,
            "opened_on": "2024-01-01", **SETTINGS}  # fmt: skip
    r = post(staff, f"{P}/programmes", body, idem="open-1")
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert r.json()["base_rate"] == "3.5000"
    assert post(staff, f"{P}/programmes", body, idem="open-1").json()["id"] == pid

    r = post(
        staff,
        f"{P}/programmes/{pid}/deposits",
        {"amount": 50_000_000, "value_date": "2024-01-02"},
        idem="d1",
    )
    assert r.status_code == 201, r.content
    r = post(staff, f"{P}/programmes/{pid}/claims", {
        "holder_id": world.t1.pk, "amount": 10_000_000, "maturity": "2024-04-30",
        "value_date": "2024-03-01", "idempotency_key": "i1"})  # fmt: skip
    assert r.status_code == 201, r.content
    root = r.json()["result_claim_id"]

    t1 = api_as(world.partner_t1)
    r = post(t1, f"{P}/claims/{root}/splits", {"to_id": world.t2.pk, "amount": 4_000_000,
                                              "value_date": "2024-03-05"}, idem="s1")  # fmt: skip
    assert r.status_code == 201, r.content
    child = r.json()["result_claim_id"]

    t2 = api_as(world.partner_t2)
    r = t2.get(f"{P}/claims/{child}/quote", {"value_date": "2024-03-31"})
    assert r.status_code == 200, r.content
    q = r.json()
    # 30 days: 3.50 + 1.30 + 1.00 = 5.80 %; 4,000,000 × 0.058 × 30 / 365 = 19,068.49 → 19,068
    assert (q["days"], q["annual_rate"], q["discount"], q["advance"]) == (
        30,
        "5.8000",
        19_068,
        3_980_932,
    )
    cash = {"value_date": "2024-03-31", "expected_advance": q["advance"]}
    r = post(t2, f"{P}/claims/{child}/cash-out", cash, idem="c1")
    assert r.status_code == 201, r.content
    assert r.json()["details"]["advance"] == 3_980_932

    r = post(staff, f"{P}/claims/{root}/settle", {"value_date": "2024-04-30"}, idem="st1")
    assert r.status_code == 201, r.content
    r = post(staff, f"{P}/claims/{root}/settle", {"value_date": "2024-04-30"}, idem="st2")
    assert (r.status_code, r.json()["code"]) == (409, "already_settled")

    r = staff.get(f"{P}/programmes/{pid}")
    assert r.json()["figures"]["outstanding"] == 0
    assert r.json()["figures"]["escrow"] == 40_000_000


def test_retries_post_once(api_as, setup):
    world, root = setup
    t1 = api_as(world.partner_t1)
    body = {"to_id": world.t2.pk, "amount": 1_000, "value_date": "2024-03-05"}
    first = post(t1, f"{P}/claims/{root.pk}/splits", body, idem="same")
    count = Transaction.objects.count()
    again = post(t1, f"{P}/claims/{root.pk}/splits", body, idem="same")
    assert again.status_code == 201 and again.json() == first.json()
    assert Transaction.objects.count() == count
    other = post(t1, f"{P}/claims/{root.pk}/splits", {**body, "amount": 2_000}, idem="same")
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")
    missing = post(t1, f"{P}/claims/{root.pk}/splits", body)
    assert (missing.status_code, missing.json()["code"]) == (400, "idempotency_key_required")
    both = post(t1, f"{P}/claims/{root.pk}/splits", {**body, "idempotency_key": "x"}, idem="y")
    assert both.json()["code"] == "idempotency_key_mismatch"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"to_id": "t2", "amount": 10_000_001}, 400, "split_exceeds_held"),
        ({"to_id": "t3", "amount": 1}, 400, "not_your_supplier"),
        ({"to_id": "stranger", "amount": 1}, 400, "not_your_supplier"),
        ({"to_id": "t2", "amount": 0}, 400, "amount_not_positive"),
        ({"to_id": "t2", "amount": -1}, 400, "amount_not_positive"),
        ({"to_id": "t2", "amount": 1, "value_date": "2024-04-30"}, 400, "claim_matured"),
        ({"to_id": "t2", "amount": 1, "value_date": "2024-02-01"}, 400,
         "value_date_before_previous"),
        ({"to_id": "t2", "amount": 1, "value_date": "2999-01-01"}, 400, "value_date_future"),
        ({"to_id": "t2", "amount": "abc"}, 422, "validation_error"),
    ],
)  # fmt: skip
def test_split_refusals_are_4xx_with_codes(api_as, setup, body, status, code):
    world, root = setup
    body = {"value_date": "2024-03-05", **body, "to_id": getattr(world, body["to_id"]).pk}
    count = Transaction.objects.count()
    r = post(api_as(world.partner_t1), f"{P}/claims/{root.pk}/splits", body, idem=key())
    assert (r.status_code, r.json()["code"]) == (status, code), r.content
    assert Transaction.objects.count() == count


def test_issue_and_cash_out_refusals(api_as, setup):
    world, root = setup
    staff = api_as(world.operator)
    pid = world.programme.pk
    r = post(staff, f"{P}/programmes/{pid}/claims", {"holder_id": world.t1.pk, "amount": 5,
             "maturity": "2024-03-01", "value_date": "2024-03-01"}, idem=key())  # fmt: skip
    assert r.json()["code"] == "maturity_not_after_issue"
    r = post(staff, f"{P}/programmes/{pid}/claims", {"holder_id": world.t2.pk, "amount": 5,
             "maturity": "2024-04-01", "value_date": "2024-03-01"}, idem=key())  # fmt: skip
    assert r.json()["code"] == "not_your_supplier"
    r = post(staff, f"{P}/claims/{root.pk}/cash-out", {"value_date": "2024-04-30"}, idem=key())
    assert r.json()["code"] == "cash_out_at_maturity"
    r = staff.get(f"{P}/claims/{root.pk}/quote", {"value_date": "2024-05-01"})
    assert r.json()["code"] == "cash_out_at_maturity"


# -- the partner fence, on every endpoint ---------------------------------------------------------


def test_partner_sees_only_its_holdings(api_as, setup):
    world, root = setup
    child = made(
        services.claim_split(
            actor=world.operator, claim=root, to=world.t2, amount=1_000,
            value_date=D(2024, 3, 5), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    t2 = api_as(world.partner_t2)
    assert t2.get(f"{P}/claims/{root.pk}").status_code == 404
    detail = t2.get(f"{P}/claims/{child.pk}").json()
    assert [n["id"] for n in detail["nodes"]] == [child.pk]
    assert detail["received_from"] == world.t1.name
    assert [c["id"] for c in t2.get(f"{P}/claims").json()["items"]] == [child.pk]
    assert t2.get(f"{P}/claims", {"holder": world.t1.pk}).json()["count"] == 0
    assert t2.get(f"{P}/companies/{world.t1.pk}/holdings").status_code == 404
    mine = t2.get(f"{P}/companies/{world.t2.pk}/holdings").json()
    assert mine["total_retained"] == 1_000 and [h["kind"] for h in mine["history"]] == ["split"]
    t1 = api_as(world.partner_t1)
    tree = t1.get(f"{P}/claims/{root.pk}").json()
    assert [n["id"] for n in tree["nodes"]] == [root.pk, child.pk]
    # Staff see the whole tree from any node; a company that does not exist is not found.
    staff = api_as(world.operator)
    assert len(staff.get(f"{P}/claims/{child.pk}").json()["nodes"]) == 2
    r = staff.get(f"{P}/companies/999999/holdings")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_batch_endpoint(api_as, setup):
    world, root = setup
    staff = api_as(world.operator)
    url = f"{P}/programmes/{world.programme.pk}/operations"
    ops = [
        {"kind": "split", "idempotency_key": "b1", "amount": 1_000, "value_date": "2024-03-05",
         "claim_id": root.pk, "company_id": world.t2.pk},
        {"kind": "cash_out", "idempotency_key": "b2", "value_date": "2024-03-06", "parent_ref": 0},
    ]  # fmt: skip
    r = post(staff, url, {"operations": ops})
    assert r.status_code == 201, r.content
    assert [o["kind"] for o in r.json()] == ["split", "cash_out"]
    assert post(staff, url, {"operations": ops}).json() == r.json()
    bad = [{**ops[0], "idempotency_key": "b3", "amount": 10**8}]
    r = post(staff, url, {"operations": bad})
    assert (r.status_code, r.json()["code"]) == (400, "split_exceeds_held")
    assert r.json()["errors"][0]["field"] == "operations[0].amount"
    assert post(api_as(world.partner_t1), url, {"operations": ops}).status_code == 404


def test_an_auditor_empty_batch_is_forbidden_not_empty(api_as, auditor, setup):
    """Who may act is asked before what was sent: an auditor learns it may not post batches,
    not that its batch was empty; an operator's empty batch is refused as empty."""
    world, _root = setup
    url = f"{P}/programmes/{world.programme.pk}/operations"
    r = post(api_as(auditor), url, {"operations": []})
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    r = post(api_as(world.operator), url, {"operations": []})
    assert (r.status_code, r.json()["code"]) == (400, "batch_size")


ENDPOINTS = [
    ("get", "/programmes/{pid}", None),
    ("get", "/programmes/{pid}/tiers", None),
    ("put", "/programmes/{pid}/pricing", SETTINGS),
    ("post", "/programmes/{pid}/deposits", {"amount": 1}),
    ("post", "/programmes/{pid}/withdrawals", {"amount": 1}),
    ("post", "/programmes/{pid}/claims", {"holder_id": 0, "amount": 1, "maturity": "2024-05-01"}),
    (
        "post",
        "/programmes/{pid}/operations",
        {
            "operations": [
                {
                    "kind": "split",
                    "idempotency_key": "k",
                    "amount": 1,
                    "claim_id": 1,
                    "company_id": 1,
                }
            ]
        },
    ),
    ("post", "/programmes", {"name": "x", "buyer_id": 1, "bank_id": 1, **SETTINGS}),
    ("get", "/claims/{root}", None),
    ("get", "/claims/{root}/quote", None),
    ("post", "/claims/{root}/splits", {"to_id": 0, "amount": 1}),
    ("post", "/claims/{root}/cash-out", {}),
    ("post", "/claims/{root}/settle", {}),
    ("post", "/settle-due", {}),
    ("get", "/companies/{t1}/holdings", None),
    ("post", "/insolvencies", {"company_id": 0}),
    ("get", "/ratio?start=2024-01-01&end=2024-12-31", None),
    ("get", "/other-payments", None),
    (
        "post",
        "/other-payments",
        {
            "partner_id": 0,
            "direction": "paid",
            "method": "cash",
            "period_start": "2024-01-01",
            "period_end": "2024-01-31",
            "amount": 1,
        },
    ),
    ("delete", "/other-payments/{other}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_another_partner_is_refused_everywhere(api_as, setup, method, path, body):
    """t2's user may not touch t1's claim, the programme or anyone's records: 404 or 403,
    never a 2xx, and nothing is posted."""
    world, root = setup
    other = OtherPayment.objects.create(
        partner=world.t1, direction="paid", method="cash", period_start=D(2024, 1, 1),
        period_end=D(2024, 1, 31), amount=5,
    )  # fmt: skip
    url = P + path.format(pid=world.programme.pk, root=root.pk, t1=world.t1.pk, other=other.pk)
    client = api_as(world.partner_t2)
    count = Transaction.objects.count()
    headers = {**client.headers, "Idempotency-Key": key()}
    if body is None:
        r = getattr(client.client, method)(url, headers=headers)
    else:
        r = getattr(client.client, method)(
            url, data=json.dumps(body), content_type="application/json", headers=headers
        )
    assert r.status_code in (403, 404), (url, r.status_code, r.content)
    assert "code" in r.json()
    assert Transaction.objects.count() == count
    assert OtherPayment.objects.count() == 1


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_auditor_reads_but_never_writes(api_as, auditor, setup, method, path, body):
    world, root = setup
    other = OtherPayment.objects.create(
        partner=world.t1, direction="paid", method="cash", period_start=D(2024, 1, 1),
        period_end=D(2024, 1, 31), amount=5,
    )  # fmt: skip
    url = P + path.format(pid=world.programme.pk, root=root.pk, t1=world.t1.pk, other=other.pk)
    client = api_as(auditor)
    count = Transaction.objects.count()
    headers = {**client.headers, "Idempotency-Key": key()}
    if body is None:
        r = getattr(client.client, method)(url, headers=headers)
    else:
        r = getattr(client.client, method)(
            url, data=json.dumps(body), content_type="application/json", headers=headers
        )
    if method == "get" and "quote" not in path:
        assert r.status_code == 200, (url, r.content)
    else:
        assert r.status_code in (403, 404), (url, r.status_code, r.content)
    assert Transaction.objects.count() == count
    assert OtherPayment.objects.count() == 1


def test_consultant_sees_nothing(api_as, consultant, setup):
    _world, root = setup
    client = api_as(consultant)
    assert client.get(f"{P}/programmes").status_code == 403
    assert client.get(f"{P}/claims/{root.pk}").status_code == 404
    assert client.get(f"{P}/claims").status_code == 403


def test_ratio_and_other_payments(api_as, setup):
    world, root = setup
    services.claim_split(
        actor=world.operator, claim=root, to=world.t2, amount=2_000_000,
        value_date=D(2024, 3, 5), idempotency_key=key(),
    )  # fmt: skip
    staff = api_as(world.operator)
    body = {
        "partner_id": world.t1.pk, "direction": "지급", "method": "어음",
        "period_start": "2024-03-01", "period_end": "2024-03-31", "amount": 8_000_000,
    }  # fmt: skip
    r = post(staff, f"{P}/other-payments", body, idem="o1")
    assert r.status_code == 201, r.content
    assert post(staff, f"{P}/other-payments", body, idem="o1").json()["id"] == r.json()["id"]
    rows = staff.get(f"{P}/ratio", {"start": "2024-03-01", "end": "2024-03-31"}).json()
    t1 = next(row for row in rows if row["company_id"] == world.t1.pk)
    # Received 10,000,000 all by win-win (100 %); paid 2,000,000 win-win + 8,000,000 by note
    # = 20 % in cash or win-win: short.
    assert (t1["received_share_pct"], t1["paid_share_pct"], t1["status"]) == (
        "100.0",
        "20.0",
        "short",
    )
    t2 = next(row for row in rows if row["company_id"] == world.t2.pk)
    assert t2["status"] == "no_payments"


def test_import_other_payments_from_xlsx(api_as, setup):
    world, _root = setup
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.append(["사업자등록번호", "구분", "결제수단", "기간시작", "기간끝", "금액", "메모"])
    ws.append([world.t1.brn, "지급", "현금", "2024-03-01", "2024-03-31", 1_000_000, "3월"])
    ws.append([world.t2.brn, "수령", "어음", D(2024, 3, 1), D(2024, 3, 31), 500_000, None])
    data = io.BytesIO()
    wb.save(data)
    staff = api_as(world.operator)

    def upload(content: bytes, idem: str):
        f = io.BytesIO(content)
        f.name = "other.xlsx"
        return staff.client.post(
            f"{P}/other-payments/import", data={"file": f},
            headers={**staff.headers, "Idempotency-Key": idem},
        )  # fmt: skip

    r = upload(data.getvalue(), "imp-1")
    assert (r.status_code, r.json()) == (201, {"saved": 2})
    assert upload(data.getvalue(), "imp-1").json() == {"saved": 2}
    assert OtherPayment.objects.count() == 2
    ws.append(["0000000000", "지급", "현금", "2024-03-01", "2024-03-31", 1, None])
    ws.append([world.t1.brn, "뭐지", "현금", "2024-03-01", "2024-03-31", 1, None])
    data = io.BytesIO()
    wb.save(data)
    r = upload(data.getvalue(), "imp-2")
    assert r.status_code == 422
    assert [(e["row"], e["code"]) for e in r.json()["errors"]] == [
        (4, "unknown_company"), (5, "direction_invalid"),
    ]  # fmt: skip
    assert OtherPayment.objects.count() == 2
    assert upload(b"not a spreadsheet", "imp-3").json()["code"] == "import_invalid"


def test_a_boolean_amount_is_refused_not_read_as_one_won(api_as, setup):
    """JSON ``true`` would pass pydantic's ``int`` as 1: every amount refuses it, 422, and
    nothing is posted."""
    world, root = setup
    staff = api_as(world.operator)
    pid = world.programme.pk
    before = Transaction.objects.count()
    requests = [
        (f"{P}/programmes/{pid}/deposits", {}),
        (f"{P}/programmes/{pid}/claims", {"holder_id": world.t1.pk, "maturity": "2024-06-30"}),
        (f"{P}/claims/{root.pk}/splits", {"to_id": world.t2.pk}),
        (f"{P}/programmes/{pid}/withdrawals", {}),
        (
            f"{P}/other-payments",
            {
                "partner_id": world.t1.pk,
                "direction": "paid",
                "method": "cash",
                "period_start": "2024-01-01",
                "period_end": "2024-01-31",
            },
        ),
        (f"{P}/claims/{root.pk}/cash-out", {}),
    ]
    for path, body in requests:
        r = post(staff, path, {**body, "amount": True, "value_date": "2024-03-05"})
        assert r.status_code == 422, (path, r.status_code, r.content)
        assert r.json()["errors"][0]["code"] == "int_type", r.json()
    r = post(staff, f"{P}/programmes/{pid}/operations", {"operations": [
        {"kind": "split", "idempotency_key": "t1", "amount": True, "claim_id": root.pk,
         "company_id": world.t2.pk}]})  # fmt: skip
    assert r.status_code == 422
    assert Transaction.objects.count() == before
