"""Template filters for Korean display conventions and role checks.

``{% load ui %}`` then e.g. ``{{ amount|krw }}`` → ``1,234,567원``,
``{{ amount|krw_units }}`` → ``1억 2,345만원``, ``{{ entry.at|kst }}`` → ``2025-05-21 14:03``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils.translation import get_language, gettext

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


@register.filter
def audit_changes(changes: dict[str, Any], model_label: str) -> list[tuple[str, str, str]]:
    """``{field: [old, new]}`` as ``(field label, old, new)`` rows for people: labels and
    choice values translated, booleans as yes/no. Blank values of a new record are left out."""
    if not isinstance(changes, dict):
        return []
    model = _model(model_label)
    rows = []
    for name, value in changes.items():
        old, new = _pair(value)
        if old is None and new in ("", None, []):
            continue
        field = _field(model, name)
        label = str(field.verbose_name) if field is not None else name
        rows.append((label, _display(field, old), _display(field, new)))
    return rows


def _pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value


def _model(label: str) -> type[Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model: type[Model] | None, name: str) -> Any:
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


def _display(field: Any, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    choices = dict(getattr(field, "flatchoices", None) or ())
    if value in choices:
        return str(choices[value])
    name = getattr(field, "name", "")
    if isinstance(value, int) and name in _MONEY_FIELDS:
        return money.format_krw(value)
    if name == "brn":
        return brn_lib.format_brn(str(value))
    return str(value)


# Amount fields shown in won with separators in the audit log.
_MONEY_FIELDS = {"annual_revenue", "annual_volume", "amount"}
