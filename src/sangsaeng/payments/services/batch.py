"""Many claim operations (issues, pass-ons, cash-outs) in one database transaction, all or
nothing, like the ledger's ``transfers_post_many``: the claims are locked once, every rule is
checked by the same functions as the single operations, in the order given, against the state
the earlier operations of the batch left; then claims, operations, cash-outs and the ledger
transactions go in with multi-row inserts. A refused operation refuses the whole batch; its
error's ``field`` is ``operations[i]``.

An operation may act on a claim made earlier in the same batch (``parent_ref`` = that
operation's index), so a whole chain (issue → pass on → pass on → cash out) fits in one batch.
Idempotency is per operation: keys already recorded with the same content return their
operation and post nothing again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from sangsaeng.accounts.models import User
from sangsaeng.ledger import services as ledger
from sangsaeng.ledger.models import Account, Transaction
from sangsaeng.lib import bulk
from sangsaeng.lib.errors import Conflict, DomainError, PermissionDenied
from sangsaeng.locking import lock_claims, lock_programme
from sangsaeng.partners.models import Company
from sangsaeng.payments import book, pricing
from sangsaeng.payments.models import (
    CashOut,
    Claim,
    ClaimKind,
    Operation,
    OperationKind,
    Programme,
)
from sangsaeng.payments.permissions import (
    can_manage,
    is_partner,
    require_act_for,
    require_manage,
)
from sangsaeng.payments.services import rows
from sangsaeng.payments.services.claims import (
    cash_out_legs,
    cash_out_row,
    check_issue,
    check_split,
    escrow_short,
    quote_for,
)
from sangsaeng.payments.services.common import (
    BatchLookups,
    clean_amount,
    clean_key,
    deposit_floor,
    fingerprint_of,
    load_programme,
    value_day,
)

KINDS = (OperationKind.ISSUE, OperationKind.SPLIT, OperationKind.CASH_OUT)
MAX_BATCH = 5000


@dataclass(frozen=True)
class OpSpec:
    """One operation of a batch. ``claim_id`` (an existing claim) or ``parent_ref`` (the index
    of an earlier operation of this batch, whose new claim is meant) for pass-on and cash-out;
    ``company_id`` is the holder of an issue or the recipient of a pass-on."""

    kind: str
    idempotency_key: str
    amount: Any = None
    value_date: dt.date | None = None
    claim_id: int | None = None
    parent_ref: int | None = None
    company_id: int | None = None
    maturity: dt.date | None = None


@dataclass
class _Step:
    spec: OpSpec
    key: str
    day: dt.date
    node: Claim | None = None  # the claim acted on
    made: Claim | None = None  # the claim made
    amount: int = 0
    quote: pricing.Quote | None = None
    legs: list[tuple[int, int]] = field(default_factory=list)  # (company id | -1 bank, amount)
    op: Operation | None = None
    fingerprint: str = ""


def operations_post_many(
    *, actor: User | None, programme: Programme, operations: list[OpSpec]
) -> list[Operation]:
    """Post ``operations`` in order, all or nothing; returns their operations in order."""
    # Who may act comes first: an auditor's empty batch is refused as forbidden, not as empty.
    if actor is not None and not (can_manage(actor) or is_partner(actor)):
        raise PermissionDenied("forbidden", "상생결제 거래를 처리할 권한이 없습니다.")
    if not 1 <= len(operations) <= MAX_BATCH:
        raise DomainError(
            "batch_size", f"한 번에 1~{MAX_BATCH:,}건을 보낼 수 있습니다.", field="operations"
        )
    for _attempt in range(3):
        try:
            return _post(actor, programme, operations)
        except IntegrityError:
            continue  # a concurrent request took one of the keys after we looked: look again
    raise Conflict("payments_busy", "같은 요청이 동시에 처리되고 있습니다. 다시 시도하세요.")


def _where(i: int, exc: DomainError) -> DomainError:
    exc.field = f"operations[{i}]" + (f".{exc.field}" if exc.field else "")
    return exc


def _post(actor: User | None, programme: Programme, specs: list[OpSpec]) -> list[Operation]:
    steps = [_clean(i, spec, actor) for i, spec in enumerate(specs)]
    known = {op.idempotency_key: op for op in Operation.objects.filter(
        idempotency_key__in=[s.key for s in steps])}  # fmt: skip
    with transaction.atomic():
        prog, locked = _lock(programme, steps, known)
        state = _State(prog, known, locked, steps)
        for i, step in enumerate(steps):
            try:
                state.apply(i, step, actor, steps)
            except DomainError as exc:
                raise _where(i, exc) from None
        state.write(actor, steps)
    return [s.op if s.op is not None else known[s.key] for s in steps]


def _clean(i: int, spec: OpSpec, actor: User | None) -> _Step:
    try:
        if spec.kind not in KINDS:
            raise DomainError("kind_invalid", "issue, split, cash_out 중 하나여야 합니다.")
        step = _Step(spec, clean_key(spec.idempotency_key), value_day(spec.value_date))
        if spec.kind != OperationKind.CASH_OUT or spec.amount is not None:
            step.amount = clean_amount(spec.amount)
        if spec.kind == OperationKind.ISSUE:
            require_manage(actor)
        elif spec.parent_ref is not None and not 0 <= spec.parent_ref < i:
            raise DomainError("parent_ref_invalid", "parent_ref는 앞선 작업의 번호여야 합니다.")
        elif spec.parent_ref is None and spec.claim_id is None:
            raise DomainError("claim_required", "claim_id나 parent_ref가 필요합니다.")
    except DomainError as exc:
        raise _where(i, exc) from None
    return step


def _lock(
    programme: Programme, steps: list[_Step], known: dict[str, Operation]
) -> tuple[Programme, list[Claim]]:
    """Take the locks the single operations take, in the same order: the programme row when
    the batch issues (escrow cover), then every existing claim it touches in pk order."""
    if any(s.spec.kind == OperationKind.ISSUE and s.key not in known for s in steps):
        prog = lock_programme(programme.pk)
    else:
        prog = load_programme(programme.pk)
    ids = [s.spec.claim_id for s in steps if s.spec.claim_id is not None]
    for s in steps:  # claims made by operations of this batch already recorded (a retry)
        ref = s.spec.parent_ref
        done = known.get(steps[ref].key) if ref is not None else None
        if done is not None and done.result_claim_id is not None:
            ids.append(done.result_claim_id)
    return prog, lock_claims(ids)


class _State:
    """The batch's view of the claims as its operations change them, before anything is
    written."""

    def __init__(
        self, prog: Programme, known: dict[str, Operation], locked: list[Claim], steps: list[_Step]
    ) -> None:
        self.prog = prog
        self.known = known
        self.nodes: dict[int, Claim] = {c.pk: c for c in locked if c.programme_id == prog.pk}
        mentioned = {s.spec.company_id for s in steps if s.spec.company_id is not None}
        self.companies: dict[int, Company] = Company.objects.in_bulk(list(mentioned))
        givers = {prog.buyer_id} | set(self.companies) | {c.holder_id for c in locked}
        self.facts = BatchLookups(givers)
        self.floors: dict[dt.date, int] = {}
        self.issued = 0
        self.new: list[Claim] = []
        self.carved: set[int] = set()  # existing claims carved from (to be updated)
        # Every new operation makes one claim, one ledger transaction and, for a cash-out, a
        # cash-out row: their ids up front (one round trip), so each row names the others as
        # it is made and every table's rows go in with one insert.
        fresh = [s for s in steps if s.key not in known]
        cashing = sum(1 for s in fresh if s.spec.kind == OperationKind.CASH_OUT)
        self.ids = bulk.allocate_many(
            {Claim: len(fresh), Operation: len(fresh), Transaction: len(fresh), CashOut: cashing}
        )
        self.claim_ids = iter(self.ids[Claim])

    def company(self, pk: int | None) -> Company:
        if pk is None:
            raise DomainError("company_required", "기업을 지정하세요.", field="company_id")
        if pk not in self.companies:
            found = Company.objects.filter(pk=pk).first()
            if found is None:
                raise DomainError(
                    "company_not_found", "기업을 찾을 수 없습니다.", field="company_id"
                )
            self.companies[pk] = found
        return self.companies[pk]

    def node(self, step: _Step, steps: list[_Step]) -> Claim:
        spec = step.spec
        if spec.parent_ref is not None:
            parent = steps[spec.parent_ref]
            if parent.made is not None:
                return parent.made
            done = self.known.get(parent.key)
            pk = done.result_claim_id if done is not None else None
        else:
            pk = spec.claim_id
        if pk is None:
            raise DomainError("claim_not_found", "채권을 찾을 수 없습니다.", field="claim_id")
        if pk not in self.nodes:
            raise DomainError("claim_not_found", "채권을 찾을 수 없습니다.", field="claim_id")
        return self.nodes[pk]

    def apply(self, i: int, step: _Step, actor: User | None, steps: list[_Step]) -> None:
        kind = step.spec.kind
        if kind == OperationKind.ISSUE:
            self._issue(step, actor)
            return
        step.node = self.node(step, steps)
        require_act_for(actor, step.node.holder_id)
        step.fingerprint = ""  # set once the claim has its pk (it may be new)
        if step.key in self.known:
            return
        if kind == OperationKind.SPLIT:
            to = self.company(step.spec.company_id)
            check_split(self.prog, step.node, to, step.amount, step.day, self.facts)
            step.made = self._carve(step.node, ClaimKind.SPLIT, to.pk, step.amount, step.day)
            step.legs = [(step.node.holder_id, step.amount), (to.pk, -step.amount)]
        else:
            amount = step.amount or None
            quote = quote_for(self.prog, step.node, amount, step.day, self.facts)
            step.quote, step.amount = quote, quote.amount
            bank = self.prog.bank_id
            step.made = self._carve(step.node, ClaimKind.CASH_OUT, bank, quote.amount, step.day)

    def _issue(self, step: _Step, actor: User | None) -> None:
        spec = step.spec
        holder = self.company(spec.company_id)
        if step.key in self.known:
            return
        if not isinstance(spec.maturity, dt.date):
            raise DomainError("maturity_required", "만기일이 필요합니다.", field="maturity")
        check_issue(self.prog, holder, spec.maturity, step.day, self.facts)
        # Conservative cover: the lowest future free deposit from this day, less everything
        # this batch already issued (whatever its date).
        if step.day not in self.floors:
            self.floors[step.day] = deposit_floor(self.prog, step.day)
        free = self.floors[step.day] - self.issued
        if step.amount > free:
            raise escrow_short(max(free, 0))
        self.issued += step.amount
        step.made = self._claim(
            kind=ClaimKind.ISSUE, holder_id=holder.pk, amount=step.amount,
            remaining=step.amount, issue_date=step.day, maturity=spec.maturity, depth=0,
            last_op_date=step.day, parent_id=None, root_id=None,
        )  # fmt: skip
        step.legs = [(-2, step.amount), (holder.pk, -step.amount)]  # -2: the buyer's deposit
        self.new.append(step.made)

    def _carve(self, node: Claim, kind: str, holder_id: int, amount: int, day: dt.date) -> Claim:
        if node.pk is not None:
            self.carved.add(node.pk)
        node.remaining -= amount
        node.last_op_date = day
        child = self._claim(
            parent_id=node.pk, root_id=node.root_id or node.pk, kind=kind, holder_id=holder_id,
            amount=amount, remaining=amount, issue_date=day, maturity=node.maturity,
            depth=node.depth + 1, last_op_date=day,
        )  # fmt: skip
        self.new.append(child)
        return child

    def _claim(self, **values: Any) -> Claim:
        # Built as saved: they are written by ``bulk.insert_instances`` (nobody calls save()).
        values = {"id": next(self.claim_ids), "programme_id": self.prog.pk, **values}
        return bulk.instance(Claim, values, saved=True)

    # -- writing ----------------------------------------------------------------------------------

    def write(self, actor: User | None, steps: list[_Step]) -> None:
        fresh = [s for s in steps if s.key not in self.known]
        for step in steps:
            step.fingerprint = _fingerprint(step, actor, self.prog)
            done = self.known.get(step.key)
            if done is not None and done.fingerprint != step.fingerprint:
                raise Conflict(
                    "idempotency_key_reused",
                    "이 멱등 키로 다른 요청이 이미 처리되었습니다. 새 키를 쓰세요.",
                    field="idempotency_key",
                )
        # Our rows go in before the ledger's, their keys checked as they go in: the ledger
        # holds its chain-head lock from its insert to COMMIT, so the less is left for then,
        # the less other writers wait (see ``bulk.check_keys_now``).
        bulk.check_keys_now([Claim, Operation, CashOut], except_=[(Operation, "transaction")])
        bulk.insert_instances(Claim, self.new)
        rows.update_claims([c for c in self.nodes.values() if c.pk in self.carved])
        if not fresh:
            return
        involved = {c for s in fresh for c, _ in s.legs} | self._cash_out_holders(fresh)
        accounts = self._accounts(involved)
        # Each ledger transaction names its operation as its source, and each operation its
        # transaction.
        tx_ids, op_ids = self.ids[Transaction], self.ids[Operation]
        for step, pk, tx_id in zip(fresh, op_ids, tx_ids, strict=True):
            step.op = self._operation(step, actor, pk, tx_id)
        bulk.insert_instances(Operation, [s.op for s in fresh if s.op is not None])
        quoted = [s for s in fresh if s.quote is not None]
        cash_outs = [
            cash_out_row(s.op, s.node, s.made, s.quote, pk)
            for s, pk in zip(quoted, self.ids[CashOut], strict=True)
            if s.quote is not None and s.op is not None and s.node is not None and s.made
        ]
        bulk.insert_instances(CashOut, cash_outs)
        txs = ledger.transfers_post_many(
            transfers=[self._transfer(s, accounts) for s in fresh], actor=actor, ids=tx_ids
        )
        if [tx.pk for tx in txs] != tx_ids:
            # A ledger key was taken meanwhile (it cannot be, since the operation's key was
            # free): start again, which looks everything up.
            raise IntegrityError("payments: a ledger key was already taken")

    def _cash_out_holders(self, steps: list[_Step]) -> set[int]:
        holders = {s.node.holder_id for s in steps if s.quote is not None and s.node is not None}
        return holders | {self.prog.bank_id} if holders else set()

    def _accounts(self, company_ids: set[int]) -> dict[int, Account]:
        ids = {c for c in company_ids if c >= 0}
        found = book.owed_accounts(self.prog, ids)
        for pk in ids - set(found):
            found[pk] = book.owed_account(self.prog, self.company(pk))
        assert self.prog.deposit_account is not None
        found[-2] = self.prog.deposit_account
        return found

    def _operation(self, step: _Step, actor: User | None, pk: int, tx_id: int) -> Operation:
        made = step.made
        assert made is not None
        node = step.node
        return bulk.instance(
            Operation,
            {
                "id": pk, "programme_id": self.prog.pk, "kind": step.spec.kind,
                "idempotency_key": step.key, "fingerprint": step.fingerprint,
                "amount": step.amount, "value_date": step.day,
                "claim_id": None if node is None else node.pk, "result_claim_id": made.pk,
                "company_id": self.prog.buyer_id if node is None else node.holder_id,
                "counterparty_id": made.holder_id,
                "details": step.quote.as_json() if step.quote else {},
                "actor_id": actor.pk if actor is not None and actor.pk else None,
                "transaction_id": tx_id,
            },
            saved=True,
        )  # fmt: skip

    def _transfer(self, step: _Step, accounts: dict[int, Account]) -> ledger.TransferSpec:
        assert step.op is not None and step.made is not None
        if step.quote is not None and step.node is not None:
            legs = cash_out_legs(
                self.prog, accounts[step.node.holder_id], accounts[self.prog.bank_id], step.quote
            )
            kind, memo = book.KIND_CASH_OUT, f"조기현금화 #{step.node.pk} {step.amount:,}원"
        else:
            legs = [(accounts[c], amount) for c, amount in step.legs]
            kind = book.KIND_ISSUE if step.node is None else book.KIND_SPLIT
            memo = f"{'발행' if step.node is None else '넘김'} #{step.made.pk} {step.amount:,}원"
        return ledger.TransferSpec(
            idempotency_key=f"payments:{step.key}", postings=book.non_zero(legs),
            occurred_at=step.day, memo=memo, kind=kind, source=step.op,
        )  # fmt: skip


def _fingerprint(step: _Step, actor: User | None, prog: Programme) -> str:
    """The same fingerprint the single operation would record, so a batch operation retried
    alone (or a single one retried in a batch) is recognised."""
    spec = step.spec
    if spec.kind == OperationKind.ISSUE:
        return fingerprint_of(
            "issue", actor, programme=prog.pk, holder=spec.company_id, amount=step.amount,
            maturity=spec.maturity, value_date=spec.value_date, memo="",
        )  # fmt: skip
    claim_pk = step.node.pk if step.node is not None else None
    if spec.kind == OperationKind.SPLIT:
        return fingerprint_of(
            "split", actor, claim=claim_pk, to=spec.company_id, amount=step.amount,
            value_date=spec.value_date,
        )  # fmt: skip
    return fingerprint_of(
        "cash_out", actor, claim=claim_pk, amount=spec.amount, value_date=spec.value_date,
        expected_advance=None,
    )  # fmt: skip
