"""Budgets: unrestricted money allocated to a use, from the pool or from another use's budget."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from sangsaeng.accounts.models import User
from sangsaeng.funds.models import KIND_ALLOCATION, Allocation, Fund, FundUse
from sangsaeng.funds.services._common import (
    audit_create,
    insufficient,
    ledger_key,
    post,
    replay,
    require_runner,
    restricted_elsewhere,
    restricted_to_other_use,
    same_fund,
)
from sangsaeng.funds.services.contributions import check_open
from sangsaeng.funds.validation import clean_amount, clean_date, clean_text, raise_if
from sangsaeng.ledger.models import Account
from sangsaeng.ledger.services import legs
from sangsaeng.locking import lock_fund
from sangsaeng.partners.validation import FieldError

ALLOCATION_FIELDS = (
    "fund",
    "use",
    "source_use",
    "allocated_on",
    "amount",
    "memo",
    "idempotency_key",
)


def _clean(
    fund: Fund,
    use: FundUse,
    source_use: FundUse | None,
    amount: int,
    allocated_on: dt.date | str,
    memo: str,
) -> tuple[int, dt.date, str]:
    errors: list[FieldError] = []
    values: list = []
    for check in (
        lambda: clean_amount(amount),
        lambda: clean_date(allocated_on, "allocated_on"),
        lambda: clean_text(memo, "memo", max_length=300),
        lambda: same_fund(fund, use, "use_id", "용도"),
        lambda: same_fund(fund, source_use, "source_use_id", "용도"),
    ):
        try:
            values.append(check())
        except FieldError as exc:
            errors.append(exc)
            values.append(None)
    if source_use is not None and source_use.pk == use.pk:
        errors.append(
            FieldError("same_use", "같은 용도 안에서는 옮길 수 없습니다.", field="source_use_id")
        )
    raise_if(errors)
    return values[0], values[1], values[2]


def _check_enough(
    fund: Fund,
    locked: dict[int, Account],
    source_use: FundUse | None,
    amount: int,
) -> None:
    """Refuse an allocation the pool (or the source use's budget) cannot cover. When only
    restricted donations would cover it, say so: they can never be allocated elsewhere."""
    if source_use is None:
        available = locked[fund.pool_account_id].available
        if available >= amount:
            return
        if available + restricted_elsewhere(fund, locked) >= amount:
            raise restricted_to_other_use("미배정 재원", available, amount)
        raise insufficient("미배정 재원", available, amount)
    available = locked[source_use.budget_account_id].available
    if available >= amount:
        return
    if available + locked[source_use.restricted_account_id].available >= amount:
        raise restricted_to_other_use(f"'{source_use.name}' 배정 예산", available, amount)
    raise insufficient(f"'{source_use.name}' 배정 예산", available, amount)


def allocation_create(
    *,
    actor: User,
    fund: Fund,
    use: FundUse,
    amount: int,
    allocated_on: dt.date | str,
    idempotency_key: str,
    source_use: FundUse | None = None,
    memo: str = "",
    source: str = "web",
) -> Allocation:
    """Move unrestricted money to ``use``'s budget: from the unallocated pool, or from
    ``source_use``'s budget (reallocation). Restricted donations are never moved."""
    require_runner(actor)
    key = ledger_key("allocation", actor, idempotency_key)
    amount, day, memo = _clean(fund, use, source_use, amount, allocated_on, memo)
    wanted = (fund.pk, use.pk, source_use.pk if source_use else None, amount, day, memo)

    def same(a: Allocation) -> bool:
        return (a.fund_id, a.use_id, a.source_use_id, a.amount, a.allocated_on, a.memo) == wanted

    with transaction.atomic():
        locked = lock_fund(fund)
        found = replay(Allocation, key, same)
        if found is not None:
            return found
        check_open(fund, use)
        _check_enough(fund, locked, source_use, amount)
        allocation = Allocation(
            fund=fund,
            use=use,
            source_use=source_use,
            amount=amount,
            allocated_on=day,
            memo=memo,
            idempotency_key=key,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                allocation.save()
        except IntegrityError:
            found = replay(Allocation, key, same)
            if found is None:
                raise
            return found
        draw = source_use.budget_account if source_use else fund.pool_account
        origin = f"'{source_use.name}'에서" if source_use else "미배정 재원에서"
        allocation.transaction = post(
            key=key,
            kind=KIND_ALLOCATION,
            postings=legs(debit=draw, credit=use.budget_account, amount=amount),
            day=day,
            memo=f"배정: {origin} '{use.name}'로" + (f" — {memo}" if memo else ""),
            actor=actor,
            source=allocation,
        )
        allocation.save(update_fields=["transaction"])
        audit_create(actor, allocation, ALLOCATION_FIELDS, source)
    return allocation
