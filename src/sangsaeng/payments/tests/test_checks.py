"""``sangsaeng verify`` runs the payments checks, and they catch a tampered tree or ledger."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from sangsaeng.ledger.invariants import registered, run_checks
from sangsaeng.payments import services
from sangsaeng.payments.models import Claim, Payout
from sangsaeng.payments.tests.conftest import D, World, key, made

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(world: World) -> tuple[World, Claim, Claim]:
    services.escrow_deposit(
        actor=world.operator, programme=world.programme, amount=1_000_000,
        value_date=D(2024, 1, 2), idempotency_key=key(),
    )  # fmt: skip
    root = made(
        services.claim_issue(
            actor=world.operator, programme=world.programme, holder=world.t1, amount=500_000,
            maturity=D(2024, 4, 30), value_date=D(2024, 3, 1), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    child = made(
        services.claim_split(
            actor=world.operator, claim=root, to=world.t2, amount=200_000,
            value_date=D(2024, 3, 5), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    services.claim_cash_out(
        actor=world.operator, claim=child, amount=50_000, value_date=D(2024, 3, 6),
        idempotency_key=key(),
    )  # fmt: skip
    return world, root, child


def problems(name: str) -> list[str]:
    (found,) = run_checks([name])
    return found.problems


def test_registered_and_clean(settled):
    assert {"payments.claim_trees", "payments.escrow"} <= set(registered())
    out = io.StringIO()
    call_command("verify", stdout=out, stderr=io.StringIO())
    assert "payments.claim_trees: ok" in out.getvalue()
    assert "payments.escrow: ok" in out.getvalue()


def test_a_tampered_remainder_is_found(settled):
    _world, root, _child = settled
    root.refresh_from_db()
    Claim.objects.filter(pk=root.pk).update(remaining=root.remaining - 1)
    assert any("amount != children + retained" in p for p in problems("payments.claim_trees"))
    assert any("claims retain" in p for p in problems("payments.escrow"))
    with pytest.raises(CommandError):
        call_command("verify", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_second_payout_or_a_half_settled_tree_is_found(settled):
    world, root, child = settled
    services.claim_settle(
        actor=world.operator, claim=root, value_date=D(2024, 4, 30), idempotency_key=key()
    )
    assert problems("payments.claim_trees") == []
    Payout.objects.filter(claim=child).update(amount=1)
    assert any("does not match its claim" in p for p in problems("payments.claim_trees"))
    Claim.objects.filter(pk=child.pk).update(settled_on=None)
    assert any("settled apart from its tree" in p for p in problems("payments.claim_trees"))


def test_a_changed_maturity_is_found(settled):
    _world, _root, child = settled
    Claim.objects.filter(pk=child.pk).update(maturity=D(2024, 5, 30))
    assert any("differs from its parent" in p for p in problems("payments.claim_trees"))
