"""Undoing a record: the ledger posts the mirror image of its transaction(s) (posted
transactions never change). A reversal is refused when the money has moved on (an allocation
whose budget is spent, a contribution already allocated) or when a refund against the record
still stands (reverse the refund first)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from sangsaeng.accounts.audit import snapshot
from sangsaeng.accounts.models import User
from sangsaeng.funds.models import (
    Allocation,
    Contribution,
    Disbursement,
    DisbursementStatus,
    LedgerRecord,
    Refund,
)
from sangsaeng.funds.services._common import (
    audit_change,
    check_history,
    idempotency_conflict,
    ledger_key,
    require_runner,
    translate,
)
from sangsaeng.funds.validation import clean_date, clean_text
from sangsaeng.ledger import services as ledger
from sangsaeng.ledger.models import Account, Transaction
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import Conflict, DomainError
from sangsaeng.lib.money import format_krw
from sangsaeng.locking import lock_fund, lock_record

REVERSAL_FIELDS = ("reversed_at", "reversed_by", "reversal_reason")
M = TypeVar("M", Contribution, Allocation, Refund, Disbursement)


def _already(key_of_first: str | None, key: str) -> bool:
    """Whether an existing reversal is this request again (same ledger key)."""
    if key_of_first == key:
        return True
    raise Conflict("already_reversed", "이미 취소된 기록입니다.")


def _mirror(tx: Transaction, locked: dict[int, Account]) -> list[tuple[Account, int]]:
    return [(locked[p.account_id], -p.amount) for p in tx.postings.all()]


def _check_cover(postings: Sequence[tuple[Account, int]]) -> None:
    """Every account the reversal takes money from must still hold it."""
    for account, amount in postings:
        need = -amount * account.sign
        if need > 0 and account.available < need:
            raise Conflict(
                "insufficient_balance",
                f"{account.name}의 가용 잔액({format_krw(account.available)})이 취소할 금액"
                f"({format_krw(need)})보다 적습니다. 이미 배정·지출된 돈입니다.",
            )


def _reverse(
    *,
    model: type[M],
    record: M,
    actor: User,
    reason: str,
    reversed_on: dt.date | str | None,
    idempotency_key: str,
    source: str,
    original_day: Callable[[M], dt.date],
    transactions: Callable[[M], list[tuple[str, Transaction, Transaction | None]]],
    blockers: Callable[[M], None] = lambda record: None,
) -> M:
    """The shared steps. ``transactions(record)`` gives ``(suffix, transaction, reversal or
    None)`` for each ledger transaction of the record; each is reversed under the key
    ``<key><suffix>``."""
    require_runner(actor)
    key = ledger_key("reverse", actor, idempotency_key)
    reason = clean_text(reason, "reason", max_length=300, required=True)
    with transaction.atomic():
        locked = lock_fund(record.fund)
        current = lock_record(model, record.pk)
        txs = transactions(current)
        if current.reversed_at is not None:
            first = txs[0]
            _already(first[2].idempotency_key if first[2] else None, key + first[0])
            if current.reversal_reason != reason:
                raise idempotency_conflict()
            return current
        day = clean_date(
            reversed_on or today_kst(), "reversed_on", not_before=original_day(current)
        )
        blockers(current)
        reversals = []
        for suffix, tx, _done in txs:
            mirror = _mirror(tx, locked)
            _check_cover(mirror)
            check_history(mirror, day)
            try:
                reversal = ledger.transaction_reverse(
                    transaction=tx,
                    actor=actor,
                    idempotency_key=key + suffix,
                    occurred_at=day,
                    memo=f"취소: {reason}"[:500],
                )
            except DomainError as exc:
                raise translate(exc) from exc
            reversals.append(reversal)
            # Apply to the locked copies, so the next leg's cover check sees this one.
            for account, amount in mirror:
                account.balance += amount
        before = snapshot(current, REVERSAL_FIELDS)
        current.reversed_at = timezone.now()
        current.reversed_by = actor
        current.reversal_reason = reason
        _set_reversals(current, reversals)
        audit_change(actor, current, before, REVERSAL_FIELDS, source)
    return current


def _set_reversals(record: LedgerRecord, reversals: list[Transaction]) -> None:
    if isinstance(record, Disbursement):
        for leg, reversal in zip(record.legs.order_by("id"), reversals, strict=True):
            leg.reversal_transaction = reversal
            leg.save(update_fields=["reversal_transaction"])
        record.save(update_fields=list(REVERSAL_FIELDS))
        return
    record.reversal_transaction = reversals[0]  # type: ignore[attr-defined]
    record.save(update_fields=[*REVERSAL_FIELDS, "reversal_transaction"])


def _single(record: Contribution | Allocation | Refund) -> list:
    if record.transaction is None:
        raise Conflict("not_posted", "장부에 기록되지 않은 건입니다.")
    return [("", record.transaction, record.reversal_transaction)]


def _no_standing_refunds(record: Contribution | Disbursement) -> None:
    if record.refunds.filter(reversed_at__isnull=True).exists():
        raise Conflict(
            "refunds_outstanding", "이 건의 반환 기록이 남아 있습니다. 반환 기록을 먼저 취소하세요."
        )


def contribution_reverse(
    *,
    actor: User,
    contribution: Contribution,
    reason: str,
    idempotency_key: str,
    reversed_on: dt.date | str | None = None,
    source: str = "web",
) -> Contribution:
    """Undo a contribution entered by mistake (while its money is still unallocated)."""
    return _reverse(
        model=Contribution,
        record=contribution,
        actor=actor,
        reason=reason,
        reversed_on=reversed_on,
        idempotency_key=idempotency_key,
        source=source,
        original_day=lambda c: c.contributed_on,
        transactions=_single,
        blockers=_no_standing_refunds,
    )


def allocation_reverse(
    *,
    actor: User,
    allocation: Allocation,
    reason: str,
    idempotency_key: str,
    reversed_on: dt.date | str | None = None,
    source: str = "web",
) -> Allocation:
    """Undo an allocation: its budget goes back where it came from, if still unspent."""
    return _reverse(
        model=Allocation,
        record=allocation,
        actor=actor,
        reason=reason,
        reversed_on=reversed_on,
        idempotency_key=idempotency_key,
        source=source,
        original_day=lambda a: a.allocated_on,
        transactions=_single,
    )


def refund_reverse(
    *,
    actor: User,
    refund: Refund,
    reason: str,
    idempotency_key: str,
    reversed_on: dt.date | str | None = None,
    source: str = "web",
) -> Refund:
    """Undo a refund entry (a partner's return, or a return to a donor)."""
    return _reverse(
        model=Refund,
        record=refund,
        actor=actor,
        reason=reason,
        reversed_on=reversed_on,
        idempotency_key=idempotency_key,
        source=source,
        original_day=lambda r: r.refunded_on,
        transactions=_single,
    )


def _paid_legs(d: Disbursement) -> list:
    if d.status != DisbursementStatus.PAID:
        raise Conflict("not_paid", "지급된 건만 취소할 수 있습니다. 지급 전이면 반려하세요.")
    legs = list(d.legs.select_related("transaction", "reversal_transaction").order_by("id"))
    return [(f":{leg.source}", leg.transaction, leg.reversal_transaction) for leg in legs]


def disbursement_reverse(
    *,
    actor: User,
    disbursement: Disbursement,
    reason: str,
    idempotency_key: str,
    reversed_on: dt.date | str | None = None,
    source: str = "web",
) -> Disbursement:
    """Undo a paid disbursement (entered by mistake): the money goes back to the accounts
    of the use it was drawn on."""
    return _reverse(
        model=Disbursement,
        record=disbursement,
        actor=actor,
        reason=reason,
        reversed_on=reversed_on,
        idempotency_key=idempotency_key,
        source=source,
        original_day=lambda d: d.paid_on or today_kst(),
        transactions=_paid_legs,
        blockers=_no_standing_refunds,
    )
