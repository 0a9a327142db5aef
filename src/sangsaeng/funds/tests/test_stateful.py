"""Property-based test of the fund: random sequences of contributions, allocations,
disbursements (requested, paid or rejected), refunds and reversals, checked after every step
against an independent model of where the money must be, against the ledger's and the fund's
invariants (``sangsaeng verify``'s checks) and against the statement."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

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

from sangsaeng.accounts.models import Role
from sangsaeng.funds import services
from sangsaeng.funds.models import Disbursement, Fund, FundUse, UseKind
from sangsaeng.funds.statement import fund_statement
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.ledger.models import Account
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import DomainError
from sangsaeng.testing import factories

AMOUNTS = st.integers(min_value=1, max_value=3_000)
USES = st.integers(min_value=0, max_value=1)
PICK = st.integers(min_value=0, max_value=10**6)
REFUSALS = {"insufficient_balance", "restricted_to_other_use"}
# After every step: the ledger's invariants and the fund's conservation. The record-level
# checks (slower: they join every record to its postings) run once, at the end of each run.
STEP_CHECKS = [
    "ledger.accounts",
    "ledger.transactions",
    "ledger.pending",
    "ledger.chain",
    "funds.conservation",
]
END_CHECKS = ["funds.records", "funds.disbursements"]
_keys = itertools.count(1)


def key() -> str:
    return f"sm-{next(_keys)}"


@dataclass
class Money:
    """What the model expects one account to hold and to have reserved."""

    balance: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.balance - self.reserved


@dataclass
class Entry:
    """A record the machine made, with what the model needs to undo or refund it."""

    record: object
    amount: int
    use: int | None = None  # the use index, for restricted contributions and disbursements
    source: int | None = None  # allocations: the source use (None: the pool)
    legs: dict[str, int] = field(default_factory=dict)  # disbursements: restricted, budget
    restored: dict[str, int] = field(default_factory=dict)  # partner refunds so far, per leg
    refunded: int = 0  # refunds standing against it
    parts: dict[str, int] = field(default_factory=dict)  # refunds: where the money went
    origin: Entry | None = None  # refunds: the contribution or disbursement
    reversed: bool = False


class FundMachine(RuleBasedStateMachine):
    """One fund with two uses; an operator requests and pays, a manager approves."""

    def __init__(self) -> None:
        super().__init__()
        # Each example runs inside a savepoint that teardown rolls back.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.operator = factories.make_user(Role.OPERATOR)
        self.manager = factories.make_user(Role.MANAGER)
        owner = factories.make_company(self.operator, kind="public")
        self.partner = factories.make_company(self.operator)
        self.fund: Fund = services.fund_create(
            actor=self.operator, owner=owner, name="기금", code=f"sm{next(_keys)}"
        )
        self.uses: list[FundUse] = [
            services.use_create(
                actor=self.operator, fund=self.fund, name=name, kind=UseKind.TECH_ESCROW
            )
            for name in ("기술임치", "성과공유")
        ]
        self.day = today_kst()
        self.pool = Money()
        self.restricted = [Money(), Money()]
        self.budget = [Money(), Money()]
        self.contributions: list[Entry] = []
        self.allocations: list[Entry] = []
        self.open: list[Entry] = []  # requested disbursements
        self.paid: list[Entry] = []
        self.refunds: list[Entry] = []

    def teardown(self) -> None:
        try:
            failed = [(f.name, f.problems) for f in run_checks(END_CHECKS) if not f.ok]
            assert not failed, failed
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    @initialize()
    def start(self) -> None:
        assert self.pool.balance == 0

    # -- helpers --------------------------------------------------------------------------------

    def refused(self, exc: DomainError, codes: set[str]) -> None:
        assert exc.code in codes, (exc.code, exc.message)

    def use_money(self, use: int) -> tuple[Money, Money]:
        return self.restricted[use], self.budget[use]

    # -- rules ----------------------------------------------------------------------------------

    @rule(amount=AMOUNTS, use=st.none() | USES)
    def contribute(self, amount: int, use: int | None) -> None:
        record = services.contribution_create(
            actor=self.operator,
            fund=self.fund,
            amount=amount,
            contributed_on=self.day,
            donor_name="기부자",
            use=self.uses[use] if use is not None else None,
            idempotency_key=key(),
        )
        (self.restricted[use] if use is not None else self.pool).balance += amount
        self.contributions.append(Entry(record, amount, use=use))

    @rule(amount=AMOUNTS, to=USES, from_pool=st.booleans())
    def allocate(self, amount: int, to: int, from_pool: bool) -> None:
        source = None if from_pool else 1 - to
        draw = self.pool if source is None else self.budget[source]
        try:
            record = services.allocation_create(
                actor=self.operator,
                fund=self.fund,
                use=self.uses[to],
                source_use=self.uses[source] if source is not None else None,
                amount=amount,
                allocated_on=self.day,
                idempotency_key=key(),
            )
        except DomainError as exc:
            assert draw.available < amount
            self.refused(exc, REFUSALS)
            return
        assert draw.available >= amount
        draw.balance -= amount
        self.budget[to].balance += amount
        self.allocations.append(Entry(record, amount, use=to, source=source))

    @rule(amount=AMOUNTS, use=USES)
    def request(self, amount: int, use: int) -> None:
        restricted, budget = self.use_money(use)
        try:
            record = services.disbursement_request(
                actor=self.operator,
                fund=self.fund,
                use=self.uses[use],
                partner=self.partner,
                amount=amount,
                purpose="지원",
                idempotency_key=key(),
            )
        except DomainError as exc:
            assert restricted.available + budget.available < amount
            self.refused(exc, REFUSALS)
            return
        from_restricted = min(restricted.available, amount)
        legs = {"restricted": from_restricted, "budget": amount - from_restricted}
        restricted.reserved += legs["restricted"]
        budget.reserved += legs["budget"]
        self.open.append(Entry(record, amount, use=use, legs=legs))

    @precondition(lambda self: self.open)
    @rule(pick=PICK, pay=st.booleans())
    def settle(self, pick: int, pay: bool) -> None:
        """Approve and pay a requested disbursement, or reject it."""
        entry = self.open.pop(pick % len(self.open))
        record = entry.record
        assert isinstance(record, Disbursement) and entry.use is not None
        restricted, budget = self.use_money(entry.use)
        restricted.reserved -= entry.legs["restricted"]
        budget.reserved -= entry.legs["budget"]
        if not pay:
            services.disbursement_reject(
                actor=self.manager, disbursement=record, reason="반려", idempotency_key=key()
            )
            return
        services.disbursement_approve(
            actor=self.manager, disbursement=record, idempotency_key=key()
        )
        entry.record = services.disbursement_pay(
            actor=self.operator, disbursement=record, paid_on=self.day, idempotency_key=key()
        )
        restricted.balance -= entry.legs["restricted"]
        budget.balance -= entry.legs["budget"]
        entry.restored = {"restricted": 0, "budget": 0}
        self.paid.append(entry)

    @precondition(lambda self: self.paid)
    @rule(pick=PICK, amount=AMOUNTS)
    def partner_refund(self, pick: int, amount: int) -> None:
        entry = self.paid[pick % len(self.paid)]
        outstanding = entry.amount - entry.refunded
        try:
            record = services.refund_from_partner(
                actor=self.operator,
                disbursement=entry.record,  # type: ignore[arg-type]
                amount=amount,
                refunded_on=self.day,
                idempotency_key=key(),
            )
        except DomainError as exc:
            assert entry.reversed or amount > outstanding, exc.code
            self.refused(exc, {"refund_exceeds_paid", "already_reversed"})
            return
        assert not entry.reversed and amount <= outstanding
        to_budget = min(amount, entry.legs["budget"] - entry.restored["budget"])
        parts = {"budget": to_budget, "restricted": amount - to_budget}
        assert entry.use is not None
        restricted, budget = self.use_money(entry.use)
        budget.balance += parts["budget"]
        restricted.balance += parts["restricted"]
        for leg, part in parts.items():
            entry.restored[leg] += part
        entry.refunded += amount
        self.refunds.append(Entry(record, amount, use=entry.use, parts=parts, origin=entry))

    @precondition(lambda self: self.contributions)
    @rule(pick=PICK, amount=AMOUNTS)
    def donor_refund(self, pick: int, amount: int) -> None:
        entry = self.contributions[pick % len(self.contributions)]
        draw = self.pool if entry.use is None else self.restricted[entry.use]
        try:
            record = services.refund_to_donor(
                actor=self.operator,
                contribution=entry.record,  # type: ignore[arg-type]
                amount=amount,
                refunded_on=self.day,
                idempotency_key=key(),
            )
        except DomainError as exc:
            expected = entry.reversed or amount > entry.amount - entry.refunded
            assert expected or draw.available < amount, exc.code
            codes = {"refund_exceeds_contribution", "already_reversed", "insufficient_balance"}
            self.refused(exc, codes)
            return
        assert not entry.reversed and amount <= entry.amount - entry.refunded
        draw.balance -= amount
        entry.refunded += amount
        parts = {"restricted": amount if entry.use is not None else 0, "budget": 0}
        self.refunds.append(Entry(record, amount, use=entry.use, parts=parts, origin=entry))

    @rule(kind=st.sampled_from(["contribution", "allocation", "disbursement", "refund"]), pick=PICK)
    def reverse(self, kind: str, pick: int) -> None:
        entries = {
            "contribution": self.contributions,
            "allocation": self.allocations,
            "disbursement": self.paid,
            "refund": self.refunds,
        }[kind]
        if not entries:
            return
        entry = entries[pick % len(entries)]
        outflows = self.reversal_outflows(kind, entry)
        expected_ok = (
            not entry.reversed
            and entry.refunded == 0
            and all(money.available >= amount for money, amount in outflows)
        )
        reverse = getattr(services, f"{kind}_reverse")
        try:
            reverse(
                actor=self.operator,
                reason="정정",
                idempotency_key=key(),
                **{kind: entry.record},
            )
        except DomainError as exc:
            assert not expected_ok, (exc.code, exc.message)
            self.refused(exc, {"already_reversed", "refunds_outstanding", "insufficient_balance"})
            return
        assert expected_ok
        entry.reversed = True
        for money, amount in outflows:
            money.balance -= amount
        for money, amount in self.reversal_inflows(kind, entry):
            money.balance += amount
        if kind == "refund" and entry.origin is not None:
            entry.origin.refunded -= entry.amount
            for leg, part in entry.parts.items():
                if entry.origin.restored:
                    entry.origin.restored[leg] -= part

    def reversal_outflows(self, kind: str, e: Entry) -> list[tuple[Money, int]]:
        """The model accounts a reversal of ``e`` takes money from, and how much."""
        if kind == "contribution":
            return [(self.pool if e.use is None else self.restricted[e.use], e.amount)]
        if kind == "allocation":
            assert e.use is not None
            return [(self.budget[e.use], e.amount)]
        if kind == "refund" and e.origin is not None and e.origin.legs:  # from a partner
            assert e.use is not None
            return [
                (self.budget[e.use], e.parts["budget"]),
                (self.restricted[e.use], e.parts["restricted"]),
            ]
        return []

    def reversal_inflows(self, kind: str, e: Entry) -> list[tuple[Money, int]]:
        if kind == "allocation":
            return [(self.pool if e.source is None else self.budget[e.source], e.amount)]
        if kind == "disbursement":
            assert e.use is not None
            return [
                (self.restricted[e.use], e.legs["restricted"]),
                (self.budget[e.use], e.legs["budget"]),
            ]
        if kind == "refund" and e.origin is not None and not e.origin.legs:  # to a donor
            return [(self.pool if e.use is None else self.restricted[e.use], e.amount)]
        return []

    # -- invariants -----------------------------------------------------------------------------

    def actual(self, account_id: int) -> Money:
        account = Account.objects.get(pk=account_id)
        return Money(account.normal_balance, account.pending)

    @invariant()
    def accounts_match_the_model(self) -> None:
        assert self.actual(self.fund.pool_account_id) == self.pool
        for i, use in enumerate(self.uses):
            assert self.actual(use.restricted_account_id) == self.restricted[i]
            assert self.actual(use.budget_account_id) == self.budget[i]

    @invariant()
    def money_is_conserved(self) -> None:
        held = self.pool.balance + sum(m.balance for m in [*self.restricted, *self.budget])
        cash = self.actual(self.fund.cash_account_id)
        assert cash.balance == held
        assert cash.reserved == sum(m.reserved for m in [*self.restricted, *self.budget])
        assert all(m.available >= 0 for m in [self.pool, *self.restricted, *self.budget])

    @invariant()
    def verify_passes(self) -> None:
        failed = [(f.name, f.problems) for f in run_checks(STEP_CHECKS) if not f.ok]
        assert not failed, failed

    @invariant()
    def statement_agrees(self) -> None:
        statement = fund_statement(
            self.fund, self.day - dt.timedelta(days=1), self.day, details=False
        )
        assert statement.balanced
        assert statement.whole.opening == 0
        assert statement.whole.closing == self.actual(self.fund.cash_account_id).balance
        assert statement.pool.closing == self.pool.balance
        restricted = sum(m.balance for m in self.restricted)
        assert statement.restricted.closing == restricted


@pytest.mark.django_db
def test_fund_state_machine() -> None:
    run_state_machine_as_test(
        FundMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
