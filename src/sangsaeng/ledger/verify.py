"""The ledger's own invariant checks, run by ``sangsaeng verify`` (see ``ledger.invariants``).

Each reads in bulk: grouped aggregates over postings, and the hash chain walked in chunks of
transactions by ``seq`` (keyset pagination on its unique index), so memory stays flat and one
million postings take seconds.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from sangsaeng.ledger import chain
from sangsaeng.ledger.invariants import Findings, register_check
from sangsaeng.ledger.models import (
    GENESIS_HASH,
    Account,
    ChainHead,
    PendingStatus,
    PendingTransfer,
    Posting,
    Transaction,
    side_sign,
)

CHAIN_CHUNK = 5000


def _expected_pending() -> dict[int, int]:
    """What open pending transfers reserve on each account: on the debit side of a
    credit-normal account and the credit side of a debit-normal one."""
    open_ = PendingTransfer.objects.filter(status=PendingStatus.OPEN).order_by()
    sides = dict(Account.objects.values_list("id", "normal_side"))
    expected: dict[int, int] = defaultdict(int)
    for column, reserving_side in (("debit_account_id", -1), ("credit_account_id", 1)):
        for account_id, total in open_.values_list(column).annotate(total=Sum("amount")):
            if side_sign(sides[account_id]) == reserving_side:
                expected[account_id] += total
    return expected


def check_accounts(findings: Findings) -> None:
    """Cached balances equal the sums of postings; cached reservations equal the open pending
    transfers; no guarded account is below zero; all balances together sum to zero."""
    sums = dict(Posting.objects.order_by().values_list("account_id").annotate(total=Sum("amount")))
    pending = _expected_pending()
    rows = Account.objects.order_by("pk").values_list(
        "pk", "code", "balance", "pending", "normal_side", "allow_negative"
    )
    count = total = 0
    for pk, code, cached, cached_pending, side, allow_negative in rows.iterator(chunk_size=5000):
        count += 1
        actual = sums.pop(pk, 0)
        total += actual
        if cached != actual:
            findings.fail(f"account {code}: cached balance {cached:,} != postings {actual:,}")
        reserved = pending.get(pk, 0)
        if cached_pending != reserved:
            findings.fail(
                f"account {code}: cached pending {cached_pending:,} != open pending {reserved:,}"
            )
        if not allow_negative and actual * side_sign(side) - reserved < 0:
            findings.fail(
                f"account {code}: available {actual * side_sign(side) - reserved:,} below zero"
            )
    for pk in sums:
        findings.fail(f"postings on a missing account id {pk}")
    if total != 0:
        findings.fail(f"balances sum to {total:,}, not 0: money was created or destroyed")
    findings.figure("accounts", count)
    findings.figure("sum of all balances", total)


def check_transactions(findings: Findings) -> None:
    """Every transaction has two or more non-zero postings summing to zero, dated as it is."""
    stats = Posting.objects.aggregate(
        postings=Count("id"), debits=Sum("amount", filter=Q(amount__gt=0))
    )
    groups = Posting.objects.order_by().values("transaction_id")
    bad = groups.annotate(total=Sum("amount"), n=Count("id")).filter(~Q(total=0) | Q(n__lt=2))
    for row in bad.iterator():
        findings.fail(
            f"transaction id {row['transaction_id']}: {row['n']} postings "
            f"summing to {row['total']:,}"
        )
    has_postings = Exists(Posting.objects.filter(transaction=OuterRef("pk")))
    for seq in Transaction.objects.filter(~has_postings).values_list("seq", flat=True):
        findings.fail(f"transaction #{seq} has no postings")
    zero = Posting.objects.filter(amount=0).count()
    if zero:
        findings.fail(f"{zero} postings of zero")
    misdated = Posting.objects.exclude(occurred_at=F("transaction__occurred_at")).count()
    if misdated:
        findings.fail(f"{misdated} postings dated differently from their transaction")
    findings.figure("transactions", Transaction.objects.count())
    findings.figure("postings", stats["postings"])
    findings.figure("total debits (KRW)", stats["debits"] or 0)


def check_pending(findings: Findings) -> None:
    """Each posted pending transfer's transaction moved exactly its posted amount between its
    two accounts. (Reservations against accounts are checked with the balances.)"""
    moved = Posting.objects.filter(
        transaction_id=OuterRef("posting_transaction_id"),
        account_id=OuterRef("debit_account_id"),
        amount=OuterRef("posted_amount"),
    )
    posted = PendingTransfer.objects.filter(status=PendingStatus.POSTED)
    for key in posted.filter(~Exists(moved)).values_list("idempotency_key", flat=True):
        findings.fail(f"pending transfer {key}: its posting does not match the posted amount")
    counts = dict(PendingTransfer.objects.order_by().values_list("status").annotate(n=Count("id")))
    for status in PendingStatus.values:
        findings.figure(f"pending {status}", counts.get(status, 0))


def check_chain(findings: Findings) -> None:
    """Walk the hash chain in ``seq`` order: positions are 1..n without gaps, each links to
    the hash before it, each hash matches the content, and the chain head is the last one."""
    codes = dict(Account.objects.values_list("pk", "code"))
    prev, last_seq = GENESIS_HASH, 0
    while True:
        chunk = list(
            Transaction.objects.filter(seq__gt=last_seq)
            .order_by("seq")
            .values_list(
                "pk", "seq", "idempotency_key", "kind", "memo", "occurred_at",
                "reverses__idempotency_key", "prev_hash", "hash",
            )[:CHAIN_CHUNK]
        )  # fmt: skip
        if not chunk:
            break
        legs: dict[int, list[tuple[str, int]]] = defaultdict(list)
        ids = [row[0] for row in chunk]
        for tx_id, account_id, amount in Posting.objects.filter(transaction_id__in=ids).values_list(
            "transaction_id", "account_id", "amount"
        ):
            legs[tx_id].append((codes.get(account_id, f"?{account_id}"), amount))
        for pk, seq, key, kind, memo, occurred_at, reverses_key, prev_hash, hash_ in chunk:
            if seq != last_seq + 1:
                findings.fail(f"chain gap: #{last_seq} is followed by #{seq}")
            if prev_hash != prev:
                findings.fail(f"transaction #{seq} ({key}): prev_hash does not link to #{seq - 1}")
            content = chain.canonical(
                idempotency_key=key,
                kind=kind,
                memo=memo,
                occurred_at=occurred_at,
                postings=legs.get(pk, []),
                reverses_key=reverses_key,
            )
            if chain.link(prev_hash, content) != hash_:
                findings.fail(f"transaction #{seq} ({key}): hash does not match its content")
            prev, last_seq = hash_, seq
    head = ChainHead.objects.filter(pk=ChainHead.ROW_ID).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if (head_seq, head_hash) != (last_seq, prev):
        findings.fail(f"chain head says #{head_seq}, the chain ends at #{last_seq}")
    findings.figure("chain length", last_seq)
    findings.figure("chain head", prev[:16])


def register_ledger_checks() -> None:
    register_check("ledger.accounts", check_accounts)
    register_check("ledger.transactions", check_transactions)
    register_check("ledger.pending", check_pending)
    register_check("ledger.chain", check_chain)
