"""A model-based test: random sequences of transfers, batches, pending create/post/void,
reversals and retries, checked after every step against a plain Python model of the ledger,
and against every invariant ``sangsaeng verify`` knows."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sangsaeng.ledger import services
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.ledger.models import Account, NormalSide, PendingTransfer, Transaction
from sangsaeng.ledger.services import TransferSpec
from sangsaeng.lib.errors import Conflict, DomainError

# (code, normal side, may go negative). Several guarded accounts of both sides, so refusals
# and reservations happen often; one of each side may go negative, so money can enter.
ACCOUNTS = [
    ("bank", NormalSide.CREDIT, True),
    ("float", NormalSide.DEBIT, True),
    ("cash1", NormalSide.DEBIT, False),
    ("cash2", NormalSide.DEBIT, False),
    ("cash3", NormalSide.DEBIT, False),
    ("budget1", NormalSide.CREDIT, False),
    ("budget2", NormalSide.CREDIT, False),
]
SIGN = {code: 1 if side == NormalSide.DEBIT else -1 for code, side, _ in ACCOUNTS}
GUARDED = {code for code, _, may in ACCOUNTS if not may}
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

codes = st.sampled_from([c for c, _, _ in ACCOUNTS])
amounts = st.integers(min_value=1, max_value=500)


def pair():
    return st.tuples(codes, codes).filter(lambda p: p[0] != p[1])


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs inside a savepoint rolled back at teardown: a fresh ledger.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.keys = itertools.count()
        self.accounts: dict[str, Account] = {}
        self.balance: dict[str, int] = {}
        self.pending: dict[str, int] = {}
        self.posted: list[tuple[str, list[tuple[str, int]]]] = []  # key, postings
        self.retryable: list[tuple[str, list[tuple[str, int]]]] = []  # plain transfers
        self.reversed: dict[str, str] = {}  # original key → reversal key
        self.open: dict[int, tuple[str, str, int]] = {}  # pending pk → debit, credit, amount
        self.closed: dict[int, str] = {}  # pending pk → "posted" | "voided"
        self.clock = itertools.count()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize()
    def open_accounts(self) -> None:
        for code, side, may in ACCOUNTS:
            self.accounts[code] = services.account_open(
                code=code, name=code, purpose="test", normal_side=side, allow_negative=may
            )
            self.balance[code] = self.pending[code] = 0

    # -- the model -----------------------------------------------------------------------------

    def refused(self, postings: list[tuple[str, int]]) -> bool:
        """Whether the ledger must refuse ``postings``: one lowers a guarded account below its
        reservations."""
        for code, amount in postings:
            after = (self.balance[code] + amount) * SIGN[code] - self.pending[code]
            if code in GUARDED and amount * SIGN[code] < 0 and after < 0:
                return True
        return False

    def book(self, key: str, postings: list[tuple[str, int]], *, plain: bool = True) -> None:
        for code, amount in postings:
            self.balance[code] += amount
        self.posted.append((key, postings))
        if plain:  # posted by transfer_post: a retry there must return it
            self.retryable.append((key, postings))

    def legs(self, postings: list[tuple[str, int]]) -> list[tuple[Account, int]]:
        return [(self.accounts[c], a) for c, a in postings]

    def when(self) -> dt.datetime:
        return T0 + dt.timedelta(hours=next(self.clock))

    def reserving(self, debit: str, credit: str) -> list[str]:
        return [c for c, s in ((debit, 1), (credit, -1)) if s * SIGN[c] < 0]

    # -- rules ---------------------------------------------------------------------------------

    @rule(accounts=pair(), amount=amounts)
    def transfer(self, accounts: tuple[str, str], amount: int) -> None:
        debit, credit = accounts
        postings = [(debit, amount), (credit, -amount)]
        key = f"t{next(self.keys)}"
        if self.refused(postings):
            with pytest.raises(DomainError) as err:
                services.transfer_post(idempotency_key=key, postings=self.legs(postings))
            assert err.value.code == "insufficient_funds"
            return
        services.transfer_post(
            idempotency_key=key, postings=self.legs(postings), occurred_at=self.when()
        )
        self.book(key, postings)

    @rule(accounts=st.lists(codes, min_size=3, max_size=3, unique=True), a=amounts, b=amounts)
    def split(self, accounts: list[str], a: int, b: int) -> None:
        x, y, z = accounts
        postings = [(x, a), (y, b), (z, -(a + b))]
        key = f"s{next(self.keys)}"
        if self.refused(postings):
            with pytest.raises(DomainError):
                services.transfer_post(idempotency_key=key, postings=self.legs(postings))
            return
        services.transfer_post(idempotency_key=key, postings=self.legs(postings))
        self.book(key, postings)

    @rule(items=st.lists(st.tuples(pair(), amounts), min_size=1, max_size=4))
    def batch(self, items: list[tuple[tuple[str, str], int]]) -> None:
        planned = [(f"b{next(self.keys)}", [(d, amount), (c, -amount)]) for (d, c), amount in items]
        specs = [TransferSpec(key, self.legs(postings)) for key, postings in planned]
        # All or nothing: refused if any transfer, applied in order, would be refused.
        saved = dict(self.balance)
        refused = False
        for _, postings in planned:
            if self.refused(postings):
                refused = True
                break
            for code, amount in postings:
                self.balance[code] += amount
        self.balance = saved
        if refused:
            with pytest.raises(DomainError):
                services.transfers_post_many(transfers=specs)
            return
        services.transfers_post_many(transfers=specs)
        for key, postings in planned:
            self.book(key, postings)

    @precondition(lambda self: self.retryable)
    @rule(data=st.data(), change=st.booleans())
    def retry(self, data: st.DataObject, change: bool) -> None:
        key, postings = data.draw(st.sampled_from(self.retryable))
        if change:
            (code, amount), rest = postings[0], postings[1:]
            altered = [(code, amount + 1), *rest[:-1], (rest[-1][0], rest[-1][1] - 1)]
            with pytest.raises(Conflict) as err:
                services.transfer_post(idempotency_key=key, postings=self.legs(altered))
            assert err.value.code == "idempotency_conflict"
            return
        tx = services.transfer_post(idempotency_key=key, postings=self.legs(postings))
        assert tx.idempotency_key == key

    @precondition(lambda self: self.posted)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        key, postings = data.draw(st.sampled_from(self.posted))
        tx = Transaction.objects.get(idempotency_key=key)
        if key in self.reversed:
            again = services.transaction_reverse(transaction=tx)
            assert again.idempotency_key == self.reversed[key]
            with pytest.raises(Conflict):
                services.transaction_reverse(transaction=tx, idempotency_key=f"x{key}")
            return
        mirror = [(c, -a) for c, a in postings]
        if self.refused(mirror):
            with pytest.raises(DomainError) as err:
                services.transaction_reverse(transaction=tx)
            assert err.value.code == "insufficient_funds"
            return
        rev = services.transaction_reverse(transaction=tx)
        self.reversed[key] = rev.idempotency_key
        self.book(rev.idempotency_key, mirror, plain=False)

    @rule(accounts=pair(), amount=amounts)
    def reserve(self, accounts: tuple[str, str], amount: int) -> None:
        debit, credit = accounts
        key = f"p{next(self.keys)}"
        holders = self.reserving(debit, credit)
        short = any(
            c in GUARDED and self.balance[c] * SIGN[c] - self.pending[c] - amount < 0
            for c in holders
        )
        args: dict[str, Any] = {
            "idempotency_key": key,
            "debit": self.accounts[debit],
            "credit": self.accounts[credit],
            "amount": amount,
        }
        if short:
            with pytest.raises(DomainError) as err:
                services.pending_create(**args)
            assert err.value.code == "insufficient_funds"
            return
        pending = services.pending_create(**args)
        for c in holders:
            self.pending[c] += amount
        self.open[pending.pk] = (debit, credit, amount)

    def release(self, pk: int) -> tuple[str, str, int]:
        debit, credit, amount = self.open.pop(pk)
        for c in self.reserving(debit, credit):
            self.pending[c] -= amount
        return debit, credit, amount

    @precondition(lambda self: self.open)
    @rule(data=st.data(), fraction=st.sampled_from([None, 1, 2, 3]))
    def post(self, data: st.DataObject, fraction: int | None) -> None:
        pk = data.draw(st.sampled_from(sorted(self.open)))
        amount = self.open[pk][2]
        part = None if fraction is None else max(1, amount * fraction // 3)
        tx = services.pending_post(pending=PendingTransfer.objects.get(pk=pk), amount=part)
        debit, credit, _ = self.release(pk)
        posted = amount if part is None else part
        self.book(tx.idempotency_key, [(debit, posted), (credit, -posted)], plain=False)
        self.closed[pk] = "posted"

    @precondition(lambda self: self.open)
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        pk = data.draw(st.sampled_from(sorted(self.open)))
        services.pending_void(pending=PendingTransfer.objects.get(pk=pk))
        self.release(pk)
        self.closed[pk] = "voided"

    @precondition(lambda self: self.closed)
    @rule(data=st.data(), void=st.booleans())
    def resolve_again(self, data: st.DataObject, void: bool) -> None:
        pk = data.draw(st.sampled_from(sorted(self.closed)))
        pending = PendingTransfer.objects.get(pk=pk)
        with pytest.raises(Conflict) as err:
            if void:
                services.pending_void(pending=pending)
            else:
                services.pending_post(pending=pending)
        assert err.value.code == f"pending_already_{self.closed[pk]}"

    # -- invariants, after every step ----------------------------------------------------------

    @invariant()
    def caches_match_the_model(self) -> None:
        if not self.accounts:
            return
        rows = Account.objects.values_list("code", "balance", "pending")
        assert {c: (b, p) for c, b, p in rows} == {
            c: (self.balance[c], self.pending[c]) for c in self.balance
        }

    @invariant()
    def money_is_conserved(self) -> None:
        assert sum(self.balance.values()) == 0

    @invariant()
    def guarded_accounts_are_covered(self) -> None:
        for code in GUARDED & set(self.balance):
            assert self.balance[code] * SIGN[code] - self.pending[code] >= 0

    @invariant()
    def verify_passes(self) -> None:
        problems = [p for f in run_checks() for p in f.problems]
        assert problems == []


@pytest.mark.django_db
def test_ledger_state_machine() -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
