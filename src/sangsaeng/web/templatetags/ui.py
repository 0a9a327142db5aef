"""Template filters for Korean display conventions and role checks.

``{% load ui %}`` then e.g. ``{{ amount|krw }}`` → ``1,234,567원``,
``{{ amount|krw_units }}`` → ``1억 2,345만원``, ``{{ entry.at|kst }}`` → ``2025-05-21 14:03``.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import get_language

from sangsaeng.accounts import permissions
from sangsaeng.accounts.models import Role, User
from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib import dates, money, regions

register = template.Library()

_REGION_EN = {slug: en for slug, _name, _short, en, _code in regions.REGIONS}


@register.filter
def krw(amount: int | None) -> str:
    return money.format_krw(amount)


@register.filter
def krw_units(amount: int | None) -> str:
    """억/만 units in Korean (``12억 1,000만원``); millions and billions on English pages."""
    if (get_language() or "").startswith("en"):
        return money.format_krw_units_en(amount)
    return money.format_krw_units(amount)


@register.filter
def brn(value: str) -> str:
    return brn_lib.format_brn(value or "")


@register.filter
def kst(value: dt.date | dt.datetime | None) -> str:
    """Dates as ISO, datetimes in Korea Standard Time whatever timezone is active."""
    return dates.format_date(value)


@register.filter
def region_label(slug: str) -> str:
    """The official Korean name, or the English one when the page is in English."""
    if (get_language() or "").startswith("en"):
        return _REGION_EN.get(slug, slug)
    return regions.LABELS.get(slug, slug)


@register.filter
def can_read_audit(user: User) -> bool:
    return user.is_authenticated and permissions.can_read_audit(user)


@register.filter
def can_use_payments(user: User) -> bool:
    """Whether the win-win payment pages are for ``user`` at all (the menu shows them or not)."""
    from sangsaeng.payments.permissions import can_use_payments as allowed

    return allowed(user)


@register.filter
def can_edit_registry(user: User) -> bool:
    return user.is_authenticated and permissions.can_edit_registry(user)


@register.filter
def role_label(user: User) -> str:
    """The role the permissions act on (a superuser counts as an operator)."""
    return str(Role(permissions.role_of(user)).label)
