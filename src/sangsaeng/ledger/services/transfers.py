"""Transfers: one, many at once, and reversals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, models, transaction

from sangsaeng.accounts.models import User
from sangsaeng.ledger import store
from sangsaeng.ledger.models import Posting, Transaction, TxKind
from sangsaeng.ledger.services.core import (
    MAX_MEMO,
    Legs,
    Prepared,
    TransferSpec,
    apply_postings,
    idempotency_conflict,
    lock_accounts,
    post_one,
    prepare,
    same_content,
    write_chained,
)
from sangsaeng.lib.errors import Conflict, DomainError


def transfer_post(
    *,
    idempotency_key: str,
    postings: Legs,
    occurred_at: dt.datetime | dt.date | None = None,
    memo: str = "",
    actor: User | None = None,
    source: models.Model | None = None,
    kind: str = TxKind.TRANSFER,
    pk: int | None = None,
) -> Transaction:
    """Post a balanced transaction: ``postings`` are (account, signed amount) pairs, debit +,
    credit -, each non-zero, summing to zero, each account once. ``occurred_at`` is the value
    date (default now; a date means 00:00 KST that day). ``source`` is the domain record the
    money movement belongs to (a fund contribution, a claim...), kept as a generic reference.

    ``pk``: an id the caller drew from the transaction table's sequence already (so that its
    own row, written first, could name this transaction).

    Errors: ``too_few_postings``, ``zero_amount``, ``amount_not_integer``, ``amount_too_large``,
    ``duplicate_account``, ``unbalanced``, ``account_not_found``, ``insufficient_funds`` (nothing
    is written), ``idempotency_conflict``.
    """
    spec = prepare(
        key=idempotency_key,
        postings=postings,
        occurred_at=occurred_at,
        memo=memo,
        kind=kind,
        source=source,
    )
    spec.pk = pk
    return post_one(spec, actor)


def transfers_post_many(
    *,
    transfers: Sequence[TransferSpec],
    actor: User | None = None,
    ids: Sequence[int] | None = None,
) -> list[Transaction]:
    """Post many transfers in one database transaction, all or nothing (TigerBeetle's linked
    chain): the accounts are locked once, postings go in with multi-row inserts. Returns the
    transactions in the order given; transfers whose key was already posted with the same
    content return the existing transaction. Any refused transfer refuses the whole batch; the
    error's ``field`` is ``transfers[i]``.

    ``ids``: primary keys the caller drew already (``lib.bulk.allocate(Transaction, n)``), one
    per transfer, in increasing order, so that its own rows can name their transactions and go
    in before them. A transfer already posted returns its existing transaction (another id)."""
    specs = [
        prepare(
            key=t.idempotency_key,
            postings=t.postings,
            occurred_at=t.occurred_at,
            memo=t.memo,
            kind=t.kind,
            source=t.source,
            index=i,
        )
        for i, t in enumerate(transfers)
    ]
    if ids is not None:
        if len(ids) != len(specs) or list(ids) != sorted(set(ids)):
            raise ValueError("ids: one increasing primary key per transfer")
        for spec, pk in zip(specs, ids, strict=True):
            spec.pk = pk
    # The first attempt does not look the keys up: new keys are the common case, and a key
    # already taken makes the insert fail (or an account look overdrawn), which sends us to
    # the next attempt, which looks them up and posts only the new transfers.
    attempts = 3
    for attempt in range(1, attempts + 1):
        try:
            return _post_many(specs, actor, look_up=attempt > 1)
        except IntegrityError as exc:
            # A key is taken (a retried batch, or a concurrent writer): look them up again.
            if attempt == attempts:
                raise Conflict(
                    "ledger_busy", "같은 거래가 동시에 기록되고 있습니다. 다시 시도하세요."
                ) from exc
        except DomainError:
            # Refused (an overdraft, say); if that is because a concurrent writer posted some
            # of these keys meanwhile, look again, else the refusal stands.
            if attempt == attempts or not _known(specs):
                raise
    raise AssertionError("unreachable")


def _known(specs: Sequence[Prepared]) -> dict[str, Transaction]:
    """Transactions already written under the keys of ``specs``, checked for same content."""
    taken = store.existing_keys(list({s.key for s in specs}))
    if not taken:
        return {}
    keys, found = sorted(taken), {}
    for i in range(0, len(keys), 5000):
        for tx in Transaction.objects.filter(idempotency_key__in=keys[i : i + 5000]):
            found[tx.idempotency_key] = tx
    postings: dict[int, list[tuple[int, int]]] = {tx.pk: [] for tx in found.values()}
    ids = list(postings)
    for i in range(0, len(ids), 5000):
        rows = Posting.objects.filter(transaction_id__in=ids[i : i + 5000])
        for tx_id, account, amount in rows.values_list("transaction_id", "account_id", "amount"):
            postings[tx_id].append((account, amount))
    for spec in specs:
        tx = found.get(spec.key)
        if tx is not None and not same_content(tx, spec, postings[tx.pk]):
            raise idempotency_conflict(spec.key, spec.where())
    return found


def _post_many(
    specs: Sequence[Prepared], actor: User | None, *, look_up: bool
) -> list[Transaction]:
    known = _known(specs) if look_up else {}
    first: dict[str, Prepared] = {}
    new: list[Prepared] = []
    for spec in specs:
        if spec.key in known:
            continue
        seen = first.get(spec.key)
        if seen is None:
            first[spec.key] = spec
            new.append(spec)
        elif not _same_spec(seen, spec):
            raise idempotency_conflict(spec.key, spec.where())
    written: dict[str, Transaction] = {}
    if new:
        with transaction.atomic():
            locked = lock_accounts(a for s in new for a, _ in s.postings)
            for spec in new:
                apply_postings(locked, spec)
            written = {tx.idempotency_key: tx for tx in write_chained(new, locked, actor)}
    return [known.get(s.key) or written[s.key] for s in specs]


def _same_spec(a: Prepared, b: Prepared) -> bool:
    return (
        (a.kind, a.memo, a.source_type, a.source_id) == (b.kind, b.memo, b.source_type, b.source_id)
        and (not b.occurred_at_given or a.occurred_at == b.occurred_at)
        and sorted(a.postings) == sorted(b.postings)
    )


# -- reversals ----------------------------------------------------------------------------------


def transaction_reverse(
    *,
    transaction: Transaction,
    actor: User | None = None,
    idempotency_key: str | None = None,
    occurred_at: dt.datetime | dt.date | None = None,
    memo: str | None = None,
) -> Transaction:
    """Post the mirror image of ``transaction`` (every amount negated), linked by ``reverses``.
    A transaction is reversed at most once: asking again with the same key (by default
    ``reverse:<id>``) returns the reversal; with another key it is refused (``already_reversed``).
    The reversal may itself be refused with ``insufficient_funds`` if the money has moved on."""
    original = transaction
    key = idempotency_key or f"reverse:{original.pk}"
    done = _reversal_of(original)
    if done is not None:
        return _reversal_or_refuse(done, key)
    rows = list(original.postings.select_related("account"))
    spec = prepare(
        key=key,
        postings=[(p.account, -p.amount) for p in rows],
        occurred_at=occurred_at,
        memo=memo if memo is not None else f"취소: {original.memo}"[:MAX_MEMO],
        kind=TxKind.REVERSAL,
        source=None,
    )
    spec.source_type, spec.source_id = original.source_type, original.source_id
    spec.reverses = original
    try:
        return post_one(spec, actor)
    except IntegrityError:
        # Reversed concurrently under another key: the one-to-one ``reverses`` refused ours.
        done = _reversal_of(original)
        if done is None:
            raise
        return _reversal_or_refuse(done, key)


def _reversal_of(original: Transaction) -> Transaction | None:
    return Transaction.objects.filter(reverses=original).first()


def _reversal_or_refuse(done: Transaction, key: str) -> Transaction:
    if done.idempotency_key == key:
        return done
    raise Conflict("already_reversed", f"이미 취소된 거래입니다 (취소 거래 #{done.seq}).")
