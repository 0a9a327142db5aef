"""Money back: a partner returning (part of) a payment, the fund returning a donation.

A partner's refund goes back to the accounts its disbursement drew on, last drawn first back:
the budget part, then the restricted part. Since disbursements spend restricted donations
first, this keeps a donation counted as spent for as long as any of the payment stands, and
never turns restricted money into budget (or the reverse).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum

from sangsaeng.accounts.models import User
from sangsaeng.funds.models import (
    KIND_DONOR_REFUND,
    KIND_REFUND,
    Contribution,
    Disbursement,
    DisbursementStatus,
    LegSource,
    Refund,
    RefundKind,
)
from sangsaeng.funds.services._common import (
    audit_create,
    insufficient,
    ledger_key,
    post,
    replay,
    require_runner,
)
from sangsaeng.funds.validation import clean_amount, clean_date, clean_text, raise_if
from sangsaeng.ledger.models import Account
from sangsaeng.lib.errors import Conflict
from sangsaeng.lib.money import format_krw
from sangsaeng.locking import lock_contribution, lock_disbursement, lock_fund
from sangsaeng.partners.validation import FieldError

REFUND_FIELDS = (
    "fund",
    "kind",
    "disbursement",
    "contribution",
    "use",
    "refunded_on",
    "amount",
    "restricted_part",
    "budget_part",
    "memo",
    "idempotency_key",
)


def _clean(amount: int, refunded_on: dt.date | str, memo: str, not_before: dt.date) -> tuple:
    errors: list[FieldError] = []
    values: list = []
    for check in (
        lambda: clean_amount(amount),
        lambda: clean_date(refunded_on, "refunded_on", not_before=not_before),
        lambda: clean_text(memo, "memo", max_length=300),
    ):
        try:
            values.append(check())
        except FieldError as exc:
            errors.append(exc)
            values.append(None)
    raise_if(errors)
    return tuple(values)


def _standing(refunds: QuerySet[Refund]) -> dict[str, int]:
    """Totals of the refunds not reversed: ``amount``, ``restricted``, ``budget``."""
    totals = refunds.filter(reversed_at__isnull=True).aggregate(
        amount=Sum("amount"), restricted=Sum("restricted_part"), budget=Sum("budget_part")
    )
    return {k: v or 0 for k, v in totals.items()}


def _save(refund: Refund, key: str, same: Callable[[Refund], bool]) -> Refund | None:
    """Insert the refund; on a concurrent insert under the same key return that one."""
    try:
        with transaction.atomic():
            refund.save()
    except IntegrityError:
        found = replay(Refund, key, same)
        if found is None:
            raise
        return found
    return None


def refund_from_partner(
    *,
    actor: User,
    disbursement: Disbursement,
    amount: int,
    refunded_on: dt.date | str,
    idempotency_key: str,
    memo: str = "",
    source: str = "web",
) -> Refund:
    """Record money a partner returned from a paid disbursement, back into its use."""
    require_runner(actor)
    key = ledger_key("refund", actor, idempotency_key)
    if disbursement.status != DisbursementStatus.PAID or disbursement.paid_on is None:
        raise Conflict(
            "not_paid", "지급되지 않은 건은 반환받을 수 없습니다.", field="disbursement_id"
        )
    amount, day, memo = _clean(amount, refunded_on, memo, disbursement.paid_on)
    wanted = (disbursement.pk, amount, day, memo)

    def same(r: Refund) -> bool:
        return (r.disbursement_id, r.amount, r.refunded_on, r.memo) == wanted

    fund = disbursement.fund
    with transaction.atomic():
        locked = lock_fund(fund)
        current = lock_disbursement(disbursement.pk)
        found = replay(Refund, key, same)
        if found is not None:
            return found
        if current.status != DisbursementStatus.PAID:
            raise Conflict("not_paid", "지급되지 않은 건은 반환받을 수 없습니다.")
        if current.is_reversed:
            raise Conflict("already_reversed", "취소된 지급은 반환받을 수 없습니다.")
        done = _standing(current.refunds.all())
        if amount > current.amount - done["amount"]:
            raise FieldError(
                "refund_exceeds_paid",
                f"반환액이 아직 반환되지 않은 지급액({format_krw(current.amount - done['amount'])})"
                "보다 큽니다.",
                field="amount",
            )
        drawn = {leg.source: leg for leg in current.legs.all()}
        budget_leg = drawn.get(LegSource.BUDGET)
        budget_room = (budget_leg.amount if budget_leg else 0) - done["budget"]
        budget_part = min(amount, budget_room)
        restricted_part = amount - budget_part
        use = current.use
        refund = Refund(
            fund=fund,
            kind=RefundKind.FROM_PARTNER,
            disbursement=current,
            use=use,
            refunded_on=day,
            amount=amount,
            restricted_part=restricted_part,
            budget_part=budget_part,
            memo=memo,
            idempotency_key=key,
            created_by=actor,
        )
        found = _save(refund, key, same)
        if found is not None:
            return found
        postings: list[tuple[Account, int]] = [
            (locked[fund.cash_account_id], amount),
            (locked[use.budget_account_id], -budget_part),
            (locked[use.restricted_account_id], -restricted_part),
        ]
        refund.transaction = post(
            key=key,
            kind=KIND_REFUND,
            postings=postings,
            day=day,
            memo=f"반환: {current.partner} → '{use.name}'" + (f" — {memo}" if memo else ""),
            actor=actor,
            source=refund,
        )
        refund.save(update_fields=["transaction"])
        audit_create(actor, refund, REFUND_FIELDS, source)
    return refund


def refund_to_donor(
    *,
    actor: User,
    contribution: Contribution,
    amount: int,
    refunded_on: dt.date | str,
    idempotency_key: str,
    memo: str = "",
    source: str = "web",
) -> Refund:
    """Return (part of) a contribution to its donor, out of where it went: the use it was
    restricted to, or the unallocated pool. Money already allocated or spent cannot go back."""
    require_runner(actor)
    key = ledger_key("donor-refund", actor, idempotency_key)
    amount, day, memo = _clean(amount, refunded_on, memo, contribution.contributed_on)
    wanted = (contribution.pk, amount, day, memo)

    def same(r: Refund) -> bool:
        return (r.contribution_id, r.amount, r.refunded_on, r.memo) == wanted

    fund = contribution.fund
    with transaction.atomic():
        locked = lock_fund(fund)
        current = lock_contribution(contribution.pk)
        found = replay(Refund, key, same)
        if found is not None:
            return found
        if current.is_reversed:
            raise Conflict("already_reversed", "취소된 출연금은 반환할 수 없습니다.")
        done = _standing(current.refunds.all())
        if amount > current.amount - done["amount"]:
            raise FieldError(
                "refund_exceeds_contribution",
                f"반환액이 남은 기부액({format_krw(current.amount - done['amount'])})보다 큽니다.",
                field="amount",
            )
        use = current.use
        draw = locked[use.restricted_account_id] if use else locked[fund.pool_account_id]
        if draw.available < amount:
            what = f"'{use.name}' 지정 기부금" if use else "미배정 재원"
            raise insufficient(what, draw.available, amount, "이미 배정되었거나 지출된 돈입니다.")
        refund = Refund(
            fund=fund,
            kind=RefundKind.TO_DONOR,
            contribution=current,
            use=use,
            refunded_on=day,
            amount=amount,
            restricted_part=amount if use else 0,
            memo=memo,
            idempotency_key=key,
            created_by=actor,
        )
        found = _save(refund, key, same)
        if found is not None:
            return found
        refund.transaction = post(
            key=key,
            kind=KIND_DONOR_REFUND,
            postings=[(draw, amount), (locked[fund.cash_account_id], -amount)],
            day=day,
            memo=f"출연금 반환: {current.donor_display}" + (f" — {memo}" if memo else ""),
            actor=actor,
            source=refund,
        )
        refund.save(update_fields=["transaction"])
        audit_create(actor, refund, REFUND_FIELDS, source)
    return refund
