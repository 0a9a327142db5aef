"""A buyer, its bank and a chain of partners three tiers deep, with a programme open."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from sangsaeng.accounts.models import Role, User
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.ledger.models import Transaction
from sangsaeng.partners.models import Company
from sangsaeng.payments import services
from sangsaeng.payments.models import Claim, Programme
from sangsaeng.testing import factories

D = dt.date
SETTINGS: dict[str, Any] = {
    "base_rate": "3.50",
    "spread_tiers": [[30, "1.30"], [90, "1.40"], [None, "1.50"]],
    "system_fee": "1.00",
    "day_count": 365,
    "rounding": "floor",
    "max_term_days": 365,
}
_keys = itertools.count(1)


def key() -> str:
    return f"test-key-{next(_keys)}"


@dataclass
class World:
    operator: User
    buyer: Company
    bank: Company
    t1: Company
    t2: Company
    t3: Company
    t1b: Company  # another tier-1
    stranger: Company  # nobody's supplier
    programme: Programme
    partner_t1: User
    partner_t2: User
    partner_t3: User


OPENED = D(2024, 1, 1)


def make_world(operator: User, *, opened_on: dt.date = OPENED) -> World:
    c = factories.make_company
    buyer = c(operator, name="LS산전", kind="large")
    bank = c(operator, name="우리은행", kind="bank")
    t1, t2, t3 = (
        c(operator, name="한길이에스티"),
        c(operator, name="이차정밀"),
        c(operator, name="삼차산업"),
    )
    t1b, stranger = c(operator, name="또다른1차"), c(operator, name="남남상사")
    factories.link(buyer, t1, start_date="2020-01-01")
    factories.link(buyer, t1b, start_date="2020-01-01")
    factories.link(t1, t2, start_date="2020-01-01")
    factories.link(t2, t3, start_date="2020-01-01")
    programme = services.programme_open(
        actor=operator, buyer=buyer, bank=bank, name="LS산전 상생결제", opened_on=opened_on,
        settings=SETTINGS, idempotency_key=key(),
    )  # fmt: skip
    partner = factories.make_user
    return World(
        operator, buyer, bank, t1, t2, t3, t1b, stranger, programme,
        partner(Role.PARTNER, company=t1), partner(Role.PARTNER, company=t2),
        partner(Role.PARTNER, company=t3),
    )  # fmt: skip


@pytest.fixture
def world(operator: User) -> World:
    return make_world(operator)


def assert_invariants() -> None:
    """Every registered check (the ledger's and ours) passes."""
    failed = {f.name: f.problems for f in run_checks() if not f.ok}
    assert not failed, failed


def tx_count() -> int:
    return Transaction.objects.count()


def made(claim: Claim | None) -> Claim:
    """The claim an operation created (it always does when it succeeds)."""
    assert claim is not None
    return claim


def login(user: User) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tree(world: World) -> tuple[World, Claim, Claim]:
    """100,000,000 deposited on 2024-01-02; a 10,000,000 claim issued on 2024-03-01 to t1,
    4,000,000 of it passed on to t2 on 2024-03-05."""
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
    child = made(
        services.claim_split(
            actor=world.operator, claim=root, to=world.t2, amount=4_000_000,
            value_date=D(2024, 3, 5), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    return world, root, child


@pytest.fixture
def seeded(tree: tuple[World, Claim, Claim]) -> dict[str, str]:
    """The ids of ``tree``'s records by name, for the fuzz tests to mix in with random ones."""
    world, root, child = tree
    return {
        "programme": str(world.programme.pk), "claim": str(root.pk), "child": str(child.pk),
        "t1": str(world.t1.pk), "t2": str(world.t2.pk), "t3": str(world.t3.pk),
        "stranger": str(world.stranger.pk),
    }  # fmt: skip
