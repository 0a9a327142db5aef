"""The posting path every ledger write shares: validation, idempotency checks, locking the
accounts and applying postings to them, and the chained insert (through ``ledger.store``)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from sangsaeng.accounts.models import User
from sangsaeng.ledger import chain, store
from sangsaeng.ledger.models import (
    MAX_AMOUNT,
    Account,
    Transaction,
    TxKind,
)
from sangsaeng.lib.dates import KST
from sangsaeng.lib.errors import Conflict, DomainError, NotFound
from sangsaeng.locking import lock_ledger_accounts, lock_ledger_chain

MAX_KEY = 200
MAX_MEMO = 500

Legs = Sequence[tuple[Account, int]]


@dataclass(frozen=True)
class TransferSpec:
    """One transfer for :func:`transfers_post_many`; the fields are those of
    :func:`transfer_post`."""

    idempotency_key: str
    postings: Legs
    occurred_at: dt.datetime | dt.date | None = None
    memo: str = ""
    kind: str = TxKind.TRANSFER
    source: models.Model | None = None


def legs(*, debit: Account, credit: Account, amount: int) -> list[tuple[Account, int]]:
    """The two postings of a simple transfer: ``amount`` from ``credit`` to ``debit``."""
    return [(debit, amount), (credit, -amount)]


# -- validation ---------------------------------------------------------------------------------


@dataclass
class Prepared:
    """A validated transfer, ready to be written."""

    key: str
    postings: list[tuple[int, int]]  # (account id, amount), in the caller's order
    occurred_at: dt.datetime
    occurred_at_given: bool
    memo: str
    kind: str
    source_type: ContentType | None
    source_id: str
    reverses: Transaction | None = None
    index: int | None = None  # place in a batch, for error messages
    codes: dict[int, str] = field(default_factory=dict)
    pk: int | None = None  # the id drawn by the caller (``transfers_post_many(ids=...)``)

    def where(self) -> str | None:
        return None if self.index is None else f"transfers[{self.index}]"

    def content(self) -> bytes:
        return chain.canonical(
            idempotency_key=self.key,
            kind=self.kind,
            memo=self.memo,
            occurred_at=self.occurred_at,
            postings=[(self.codes[a], amount) for a, amount in self.postings],
            reverses_key=self.reverses.idempotency_key if self.reverses else None,
        )


def _value_date(value: dt.datetime | dt.date | None) -> tuple[dt.datetime, bool]:
    """A value date as an aware datetime; a bare date means the start of that day in Korea."""
    if value is None:
        return timezone.now(), False
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(0), tzinfo=KST), True
    if timezone.is_naive(value):
        return timezone.make_aware(value, KST), True
    return value, True


def check_amount(amount: object, where: str | None) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise DomainError("amount_not_integer", "금액은 원 단위 정수여야 합니다.", field=where)
    if amount == 0:
        raise DomainError("zero_amount", "0원 분개는 할 수 없습니다.", field=where)
    if abs(amount) > MAX_AMOUNT:
        raise DomainError("amount_too_large", "금액이 너무 큽니다.", field=where)
    return amount


def check_text(key: str, memo: str, kind: str, where: str | None) -> None:
    if not key or len(key) > MAX_KEY:
        raise DomainError(
            "idempotency_key_invalid", "멱등 키는 1~200자여야 합니다.", field=where or "key"
        )
    if len(memo) > MAX_MEMO:
        raise DomainError("memo_too_long", "적요는 500자 이내여야 합니다.", field=where or "memo")
    if not kind or len(kind) > 50:
        raise DomainError("kind_invalid", "거래 종류는 1~50자여야 합니다.", field=where or "kind")


def _check_postings(postings: Legs, where: str | None) -> list[tuple[int, int]]:
    if len(postings) < 2:
        raise DomainError("too_few_postings", "분개는 두 줄 이상이어야 합니다.", field=where)
    cleaned: list[tuple[int, int]] = []
    for account, amount in postings:
        if account.pk is None:
            raise NotFound("account_not_found", "저장되지 않은 계정입니다.", field=where)
        cleaned.append((account.pk, check_amount(amount, where)))
    if len({a for a, _ in cleaned}) != len(cleaned):
        raise DomainError(
            "duplicate_account", "한 거래에 같은 계정이 두 번 나올 수 없습니다.", field=where
        )
    total = sum(amount for _, amount in cleaned)
    if total != 0:
        raise DomainError(
            "unbalanced", f"차변과 대변의 합이 맞지 않습니다 (차이 {total:+,}원).", field=where
        )
    return cleaned


def source_ref(source: models.Model | None) -> tuple[ContentType | None, str]:
    if source is None:
        return None, ""
    if source.pk is None:
        raise DomainError("source_unsaved", "출처 기록이 저장되지 않았습니다.", field="source")
    return ContentType.objects.get_for_model(source), str(source.pk)


def prepare(
    *,
    key: str,
    postings: Legs,
    occurred_at: dt.datetime | dt.date | None,
    memo: str,
    kind: str,
    source: models.Model | None,
    index: int | None = None,
) -> Prepared:
    where = None if index is None else f"transfers[{index}]"
    check_text(key, memo, kind, where)
    cleaned = _check_postings(postings, where)
    when, given = _value_date(occurred_at)
    source_type, source_id = source_ref(source)
    return Prepared(key, cleaned, when, given, memo, kind, source_type, source_id, index=index)


# -- idempotency --------------------------------------------------------------------------------


def same_content(tx: Transaction, spec: Prepared, postings: Iterable[tuple[int, int]]) -> bool:
    return (
        tx.kind == spec.kind
        and tx.memo == spec.memo
        and (not spec.occurred_at_given or tx.occurred_at == spec.occurred_at)
        and tx.source_type_id == (spec.source_type.pk if spec.source_type else None)
        and tx.source_id == spec.source_id
        and tx.reverses_id == (spec.reverses.pk if spec.reverses else None)
        and sorted(postings) == sorted(spec.postings)
    )


def idempotency_conflict(key: str, where: str | None = None) -> Conflict:
    return Conflict(
        "idempotency_conflict",
        f"멱등 키 {key!r}로 다른 내용의 거래가 이미 기록되어 있습니다.",
        field=where or "idempotency_key",
    )


def find_existing(spec: Prepared) -> Transaction | None:
    """The transaction already written under ``spec.key``, if its content matches."""
    tx = Transaction.objects.filter(idempotency_key=spec.key).first()
    if tx is None:
        return None
    if not same_content(tx, spec, tx.postings.values_list("account_id", "amount")):
        raise idempotency_conflict(spec.key, spec.where())
    return tx


# -- applying postings to locked accounts -------------------------------------------------------


def lock_accounts(account_ids: Iterable[int]) -> dict[int, Account]:
    ids = set(account_ids)
    locked = lock_ledger_accounts(ids)
    if len(locked) != len(ids):
        raise NotFound("account_not_found", "계정을 찾을 수 없습니다.")
    return locked


def insufficient(account: Account, where: str | None) -> DomainError:
    return DomainError(
        "insufficient_funds",
        f"{account.code} 계정의 가용 잔액이 부족합니다 (부족액 {-account.available:,}원).",
        field=where,
    )


def apply_postings(locked: dict[int, Account], spec: Prepared) -> None:
    """Add ``spec``'s postings to the locked accounts in memory, refusing any that would take a
    guarded account's available balance below zero."""
    for account_id, amount in spec.postings:
        account = locked[account_id]
        account.balance += amount
        spec.codes[account_id] = account.code
        if amount * account.sign < 0 and not account.allow_negative and account.available < 0:
            raise insufficient(account, spec.where())


# -- the chained insert (behind the chain-head lock) --------------------------------------------


def write_chained(
    specs: Sequence[Prepared], locked: dict[int, Account], actor: User | None
) -> list[Transaction]:
    """Write the locked accounts' caches and insert the transactions with their postings at the
    end of the hash chain. Everything that can be done before taking the chain lock (checks,
    canonical content) is done first; behind it there is one write and the commit."""
    contents = [spec.content() for spec in specs]
    rows = _rows(specs, actor)
    accounts = list(locked.values())
    if connection.vendor == "postgresql" and len(rows) == 1:
        # One round trip: the statement itself locks the chain head, links and inserts.
        pk = store.insert_linked(accounts=accounts, tx=rows[0], content=contents[0])
        if pk is None:
            raise IntegrityError(f"ledger key taken: {rows[0].idempotency_key}")
        ids = {rows[0].seq: pk}
    else:
        head = lock_ledger_chain()
        seq, prev = head.seq, head.hash
        for row, content in zip(rows, contents, strict=True):
            seq, row.seq, row.prev_hash = seq + 1, seq + 1, prev
            row.hash = prev = chain.link(prev, content)
        ids = store.insert_chained(accounts=accounts, txs=rows, head_pk=head.pk)
    return [_loaded(row, ids[row.seq], spec) for row, spec in zip(rows, specs, strict=True)]


def _rows(specs: Sequence[Prepared], actor: User | None) -> list[store.TxRow]:
    """The rows to insert, not yet placed in the chain (no seq or hashes)."""
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    created_db = adapt(now)
    dates: dict[dt.datetime, object] = {}
    actor_id = actor.pk if actor is not None and actor.pk else None
    rows = []
    for spec in specs:
        occurred_db = dates.get(spec.occurred_at)
        if occurred_db is None:
            occurred_db = dates[spec.occurred_at] = adapt(spec.occurred_at)
        rows.append(
            store.TxRow(
                idempotency_key=spec.key,
                kind=spec.kind,
                memo=spec.memo,
                occurred_at=spec.occurred_at,
                created_at=now,
                created_by_id=actor_id,
                source_type_id=spec.source_type.pk if spec.source_type else None,
                source_id=spec.source_id,
                reverses_id=spec.reverses.pk if spec.reverses else None,
                postings=spec.postings,
                occurred_db=occurred_db,
                created_db=created_db,
                pk=spec.pk,
            )
        )
    return rows


_TX_ATTNAMES = [f.attname for f in Transaction._meta.concrete_fields]


def _loaded(row: store.TxRow, pk: int, spec: Prepared) -> Transaction:
    """The model instance for a row just inserted, as if loaded from the database (so ``save()``
    refuses it), with its ``source_type`` and ``reverses`` attached. Built directly rather than
    through ``Model.__init__``, which costs more than the insert itself in a batch (there are no
    field defaults or ``post_init`` receivers to run for a row read back as it was written)."""
    tx = Transaction.__new__(Transaction)
    tx.__dict__.update({name: getattr(row, name, None) for name in _TX_ATTNAMES})
    tx.id = pk
    tx._state = ModelState()
    tx._state.adding = False
    tx._state.db = DEFAULT_DB_ALIAS
    if spec.source_type is not None:
        Transaction.source_type.field.set_cached_value(tx, spec.source_type)
    if spec.reverses is not None:
        Transaction.reverses.field.set_cached_value(tx, spec.reverses)
    return tx


def post_one(spec: Prepared, actor: User | None) -> Transaction:
    """Post one prepared transfer. No look-up first: the common case is a new key, and a
    repeated one is found on the way out (the unique key refuses the insert, or the repeat
    would have overdrawn an account the first one already drew on)."""
    try:
        with _unit():
            locked = lock_accounts(a for a, _ in spec.postings)
            apply_postings(locked, spec)
            return write_chained([spec], locked, actor)[0]
    except (IntegrityError, DomainError):
        existing = find_existing(spec)
        if existing is None:
            raise
        return existing


def _unit() -> contextlib.AbstractContextManager[object]:
    """The database transaction of one transfer: its own, or, on PostgreSQL inside the caller's
    transaction, the caller's itself, without a savepoint (two round trips fewer). That is safe
    because nothing is written before the one statement that writes everything, and that
    statement refuses a taken key with ``ON CONFLICT DO NOTHING`` instead of an error that would
    abort the caller's transaction (``store.insert_linked``). SQLite keeps the savepoint: it
    costs no round trip there, and its insert does raise on a taken key."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        return contextlib.nullcontext()
    return transaction.atomic()
