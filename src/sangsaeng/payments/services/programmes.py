"""Programmes and their escrow: open, price settings, deposit, withdrawal."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import transaction

from sangsaeng.accounts.audit import audit_record, diff, snapshot
from sangsaeng.accounts.models import AuditAction, User
from sangsaeng.lib.errors import Conflict, DomainError
from sangsaeng.locking import lock_programme
from sangsaeng.partners.models import Company, CompanyKind
from sangsaeng.payments import book, pricing
from sangsaeng.payments.models import (
    Claim,
    Operation,
    OperationKind,
    Programme,
)
from sangsaeng.payments.permissions import require_manage
from sangsaeng.payments.services.common import (
    PRICING_FIELDS,
    clean_amount,
    clean_key,
    deposit_floor,
    fingerprint_of,
    load_programme,
    not_before,
    once,
    record,
    replay,
    value_day,
)

# -- programmes -----------------------------------------------------------------------------------


def _pricing_fields(data: dict[str, Any]) -> dict[str, Any]:
    price = pricing.clean_pricing(data)
    term = data.get("max_term_days", 365)
    if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= 3660:
        raise DomainError(
            "max_term_invalid", "최장 만기는 1~3660일이어야 합니다.", field="max_term_days"
        )
    last = price.spread_tiers[-1].max_days
    if last is not None and last < term:
        # Every claim term up to the longest must have its spread, or a cash-out of a claim
        # with more days to run than the last tier would have no price.
        raise DomainError(
            "spread_tiers_short",
            f"가산금리 구간이 최장 만기 {term}일까지 닿지 않습니다(마지막 구간 {last}일). "
            f"마지막 구간의 최대 일수를 비우거나 {term}일 이상으로 하세요.",
            field="spread_tiers",
        )
    return {
        "base_rate": price.base_rate,
        "spread_tiers": pricing.tiers_json(price.spread_tiers),
        "system_fee": price.system_fee,
        "day_count": price.day_count,
        "rounding": price.rounding,
        "max_term_days": term,
    }


def _snapshot(programme: Programme, fields: tuple[str, ...]) -> dict[str, Any]:
    """An audit snapshot; rates as strings (the audit trail is JSON)."""
    data = snapshot(programme, fields)
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in data.items()}


def programme_open(
    *,
    actor: User | None,
    buyer: Company,
    bank: Company,
    name: str,
    opened_on: dt.date | None = None,
    settings: dict[str, Any],
    idempotency_key: str,
    source: str = "web",
) -> Programme:
    """Open a programme between a buyer and a bank with its price settings, and its ledger
    accounts. Refuses a "bank" that is not a bank (``bank_not_a_bank``)."""
    require_manage(actor)
    key = clean_key(idempotency_key)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise DomainError("name_required", "사업명을 1~200자로 입력하세요.", field="name")
    day = value_day(opened_on, "opened_on")
    fields = _pricing_fields(settings)
    if bank.kind != CompanyKind.BANK:
        raise DomainError("bank_not_a_bank", f"'{bank.name}'은(는) 은행이 아닙니다.", field="bank")
    if buyer.pk == bank.pk or buyer.kind == CompanyKind.BANK:
        raise DomainError(
            "buyer_invalid", "구매기업은 은행이 아닌 다른 기업이어야 합니다.", field="buyer"
        )
    fp = fingerprint_of(
        "open", actor, buyer=buyer.pk, bank=bank.pk, name=name, opened_on=opened_on, **fields
    )

    def write() -> Operation:
        with transaction.atomic():
            programme = Programme.objects.create(
                name=name,
                buyer=buyer,
                bank=bank,
                opened_on=day,
                created_by=actor if actor is not None and actor.pk else None,
                **fields,
            )
            book.open_accounts(programme, actor)
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                instance=programme,
                changes=diff(
                    {},
                    _snapshot(programme, ("name", "buyer", "bank", "opened_on", *PRICING_FIELDS)),
                ),
                source=source,
            )
            return record(
                programme=programme, kind=OperationKind.OPEN, key=key, fingerprint=fp,
                actor=actor, amount=0, day=day, legs=[], tx_kind="", memo="",
                company=buyer, counterparty=bank,
            )  # fmt: skip

    return load_programme(once(key, fp, write).programme_id)


def pricing_digest(programme: Programme) -> str:
    """A digest of the programme's stored price settings (compared, never shown): what a page
    showed, so that a change made from it can be refused if the settings moved meanwhile."""
    data = _snapshot(programme, PRICING_FIELDS)
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def programme_set_pricing(
    *,
    actor: User,
    programme: Programme,
    settings: dict[str, Any],
    source: str = "web",
    expected: str | None = None,
) -> Programme:
    """Change the price settings (e.g. when the base rate moves). Cash-outs already made keep
    the price they were made at (``CashOut`` records it); setting the same values is a no-op.
    ``expected``: the :func:`pricing_digest` of the settings the change was made against; if
    someone changed them since, the change is refused (``pricing_changed``), checked under the
    programme's lock so that two changes cannot both pass."""
    require_manage(actor)
    fields = _pricing_fields(settings)
    with transaction.atomic():
        current = lock_programme(programme.pk)
        if expected is not None and pricing_digest(current) != expected:
            raise Conflict(
                "pricing_changed",
                "다른 사람이 조건을 바꿨습니다. 바뀐 조건을 확인하고 다시 저장하세요.",
            )
        _check_open_claims_priced(current, fields["spread_tiers"][-1]["max_days"])
        before = _snapshot(current, PRICING_FIELDS)
        for name, value in fields.items():
            setattr(current, name, value)
        changes = diff(before, _snapshot(current, PRICING_FIELDS))
        if changes:
            current.save(update_fields=[*fields, "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=current,
                changes=changes,
                source=source,
            )
    return load_programme(programme.pk)


def _check_open_claims_priced(programme: Programme, last_tier_days: int | None) -> None:
    """Spread tiers that end (the last has a number of days) must still price every claim the
    programme has open: a cash-out is at most as many days before maturity as the claim's whole
    term, and a tree's root has its longest term (the nodes below share its maturity)."""
    if last_tier_days is None:
        return
    open_roots = Claim.objects.filter(
        programme=programme, parent__isnull=True, settled_on__isnull=True, reversed_on__isnull=True
    )
    terms = open_roots.values_list("issue_date", "maturity")
    longest = max(((maturity - issued).days for issued, maturity in terms), default=0)
    if longest > last_tier_days:
        raise DomainError(
            "spread_tiers_short",
            f"아직 결제되지 않은 채권 중 만기가 {longest}일인 것이 있어, 가산금리 구간이 "
            f"{longest}일까지 닿아야 합니다(마지막 구간 {last_tier_days}일).",
            field="spread_tiers",
        )


# -- escrow ---------------------------------------------------------------------------------------


def escrow_deposit(
    *,
    actor: User | None,
    programme: Programme,
    amount: Any,
    value_date: dt.date | None = None,
    idempotency_key: str,
) -> Operation:
    """The buyer puts ``amount`` into the programme's escrow."""
    require_manage(actor)
    key, amount, day = clean_key(idempotency_key), clean_amount(amount), value_day(value_date)
    fp = fingerprint_of(
        "deposit", actor, programme=programme.pk, amount=amount, value_date=value_date
    )

    def write() -> Operation:
        with transaction.atomic():
            prog = lock_programme(programme.pk)
            found = replay(key, fp)
            if found is not None:
                return found
            not_before(day, prog.opened_on, "value_date_before_opening", "사업 개시일 이전입니다.")
            assert prog.escrow_account is not None and prog.deposit_account is not None
            legs = [(prog.escrow_account, amount), (prog.deposit_account, -amount)]
            return record(
                programme=prog, kind=OperationKind.DEPOSIT, key=key, fingerprint=fp, actor=actor,
                amount=amount, day=day, legs=legs, tx_kind=book.KIND_DEPOSIT,
                memo=f"예치 {amount:,}원", company=prog.buyer,
            )  # fmt: skip

    return once(key, fp, write)


def escrow_withdraw(
    *,
    actor: User | None,
    programme: Programme,
    amount: Any,
    value_date: dt.date | None = None,
    idempotency_key: str,
) -> Operation:
    """The buyer takes back deposit that backs no claim (never below what claims need)."""
    require_manage(actor)
    key, amount, day = clean_key(idempotency_key), clean_amount(amount), value_day(value_date)
    fp = fingerprint_of(
        "withdraw", actor, programme=programme.pk, amount=amount, value_date=value_date
    )

    def write() -> Operation:
        with transaction.atomic():
            prog = lock_programme(programme.pk)
            found = replay(key, fp)
            if found is not None:
                return found
            not_before(day, prog.opened_on, "value_date_before_opening", "사업 개시일 이전입니다.")
            free = deposit_floor(prog, day)
            if amount > free:
                raise DomainError(
                    "escrow_insufficient",
                    f"채권에 배정되지 않은 예치금({free:,}원)보다 많이 인출할 수 없습니다.",
                    field="amount",
                )
            assert prog.escrow_account is not None and prog.deposit_account is not None
            legs = [(prog.deposit_account, amount), (prog.escrow_account, -amount)]
            return record(
                programme=prog, kind=OperationKind.WITHDRAW, key=key, fingerprint=fp, actor=actor,
                amount=amount, day=day, legs=legs, tx_kind=book.KIND_WITHDRAW,
                memo=f"인출 {amount:,}원", company=prog.buyer,
            )  # fmt: skip

    return once(key, fp, write)
