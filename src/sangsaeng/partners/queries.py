"""Reads over the partner registry, above all the tier derivation.

A company's tier relative to an anchor is the length of the shortest chain of supply links
from the anchor down to it (tier 1 = a direct supplier), counting only links in force on the
given date. It is computed in the database with a recursive CTE, so the list page can filter
100,000 companies by tier without loading the graph into Python. ``UNION`` (not ``UNION ALL``)
drops repeated (company, depth) pairs, so shared suppliers reached by many paths cost one row
per depth, and the depth bound guarantees the walk ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from sangsaeng.accounts.models import User
from sangsaeng.accounts.permissions import visible_companies
from sangsaeng.lib.dates import today_kst
from sangsaeng.partners.models import Company, SupplyLink

LINK = SupplyLink._meta.db_table

_WALK = """
WITH RECURSIVE walk(id, depth) AS (
    SELECT CAST(%s AS BIGINT), 0
    UNION
    SELECT l.{to_col}, w.depth + 1
    FROM {link} l JOIN walk w ON l.{from_col} = w.id
    WHERE w.depth < %s AND l.start_date <= %s AND (l.end_date IS NULL OR l.end_date >= %s)
)
"""


def _walk_sql(direction: str) -> str:
    cols = {"down": ("buyer_id", "supplier_id"), "up": ("supplier_id", "buyer_id")}[direction]
    return _WALK.format(link=LINK, from_col=cols[0], to_col=cols[1])


def _walk_params(start_id: int, as_of: dt.date | None, depth: int | None) -> list:
    day = as_of or today_kst()
    return [start_id, depth or settings.TIER_MAX_DEPTH, day, day]


def tiers_from(
    anchor_id: int, *, as_of: dt.date | None = None, direction: str = "down"
) -> dict[int, int]:
    """``{company_id: tier}`` for every company reachable from the anchor (anchor excluded)."""
    sql = _walk_sql(direction) + "SELECT id, MIN(depth) FROM walk WHERE depth > 0 GROUP BY id"
    with connection.cursor() as cursor:
        cursor.execute(sql, _walk_params(anchor_id, as_of, None))
        return {int(row[0]): int(row[1]) for row in cursor.fetchall()}


def tier_of(company_id: int, anchor_id: int, *, as_of: dt.date | None = None) -> int | None:
    """The company's tier below the anchor, or None if the anchor's chain does not reach it."""
    if company_id == anchor_id:
        return 0
    return tiers_from(anchor_id, as_of=as_of).get(company_id)


def ids_at_tier(anchor_id: int, tier: int, *, as_of: dt.date | None = None) -> RawSQL:
    """A subquery of the ids whose tier below the anchor is exactly ``tier``."""
    sql = _walk_sql("down") + (
        "SELECT id FROM walk WHERE depth > 0 GROUP BY id HAVING MIN(depth) = %s"
    )
    return RawSQL(sql, [*_walk_params(anchor_id, as_of, tier), tier])  # noqa: S611 - values bound


def reaches(start_id: int, target_id: int) -> bool:
    """Whether ``target`` is downstream of ``start`` through any links, past or present.

    Used to refuse cycles, so it ignores dates and depth: any loop at any time is refused.
    Walking ids alone with UNION ends even if the graph somehow held a loop.
    """
    sql = f"""
    WITH RECURSIVE walk(id) AS (
        SELECT CAST(%s AS BIGINT)
        UNION
        SELECT l.supplier_id FROM {LINK} l JOIN walk w ON l.buyer_id = w.id
    )
    SELECT 1 FROM walk WHERE id = %s LIMIT 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [start_id, target_id])
        return cursor.fetchone() is not None


@dataclass(frozen=True)
class ChainEntry:
    company: Company
    level: int


def supply_chain(
    company: Company, *, direction: str, as_of: dt.date | None = None, limit: int = 500
) -> list[ChainEntry]:
    """Companies below (``down``: suppliers, by tier) or above (``up``: buyers) a company."""
    levels = tiers_from(company.pk, as_of=as_of, direction=direction)
    ordered = sorted(levels.items(), key=lambda item: item[1])[:limit]
    companies = Company.objects.in_bulk([cid for cid, _ in ordered])
    entries = [ChainEntry(companies[cid], level) for cid, level in ordered if cid in companies]
    return sorted(entries, key=lambda e: (e.level, e.company.name))


@dataclass
class CompanyFilters:
    q: str = ""
    kind: str = ""
    region: str = ""
    industry: str = ""
    anchor: int | None = None
    tier: int | None = None
    active: bool | None = None
    tag: str = ""


def company_search(user: User, filters: CompanyFilters) -> QuerySet[Company]:
    """The companies ``user`` may see that match ``filters``, in name order."""
    qs = visible_companies(user, Company.objects.all())
    if filters.q:
        term = filters.q.strip()
        digits = term.replace("-", "")
        if digits.isascii() and digits.isdigit() and len(digits) >= 3:
            # A number is a BRN prefix: a range on the unique index instead of a name scan.
            qs = qs.filter(brn__gte=digits, brn__lt=digits[:-1] + chr(ord(digits[-1]) + 1))
        else:
            qs = qs.filter(Q(name__icontains=term) | Q(name_en__icontains=term))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.region:
        qs = qs.filter(region=filters.region)
    if filters.industry:
        qs = qs.filter(ksic_code__startswith=filters.industry)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.anchor and filters.tier:
        qs = qs.filter(pk__in=ids_at_tier(filters.anchor, filters.tier))
    elif filters.anchor:
        qs = qs.filter(pk__in=ids_at_tier_any(filters.anchor))
    return qs


def ids_at_tier_any(anchor_id: int, *, as_of: dt.date | None = None) -> RawSQL:
    """A subquery of every id below the anchor, at any tier."""
    sql = _walk_sql("down") + "SELECT id FROM walk WHERE depth > 0"
    return RawSQL(sql, _walk_params(anchor_id, as_of, None))  # noqa: S611 - values bound


def anchors() -> QuerySet[Company]:
    """The tops of supply chains (buy from someone, supply no one): the usual anchors.

    Listing every buyer would put thousands of options on the list page at 100,000 companies;
    any other buyer can still be chosen as an anchor by id (its detail page links to it).
    """
    return Company.objects.filter(pk__in=SupplyLink.objects.values("buyer_id")).exclude(
        pk__in=SupplyLink.objects.values("supplier_id")
    )
