"""Opening ledger accounts."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from sangsaeng.accounts.audit import audit_record
from sangsaeng.accounts.models import AuditAction, User
from sangsaeng.ledger.models import Account, NormalSide
from sangsaeng.lib.errors import Conflict, DomainError
from sangsaeng.partners.models import Company


def account_open(
    *,
    code: str,
    name: str,
    purpose: str,
    normal_side: NormalSide | str = NormalSide.DEBIT,
    owner: Company | None = None,
    allow_negative: bool = False,
    actor: User | None = None,
) -> Account:
    """Open an account, or return the one with this ``code`` if it was opened the same way
    (so apps may open their accounts lazily and safely twice). A different account already
    holding the code is refused with ``account_code_taken``."""
    if not code or len(code) > 100:
        raise DomainError("account_code_invalid", "계정 코드는 1~100자여야 합니다.", field="code")
    if normal_side not in NormalSide.values:
        raise DomainError(
            "normal_side_invalid", "차변 또는 대변이어야 합니다.", field="normal_side"
        )
    wanted = {
        "name": name,
        "purpose": purpose,
        "normal_side": str(normal_side),
        "owner_id": owner.pk if owner is not None else None,
        "allow_negative": allow_negative,
    }
    existing = Account.objects.filter(code=code).first()
    if existing is None:
        try:
            with transaction.atomic():
                account = Account.objects.create(code=code, **wanted)
                audit_record(
                    actor=actor,
                    action=AuditAction.CREATE,
                    instance=account,
                    changes={k: [None, v] for k, v in {"code": code, **wanted}.items()},
                    source="ledger",
                )
                return account
        except IntegrityError:  # opened concurrently under the same code
            existing = Account.objects.get(code=code)
    if any(getattr(existing, k) != v for k, v in wanted.items()):
        raise Conflict(
            "account_code_taken", f"계정 코드 {code}는 이미 다른 계정입니다.", field="code"
        )
    return existing
