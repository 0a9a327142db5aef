"""Who may see and run the fund. Built on ``accounts.permissions`` (roles); the rules here are
the fund's own: operators and programme managers run it, auditors (and the other staff roles)
read everything and change nothing, a partner user sees only the disbursements to its own
company and nothing else of the fund."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from sangsaeng.accounts.models import Role, User
from sangsaeng.accounts.permissions import role_of
from sangsaeng.funds.models import Disbursement, Refund

FUND_RUNNERS = {Role.OPERATOR, Role.MANAGER}
FUND_READERS = {Role.OPERATOR, Role.MANAGER, Role.CONSULTANT, Role.AUDITOR}


def can_run_funds(user: User) -> bool:
    """Create funds, uses and campaigns; record contributions, allocations, disbursements,
    refunds and reversals."""
    return user.is_authenticated and role_of(user) in FUND_RUNNERS


def can_read_funds(user: User) -> bool:
    """See whole funds: balances, every record, statements and exports."""
    return user.is_authenticated and role_of(user) in FUND_READERS


def self_approval_allowed() -> bool:
    """Whether the person who requested a disbursement may also approve it. Off by default
    (four eyes); a one-person office turns it on with the ``FUNDS_ALLOW_SELF_APPROVAL``
    setting."""
    return bool(getattr(settings, "FUNDS_ALLOW_SELF_APPROVAL", False))


def visible_disbursements(user: User, qs: QuerySet[Disbursement]) -> QuerySet[Disbursement]:
    """The disbursements ``user`` may read: a partner user sees those to its own company."""
    if not user.is_authenticated:
        return qs.none()
    if role_of(user) == Role.PARTNER:
        return qs.filter(partner_id=user.company_id) if user.company_id else qs.none()
    return qs if can_read_funds(user) else qs.none()


def visible_refunds(user: User, qs: QuerySet[Refund]) -> QuerySet[Refund]:
    """A partner user sees what its own company returned, nothing else."""
    if not user.is_authenticated:
        return qs.none()
    if role_of(user) == Role.PARTNER:
        if not user.company_id:
            return qs.none()
        return qs.filter(kind="partner", disbursement__partner_id=user.company_id)
    return qs if can_read_funds(user) else qs.none()
