"""Two-phase transfers (TigerBeetle's pending, then post or void)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from sangsaeng.accounts.models import User
from sangsaeng.ledger import store
from sangsaeng.ledger.models import (
    Account,
    PendingStatus,
    PendingTransfer,
    Transaction,
    TxKind,
)
from sangsaeng.ledger.services.core import (
    apply_postings,
    check_amount,
    check_text,
    idempotency_conflict,
    insufficient,
    legs,
    lock_accounts,
    prepare,
    source_ref,
    write_chained,
)
from sangsaeng.lib.errors import Conflict, DomainError
from sangsaeng.locking import lock_ledger_pending


def _reservations(pending: PendingTransfer, locked: dict[int, Account]) -> list[Account]:
    """The accounts whose normal balance the pending transfer will lower: they hold its
    reservation. (The debit lowers a credit-normal account, the credit a debit-normal one.)"""
    debit = locked[pending.debit_account_id]
    credit = locked[pending.credit_account_id]
    return [a for a, amount in ((debit, 1), (credit, -1)) if amount * a.sign < 0]


def pending_create(
    *,
    idempotency_key: str,
    debit: Account,
    credit: Account,
    amount: int,
    memo: str = "",
    actor: User | None = None,
    source: models.Model | None = None,
    kind: str = TxKind.TRANSFER,
    expires_at: dt.datetime | None = None,
) -> PendingTransfer:
    """Reserve ``amount`` for a later transfer from ``credit`` to ``debit``: the side whose
    normal balance it will lower gets ``pending += amount``, so its available balance drops now
    while its balance stays. Idempotent by key like :func:`transfer_post`. Post it with
    :func:`pending_post` or release it with :func:`pending_void`."""
    check_text(idempotency_key, memo, kind, None)
    amount = check_amount(amount, "amount")
    if amount < 0:
        raise DomainError("amount_negative", "예약 금액은 양수여야 합니다.", field="amount")
    if debit.pk == credit.pk:
        raise DomainError("duplicate_account", "차변과 대변 계정이 같습니다.")
    source_type, source_id = source_ref(source)
    pending = PendingTransfer(
        idempotency_key=idempotency_key,
        kind=kind,
        memo=memo,
        debit_account_id=debit.pk,
        credit_account_id=credit.pk,
        amount=amount,
        expires_at=expires_at,
        created_by=actor if actor is not None and actor.pk else None,
        source_type=source_type,
        source_id=source_id,
    )
    try:
        with transaction.atomic():
            locked = lock_accounts([debit.pk, credit.pk])
            for account in _reservations(pending, locked):
                account.pending += amount
                if not account.allow_negative and account.available < 0:
                    raise insufficient(account, "amount")
            store.update_accounts(list(locked.values()))
            pending.save(force_insert=True)
            return pending
    except (IntegrityError, DomainError):
        # Already created under this key (a retry): return it, as transfer_post does.
        found = _existing_pending(pending)
        if found is None:
            raise
        return found


def _existing_pending(wanted: PendingTransfer) -> PendingTransfer | None:
    found = PendingTransfer.objects.filter(idempotency_key=wanted.idempotency_key).first()
    if found is None:
        return None
    fields = (
        "kind",
        "memo",
        "debit_account_id",
        "credit_account_id",
        "amount",
        "source_type_id",
        "source_id",
    )
    if any(getattr(found, f) != getattr(wanted, f) for f in fields):
        raise idempotency_conflict(wanted.idempotency_key)
    return found


def _lock_open(pending: PendingTransfer) -> tuple[dict[int, Account], PendingTransfer]:
    locked = lock_accounts([pending.debit_account_id, pending.credit_account_id])
    return locked, lock_ledger_pending(pending.pk)


def _refuse_resolved(pending: PendingTransfer) -> DomainError:
    if pending.status == PendingStatus.POSTED:
        return Conflict("pending_already_posted", "이미 확정된 예약 이체입니다.")
    return Conflict("pending_already_voided", "이미 취소된 예약 이체입니다.")


def _release(pending: PendingTransfer, locked: dict[int, Account]) -> None:
    for account in _reservations(pending, locked):
        account.pending -= pending.amount


def pending_post(
    *,
    pending: PendingTransfer,
    amount: int | None = None,
    actor: User | None = None,
    idempotency_key: str | None = None,
    occurred_at: dt.datetime | dt.date | None = None,
    memo: str | None = None,
) -> Transaction:
    """Post a pending transfer, in full (``amount=None``) or in part (``0 < amount <= its
    amount``); the whole reservation is released either way. Once only: a second post is
    refused with ``pending_already_posted`` (after a void, ``pending_already_voided``), unless
    it repeats the first post's explicit ``idempotency_key`` and amount, a retried request,
    which returns the same transaction. An expired transfer is refused (``pending_expired``)."""
    key = idempotency_key or f"pending-post:{pending.pk}"
    try:
        with transaction.atomic():
            locked, current = _lock_open(pending)
            if current.status != PendingStatus.OPEN:
                return _repeat_post(current, idempotency_key, amount)
            if current.expires_at is not None and current.expires_at <= timezone.now():
                raise Conflict("pending_expired", "기한이 지난 예약 이체입니다.")
            posted = current.amount if amount is None else check_amount(amount, "amount")
            if not 0 < posted <= current.amount:
                raise DomainError(
                    "pending_amount_invalid",
                    f"확정 금액은 1원 이상 {current.amount:,}원 이하여야 합니다.",
                    field="amount",
                )
            debit, credit = locked[current.debit_account_id], locked[current.credit_account_id]
            spec = prepare(
                key=key,
                postings=legs(debit=debit, credit=credit, amount=posted),
                occurred_at=occurred_at,
                memo=current.memo if memo is None else memo,
                kind=current.kind if current.kind != TxKind.TRANSFER else TxKind.PENDING_POST,
                source=None,
            )
            spec.source_type, spec.source_id = current.source_type, current.source_id
            _release(current, locked)
            apply_postings(locked, spec)
            tx = write_chained([spec], locked, actor)[0]
            _resolve(current, PendingStatus.POSTED, actor, posted_amount=posted, tx=tx)
            _sync(pending, current)
            return tx
    except IntegrityError as exc:
        if Transaction.objects.filter(idempotency_key=key).exists():
            raise idempotency_conflict(key) from exc
        raise


def _repeat_post(
    current: PendingTransfer, idempotency_key: str | None, amount: int | None
) -> Transaction:
    tx = current.posting_transaction
    same_amount = amount is None and current.posted_amount == current.amount
    if (
        tx is not None
        and idempotency_key is not None
        and tx.idempotency_key == idempotency_key
        and (same_amount or amount == current.posted_amount)
    ):
        return tx
    raise _refuse_resolved(current)


def _resolve(
    pending: PendingTransfer,
    status: str,
    actor: User | None,
    *,
    posted_amount: int | None = None,
    tx: Transaction | None = None,
    reason: str = "",
) -> None:
    # Conditional on still being open: even without the row lock, a transfer resolves once.
    changed = PendingTransfer.objects.filter(pk=pending.pk, status=PendingStatus.OPEN).update(
        status=status,
        posted_amount=posted_amount,
        posting_transaction=tx,
        resolved_at=timezone.now(),
        resolved_by=actor if actor is not None and actor.pk else None,
        void_reason=reason[:200],
    )
    if changed != 1:
        raise _refuse_resolved(PendingTransfer.objects.get(pk=pending.pk))
    pending.refresh_from_db()


_RESOLUTION = ("status", "posted_amount", "posting_transaction_id", "resolved_at", "resolved_by_id")


def _sync(callers: PendingTransfer, current: PendingTransfer) -> None:
    """Bring the caller's instance up to date with the resolution just written."""
    for name in (*_RESOLUTION, "void_reason"):
        setattr(callers, name, getattr(current, name))


def pending_void(
    *, pending: PendingTransfer, actor: User | None = None, reason: str = ""
) -> PendingTransfer:
    """Release a pending transfer's reservation without moving money. Once only: a second
    void is refused with ``pending_already_voided`` (after a post, ``pending_already_posted``)."""
    with transaction.atomic():
        locked, current = _lock_open(pending)
        if current.status != PendingStatus.OPEN:
            raise _refuse_resolved(current)
        _release(current, locked)
        store.update_accounts(list(locked.values()))
        _resolve(current, PendingStatus.VOIDED, actor, reason=reason)
    _sync(pending, current)
    return current


def pending_void_expired(*, now: dt.datetime | None = None, actor: User | None = None) -> int:
    """Void every open pending transfer whose ``expires_at`` has passed (a periodic job);
    returns how many. Each is its own transaction; one resolved meanwhile is skipped."""
    now = now or timezone.now()
    due = PendingTransfer.objects.filter(status=PendingStatus.OPEN, expires_at__lte=now)
    count = 0
    for pending in due.order_by("pk").iterator():
        try:
            pending_void(pending=pending, actor=actor, reason="expired")
        except Conflict:
            continue
        count += 1
    return count
