"""Writes for win-win payments. Each function is one database transaction, checks who may act,
refuses bad input with a stable code before anything is posted, and is idempotent: it takes an
``idempotency_key``; a retry with the same key and content returns the operation already
recorded (and posts nothing), the same key with different content is refused.

Value dates: every operation has one (default today in KST). It may not be in the future, nor
before the programme opened; on a claim it may not be before the claim's issue date or its
previous operation; pass-on and cash-out must be strictly before maturity, settlement on or
after it.

Locks, always in this order, all taken through ``sangsaeng.locking`` (``lock_programme``,
``lock_claims``, ``lock_tree``): the programme row (deposit, withdrawal, issue) → claim rows in
primary-key order → ledger accounts in primary-key order → the ledger's chain head (the last two
inside ``ledger.services``).
"""

from sangsaeng.payments.services.batch import OpSpec, operations_post_many
from sangsaeng.payments.services.claims import (
    cash_out_quote,
    claim_cash_out,
    claim_get,
    claim_issue,
    claim_settle,
    claim_split,
    due_roots,
    insolvency_declare,
    outstanding_total,
    settle_due,
    settle_one,
    settleable,
)
from sangsaeng.payments.services.common import (
    clean_amount,
    clean_key,
    insolvent_on,
    pricing_of,
    supplies_on,
)
from sangsaeng.payments.services.programmes import (
    escrow_deposit,
    escrow_withdraw,
    pricing_digest,
    programme_open,
    programme_set_pricing,
)
from sangsaeng.payments.services.reversals import claim_reverse, reversible

__all__ = [
    "OpSpec",
    "cash_out_quote",
    "claim_cash_out",
    "claim_get",
    "claim_issue",
    "claim_reverse",
    "claim_settle",
    "claim_split",
    "clean_amount",
    "clean_key",
    "due_roots",
    "escrow_deposit",
    "escrow_withdraw",
    "insolvency_declare",
    "insolvent_on",
    "operations_post_many",
    "outstanding_total",
    "pricing_digest",
    "pricing_of",
    "programme_open",
    "programme_set_pricing",
    "reversible",
    "settle_due",
    "settle_one",
    "settleable",
    "supplies_on",
]
