"""Rows for batches, without the ORM's per-object costs.

A batch of a thousand win-win payment operations makes a thousand claims, operations and
ledger transactions. Building each through ``Model.__init__`` and inserting through
``bulk_create`` cost more than the database's own work, so a batch instead:

* draws the primary keys first (:func:`allocate`), so every row can name its parent, its
  operation and its transaction before anything is written and nothing is updated afterwards;
* builds its instances with :func:`instance` (no ``__init__``, no signals: there are none on
  these models);
* writes them with :func:`insert_instances` / :func:`insert`: ``COPY`` on PostgreSQL (several
  times faster than any ``INSERT``), one ``executemany`` on SQLite;
* checks its foreign keys as the rows go in (:func:`check_keys_now`).

A single operation reads and writes a few rows by hand in the same spirit (:func:`select_list`,
:func:`from_row`, :func:`insert_select`): the ORM's compiling of its queries cost more than
running them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models.base import ModelState
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copying() -> bool:
    return connection.vendor == "postgresql"


def allocate(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys of ``model``'s table, in increasing order.

    PostgreSQL: drawn from the table's sequence (``nextval`` is atomic, so concurrent writers
    never get the same id). SQLite: the write transaction (``BEGIN IMMEDIATE``, see settings)
    holds the database's only write lock, so nobody else can insert until we commit: the next
    ids after both the largest id and ``sqlite_sequence`` (``AUTOINCREMENT`` never reuses an id)
    are ours."""
    return allocate_many({model: count})[model]


def allocate_many(counts: dict[type[models.Model], int]) -> dict[type[models.Model], list[int]]:
    """:func:`allocate` for several tables at once: on PostgreSQL one round trip for all."""
    drawn: dict[type[models.Model], list[int]] = {model: [] for model in counts}
    wanted = [(model, count) for model, count in counts.items() if count > 0]
    if not wanted:
        return drawn
    with connection.cursor() as cursor:
        if copying():
            # The sequence's name as a literal: ``nextval(pg_get_serial_sequence(...))`` would
            # look the sequence up again for every id (six times slower per id).
            parts = [
                f"SELECT {i}, nextval({sql_literal(sequence_of(model))}) "
                "FROM generate_series(1, %s)"
                for i, (model, _count) in enumerate(wanted)
            ]
            cursor.execute(" UNION ALL ".join(parts), [count for _model, count in wanted])
            for i, pk in cursor.fetchall():
                drawn[wanted[i][0]].append(pk)
            for ids in drawn.values():
                ids.sort()
            return drawn
        for model, count in wanted:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT MAX(id) FROM {connection.ops.quote_name(table)} "
                "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s",
                [table],
            )
            last = max((row[0] or 0 for row in cursor.fetchall()), default=0)
            drawn[model] = list(range(last + 1, last + 1 + count))
    return drawn


_SEQUENCES: dict[tuple[str, str, str], str] = {}


def sequence_of(model: type[models.Model]) -> str:
    """The qualified name of the sequence behind ``model``'s id (PostgreSQL), read once per
    database: names, unlike OIDs, survive the database being made again."""
    table = model._meta.db_table
    key = (connection.alias, str(connection.settings_dict["NAME"]), table)
    if key not in _SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            _SEQUENCES[key] = cursor.fetchone()[0]
    return _SEQUENCES[key]


def sql_literal(name: str) -> str:
    """A catalog name as an SQL string literal."""
    return "'" + name.replace("'", "''") + "'"


def _defaults(model: type[models.Model]) -> dict[str, Any]:
    """Each field's default as ``Model.__init__`` would set it ("" for text, None otherwise);
    callable defaults are called per instance, in :func:`instance`."""
    return {f.attname: None if _calls(f) else f.get_default() for f in model._meta.concrete_fields}


def _calls(f: Any) -> bool:
    return f.default is not NOT_PROVIDED and callable(f.default)


_DEFAULTS: dict[type[models.Model], tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]] = {}


def instance(model: type[M], values: dict[str, Any], *, saved: bool = False) -> M:
    """A ``model`` instance with ``values`` (attribute names) and the fields' defaults for the
    rest, built without ``Model.__init__`` (which costs more than the row's insert). Only for
    models without ``post_init`` receivers; ``saved``: marked as read from the database (the
    default one: Sangsaeng has one database, and ``connection.alias`` costs a thread-local
    look-up per call)."""
    if model not in _DEFAULTS:
        calls = [(f.attname, f.default) for f in model._meta.concrete_fields if _calls(f)]
        _DEFAULTS[model] = (_defaults(model), calls)
    plain, calls = _DEFAULTS[model]
    obj = model.__new__(model)
    state = obj.__dict__
    state.update(plain)
    for name, make in calls:
        state[name] = make()
    state.update(values)
    obj._state = ModelState()
    obj._state.adding = not saved
    obj._state.db = DEFAULT_DB_ALIAS if saved else None
    return obj


def mark_saved(objs: Sequence[models.Model]) -> None:
    for obj in objs:
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS


def _text(value: Any) -> str:
    """One value in ``COPY``'s text format: ``\\N`` for NULL, specials escaped."""
    kind = type(value)
    if kind is int:
        return str(value)
    if value is None:
        return "\\N"
    if kind is str:
        return copy_escape(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is dt.date or kind is dt.datetime:
        return value.isoformat()
    if kind is Decimal:
        return format(value, "f")  # never an exponent
    return copy_escape(str(value))


def copy_escape(text: str) -> str:
    """``text`` for ``COPY``'s text format: backslash, tab, newline and carriage return escaped.
    Most text has none of them, and two scans in C say so ten times faster than ``translate``
    copies it (a tab, a newline and a carriage return are not printable)."""
    if text.isprintable() and "\\" not in text:
        return text
    return text.translate(_ESCAPES)


def insert(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``, column names of ``model``'s table,
    primary keys included) in one go. Values are written as given: JSON as its text, dates as
    dates, no ``auto_now`` (the caller sets the timestamps)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if copying():
            # ``str`` straight for integers (most values: ids, amounts), ``_text`` for the rest.
            text = "".join(
                "\t".join([str(v) if type(v) is int else _text(v) for v in row]) + "\n"
                for row in rows
            )
            raw = cursor.cursor  # the driver's cursor: COPY is PostgreSQL's own protocol
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write(text)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",
            [tuple(map(_sqlite_value, row)) for row in rows],
        )


def _sqlite_value(value: Any) -> Any:
    """Dates as Django stores them in SQLite (ISO text; the driver's own date adapters are
    deprecated)."""
    kind = type(value)
    if kind is dt.date:
        return value.isoformat()
    if kind is dt.datetime:
        return connection.ops.adapt_datetimefield_value(value)
    return value


def insert_instances(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (primary keys already set, see :func:`allocate`) with :func:`insert`:
    every concrete field, JSON as text, ``auto_now(_add)`` timestamps taken once for the batch;
    the instances are then marked saved, as ``bulk_create`` would."""
    if not objs:
        return
    fields = list(model._meta.concrete_fields)
    now = timezone.now()
    for f in fields:
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            for obj in objs:
                if f.auto_now or getattr(obj, f.attname) is None:
                    setattr(obj, f.attname, now)
    get = attrgetter(*(f.attname for f in fields))
    json_at = [
        (i, getattr(f, "encoder", None))
        for i, f in enumerate(fields)
        if isinstance(f, models.JSONField)
    ]
    tuples: list[Sequence[Any]] = []
    if json_at:
        for obj in objs:
            row = list(get(obj))
            for i, encoder in json_at:
                if row[i] is not None:
                    row[i] = json.dumps(row[i], cls=encoder)
            tuples.append(row)
    else:
        tuples = [get(obj) for obj in objs]
    insert(model, [f.column for f in fields], tuples)
    if objs[0]._state.adding:
        mark_saved(objs)


_FOREIGN_KEYS: dict[tuple[str, str], dict[tuple[str, str], str]] = {}


def _foreign_keys(tables: Sequence[str]) -> dict[tuple[str, str], str]:
    """``{(table, column): constraint name}`` of the foreign keys of ``tables`` (PostgreSQL),
    read once per database."""
    cache_key = (connection.alias, str(connection.settings_dict["NAME"]))
    found = _FOREIGN_KEYS.get(cache_key, {})
    if not {t for t, _ in found} >= set(tables):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.conrelid::regclass::text, a.attname, c.conname FROM pg_constraint c "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)",
                [list(tables)],
            )
            found = {**found, **{(t, col): name for t, col, name in cursor.fetchall()}}
        _FOREIGN_KEYS[cache_key] = found
    return found


def check_keys_now(
    models_: Sequence[type[models.Model]], *, except_: Sequence[tuple[type[models.Model], str]] = ()
) -> None:
    """PostgreSQL: from now on in this transaction, check the foreign keys of ``models_`` at
    the end of each statement instead of at COMMIT (Django makes them ``DEFERRABLE INITIALLY
    DEFERRED``), except ``except_`` (model, field name): keys whose rows are inserted later.

    Why: a batch holds the ledger's chain-head lock from its ledger insert to COMMIT, so work
    left for COMMIT is done while every other writer waits. Checked as the rows go in, the keys
    are checked before that lock is taken."""
    if not copying():
        return
    tables = [m._meta.db_table for m in models_]
    keep = {(m._meta.db_table, getattr(m._meta.get_field(f), "column", f)) for m, f in except_}
    names = [
        n for (t, col), n in _foreign_keys(tables).items() if t in tables and (t, col) not in keep
    ]
    if names:
        with connection.cursor() as cursor:
            quoted = ", ".join(connection.ops.quote_name(n) for n in names)
            cursor.execute(f"SET CONSTRAINTS {quoted} IMMEDIATE")


# -- single rows in raw SQL (the hot path of one operation) --------------------------------------


_SELECT_LISTS: dict[tuple[type[models.Model], str], tuple[str, list[str]]] = {}


def select_list(model: type[models.Model], alias: str) -> tuple[str, list[str]]:
    """``alias.col, ...`` for every concrete field of ``model`` and their attribute names, to
    read rows of it inside a hand-written join (see :func:`from_row`)."""
    if (model, alias) not in _SELECT_LISTS:
        fields = list(model._meta.concrete_fields)
        sql = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)
        _SELECT_LISTS[model, alias] = (sql, [f.attname for f in fields])
    return _SELECT_LISTS[model, alias]


_CONVERTERS: dict[tuple[str, type[models.Model]], list[tuple[str, Any, list[Any]]]] = {}


def from_row(model: type[M], names: Sequence[str], values: Sequence[Any]) -> M:
    """An instance as read from the database, from a row of :func:`select_list`'s columns
    (values converted as the ORM converts them: dates on SQLite, JSON, decimals)."""
    key = (connection.vendor, model)
    if key not in _CONVERTERS:
        plan = []
        for f in model._meta.concrete_fields:
            col = f.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(col) + f.get_db_converters(connection)  # type: ignore[attr-defined]
            plan.append((f.attname, col, converters))
        _CONVERTERS[key] = plan
    by_name = {name: (col, conv) for name, col, conv in _CONVERTERS[key]}
    converted = {}
    for name, value in zip(names, values, strict=True):
        col, converters = by_name[name]
        if value is not None:
            for convert in converters:
                value = convert(value, col, connection)
        converted[name] = value
    return instance(model, converted, saved=True)


_INSERT_SELECTS: dict[
    tuple[type[models.Model], frozenset[tuple[str, str]]], tuple[str, list[tuple[str, bool, Any]]]
] = {}


def insert_select(
    model: type[models.Model], obj: models.Model, exprs: dict[str, str], source: str
) -> tuple[str, list[Any]]:
    """``INSERT INTO table (every column but id) SELECT …`` for a data-modifying CTE: each
    column takes ``obj``'s value as a typed parameter, or the SQL expression ``exprs[attname]``
    (such as ``c.id`` of a row inserted by an earlier part of the statement); ``source`` is the
    ``FROM`` clause (or ""). PostgreSQL only."""
    key = (model, frozenset(exprs.items()))
    if key not in _INSERT_SELECTS:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns: list[str] = []
        parts: list[str] = []
        taken: list[tuple[str, bool, Any]] = []
        for f in fields:
            columns.append(connection.ops.quote_name(f.column))
            if f.attname in exprs:
                parts.append(exprs[f.attname])
                continue
            parts.append(f"%s::{f.db_type(connection)}")
            is_json = isinstance(f, models.JSONField)
            taken.append((f.attname, is_json, getattr(f, "encoder", None)))
        table = connection.ops.quote_name(model._meta.db_table)
        head = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(parts)}"
        _INSERT_SELECTS[key] = (head, taken)
    head, taken = _INSERT_SELECTS[key]
    params = []
    for name, is_json, encoder in taken:
        value = getattr(obj, name)
        if is_json and value is not None:
            value = json.dumps(value, cls=encoder)
        params.append(value)
    return f"{head} {source}", params
