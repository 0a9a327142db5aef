"""Batches: the same rules and results as single operations, all or nothing, idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from sangsaeng.accounts.models import User
from sangsaeng.ledger.models import Account, Transaction
from sangsaeng.lib.errors import DomainError
from sangsaeng.payments import services
from sangsaeng.payments.models import CashOut, Claim
from sangsaeng.payments.services import OpSpec
from sangsaeng.payments.tests.conftest import D, World, assert_invariants, key, made, make_world

pytestmark = pytest.mark.django_db


def funded(operator: User) -> World:
    w = make_world(operator)
    services.escrow_deposit(
        actor=operator, programme=w.programme, amount=50_000_000, value_date=D(2024, 1, 2),
        idempotency_key=key(),
    )  # fmt: skip
    return w


def chain(w: World, prefix: str) -> list[OpSpec]:
    """The worked example's chain: issue, two pass-ons, three cash-outs."""
    return [
        OpSpec("issue", f"{prefix}0", 30_000_000, D(2024, 3, 1), company_id=w.t1.pk,
               maturity=D(2024, 5, 30)),
        OpSpec("split", f"{prefix}1", 12_000_000, D(2024, 3, 4), parent_ref=0, company_id=w.t2.pk),
        OpSpec("split", f"{prefix}2", 5_000_000, D(2024, 3, 8), parent_ref=1, company_id=w.t3.pk),
        OpSpec("cash_out", f"{prefix}3", None, D(2024, 3, 15), parent_ref=2),
        OpSpec("cash_out", f"{prefix}4", 3_000_000, D(2024, 4, 10), parent_ref=1),
        OpSpec("cash_out", f"{prefix}5", 2_000_000, D(2024, 5, 10), parent_ref=0),
    ]  # fmt: skip


def balances(w: World) -> dict[str, int]:
    prefix = f"pay.{w.programme.pk}."
    names = {w.t1.pk: "t1", w.t2.pk: "t2", w.t3.pk: "t3", w.bank.pk: "bank"}
    out = {}
    for a in Account.objects.filter(code__startswith=prefix):
        suffix = a.code.removeprefix(prefix)
        if suffix.startswith("owed."):
            suffix = "owed." + names[int(suffix.split(".")[1])]
        out[suffix] = a.balance
    return out


def test_a_batch_does_what_single_operations_do(operator):
    a, b = funded(operator), funded(operator)
    ops = services.operations_post_many(
        actor=operator, programme=a.programme, operations=chain(a, "a")
    )
    assert [op.kind for op in ops] == [
        "issue",
        "split",
        "split",
        "cash_out",
        "cash_out",
        "cash_out",
    ]
    # The same by single operations.
    specs = chain(b, "b")
    results: list[Any] = []
    for spec in specs:
        node: Any = results[spec.parent_ref] if spec.parent_ref is not None else None
        if spec.kind == "issue":
            assert spec.maturity is not None
            op = services.claim_issue(
                actor=operator, programme=b.programme, holder=b.t1, amount=spec.amount,
                maturity=spec.maturity, value_date=spec.value_date,
                idempotency_key=spec.idempotency_key,
            )  # fmt: skip
        elif spec.kind == "split":
            to = b.t2 if spec.company_id == b.t2.pk else b.t3
            op = services.claim_split(
                actor=operator, claim=node, to=to, amount=spec.amount,
                value_date=spec.value_date, idempotency_key=spec.idempotency_key,
            )  # fmt: skip
        else:
            op = services.claim_cash_out(
                actor=operator, claim=node, amount=spec.amount, value_date=spec.value_date,
                idempotency_key=spec.idempotency_key,
            )  # fmt: skip
        results.append(op.result_claim)
    assert balances(a) == balances(b)
    advances = sorted(
        CashOut.objects.filter(operation__programme=a.programme).values_list("advance", flat=True)
    )
    assert advances == [1_993_644, 2_975_754, 4_938_576]  # the worked example's figures
    assert_invariants()


def test_one_refusal_refuses_the_batch(operator):
    w = funded(operator)
    specs = chain(w, "x")
    specs[4] = OpSpec("cash_out", "x4", 8_000_000, D(2024, 4, 10), parent_ref=1)  # holds 7,000,000
    before = (Transaction.objects.count(), Claim.objects.count())
    with pytest.raises(DomainError) as exc:
        services.operations_post_many(actor=operator, programme=w.programme, operations=specs)
    assert (exc.value.code, exc.value.field) == ("cash_out_exceeds_held", "operations[4].amount")
    assert (Transaction.objects.count(), Claim.objects.count()) == before
    bad = [OpSpec("split", "y0", 1, D(2024, 3, 1), parent_ref=3, company_id=w.t2.pk)]
    with pytest.raises(DomainError) as exc:
        services.operations_post_many(actor=operator, programme=w.programme, operations=bad)
    assert exc.value.code == "parent_ref_invalid"
    with pytest.raises(DomainError) as exc:
        services.operations_post_many(
            actor=w.partner_t1, programme=w.programme, operations=specs[:1]
        )
    assert exc.value.code == "forbidden"


def test_retried_batches_post_once(operator):
    w = funded(operator)
    specs = chain(w, "r")
    first = services.operations_post_many(
        actor=operator, programme=w.programme, operations=specs[:3]
    )
    count = Transaction.objects.count()
    again = services.operations_post_many(
        actor=operator, programme=w.programme, operations=specs[:3]
    )
    assert [o.pk for o in again] == [o.pk for o in first]
    assert Transaction.objects.count() == count
    # The retry may bring new operations that act on claims the first attempt made.
    more = services.operations_post_many(actor=operator, programme=w.programme, operations=specs)
    assert [o.pk for o in more[:3]] == [o.pk for o in first]
    assert Transaction.objects.count() == count + 3
    # A single retry of a batched operation is recognised too.
    root = made(first[0].result_claim)
    split = specs[1]
    op = services.claim_split(
        actor=operator, claim=root, to=w.t2, amount=split.amount, value_date=split.value_date,
        idempotency_key=split.idempotency_key,
    )  # fmt: skip
    assert op.pk == first[1].pk
    assert_invariants()


def test_batch_issues_stay_within_the_escrow(operator):
    w = funded(operator)  # 50,000,000 deposited
    specs = [
        OpSpec("issue", f"e{i}", 20_000_000, D(2024, 3, 1), company_id=w.t1.pk,
               maturity=D(2024, 4, 1))
        for i in range(3)
    ]  # fmt: skip
    with pytest.raises(DomainError) as exc:
        services.operations_post_many(actor=operator, programme=w.programme, operations=specs)
    assert (exc.value.code, exc.value.field) == ("escrow_insufficient", "operations[2].amount")
    services.operations_post_many(actor=operator, programme=w.programme, operations=specs[:2])
    assert_invariants()


def test_a_batch_acts_on_existing_claims(operator):
    """Operations naming existing claims (``claim_id``) write their new ``remaining`` and
    last operation date back."""
    w = funded(operator)
    (first, other) = services.operations_post_many(
        actor=operator, programme=w.programme,
        operations=[
            OpSpec("issue", "p0", 10_000_000, D(2024, 3, 1), company_id=w.t1.pk,
                   maturity=D(2024, 5, 30)),
            OpSpec("issue", "p1", 4_000_000, D(2024, 3, 1), company_id=w.t1.pk,
                   maturity=D(2024, 5, 30)),
        ],
    )  # fmt: skip
    root, second = made(first.result_claim), made(other.result_claim)
    ops = services.operations_post_many(
        actor=operator, programme=w.programme,
        operations=[
            OpSpec("split", "q0", 3_000_000, D(2024, 3, 5), claim_id=root.pk, company_id=w.t2.pk),
            OpSpec("cash_out", "q1", 1_000_000, D(2024, 3, 6), claim_id=root.pk),
            OpSpec("cash_out", "q2", None, D(2024, 3, 7), parent_ref=0),
            OpSpec("split", "q3", 1, D(2024, 3, 7), claim_id=second.pk, company_id=w.t2.pk),
        ],
    )  # fmt: skip
    root.refresh_from_db()
    second.refresh_from_db()
    assert (root.remaining, root.last_op_date) == (6_000_000, D(2024, 3, 6))
    assert (second.remaining, second.last_op_date) == (3_999_999, D(2024, 3, 7))
    assert made(ops[2].result_claim).amount == 3_000_000
    assert CashOut.objects.filter(operation__in=ops).count() == 2
    assert Claim.objects.get(pk=made(ops[0].result_claim).pk).remaining == 0
    assert_invariants()
