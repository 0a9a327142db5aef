"""What every fund service shares: the permission check, idempotency keys and replays, the
shortfall errors and the posting wrapper. (The fund lock, ``lock_fund``, lives in
``sangsaeng.locking`` with every other lock.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import models
from django.db.models import Sum

from sangsaeng.accounts import permissions as account_permissions
from sangsaeng.accounts.audit import audit_record, diff, snapshot
from sangsaeng.accounts.models import AuditAction, User
from sangsaeng.funds import permissions
from sangsaeng.funds.models import Fund, FundUse
from sangsaeng.funds.validation import clean_key
from sangsaeng.ledger import services as ledger
from sangsaeng.ledger.models import Account, Posting, Transaction
from sangsaeng.lib.dates import KST
from sangsaeng.lib.errors import Conflict, DomainError
from sangsaeng.lib.korean import josa
from sangsaeng.lib.money import format_krw

R = TypeVar("R", bound=models.Model)
Legs = Sequence[tuple[Account, int]]


def require_runner(actor: User) -> None:
    account_permissions.require(
        permissions.can_run_funds(actor), "기금을 운영할 권한이 없습니다 (운영자·사업 담당자만)."
    )


def ledger_key(action: str, actor: User, client_key: str) -> str:
    """The ledger idempotency key for a client's key: namespaced by action and by user, so
    two clients (or one client's contribution and allocation) can never collide, and a retry
    by the same user with the same key maps to the same ledger transaction."""
    return f"funds:{action}:{actor.pk}:{clean_key(client_key)}"


def replay(
    model: type[R], key: str, same: Callable[[R], bool], *, lookup: str = "idempotency_key"
) -> R | None:
    """The record already written under ``key``, if the request repeats it; a different
    request under the same key is refused (``idempotency_conflict``)."""
    found = model._default_manager.filter(**{lookup: key}).first()
    if found is None:
        return None
    if not same(found):
        raise idempotency_conflict()
    return found


def idempotency_conflict() -> Conflict:
    return Conflict(
        "idempotency_conflict",
        "같은 Idempotency-Key로 다른 내용의 요청이 이미 처리되었습니다.",
        field="idempotency_key",
    )


def post(
    *,
    key: str,
    kind: str,
    postings: Legs,
    day: dt.date,
    memo: str,
    actor: User,
    source: models.Model,
) -> Transaction:
    """One balanced ledger transaction for ``source``, dated ``day``."""
    check_history(postings, day)
    try:
        return ledger.transfer_post(
            idempotency_key=key,
            postings=[(a, amount) for a, amount in postings if amount],
            occurred_at=day,
            memo=memo[:500],
            actor=actor,
            source=source,
            kind=kind,
        )
    except DomainError as exc:
        raise translate(exc) from exc


def translate(exc: DomainError) -> DomainError:
    """The ledger's refusals in the fund's words (the fund checks first, so these are the
    backstop under a race the lock did not cover)."""
    if exc.code == "insufficient_funds":
        return Conflict("insufficient_balance", f"잔액이 부족합니다. {exc.message}")
    return exc


def check_history(postings: Legs, day: dt.date) -> None:
    """Refuse a back-dated outflow that the account could not have covered on every day since.

    The ledger checks today's balance. An entry dated in the past also changes every balance
    between its date and today; if a later outflow already used the money, the statement for
    that period would show a negative balance. So for each account the entry lowers, the lowest
    balance from the end of ``day`` on must cover it. Entries dated today, or after every
    other posting of the account, skip the scan (nothing is later).
    """
    since = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=KST)
    for account, amount in postings:
        if not amount or amount * account.sign > 0:
            continue
        later = list(
            Posting.objects.filter(account_id=account.pk, occurred_at__gte=since)
            .order_by("occurred_at", "transaction__seq")
            .values_list("amount", flat=True)
        )
        if not later:
            continue
        before = Posting.objects.filter(account_id=account.pk, occurred_at__lt=since)
        running = (before.aggregate(total=Sum("amount"))["total"] or 0) * account.sign
        lowest = running
        for step in later:
            running += step * account.sign
            lowest = min(lowest, running)
        need = -amount * account.sign
        if lowest < need:
            raise Conflict(
                "insufficient_balance_on_date",
                f"{day.isoformat()} 이후 이 계정({account.name})의 잔액이 {format_krw(lowest)}까지 "
                f"내려가는 날이 있어 {format_krw(need)}을 그 날짜로 뺄 수 없습니다. "
                "날짜를 늦추세요.",
                field="date",
            )


def restricted_elsewhere(
    fund: Fund, locked: dict[int, Account], *, except_use: FundUse | None = None
) -> int:
    """Money in the fund restricted to uses other than ``except_use`` (available now)."""
    total = 0
    for use in FundUse.objects.filter(fund=fund):
        if except_use is None or use.pk != except_use.pk:
            total += locked[use.restricted_account_id].available
    return total


def insufficient(what: str, available: int, amount: int, hint: str = "") -> Conflict:
    message = f"{what}의 가용 잔액({format_krw(available)})이 {format_krw(amount)}보다 적습니다."
    return Conflict("insufficient_balance", f"{message} {hint}".strip(), field="amount")


def restricted_to_other_use(what: str, available: int, amount: int) -> Conflict:
    return Conflict(
        "restricted_to_other_use",
        f"{what}에서 쓸 수 있는 돈은 {format_krw(available)}입니다. 나머지는 다른 용도로 "
        f"지정된 기부금이라 {format_krw(amount)}을 마련하는 데 쓸 수 없습니다.",
        field="amount",
    )


def audit_create(actor: User, record: models.Model, fields: Sequence[str], source: str) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=record,
        changes=diff({}, snapshot(record, fields)),
        source=source,
    )


def audit_change(
    actor: User, record: models.Model, before: dict[str, Any], fields: Sequence[str], source: str
) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=record,
        changes=diff(before, snapshot(record, fields)),
        source=source,
    )


def same_fund(fund: Fund, obj: Any, field: str, label: str) -> None:
    """Refuse a use or campaign of another fund."""
    from sangsaeng.partners.validation import FieldError

    if obj is not None and obj.fund_id != fund.pk:
        raise FieldError(
            f"{field}_not_in_fund", f"이 기금의 {josa(label, '이')} 아닙니다.", field=field
        )
