"""All the money at once: random sequences over win-win payment (deposit, issue, pass on, cash
out, settle, reverse) and the cooperation fund (contribute, allocate, disburse by request and
approval, refund, reverse), with random value dates and idempotent retries.

The two apps' own machines (``payments/tests/test_stateful.py``, ``funds/tests/test_stateful.py``)
keep their models and predictions; this machine drives both in one database, adds the
reversal of claims to the payments model, and checks after every step that

* every registered invariant holds (``sangsaeng verify``'s checks: ledger, payments, funds),
* every ledger account holds what the models say, to the won (balance and reservation),
* money is conserved: the postings sum to zero, each app's accounts sum to zero (no money
  crosses between them), and each app's money in less money out is what it holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.db.models import Q, Sum
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sangsaeng.funds import services as fund_services
from sangsaeng.funds.models import Allocation, Contribution
from sangsaeng.funds.tests.test_stateful import AMOUNTS, PICK, USES, FundMachine
from sangsaeng.ledger.models import Account, Posting
from sangsaeng.payments import book, pricing, services
from sangsaeng.payments.models import Claim
from sangsaeng.payments.tests.conftest import assert_invariants, tx_count
from sangsaeng.payments.tests.test_stateful import LAST_DAY, PRICE, Node, PaymentMachine

pytestmark = pytest.mark.django_db


class MoneyMachine(RuleBasedStateMachine):
    """A payments programme (``self.pay``) and a fund (``self.fund``) side by side, each in the
    savepoint its own machine opens; this machine adds what neither knows."""

    def __init__(self) -> None:
        super().__init__()
        self.pay = PaymentMachine()
        self.fund = FundMachine()
        # What the payments model lacks for reversals and for the bank's accounts.
        self.parent: dict[int, int | None] = {}
        self.amount: dict[int, int] = {}
        self.reversed: set[int] = set()
        self.interest = self.fee = self.advanced = self.recovered = 0
        self.deposited = self.paid_at_maturity = 0
        self.retried: tuple | None = None

    def teardown(self) -> None:
        try:
            self.fund.teardown()  # its end-of-run checks, then its savepoint
        finally:
            self.pay.teardown()

    # -- payments -----------------------------------------------------------------------------

    def _node(self, i: int) -> Node:
        return self.pay.nodes[i % len(self.pay.nodes)]

    def _by_pk(self, pk: int) -> Node:
        return next(n for n in self.pay.nodes if n.pk == pk)

    def _made(self, before: int, parent: int | None) -> None:
        """Note the nodes the last operation added (a batch adds a child and its cash-out)."""
        for node in self.pay.nodes[before:]:
            self.parent[node.pk] = parent
            self.amount[node.pk] = node.remaining
            if node.holder == "bank":
                days = (node.maturity - self.pay.today).days
                quote = pricing.quote(PRICE, amount=node.remaining, days=days)
                self.interest += quote.interest
                self.fee += quote.fee
                self.advanced += quote.advance
            parent = node.pk  # a batch's cash-out is carved from the child just made

    @initialize(amount=st.integers(1_000_000, 50_000_000))
    def first_deposit(self, amount: int) -> None:
        """Money in the escrow from the start, so that most runs issue claims early."""
        self.deposit(amount)

    @rule(days=st.integers(1, 20))
    def advance(self, days: int) -> None:
        self.pay.advance(days)

    @rule(amount=st.integers(1, 50_000_000))
    def deposit(self, amount: int) -> None:
        self.pay.deposit(amount)
        self.deposited += amount

    @rule(pct=st.integers(1, 110), tier1=st.sampled_from(["t1", "t1b"]), term=st.integers(1, 120))
    def issue(self, pct: int, tier1: str, term: int) -> None:
        before = len(self.pay.nodes)
        self.pay.issue(pct, tier1, term)
        self._made(before, None)

    @precondition(lambda self: self.pay.nodes)
    @rule(i=PICK, pick=st.integers(0, 9), pct=st.integers(-1, 110))
    def split(self, i: int, pick: int, pct: int) -> None:
        before, node = len(self.pay.nodes), self._node(i)
        self.pay.split(i, pick, pct)
        self._made(before, node.pk)

    @precondition(lambda self: self.pay.nodes)
    @rule(i=PICK, pct=st.one_of(st.none(), st.integers(-1, 110)))
    def cash_out(self, i: int, pct: int | None) -> None:
        before, node = len(self.pay.nodes), self._node(i)
        self.pay.cash_out(i, pct)
        self._made(before, node.pk)

    @precondition(lambda self: self.pay.nodes)
    @rule(i=PICK, pick=st.integers(0, 9), pct=st.integers(1, 110), part_pct=st.integers(-1, 110))
    def batch(self, i: int, pick: int, pct: int, part_pct: int) -> None:
        before, node = len(self.pay.nodes), self._node(i)
        self.pay.batch(i, pick, pct, part_pct)
        self._made(before, node.pk)

    @precondition(lambda self: self.pay.nodes)
    @rule(i=PICK, jump=st.booleans())
    def settle(self, i: int, jump: bool) -> None:
        """Settle a tree, often on its maturity date (time jumps there first)."""
        node = self._node(i)
        if jump:
            self.pay.today = min(max(self.pay.today, node.maturity), LAST_DAY)
        tree = [n for n in self.pay.nodes if n.root == node.root]
        if node.root in self.reversed:  # a reversed issue is no tree: never settled
            self.pay._run(
                services.claim_settle, {"claim_reversed"}, actor=self.pay.operator,
                claim=Claim.objects.get(pk=node.pk), value_date=self.pay.today,
            )  # fmt: skip
            return
        was_settled = node.settled
        self.pay.settle(i)
        if node.settled and not was_settled:
            self.paid_at_maturity += sum(n.remaining for n in tree)
            self.recovered += sum(n.remaining for n in tree if n.holder == "bank")

    @precondition(lambda self: self.pay.nodes)
    @rule(i=PICK, back=st.sampled_from([0, 0, 0, 1, 5]))
    def reverse(self, i: int, back: int) -> None:
        """Reverse the issue or pass-on that made a claim, on a value date up to a few days
        back (sometimes before its last operation: refused)."""
        node = self._node(i)
        day = self.pay.today - dt.timedelta(days=back)
        parent_pk = self.parent[node.pk]
        parent = self._by_pk(parent_pk) if parent_pk is not None else None
        live_children = [
            pk for pk, up in self.parent.items() if up == node.pk and pk not in self.reversed
        ]
        expected = set()
        if node.pk in self.reversed:
            expected.add("already_reversed")
        if node.holder == "bank":
            expected.add("cash_out_not_reversible")
        if node.settled or live_children or node.remaining != self.amount[node.pk]:
            expected.add("claim_touched")
        if day < node.last_op or (parent is not None and day < parent.last_op):
            expected.add("value_date_before_previous")
        op = self.pay._run(
            services.claim_reverse, expected, actor=self.pay.operator,
            claim=Claim(pk=node.pk), value_date=day,
        )  # fmt: skip
        if op is None:
            return
        assert op.amount == node.remaining
        self.reversed.add(node.pk)
        if parent is None:
            self.pay.free += node.remaining
        else:
            parent.remaining += node.remaining
            parent.last_op = max(parent.last_op, day)
        node.remaining = 0
        node.last_op = day

    @precondition(lambda self: self.pay.last is not None and self.pay.last is not self.retried)
    @rule()
    def retry_payment(self) -> None:
        """The last payments operation sent again (once): the same operation, nothing posted."""
        self.pay.retry_last()
        self.retried = self.pay.last

    # -- the fund -----------------------------------------------------------------------------

    @initialize(amount=AMOUNTS, use=st.none() | USES)
    def first_contribution(self, amount: int, use: int | None) -> None:
        self.fund.contribute(amount, use)

    @rule(amount=AMOUNTS, use=st.none() | USES)
    def contribute(self, amount: int, use: int | None) -> None:
        self.fund.contribute(amount, use)

    @rule(amount=AMOUNTS, to=USES, from_pool=st.booleans())
    def allocate(self, amount: int, to: int, from_pool: bool) -> None:
        self.fund.allocate(amount, to, from_pool)

    @rule(amount=AMOUNTS, use=USES)
    def request(self, amount: int, use: int) -> None:
        self.fund.request(amount, use)

    @precondition(lambda self: self.fund.open)
    @rule(pick=PICK, pay=st.booleans())
    def approve_and_pay(self, pick: int, pay: bool) -> None:
        self.fund.settle(pick, pay)

    @precondition(lambda self: self.fund.paid)
    @rule(pick=PICK, amount=AMOUNTS)
    def partner_refund(self, pick: int, amount: int) -> None:
        self.fund.partner_refund(pick, amount)

    @precondition(lambda self: self.fund.contributions)
    @rule(pick=PICK, amount=AMOUNTS)
    def donor_refund(self, pick: int, amount: int) -> None:
        self.fund.donor_refund(pick, amount)

    @rule(kind=st.sampled_from(["contribution", "allocation", "disbursement", "refund"]), pick=PICK)
    def fund_reverse(self, kind: str, pick: int) -> None:
        self.fund.reverse(kind, pick)

    @precondition(lambda self: self.fund.contributions or self.fund.allocations)
    @rule(pick=PICK, allocation=st.booleans())
    def retry_fund(self, pick: int, allocation: bool) -> None:
        """A contribution or allocation sent again with its key, however late (even after a
        reversal), returns the same record and posts nothing."""
        entries = self.fund.allocations if allocation else self.fund.contributions
        entries = entries or self.fund.contributions or self.fund.allocations
        record = entries[pick % len(entries)].record
        assert isinstance(record, Contribution | Allocation)
        client_key = record.idempotency_key.split(":", 3)[3]  # funds:<action>:<user>:<key>
        before = tx_count()
        again: Contribution | Allocation
        if isinstance(record, Contribution):
            again = fund_services.contribution_create(
                actor=self.fund.operator, fund=self.fund.fund, amount=record.amount,
                contributed_on=record.contributed_on, donor_name=record.donor_name,
                use=record.use, idempotency_key=client_key,
            )  # fmt: skip
        else:
            again = fund_services.allocation_create(
                actor=self.fund.operator, fund=self.fund.fund, use=record.use,
                source_use=record.source_use, amount=record.amount,
                allocated_on=record.allocated_on, idempotency_key=client_key,
            )  # fmt: skip
        event(f"retry_fund: {type(record).__name__}")
        assert again.pk == record.pk
        assert tx_count() == before

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def verify_passes(self) -> None:
        assert_invariants()  # every registered check, the ledger's, payments' and funds'

    @invariant()
    def each_model_agrees(self) -> None:
        self.pay.money_is_conserved()
        self.fund.accounts_match_the_model()
        self.fund.money_is_conserved()
        self.fund.statement_agrees()

    def expected_accounts(self) -> dict[str, tuple[int, int]]:
        """Every account either app opened: (normal balance, reserved), from the models."""
        p, pay = self.pay.programme.pk, self.pay
        owed: dict[int, int] = defaultdict(int)
        bank_owed = 0
        for n in pay.nodes:
            if not n.settled:
                owed[pay.co[n.holder].pk] += n.remaining
                bank_owed += n.remaining if n.holder == "bank" else 0
        expected = {
            book.code(p, "escrow"): (pay.escrow, 0),
            book.code(p, "deposit"): (pay.free, 0),
            book.code(p, "bank.advances"): (bank_owed, 0),
            book.code(p, "bank.cash"): (self.recovered - self.advanced, 0),
            book.code(p, "bank.discount"): (self.interest, 0),
            book.code(p, "bank.fee"): (self.fee, 0),
        }
        for company in pay.co.values():
            expected[book.owed_code(p, company.pk)] = (owed[company.pk], 0)
        fund = self.fund
        money = [(fund.fund.pool_account, fund.pool)]
        for use, restricted, budget in zip(fund.uses, fund.restricted, fund.budget, strict=True):
            money += [(use.restricted_account, restricted), (use.budget_account, budget)]
        for account, m in money:
            expected[account.code] = (m.balance, m.reserved)
        held = [m for _a, m in money]
        cash = (sum(m.balance for m in held), sum(m.reserved for m in held))
        expected[fund.fund.cash_account.code] = cash
        return expected

    @invariant()
    def every_account_as_modelled(self) -> None:
        expected = self.expected_accounts()
        mine = Q(code__startswith=f"pay.{self.pay.programme.pk}.") | Q(
            code__startswith=f"funds.{self.fund.fund.code}."
        )
        actual = {a.code: (a.normal_balance, a.pending) for a in Account.objects.filter(mine)}
        for code in set(expected) | set(actual):
            assert actual.get(code, (0, 0)) == expected[code], code
        others = Account.objects.exclude(mine).exclude(balance=0, pending=0)
        assert not others.exists(), list(others.values_list("code", "balance"))

    @invariant()
    def money_is_conserved(self) -> None:
        assert (Posting.objects.aggregate(total=Sum("amount"))["total"] or 0) == 0
        for prefix in (f"pay.{self.pay.programme.pk}.", f"funds.{self.fund.fund.code}."):
            total = Account.objects.filter(code__startswith=prefix).aggregate(t=Sum("balance"))
            assert (total["t"] or 0) == 0, prefix  # no money crosses between the apps
        # Payments: what the buyer put in, less what maturity paid out, is in the escrow.
        programme = self.pay.programme
        assert programme.escrow_account is not None
        programme.escrow_account.refresh_from_db()
        escrow = programme.escrow_account.normal_balance
        assert escrow == self.deposited - self.paid_at_maturity
        # The fund: money in (contributions, partners' returns) less money out (payments to
        # partners, returns to donors), each unless reversed, is its cash.
        fund = self.fund
        live = [e for e in fund.contributions if not e.reversed]
        flows = sum(e.amount for e in live)
        flows -= sum(e.amount for e in fund.paid if not e.reversed)
        for refund in fund.refunds:
            if not refund.reversed:
                from_partner = refund.origin is not None and bool(refund.origin.legs)
                flows += refund.amount if from_partner else -refund.amount
        cash = Account.objects.get(pk=fund.fund.cash_account_id).normal_balance
        assert cash == flows


def test_payments_and_fund_together() -> None:
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
