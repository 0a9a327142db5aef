"""Reads over the ledger: balances (cached and as of a date), account history, lookups.

Amounts are signed (debit +, credit -) unless a name says ``normal``: see ``ledger.models``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Sum

from sangsaeng.ledger.models import Account, PendingStatus, PendingTransfer, Posting, Transaction
from sangsaeng.lib.dates import KST


def _until(at: dt.datetime | dt.date) -> models.Q:
    """Postings with a value date up to ``at``; a bare date includes that whole day (KST)."""
    if isinstance(at, dt.datetime):
        return models.Q(occurred_at__lte=at)
    return models.Q(occurred_at__lt=_start_of(at + dt.timedelta(days=1)))


def _start_of(at: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(at, dt.datetime):
        return at
    return dt.datetime.combine(at, dt.time(0), tzinfo=KST)


def balance(account: Account) -> int:
    """The account's current signed balance, read from the cache (one indexed row)."""
    return Account.objects.values_list("balance", flat=True).get(pk=account.pk)


def balance_as_of(account: Account, at: dt.datetime | dt.date) -> int:
    """The signed balance from postings with value date up to ``at``: one range scan of the
    (account, occurred_at, amount) index."""
    qs = Posting.objects.filter(_until(at), account_id=account.pk)
    return qs.aggregate(total=Sum("amount"))["total"] or 0


def normal_balance_as_of(account: Account, at: dt.datetime | dt.date) -> int:
    return balance_as_of(account, at) * account.sign


def balances_as_of(accounts: Iterable[Account], at: dt.datetime | dt.date) -> dict[int, int]:
    """Signed balances of many accounts as of ``at`` in one grouped query (reports)."""
    ids = [a.pk for a in accounts]
    rows = (
        Posting.objects.filter(_until(at), account_id__in=ids)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    result = dict.fromkeys(ids, 0)
    result.update({row["account_id"]: row["total"] for row in rows})
    return result


@dataclass(frozen=True)
class HistoryRow:
    """One posting of an account's history, with the signed balance after it."""

    transaction_id: int
    seq: int
    occurred_at: dt.datetime
    kind: str
    memo: str
    idempotency_key: str
    amount: int
    balance: int


def account_history(
    account: Account,
    *,
    start: dt.datetime | dt.date | None = None,
    end: dt.datetime | dt.date | None = None,
) -> Iterator[HistoryRow]:
    """The account's postings in value-date order (ties in chain order) with the running
    balance, streamed. With ``start``, the running balance begins from the balance before it."""
    qs = Posting.objects.filter(account_id=account.pk)
    running = 0
    if start is not None:
        since = _start_of(start)
        opening = Posting.objects.filter(account_id=account.pk, occurred_at__lt=since)
        running = opening.aggregate(total=Sum("amount"))["total"] or 0
        qs = qs.filter(occurred_at__gte=since)
    if end is not None:
        qs = qs.filter(_until(end))
    rows = qs.order_by("occurred_at", "transaction__seq").values_list(
        "transaction_id",
        "transaction__seq",
        "occurred_at",
        "transaction__kind",
        "transaction__memo",
        "transaction__idempotency_key",
        "amount",
    )
    for tx_id, seq, occurred_at, kind, memo, key, amount in rows.iterator(chunk_size=2000):
        running += amount
        yield HistoryRow(tx_id, seq, occurred_at, kind, memo, key, amount, running)


def transactions_for(source: models.Model) -> models.QuerySet[Transaction]:
    """The ledger transactions recorded for a domain record (its ``source``)."""
    return Transaction.objects.filter(
        source_type=ContentType.objects.get_for_model(source), source_id=str(source.pk)
    )


def pending_open(account: Account | None = None) -> models.QuerySet[PendingTransfer]:
    qs = PendingTransfer.objects.filter(status=PendingStatus.OPEN)
    if account is not None:
        qs = qs.filter(models.Q(debit_account=account) | models.Q(credit_account=account))
    return qs


def transaction_postings(tx: Transaction) -> list[tuple[Account, int]]:
    """``tx``'s postings as (account, signed amount) pairs, accounts loaded."""
    return [(p.account, p.amount) for p in tx.postings.select_related("account").order_by("id")]
