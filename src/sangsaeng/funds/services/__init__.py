"""Writes to the fund. Every function is keyword-only, checks who may act, runs in one database
transaction (locking the fund's ledger accounts first), writes its audit entry, and moves money
only through ``ledger.services``. Retried with the same idempotency key, a write returns what
the first call wrote; with the same key but different content it is refused.
"""

from sangsaeng.funds.services.allocations import allocation_create
from sangsaeng.funds.services.contributions import contribution_create
from sangsaeng.funds.services.disbursements import (
    disbursement_approve,
    disbursement_pay,
    disbursement_reject,
    disbursement_request,
)
from sangsaeng.funds.services.refunds import refund_from_partner, refund_to_donor
from sangsaeng.funds.services.reversals import (
    allocation_reverse,
    contribution_reverse,
    disbursement_reverse,
    refund_reverse,
)
from sangsaeng.funds.services.setup import campaign_create, fund_create, use_create, use_update

__all__ = [
    "allocation_create",
    "allocation_reverse",
    "campaign_create",
    "contribution_create",
    "contribution_reverse",
    "disbursement_approve",
    "disbursement_pay",
    "disbursement_reject",
    "disbursement_request",
    "disbursement_reverse",
    "fund_create",
    "refund_from_partner",
    "refund_reverse",
    "refund_to_donor",
    "use_create",
    "use_update",
]
