"""Writes to the ledger. Every function is one database transaction (or part of the caller's,
see below), takes its locks through ``sangsaeng.locking`` in the fixed order accounts → pending
transfer → chain head, and writes everything or nothing.

The ledger checks money rules only (balance, sign, reservation, idempotency). Who may move
money is the calling app's question (funds, payments): they check permissions, then call here,
usually inside their own ``transaction.atomic()`` so that their record and its money commit
together. A refusal (a ``DomainError``) leaves the caller's transaction usable.

Idempotency: every write that moves money carries an ``idempotency_key``. Posting the same key
again with the same content returns the transaction already written; with different content it
is refused (``idempotency_conflict``). Under concurrency the unique constraint decides the
winner and the loser returns the winner's transaction.

The SQL of the hot path is in ``ledger.store`` (few statements, few round trips).
"""

from sangsaeng.ledger.services.accounts import account_open
from sangsaeng.ledger.services.core import Legs, TransferSpec, legs
from sangsaeng.ledger.services.pending import (
    pending_create,
    pending_post,
    pending_void,
    pending_void_expired,
)
from sangsaeng.ledger.services.transfers import (
    transaction_reverse,
    transfer_post,
    transfers_post_many,
)

__all__ = [
    "Legs",
    "TransferSpec",
    "account_open",
    "legs",
    "pending_create",
    "pending_post",
    "pending_void",
    "pending_void_expired",
    "transaction_reverse",
    "transfer_post",
    "transfers_post_many",
]
