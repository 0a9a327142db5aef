"""Multi-row inserts for batches. On PostgreSQL the ids are drawn from the table's sequence
first and the rows streamed with ``COPY`` (several times faster than a multi-row ``INSERT``
built by the ORM, and the caller knows every id before anything is written, so no row has to
be updated afterwards); elsewhere ``bulk_create``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copying() -> bool:
    return connection.vendor == "postgresql"


def allocate(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys of ``model``'s table (PostgreSQL), in increasing order."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")  # never an exponent
    return str(value)


def copy_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (primary keys already set, see :func:`allocate`) with ``COPY``; they are
    marked saved, as ``bulk_create`` would."""
    if not objs:
        return
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Plain attribute values (the fields here are integers, text, dates, decimals and JSON:
    # their text form is their ``str``), not ``get_db_prep_save`` per value, which cost more
    # than the COPY itself; ``auto_now(_add)`` timestamps are taken once for the batch.
    now = timezone.now()
    stamped = {
        f.attname: f.auto_now
        for f in fields
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
    }
    for obj in objs:
        for name, always in stamped.items():
            if always or getattr(obj, name) is None:
                setattr(obj, name, now)
    plan = [(f.attname, isinstance(f, models.JSONField), f) for f in fields]
    lines = []
    for obj in objs:
        values = []
        for name, is_json, f in plan:
            value = getattr(obj, name)
            if is_json and value is not None:
                value = json.dumps(value, cls=getattr(f, "encoder", None))
            values.append(_text(value))
        lines.append("\t".join(values) + "\n")
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the driver's cursor: COPY is PostgreSQL's own protocol
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write("".join(lines))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def update_claims(claims: Sequence[Any]) -> None:
    """Write back ``remaining`` and ``last_op_date`` of existing claims: on PostgreSQL one
    ``UPDATE … FROM unnest(…)`` (``bulk_update``'s ``CASE`` of a branch per row is slow to
    build and to plan for a thousand rows)."""
    if not claims:
        return
    model = type(claims[0])
    if not copying():
        model.objects.bulk_update(claims, ["remaining", "last_op_date"])
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
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
