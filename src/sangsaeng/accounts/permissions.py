"""Who may see and change what. Views, the API and queries all ask here, so a partner user's
fence around its own company is drawn once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from sangsaeng.accounts.models import Role, User
from sangsaeng.lib.errors import PermissionDenied

if TYPE_CHECKING:
    from sangsaeng.partners.models import Company

STAFF_ROLES = {Role.OPERATOR, Role.MANAGER, Role.CONSULTANT, Role.AUDITOR}
REGISTRY_EDITORS = {Role.OPERATOR, Role.MANAGER}


def role_of(user: User) -> str:
    return Role.OPERATOR if user.is_superuser else user.role


def visible_companies(user: User, qs: QuerySet[Company]) -> QuerySet[Company]:
    """The companies ``user`` may read: a partner user sees only its own company."""
    if not user.is_authenticated:
        return qs.none()
    if role_of(user) == Role.PARTNER:
        return qs.filter(pk=user.company_id) if user.company_id else qs.none()
    return qs


def can_view_company(user: User, company: Company) -> bool:
    if role_of(user) == Role.PARTNER:
        return company.pk == user.company_id
    return user.is_authenticated


def can_edit_company(user: User, company: Company) -> bool:
    role = role_of(user)
    if role == Role.PARTNER:
        return company.pk == user.company_id
    return role in REGISTRY_EDITORS


def can_edit_registry(user: User) -> bool:
    """Create companies, delete them, and change supply links."""
    return role_of(user) in REGISTRY_EDITORS


def can_read_audit(user: User) -> bool:
    return role_of(user) in {Role.OPERATOR, Role.AUDITOR}


def can_manage_users(user: User) -> bool:
    return role_of(user) == Role.OPERATOR


def require(allowed: bool, message: str = "이 작업을 할 권한이 없습니다.") -> None:
    if not allowed:
        raise PermissionDenied("forbidden", message)
