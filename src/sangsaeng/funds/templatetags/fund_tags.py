"""Template filters for the fund pages and the PDF: ``{% load fund_tags %}``.

``{{ 1234567|won }}`` → ``1,234,567`` (tables, with 원 in the header);
``{{ amount|krw }}`` → ``1,234,567원``; ``{{ amount|krw_units }}`` → ``123만 4,567원``.
"""

from __future__ import annotations

from django import template

from sangsaeng.lib import money

register = template.Library()


@register.filter
def won(amount: int | None) -> str:
    if amount is None:
        return "—"
    value = int(amount)
    return f"−{-value:,}" if value < 0 else f"{value:,}"


@register.filter
def krw(amount: int | None) -> str:
    return money.format_krw(amount)


@register.filter
def krw_units(amount: int | None) -> str:
    return money.format_krw_units(amount)


@register.filter
def percent_of(part: int | None, whole: int | None) -> int:
    """``part`` as a whole percentage of ``whole`` (floor), for progress bars; 0 if no whole."""
    if not part or not whole:
        return 0
    return max(0, min(100, int(part) * 100 // int(whole)))
