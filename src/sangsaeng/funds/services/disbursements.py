"""Money out to partners: request (reserve), approve (someone else), pay (post) or reject (void).

The amount is reserved on the ledger when requested, so two requests can never promise the
same money, and the approver sees a disbursement the fund can certainly pay. It is drawn on the
use's restricted donations first (they can be spent on nothing else), then on its allocated
budget: one pending transfer per account drawn on.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from sangsaeng.accounts.audit import snapshot
from sangsaeng.accounts.models import User
from sangsaeng.funds import permissions
from sangsaeng.funds.models import (
    KIND_DISBURSEMENT,
    Disbursement,
    DisbursementLeg,
    DisbursementStatus,
    Fund,
    FundUse,
    LegSource,
)
from sangsaeng.funds.services._common import (
    audit_change,
    audit_create,
    check_history,
    idempotency_conflict,
    insufficient,
    ledger_key,
    replay,
    require_runner,
    restricted_elsewhere,
    restricted_to_other_use,
    same_fund,
    translate,
)
from sangsaeng.funds.services.contributions import check_open
from sangsaeng.funds.validation import clean_amount, clean_date, clean_text, raise_if
from sangsaeng.ledger import services as ledger
from sangsaeng.ledger.models import Account
from sangsaeng.lib.errors import Conflict, DomainError, PermissionDenied
from sangsaeng.locking import lock_disbursement, lock_fund
from sangsaeng.partners.models import Company, CompanyKind
from sangsaeng.partners.validation import FieldError

# Kinds of company the fund never pays: it supports partner companies (SMEs, mid-sized
# suppliers, merchants; DOMAIN.md, "Who uses it" and "Cooperation fund"). A bank is the
# payment infrastructure, a large enterprise is a buyer (and usually a donor), a public
# institution runs funds, and universities are the programmes' collaborators, not recipients.
NOT_RECIPIENTS: dict[str, str] = {
    CompanyKind.BANK: "은행",
    CompanyKind.LARGE: "대기업",
    CompanyKind.PUBLIC: "공공기관",
    CompanyKind.UNIVERSITY: "대학",
}
DISBURSEMENT_FIELDS = ("fund", "use", "partner", "amount", "purpose", "status", "idempotency_key")
STATE_FIELDS = ("status", "paid_on", "rejection_reason")
STATUS_KO = {
    DisbursementStatus.REQUESTED: "요청",
    DisbursementStatus.APPROVED: "승인",
    DisbursementStatus.PAID: "지급 완료",
    DisbursementStatus.REJECTED: "반려",
}


def _clean(
    fund: Fund, use: FundUse, partner: Company, amount: int, purpose: str
) -> tuple[int, str]:
    errors: list[FieldError] = []
    values: list = []
    for check in (
        lambda: clean_amount(amount),
        lambda: clean_text(purpose, "purpose", max_length=300, required=True),
        lambda: same_fund(fund, use, "use_id", "용도"),
    ):
        try:
            values.append(check())
        except FieldError as exc:
            errors.append(exc)
            values.append(None)
    if partner.pk == fund.owner_id:
        errors.append(
            FieldError(
                "partner_is_owner",
                "기금을 운영하는 기업에는 지급할 수 없습니다.",
                field="partner_id",
            )
        )
    elif partner.kind in NOT_RECIPIENTS:
        errors.append(
            FieldError(
                "recipient_not_partner",
                f"{NOT_RECIPIENTS[partner.kind]}에는 기금을 지급할 수 없습니다. 지급 대상은 "
                "협력사(중소·중견기업, 소상공인)입니다.",
                field="partner_id",
            )
        )
    elif not partner.is_active:
        errors.append(
            FieldError(
                "partner_inactive", "비활성 기업에는 지급할 수 없습니다.", field="partner_id"
            )
        )
    raise_if(errors)
    return values[0], values[1]


def split(locked: dict[int, Account], use: FundUse, amount: int) -> list[tuple[str, int, int]]:
    """``(source, account id, amount)`` legs: restricted donations first, then the budget."""
    restricted = locked[use.restricted_account_id].available
    from_restricted = min(max(restricted, 0), amount)
    parts = [
        (LegSource.RESTRICTED, use.restricted_account_id, from_restricted),
        (LegSource.BUDGET, use.budget_account_id, amount - from_restricted),
    ]
    return [part for part in parts if part[2] > 0]


def _check_enough(fund: Fund, locked: dict[int, Account], use: FundUse, amount: int) -> None:
    """Refuse a disbursement the use cannot cover. The error says what would cover it: an
    allocation from the pool (``insufficient_balance`` with a hint), or nothing, because the
    rest of the fund is restricted to other uses (``restricted_to_other_use``)."""
    own = locked[use.restricted_account_id].available + locked[use.budget_account_id].available
    if own >= amount:
        return
    what = f"'{use.name}'"
    pool = locked[fund.pool_account_id].available
    if own + pool >= amount:
        raise insufficient(what, own, amount, "미배정 재원에서 먼저 배정하세요.")
    if own + pool + restricted_elsewhere(fund, locked, except_use=use) >= amount:
        raise restricted_to_other_use(what, own, amount)
    raise insufficient(what, own, amount)


def disbursement_request(
    *,
    actor: User,
    fund: Fund,
    use: FundUse,
    partner: Company,
    amount: int,
    purpose: str,
    idempotency_key: str,
    source: str = "web",
) -> Disbursement:
    """Request a payment from ``use`` to ``partner`` and reserve the amount on the ledger."""
    require_runner(actor)
    key = ledger_key("disbursement", actor, idempotency_key)
    amount, purpose = _clean(fund, use, partner, amount, purpose)
    wanted = (fund.pk, use.pk, partner.pk, amount, purpose)

    def same(d: Disbursement) -> bool:
        return (d.fund_id, d.use_id, d.partner_id, d.amount, d.purpose) == wanted

    with transaction.atomic():
        locked = lock_fund(fund)
        found = replay(Disbursement, key, same)
        if found is not None:
            return found
        check_open(fund, use)
        _check_enough(fund, locked, use, amount)
        disbursement = Disbursement(
            fund=fund,
            use=use,
            partner=partner,
            amount=amount,
            purpose=purpose,
            idempotency_key=key,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                disbursement.save()
        except IntegrityError:
            found = replay(Disbursement, key, same)
            if found is None:
                raise
            return found
        for source_name, account_id, part in split(locked, use, amount):
            try:
                pending = ledger.pending_create(
                    idempotency_key=f"{key}:{source_name}",
                    debit=locked[account_id],
                    credit=locked[fund.cash_account_id],
                    amount=part,
                    memo=f"지급 예약: {partner.name} — {purpose}"[:500],
                    actor=actor,
                    source=disbursement,
                    kind=KIND_DISBURSEMENT,
                )
            except DomainError as exc:
                raise translate(exc) from exc
            DisbursementLeg.objects.create(
                disbursement=disbursement,
                source=source_name,
                account_id=account_id,
                amount=part,
                pending=pending,
            )
        audit_create(actor, disbursement, DISBURSEMENT_FIELDS, source)
    return disbursement


def _wrong_state(d: Disbursement, action: str) -> Conflict:
    return Conflict(
        "invalid_state",
        f"{STATUS_KO[DisbursementStatus(d.status)]} 상태의 지급은 {action}할 수 없습니다.",
        field="status",
    )


def disbursement_approve(
    *, actor: User, disbursement: Disbursement, idempotency_key: str, source: str = "web"
) -> Disbursement:
    """Approve a requested disbursement. The requester may not approve their own request
    (unless ``FUNDS_ALLOW_SELF_APPROVAL``)."""
    require_runner(actor)
    key = ledger_key("approve", actor, idempotency_key)
    with transaction.atomic():
        current = lock_disbursement(disbursement.pk)
        if current.status == DisbursementStatus.APPROVED and current.approve_key == key:
            return current
        if Disbursement.objects.filter(approve_key=key).exclude(pk=current.pk).exists():
            raise idempotency_conflict()  # the key already approved another disbursement
        if current.status != DisbursementStatus.REQUESTED:
            raise _wrong_state(current, "승인")
        if current.created_by_id == actor.pk and not permissions.self_approval_allowed():
            raise PermissionDenied(
                "self_approval",
                "지급을 요청한 사람은 승인할 수 없습니다. 다른 담당자가 승인하세요.",
            )
        before = snapshot(current, STATE_FIELDS)
        current.status = DisbursementStatus.APPROVED
        current.approved_at = timezone.now()
        current.approved_by = actor
        current.approve_key = key
        current.save(update_fields=["status", "approved_at", "approved_by", "approve_key"])
        audit_change(actor, current, before, STATE_FIELDS, source)
    return current


def disbursement_pay(
    *,
    actor: User,
    disbursement: Disbursement,
    paid_on: dt.date | str,
    idempotency_key: str,
    source: str = "web",
) -> Disbursement:
    """Pay an approved disbursement: post its reservations, dated ``paid_on``."""
    require_runner(actor)
    key = ledger_key("pay", actor, idempotency_key)
    day = clean_date(paid_on, "paid_on")
    with transaction.atomic():
        locked = lock_fund(disbursement.fund)
        current = lock_disbursement(disbursement.pk)
        if current.status == DisbursementStatus.PAID and current.pay_key == key:
            if current.paid_on != day:
                raise Conflict("idempotency_conflict", "같은 키로 다른 지급일이 기록되어 있습니다.")
            return current
        if current.status == DisbursementStatus.REQUESTED:
            raise Conflict(
                "not_approved", "승인되지 않은 지급은 지급할 수 없습니다.", field="status"
            )
        if current.status != DisbursementStatus.APPROVED:
            raise _wrong_state(current, "지급")
        legs = list(current.legs.select_related("pending"))
        check_history([(locked[leg.account_id], leg.amount) for leg in legs], day)
        for leg in legs:
            try:
                leg.transaction = ledger.pending_post(
                    pending=leg.pending,
                    actor=actor,
                    idempotency_key=f"{key}:{leg.source}",
                    occurred_at=day,
                    memo=f"지급: {current.partner} — {current.purpose}"[:500],
                )
            except DomainError as exc:
                raise translate(exc) from exc
            leg.save(update_fields=["transaction"])
        before = snapshot(current, STATE_FIELDS)
        current.status = DisbursementStatus.PAID
        current.paid_on = day
        current.paid_at = timezone.now()
        current.paid_by = actor
        current.pay_key = key
        current.save(update_fields=["status", "paid_on", "paid_at", "paid_by", "pay_key"])
        audit_change(actor, current, before, STATE_FIELDS, source)
    return current


def disbursement_reject(
    *,
    actor: User,
    disbursement: Disbursement,
    reason: str,
    idempotency_key: str,
    source: str = "web",
) -> Disbursement:
    """Reject (or withdraw) a requested or approved disbursement; release its reservation."""
    require_runner(actor)
    key = ledger_key("reject", actor, idempotency_key)
    reason = clean_text(reason, "reason", max_length=300, required=True)
    with transaction.atomic():
        lock_fund(disbursement.fund)
        current = lock_disbursement(disbursement.pk)
        if current.status == DisbursementStatus.REJECTED and current.reject_key == key:
            if current.rejection_reason != reason:
                raise idempotency_conflict()
            return current
        if Disbursement.objects.filter(reject_key=key).exclude(pk=current.pk).exists():
            raise idempotency_conflict()  # the key already rejected another disbursement
        if current.status not in (DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED):
            raise _wrong_state(current, "반려")
        for leg in current.legs.select_related("pending"):
            ledger.pending_void(pending=leg.pending, actor=actor, reason=reason[:200])
        before = snapshot(current, STATE_FIELDS)
        current.status = DisbursementStatus.REJECTED
        current.rejected_at = timezone.now()
        current.rejected_by = actor
        current.rejection_reason = reason
        current.reject_key = key
        current.save(
            update_fields=["status", "rejected_at", "rejected_by", "rejection_reason", "reject_key"]
        )
        audit_change(actor, current, before, STATE_FIELDS, source)
    return current
