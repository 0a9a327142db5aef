"""Who may do what with win-win payments, on top of ``accounts.permissions``.

* Operators and programme managers (the buyer's shared-growth team) open programmes, deposit,
  issue, settle, record payments by other means, and may enter any holder's pass-on or cash-out
  on its behalf (to key in past programmes). They see every claim tree.
* Auditors read everything and change nothing.
* A partner user passes on and cashes out only what its own company holds, and sees only its
  own company's holdings and history; to it, other claims do not exist (404).
* Consultants have no business with payment data: they see none of it.
"""

from __future__ import annotations

from django.db.models import QuerySet

from sangsaeng.accounts.models import Role, User
from sangsaeng.accounts.permissions import require, role_of
from sangsaeng.partners.models import Company

MANAGERS = {Role.OPERATOR, Role.MANAGER}
READERS = {Role.OPERATOR, Role.MANAGER, Role.AUDITOR}


def can_manage(user: User | None) -> bool:
    """Open programmes, deposit, issue, settle; enter operations on a holder's behalf."""
    return user is not None and user.is_authenticated and role_of(user) in MANAGERS


def can_read_all(user: User) -> bool:
    return user.is_authenticated and role_of(user) in READERS


def is_partner(user: User) -> bool:
    return user.is_authenticated and role_of(user) == Role.PARTNER


def can_use_payments(user: User) -> bool:
    """Whether the payments pages and API are for this user at all."""
    return can_read_all(user) or (is_partner(user) and user.company_id is not None)


def can_act_for(user: User | None, company: Company | int) -> bool:
    """Pass on or cash out what ``company`` holds."""
    if user is None:
        return True  # the system itself (management commands)
    company_id = company if isinstance(company, int) else company.pk
    if is_partner(user):
        return user.company_id is not None and user.company_id == company_id
    return can_manage(user)


def can_view_company(user: User, company_id: int) -> bool:
    """See a company's holdings and history."""
    if is_partner(user):
        return user.company_id == company_id
    return can_read_all(user)


def visible_claims(user: User, qs: QuerySet) -> QuerySet:
    """The claims ``user`` may read: all for staff readers, its own holdings for a partner."""
    if can_read_all(user):
        return qs
    if is_partner(user) and user.company_id:
        return qs.filter(holder_id=user.company_id)
    return qs.none()


def require_manage(user: User | None) -> None:
    if user is not None:
        require(can_manage(user), "상생결제를 운영할 권한이 없습니다.")


def require_act_for(user: User | None, company: Company | int) -> None:
    require(can_act_for(user, company), "이 회사가 보유한 채권만 처리할 수 있습니다.")
