"""Random sequences of deposit, issue, pass-on, cash-out, settlement and retries.

A plain-Python model predicts each operation's outcome (success, or which refusals are
possible); the services must agree. After every step every registered invariant holds
(ledger and payments) and money is conserved: the model's figures equal the database's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sangsaeng.ledger.models import Account
from sangsaeng.lib.errors import DomainError
from sangsaeng.payments import book, pricing, services
from sangsaeng.payments.models import Claim, Operation
from sangsaeng.payments.tests.conftest import SETTINGS, assert_invariants, key, tx_count
from sangsaeng.testing import factories

pytestmark = pytest.mark.django_db

START = dt.date(2024, 1, 2)
LAST_DAY = dt.date(2025, 12, 31)
PRICE = pricing.clean_pricing(SETTINGS)


@dataclass
class Node:
    pk: int
    holder: str
    remaining: int
    maturity: dt.date
    last_op: dt.date
    root: int
    settled: bool = False


class PaymentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        operator = factories.system_operator()
        c = factories.make_company
        self.co = {
            "buyer": c(operator, kind="large"),
            "bank": c(operator, kind="bank"),
            **{name: c(operator) for name in ("t1", "t1b", "t2a", "t2b", "t3", "t4")},
        }
        # A diamond (t2b supplies both tier-1s) and a long tail down to tier 4.
        self.edges = {
            ("buyer", "t1"), ("buyer", "t1b"), ("t1", "t2a"), ("t1", "t2b"), ("t1b", "t2b"),
            ("t2a", "t3"), ("t2b", "t3"), ("t3", "t4"),
        }  # fmt: skip
        for buyer, supplier in sorted(self.edges):
            factories.link(self.co[buyer], self.co[supplier], start_date="2020-01-01")
        self.operator = operator
        self.programme = services.programme_open(
            actor=operator, buyer=self.co["buyer"], bank=self.co["bank"], name="stateful",
            opened_on=START, settings=SETTINGS, idempotency_key=key(),
        )  # fmt: skip
        self.today = START
        self.free = 0  # buyer's deposit backing no claim
        self.escrow = 0
        self.nodes: list[Node] = []
        self.bank_earned = 0
        self.last: tuple | None = None  # (callable, kwargs, operation pk, tx count after)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # -- helpers ------------------------------------------------------------------------------

    def _name(self, company_id: int) -> str:
        return next(n for n, c in self.co.items() if c.pk == company_id)

    def _run(self, fn, expected: set[str], **kwargs):
        before = tx_count()
        kwargs["idempotency_key"] = key()
        try:
            op = fn(**kwargs)
        except DomainError as exc:
            event(f"{fn.__name__}: {exc.code}")
            assert exc.code in expected, (exc.code, expected, exc.message)
            assert tx_count() == before, "a refused operation posted"
            return None
        event(f"{fn.__name__}: ok")
        assert not expected, f"expected one of {expected}, but it succeeded"
        assert tx_count() == before + 1
        self.last = (fn, kwargs, op.pk, tx_count())
        return op

    def _part(self, whole: int, pct: int) -> int:
        """A share of ``whole``: ``pct`` -1 gives a negative amount, 0 zero, above 100 more
        than there is (so each refusal comes up, but most draws are valid)."""
        return -1 if pct < 0 else whole * pct // 100 if pct <= 100 else whole + pct

    def _recipient(self, holder: str, pick: int) -> str:
        """Usually one of the holder's own suppliers; sometimes anyone (to be refused)."""
        mine = sorted(s for b, s in self.edges if b == holder)
        if mine and pick < 8:
            return mine[pick % len(mine)]
        return ["t1", "t2a", "t2b", "t3", "t4", "bank"][pick % 6]

    # -- rules --------------------------------------------------------------------------------

    @rule(days=st.integers(1, 20))
    def advance(self, days: int) -> None:
        self.today = min(self.today + dt.timedelta(days=days), LAST_DAY)

    @rule(amount=st.integers(1, 50_000_000))
    def deposit(self, amount: int) -> None:
        self._run(
            services.escrow_deposit, set(), actor=self.operator, programme=self.programme,
            amount=amount, value_date=self.today,
        )  # fmt: skip
        self.free += amount
        self.escrow += amount

    @rule(pct=st.integers(1, 110), tier1=st.sampled_from(["t1", "t1b"]),
          term=st.integers(1, 120))  # fmt: skip
    def issue(self, pct: int, tier1: str, term: int) -> None:
        amount = max(1, self._part(self.free, pct))
        maturity = self.today + dt.timedelta(days=term)
        expected = {"escrow_insufficient"} if amount > self.free else set()
        op = self._run(
            services.claim_issue, expected, actor=self.operator, programme=self.programme,
            holder=self.co[tier1], amount=amount, maturity=maturity, value_date=self.today,
        )  # fmt: skip
        if op is not None:
            self.free -= amount
            pk = op.result_claim_id
            self.nodes.append(Node(pk, tier1, amount, maturity, self.today, pk))

    @precondition(lambda self: self.nodes)
    @rule(i=st.integers(0, 10**6), pick=st.integers(0, 9), pct=st.integers(-1, 110))
    def split(self, i: int, pick: int, pct: int) -> None:
        node = self.nodes[i % len(self.nodes)]
        to, amount = self._recipient(node.holder, pick), self._part(node.remaining, pct)
        expected = self._holder_refusals(node, amount)
        if self.today >= node.maturity:
            expected.add("claim_matured")
        if to == node.holder:
            expected.add("split_to_self")
        elif to == "bank":
            expected.add("recipient_not_partner")
        elif (node.holder, to) not in self.edges:
            expected.add("not_your_supplier")
        if amount > node.remaining:
            expected.add("split_exceeds_held")
        claim = Claim(pk=node.pk, holder_id=self.co[node.holder].pk)
        op = self._run(
            services.claim_split, expected, actor=self.operator, claim=claim, to=self.co[to],
            amount=amount, value_date=self.today,
        )  # fmt: skip
        if op is not None:
            node.remaining -= amount
            node.last_op = self.today
            child = Node(op.result_claim_id, to, amount, node.maturity, self.today, node.root)
            self.nodes.append(child)

    @precondition(lambda self: self.nodes)
    @rule(i=st.integers(0, 10**6), pct=st.one_of(st.none(), st.integers(-1, 110)))
    def cash_out(self, i: int, pct: int | None) -> None:
        node = self.nodes[i % len(self.nodes)]
        part = None if pct is None else self._part(node.remaining, pct)
        amount = node.remaining if part is None else part
        expected = self._holder_refusals(node, amount)
        if self.today >= node.maturity:
            expected.add("cash_out_at_maturity")
        if part is None and node.remaining == 0:
            expected.add("nothing_held")
        if amount > node.remaining:
            expected.add("cash_out_exceeds_held")
        claim = Claim(pk=node.pk, holder_id=self.co[node.holder].pk)
        op = self._run(
            services.claim_cash_out, expected, actor=self.operator, claim=claim, amount=part,
            value_date=self.today,
        )  # fmt: skip
        if op is not None:
            quote = pricing.quote(PRICE, amount=amount, days=(node.maturity - self.today).days)
            assert op.cash_out.advance == quote.advance
            self.bank_earned += quote.discount
            node.remaining -= amount
            node.last_op = self.today
            self.nodes.append(
                Node(op.result_claim_id, "bank", amount, node.maturity, self.today, node.root)
            )

    @precondition(lambda self: self.nodes)
    @rule(i=st.integers(0, 10**6), pick=st.integers(0, 9), pct=st.integers(1, 110),
          part_pct=st.integers(-1, 110))  # fmt: skip
    def batch(self, i: int, pick: int, pct: int, part_pct: int) -> None:
        """Pass on and cash the new claim out at once, all or nothing."""
        node = self.nodes[i % len(self.nodes)]
        to = self._recipient(node.holder, pick)
        amount = max(1, self._part(node.remaining, pct))
        part = self._part(amount, part_pct)
        expected = self._holder_refusals(node, amount)
        if self.today >= node.maturity:
            expected |= {"claim_matured", "cash_out_at_maturity"}
        if to == node.holder:
            expected.add("split_to_self")
        elif to == "bank":
            expected.add("recipient_not_partner")
        elif (node.holder, to) not in self.edges:
            expected.add("not_your_supplier")
        if amount > node.remaining:
            expected.add("split_exceeds_held")
        if part <= 0:
            expected.add("amount_not_positive")
        if part > amount:
            expected.add("cash_out_exceeds_held")
        specs = [
            services.OpSpec("split", key(), amount, self.today, claim_id=node.pk,
                            company_id=self.co[to].pk),
            services.OpSpec("cash_out", key(), part, self.today, parent_ref=0),
        ]  # fmt: skip
        before = tx_count()
        try:
            ops = services.operations_post_many(
                actor=self.operator, programme=self.programme, operations=specs
            )
        except DomainError as exc:
            event(f"batch: {exc.code}")
            assert exc.code in expected, (exc.code, expected, exc.message)
            assert tx_count() == before
            return
        event("batch: ok")
        assert not expected, f"expected one of {expected}, but it succeeded"
        assert tx_count() == before + 2
        node.remaining -= amount
        node.last_op = self.today
        child_id, bank_id = ops[0].result_claim_id, ops[1].result_claim_id
        assert child_id is not None and bank_id is not None
        child = Node(child_id, to, amount - part, node.maturity, self.today, node.root)
        quote = pricing.quote(PRICE, amount=part, days=(node.maturity - self.today).days)
        self.bank_earned += quote.discount
        bank = Node(bank_id, "bank", part, node.maturity, self.today, node.root)
        self.nodes += [child, bank]

    def _holder_refusals(self, node: Node, amount: int) -> set[str]:
        expected = set()
        if node.settled:
            expected.add("claim_settled")
        if node.holder == "bank":
            expected.add("bank_claim")
        if amount <= 0:
            expected.add("amount_not_positive")
        return expected

    @precondition(lambda self: self.nodes)
    @rule(i=st.integers(0, 10**6))
    def settle(self, i: int) -> None:
        node = self.nodes[i % len(self.nodes)]
        tree = [n for n in self.nodes if n.root == node.root]
        expected = set()
        if node.settled:
            expected.add("already_settled")
        if self.today < node.maturity:
            expected.add("not_yet_due")
        op = self._run(
            services.claim_settle, expected, actor=self.operator,
            claim=Claim.objects.get(pk=node.pk), value_date=self.today,
        )  # fmt: skip
        if op is not None:
            assert op.amount == sum(n.remaining for n in tree)
            for n in tree:
                n.settled = True
            self.escrow -= op.amount

    @precondition(lambda self: self.last is not None)
    @rule()
    def retry_last(self) -> None:
        """A retried request returns the same operation and posts nothing more."""
        assert self.last is not None
        fn, kwargs, op_pk, _count = self.last
        if fn is services.claim_settle and "claim" in kwargs:
            kwargs = {**kwargs, "claim": Claim.objects.get(pk=kwargs["claim"].pk)}
        before = tx_count()
        assert fn(**kwargs).pk == op_pk
        assert tx_count() == before

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def ledger_and_trees_agree(self) -> None:
        assert_invariants()

    @invariant()
    def money_is_conserved(self) -> None:
        p = self.programme
        balances = {
            a.code: a.normal_balance
            for a in Account.objects.filter(code__startswith=f"pay.{p.pk}.")
        }
        assert balances[book.code(p.pk, "escrow")] == self.escrow
        assert balances[book.code(p.pk, "deposit")] == self.free
        db = dict(Claim.objects.filter(programme=p).values_list("pk", "remaining"))
        assert db == {n.pk: n.remaining for n in self.nodes}
        owed: dict[str, int] = {}
        for n in self.nodes:
            if not n.settled:
                owed[n.holder] = owed.get(n.holder, 0) + n.remaining
        for name, company in self.co.items():
            code = book.owed_code(p.pk, company.pk)
            assert balances.get(code, 0) == owed.get(name, 0), name
        # Everything the escrow received is either still there or was paid to a holder.
        assert self.escrow == self.free + sum(owed.values())
        # The bank's money: what it paid out early, less what maturity returned, is its income.
        bank_paid = -balances[book.code(p.pk, "bank.cash")]
        outstanding = balances[book.code(p.pk, "bank.advances")]
        assert outstanding - bank_paid == self.bank_earned
        assert Operation.objects.filter(programme=p, transaction__isnull=True).count() == 1


PaymentMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_random_sequences(db):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(PaymentMachine, settings=PaymentMachine.TestCase.settings)
