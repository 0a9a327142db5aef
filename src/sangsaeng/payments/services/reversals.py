"""Reversal: an issue or a pass-on entered by mistake, undone while its claim is untouched.

Untouched: not settled, nothing passed on or cashed out from it (children reversed in turn do
not count, so a mistaken tree is unwound from its leaves up), nothing missing
(``remaining == amount``). The ledger posts the mirror image of the operation's transaction
(``ledger.transaction_reverse``, linked by ``reverses``); for a pass-on the parent gets the
amount back (its ``remaining`` grows), for an issue the buyer's free deposit does. The claim
keeps its history and is marked: ``reversed_on``, ``reversal`` (the ``reverse`` operation),
and retains nothing (``remaining = 0``), so nothing can be carved from it and settlement pays
it nothing.

A cash-out is never reversed: the bank has paid the holder (``cash_out_not_reversible``).

Locks: the claim and, for a pass-on, its parent, in primary-key order (as a pass-on or a
cash-out takes them), then the ledger's.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from sangsaeng.accounts.models import User
from sangsaeng.ledger import services as ledger
from sangsaeng.lib.errors import Conflict, NotFound
from sangsaeng.locking import lock_claims
from sangsaeng.payments.models import Claim, ClaimKind, Operation, OperationKind
from sangsaeng.payments.permissions import require_manage
from sangsaeng.payments.services.common import (
    clean_key,
    fingerprint_of,
    not_before,
    once,
    record,
    replay,
    value_day,
)

MAX_REASON = 200


def claim_reverse(
    *,
    actor: User | None,
    claim: Claim,
    value_date: dt.date | None = None,
    idempotency_key: str,
    reason: str = "",
) -> Operation:
    """Reverse the issue or pass-on that made ``claim`` (the buyer's operators only). Refusals:
    ``cash_out_not_reversible``, ``claim_touched`` (settled, passed on or cashed out from),
    ``already_reversed``, ``value_date_future``, ``value_date_before_previous`` (before the
    claim's or its parent's last operation), ``forbidden``; they post nothing."""
    require_manage(actor)
    key, day = clean_key(idempotency_key), value_day(value_date)
    reason = (reason or "").strip()[:MAX_REASON]
    fp = fingerprint_of("reverse", actor, claim=claim.pk, value_date=value_date, reason=reason)

    def write() -> Operation:
        with transaction.atomic():
            # The parent too (a pass-on gives it back), both in pk order like every writer;
            # a claim's parent never changes, so it is read before the locks.
            parent_ids = list(Claim.objects.filter(pk=claim.pk).values_list("parent_id", flat=True))
            if not parent_ids:
                raise NotFound("not_found", "채권을 찾을 수 없습니다.")
            ids = [claim.pk] if parent_ids[0] is None else [claim.pk, parent_ids[0]]
            locked = {c.pk: c for c in lock_claims(ids, related=True)}
            found = replay(key, fp)
            if found is not None:
                return found
            node = locked[claim.pk]
            parent = locked.get(node.parent_id) if node.parent_id is not None else None
            original = check_reversible(node, parent, day)
            return _reverse(actor, key, fp, node, parent, original, day, reason)

    return once(key, fp, write, look_first=False)


def reversible(claim: Claim) -> bool:
    """Whether ``claim`` may be reversed as it stands (the rules about the claim itself; the
    value date and who asks are checked when it is): for pages, to offer the form or not."""
    try:
        _check_untouched(claim)
    except Conflict:
        return False
    return True


def check_reversible(node: Claim, parent: Claim | None, day: dt.date) -> Operation:
    """The rules of a reversal; returns the operation to reverse."""
    _check_untouched(node)
    message = "기준일이 이 채권의 이전 거래일보다 빠릅니다."
    not_before(day, node.last_op_date, "value_date_before_previous", message)
    if parent is not None:
        not_before(day, parent.last_op_date, "value_date_before_previous", message)
    original = (
        Operation.objects.select_related("transaction")
        .filter(result_claim=node, kind__in=[OperationKind.ISSUE, OperationKind.SPLIT])
        .first()
    )
    if original is None or original.transaction is None:  # never: verify checks it
        raise Conflict("not_posted", "이 채권을 만든 거래가 장부에 없습니다.")
    return original


def _check_untouched(node: Claim) -> None:
    if node.reversed_on is not None:
        raise Conflict(
            "already_reversed", f"이미 {node.reversed_on.isoformat()}에 취소된 채권입니다."
        )
    if node.kind == ClaimKind.CASH_OUT:
        raise Conflict(
            "cash_out_not_reversible",
            "조기현금화는 은행이 이미 지급했으므로 취소할 수 없습니다.",
        )
    if node.settled_on is not None:
        raise Conflict("claim_touched", "이미 만기 결제된 채권은 취소할 수 없습니다.")
    live_children = node.children.filter(reversed_on__isnull=True)
    if node.remaining != node.amount or live_children.exists():
        raise Conflict(
            "claim_touched",
            "이미 넘기거나 현금화한 부분이 있는 채권은 취소할 수 없습니다. "
            "넘긴 채권을 먼저 취소하세요.",
        )


def _reverse(
    actor: User | None,
    key: str,
    fp: str,
    node: Claim,
    parent: Claim | None,
    original: Operation,
    day: dt.date,
    reason: str,
) -> Operation:
    what = "발행" if parent is None else "넘김"
    memo = f"취소: {what} #{node.pk} {node.holder.name} {node.amount:,}원"
    if reason:
        memo += f" ({reason})"
    details = {"reverses": original.pk, "reason": reason} if reason else {"reverses": original.pk}
    op = record(
        programme=node.programme, kind=OperationKind.REVERSE, key=key, fingerprint=fp,
        actor=actor, amount=node.amount, day=day, legs=[], tx_kind="", memo="",
        claim=node, company_id=original.company_id, counterparty_id=original.counterparty_id,
        details=details,
    )  # fmt: skip
    assert original.transaction is not None
    op.transaction = ledger.transaction_reverse(
        transaction=original.transaction,
        actor=actor,
        idempotency_key=f"payments:{key}",
        occurred_at=day,
        memo=memo[:500],
    )
    op.save(update_fields=["transaction"])
    if parent is not None:
        parent.remaining += node.amount
        parent.last_op_date = max(parent.last_op_date, day)
        parent.save(update_fields=["remaining", "last_op_date"])
    node.remaining = 0
    node.last_op_date = day
    node.reversed_on = day
    node.reversal = op
    node.save(update_fields=["remaining", "last_op_date", "reversed_on", "reversal"])
    return op
