"""Claim rows written back by a batch (the rest of its rows go in through ``lib.bulk``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from sangsaeng.lib.bulk import copying


def update_claims(claims: Sequence[Any]) -> None:
    """Write back ``remaining`` and ``last_op_date`` of existing claims in one statement:
    ``UPDATE … FROM unnest(…)`` on PostgreSQL (``bulk_update``'s ``CASE`` of a branch per row
    is slow to build and to plan for a thousand rows), ``executemany`` on SQLite."""
    if not claims:
        return
    model = type(claims[0])
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if not copying():
            cursor.executemany(
                f"UPDATE {table} SET remaining = %s, last_op_date = %s WHERE id = %s",
                [(c.remaining, c.last_op_date, c.pk) for c in claims],
            )
            return
        cursor.execute(
            f"UPDATE {table} AS c SET remaining = v.remaining, last_op_date = v.day "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::date[]) AS v(id, remaining, day) "
            "WHERE c.id = v.id",
            [
                [c.pk for c in claims],
                [c.remaining for c in claims],
                [c.last_op_date for c in claims],
            ],
        )
