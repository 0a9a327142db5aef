"""Reversal of an untouched issue or pass-on: the mirror transaction, the parent's remainder, the
marks on the claim, settlement around it, every refusal (posting nothing), retries, the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sangsaeng.accounts.models import Role
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.ledger.models import Account, Transaction, TxKind
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import DomainError
from sangsaeng.payments import book, queries, services
from sangsaeng.payments.models import Claim, Operation, OperationKind, Payout
from sangsaeng.payments.tests.conftest import (
    D,
    World,
    assert_invariants,
    key,
    made,
    tx_count,
)
from sangsaeng.testing import factories

pytestmark = pytest.mark.django_db
P = "/api/v1/payments"
MATURITY = D(2024, 4, 30)


@pytest.fixture
def root(world: World) -> Claim:
    services.escrow_deposit(
        actor=world.operator, programme=world.programme, amount=1_000_000,
        value_date=D(2024, 1, 2), idempotency_key=key(),
    )  # fmt: skip
    return made(
        services.claim_issue(
            actor=world.operator, programme=world.programme, holder=world.t1, amount=500_000,
            maturity=MATURITY, value_date=D(2024, 3, 1), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip


def split(world: World, claim: Claim, to, amount: int, day: dt.date) -> Claim:
    return made(
        services.claim_split(
            actor=world.operator, claim=claim, to=to, amount=amount, value_date=day,
            idempotency_key=key(),
        ).result_claim
    )  # fmt: skip


def reverse(world: World, claim: Claim, day: dt.date | None, **extra) -> Operation:
    data = {"idempotency_key": key(), "actor": world.operator, **extra}
    return services.claim_reverse(claim=claim, value_date=day, **data)


def owed(world: World, company) -> int:
    found = Account.objects.filter(code=book.owed_code(world.programme.pk, company.pk)).first()
    return found.normal_balance if found else 0


def free_deposit(world: World) -> int:
    account = world.programme.deposit_account
    assert account is not None
    account.refresh_from_db()
    return account.normal_balance


def posted(op: Operation) -> Transaction:
    assert op.transaction is not None
    return op.transaction


def refused(code: str, call) -> None:
    """``call`` is refused with ``code`` and writes nothing."""
    before = (tx_count(), Operation.objects.count(), list(Claim.objects.values().order_by("pk")))
    with pytest.raises(DomainError) as exc:
        call()
    assert exc.value.code == code, exc.value.message
    after = (tx_count(), Operation.objects.count(), list(Claim.objects.values().order_by("pk")))
    assert after == before


# -- the happy paths ------------------------------------------------------------------------------


def test_an_issue_is_reversed(world, root):
    issued = Operation.objects.get(result_claim=root)
    op = reverse(world, root, D(2024, 3, 2), reason="금액 오기")
    assert (op.kind, op.amount, op.claim_id, op.value_date) == (
        OperationKind.REVERSE,
        500_000,
        root.pk,
        D(2024, 3, 2),
    )
    assert op.details == {"reverses": issued.pk, "reason": "금액 오기"}
    assert posted(op).kind == TxKind.REVERSAL
    assert posted(op).reverses_id == issued.transaction_id
    root.refresh_from_db()
    assert (root.reversed_on, root.reversal_id, root.remaining) == (D(2024, 3, 2), op.pk, 0)
    assert root.is_reversed and root.amount == 500_000
    # The money is back in the buyer's free deposit; nothing is owed.
    assert free_deposit(world) == 1_000_000
    assert owed(world, world.t1) == 0
    assert_invariants()
    # No longer a tree: not counted, not listed, not due, and settling it is refused.
    figures = queries.figures(world.programme)
    assert (figures.outstanding, figures.open_trees) == (0, 0)
    assert queries.tier_summary(world.programme) == []
    assert list(queries.tree_roots(world.programme)) == []
    assert list(services.due_roots(MATURITY)) == []
    assert services.settle_due(as_of=MATURITY) == []
    assert not services.settleable(root)
    refused(
        "claim_reversed",
        lambda: services.claim_settle(
            actor=world.operator, claim=root, value_date=MATURITY, idempotency_key=key()
        ),
    )


def test_a_pass_on_is_reversed_and_the_tree_pays_the_parent(world, root):
    child = split(world, root, world.t2, 200_000, D(2024, 3, 5))
    op = reverse(world, child, D(2024, 3, 6))
    assert posted(op).reverses_id == Operation.objects.get(result_claim=child).transaction_id
    assert (op.company_id, op.counterparty_id) == (world.t1.pk, world.t2.pk)
    root.refresh_from_db()
    child.refresh_from_db()
    assert (root.remaining, root.last_op_date) == (500_000, D(2024, 3, 6))
    assert (child.remaining, child.reversed_on) == (0, D(2024, 3, 6))
    assert (owed(world, world.t1), owed(world, world.t2)) == (500_000, 0)
    assert free_deposit(world) == 500_000
    assert_invariants()
    # The tier summary counts the tree's live node only.
    (row,) = queries.tier_summary(world.programme)
    assert (row.tier, row.nodes, row.amount, row.retained) == (1, 1, 500_000, 500_000)
    # The root may pass on again; at maturity the tree pays its live nodes, the reversed none.
    again = split(world, root, world.t2, 100_000, D(2024, 3, 7))
    # A reversed pass-on still belongs to a live tree: its page offers the settlement.
    assert services.settleable(child) and services.settleable(root)
    settled = services.claim_settle(
        actor=world.operator, claim=root, value_date=MATURITY, idempotency_key=key()
    )
    assert settled.amount == 500_000
    paid = dict(Payout.objects.values_list("claim_id", "amount"))
    assert paid == {root.pk: 400_000, again.pk: 100_000}
    for claim in (root, child, again):
        claim.refresh_from_db()
    assert child.settled_on == MATURITY  # settled with its tree, paid nothing
    assert not any(services.settleable(c) for c in (root, child, again))
    assert (owed(world, world.t1), owed(world, world.t2)) == (0, 0)
    assert_invariants()


def test_a_mistaken_tree_is_unwound_from_its_leaves(world, root):
    child = split(world, root, world.t2, 200_000, D(2024, 3, 5))
    grandchild = split(world, child, world.t3, 50_000, D(2024, 3, 6))
    refused("claim_touched", lambda: reverse(world, root, D(2024, 3, 7)))
    refused("claim_touched", lambda: reverse(world, child, D(2024, 3, 7)))
    reverse(world, grandchild, D(2024, 3, 7))
    reverse(world, child, D(2024, 3, 8))
    assert_invariants()
    reverse(world, root, D(2024, 3, 9))
    assert_invariants()
    assert free_deposit(world) == 1_000_000
    assert [owed(world, c) for c in (world.t1, world.t2, world.t3)] == [0, 0, 0]
    assert Claim.objects.filter(reversed_on__isnull=True).count() == 0


def test_verify_finds_a_tampered_reversal(world, root):
    child = split(world, root, world.t2, 200_000, D(2024, 3, 5))
    op = reverse(world, child, D(2024, 3, 6))
    Operation.objects.filter(pk=op.pk).update(value_date=D(2024, 3, 7))
    Claim.objects.filter(pk=root.pk).update(remaining=300_000)  # as if not given back
    (found,) = run_checks(["payments.claim_trees"])
    assert any("does not mirror" in p for p in found.problems), found.problems
    assert any("amount != children + retained" in p for p in found.problems)


# -- refusals -------------------------------------------------------------------------------------


def test_touched_claims_are_refused(world, root):
    child = split(world, root, world.t2, 200_000, D(2024, 3, 5))
    refused("claim_touched", lambda: reverse(world, root, D(2024, 3, 6)))  # passed on from
    services.claim_cash_out(
        actor=world.operator, claim=child, amount=50_000, value_date=D(2024, 3, 6),
        idempotency_key=key(),
    )  # fmt: skip
    refused("claim_touched", lambda: reverse(world, child, D(2024, 3, 7)))  # cashed out from
    services.claim_settle(
        actor=world.operator, claim=root, value_date=MATURITY, idempotency_key=key()
    )
    child.refresh_from_db()
    assert child.settled_on == MATURITY
    refused("claim_touched", lambda: reverse(world, child, MATURITY))  # settled


def test_a_settled_untouched_claim_is_refused(world, root):
    services.claim_settle(
        actor=world.operator, claim=root, value_date=MATURITY, idempotency_key=key()
    )
    refused("claim_touched", lambda: reverse(world, root, MATURITY))


def test_a_cash_out_is_not_reversible(world, root):
    bank_claim = made(
        services.claim_cash_out(
            actor=world.operator, claim=root, amount=100_000, value_date=D(2024, 3, 6),
            idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    refused("cash_out_not_reversible", lambda: reverse(world, bank_claim, D(2024, 3, 7)))


def test_a_second_reversal_is_refused(world, root):
    reverse(world, root, D(2024, 3, 2))
    refused("already_reversed", lambda: reverse(world, root, D(2024, 3, 3)))


def test_only_the_buyers_operators_may_reverse(world, root, auditor):
    child = split(world, root, world.t2, 200_000, D(2024, 3, 5))
    for user in (world.partner_t1, world.partner_t2, auditor):
        refused("forbidden", lambda user=user: reverse(world, child, D(2024, 3, 6), actor=user))
    manager = factories.make_user(Role.MANAGER)
    reverse(world, child, D(2024, 3, 6), actor=manager)


def test_value_dates(world, root):
    child = split(world, root, world.t2, 200_000, D(2024, 3, 5))
    refused("value_date_before_previous", lambda: reverse(world, child, D(2024, 3, 4)))
    split(world, root, world.t2, 10_000, D(2024, 3, 10))  # the parent's last operation
    refused("value_date_before_previous", lambda: reverse(world, child, D(2024, 3, 9)))
    tomorrow = today_kst() + dt.timedelta(days=1)
    refused("value_date_future", lambda: reverse(world, child, tomorrow))
    reverse(world, child, D(2024, 3, 10))  # the same day as the last operation is fine
    assert_invariants()


# -- idempotency ----------------------------------------------------------------------------------


def test_a_retry_returns_the_same_reversal(world, root):
    child = split(world, root, world.t2, 200_000, D(2024, 3, 5))
    k = key()
    first = reverse(world, child, D(2024, 3, 6), idempotency_key=k)
    before = (tx_count(), Operation.objects.count())
    again = reverse(world, Claim.objects.get(pk=child.pk), D(2024, 3, 6), idempotency_key=k)
    assert again.pk == first.pk
    assert (tx_count(), Operation.objects.count()) == before
    root.refresh_from_db()
    assert root.remaining == 500_000  # given back once
    refused(
        "idempotency_key_reused", lambda: reverse(world, child, D(2024, 3, 7), idempotency_key=k)
    )
    refused("idempotency_key_required", lambda: reverse(world, child, None, idempotency_key=" "))


# -- the API --------------------------------------------------------------------------------------


def post(client, path, body, idem=None):
    headers = dict(client.headers)
    if idem:
        headers["Idempotency-Key"] = idem
    return client.client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_api_reverse(api_as, world, root, auditor):
    child = split(world, root, world.t2, 200_000, D(2024, 3, 5))
    staff = api_as(world.operator)
    url = f"{P}/claims/{child.pk}/reverse"
    before = tx_count()
    r = post(api_as(world.partner_t1), url, {"value_date": "2024-03-06"}, idem="r1")
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    r = post(api_as(world.partner_t3), url, {"value_date": "2024-03-06"}, idem="r1")
    assert r.status_code == 403  # refused before the claim is looked up: nothing leaks
    r = post(api_as(auditor), url, {"value_date": "2024-03-06"}, idem="r1")
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    r = post(staff, url, {"value_date": "2024-03-06"})
    assert (r.status_code, r.json()["code"]) == (400, "idempotency_key_required")
    r = post(staff, f"{P}/claims/{root.pk}/reverse", {"value_date": "2024-03-06"}, idem="r0")
    assert (r.status_code, r.json()["code"]) == (409, "claim_touched")
    assert tx_count() == before

    body = {"value_date": "2024-03-06", "reason": "잘못 넘김"}
    r = post(staff, url, body, idem="r1")
    assert r.status_code == 201, r.content
    op = r.json()
    assert (op["kind"], op["claim_id"], op["amount"]) == ("reverse", child.pk, 200_000)
    assert op["transaction_id"] is not None
    assert post(staff, url, body, idem="r1").json()["id"] == op["id"]
    assert tx_count() == before + 1
    r = post(staff, url, {**body, "reason": "다른 사유"}, idem="r1")
    assert (r.status_code, r.json()["code"]) == (409, "idempotency_key_reused")
    r = post(staff, url, body, idem="r2")
    assert (r.status_code, r.json()["code"]) == (409, "already_reversed")

    detail = staff.get(f"{P}/claims/{child.pk}").json()
    assert (detail["reversed_on"], detail["remaining"]) == ("2024-03-06", 0)
    assert staff.get(f"{P}/claims/{root.pk}").json()["remaining"] == 500_000

    bank_claim = made(
        services.claim_cash_out(
            actor=world.operator, claim=root, amount=100_000, value_date=D(2024, 3, 7),
            idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    r = post(staff, f"{P}/claims/{bank_claim.pk}/reverse", {}, idem="r3")
    assert (r.status_code, r.json()["code"]) == (409, "cash_out_not_reversible")
    r = post(staff, f"{P}/claims/{2**63}/reverse", {}, idem="r4")
    assert 400 <= r.status_code < 500
    r = post(staff, f"{P}/claims/999999/reverse", {}, idem="r4")
    assert r.status_code == 404
    r = post(staff, url, {"value_date": "not a date"}, idem="r5")
    assert 400 <= r.status_code < 500
    assert_invariants()
