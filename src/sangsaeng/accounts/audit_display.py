"""The audit trail as people read it: Korean record types, field labels and values.

Entries store raw JSON (``{field: [old, new]}``, foreign keys by id, rates as strings, nested
dicts as they were); everything here happens at display time and the stored data is never
changed. Foreign-key ids are resolved to names with one query per referenced model for the whole
page, never one per entry."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from sangsaeng.accounts.models import AuditEntry
from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib import dates, money

EMPTY = "—"
SOURCES = {
    "web": _("web"),
    "api": _("API"),
    "import": _("import"),
    "xlsx": _("Excel import"),
    "cli": _("command line"),
    "demo": _("demo data"),
    "ledger": _("ledger"),
    "test": _("test"),
}
SYSTEM_ACTOR = "system"
# Integer fields that are not amounts although stored as 64-bit integers (everything else of
# that type holds won: the project keeps every amount in a BigIntegerField).
_NOT_MONEY = {"seq"}

NameKey = tuple[type[models.Model], str]

# Names Django derives from class and field names (no verbose_name given) and keys of stored
# nested values: translated by gettext at display time, listed here so that makemessages keeps
# their entries in the catalogue. Better still is a verbose_name on the model itself.
DERIVED_NAMES = [
    gettext_noop("api token"),
    gettext_noop("api tokens"),
    gettext_noop("tag"),
    gettext_noop("contact"),
    gettext_noop("prefix"),
    gettext_noop("last used at"),
    gettext_noop("revoked at"),
    gettext_noop("key hash"),
    gettext_noop("updated at"),
    gettext_noop("transaction"),
    gettext_noop("account"),
    gettext_noop("source type"),
    gettext_noop("prev hash"),
    gettext_noop("debit account"),
    gettext_noop("credit account"),
    gettext_noop("posting transaction"),
    gettext_noop("resolved by"),
    gettext_noop("seq"),
    gettext_noop("max days"),  # payments: Programme.spread_tiers[].max_days
]


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    record_type: str
    actor: str
    source: str
    changes: list[Change]


def model_for(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def record_type(label: str) -> str:
    """``"payments.programme"`` → ``"상생결제 약정"``; an unknown label as stored."""
    model = model_for(label)
    if model is None:
        return label
    # gettext again: a verbose name Django derived from the class name ("api token") is a plain
    # string, translated only if the catalogue has it.
    return gettext(str(model._meta.verbose_name))


def audit_rows(entries: Iterable[AuditEntry]) -> list[AuditRow]:
    """One display row per entry, with the referenced records' names fetched in bulk."""
    entries = list(entries)
    names = _names(_references(entries))
    return [
        AuditRow(
            entry=entry,
            record_type=record_type(entry.model),
            actor=_actor(entry),
            source=str(SOURCES.get(entry.source, entry.source)),
            changes=_changes(entry, names),
        )
        for entry in entries
    ]


def _actor(entry: AuditEntry) -> str:
    """Who acted; changes with no user behind them (commands, seeds) as "system"."""
    if entry.actor_id is None and entry.actor_name == SYSTEM_ACTOR:
        return gettext("system")
    return entry.actor_name or EMPTY


def _changes(entry: AuditEntry, names: dict[NameKey, str]) -> list[Change]:
    """``(field label, old, new)`` rows; blank values of a new record are left out."""
    if not isinstance(entry.changes, dict):
        return []
    model = model_for(entry.model)
    rows = []
    for name, value in sorted(entry.changes.items(), key=_field_order(model)):
        old, new = _pair(value)
        if old is None and new in ("", None, [], {}):
            continue
        field = _field(model, name)
        rows.append(
            Change(_label(field, name), _display(field, old, names), _display(field, new, names))
        )
    return rows


def _field_order(model: type[models.Model] | None) -> Callable[[tuple[str, Any]], tuple]:
    """Changes in the model's field order, unknown keys last by name: PostgreSQL's jsonb keeps
    keys in its own order (shortest first), not the order they were written in."""
    fields = model._meta.get_fields() if model is not None else []
    position = {f.name: i for i, f in enumerate(fields)}
    position.update({f.attname: i for i, f in enumerate(fields) if hasattr(f, "attname")})
    return lambda item: (position.get(item[0], len(position)), item[0])


def _pair(value: Any) -> tuple[Any, Any]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value


def _field(model: type[models.Model] | None, name: str) -> Any:
    """The model field stored under ``name`` (its ``attname`` too: ``owner_id``)."""
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(field: Any, name: str) -> str:
    if field is not None:
        return gettext(str(field.verbose_name))
    return _key_label(name)


def _key_label(name: str) -> str:
    return gettext(str(name).replace("_", " "))


# -- foreign keys -----------------------------------------------------------------------------


def _target(field: Any) -> type[models.Model] | None:
    """The model a foreign key (or one-to-one) points to; None for any other field."""
    if not getattr(field, "concrete", False):
        return None
    if not (field.many_to_one or field.one_to_one):
        return None
    return field.related_model


def _pk(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit()):
        return str(value)
    return None


def _references(entries: Sequence[AuditEntry]) -> dict[type[models.Model], set[str]]:
    """Every foreign-key id the entries mention, by the model it points to."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for entry in entries:
        if not isinstance(entry.changes, dict):
            continue
        model = model_for(entry.model)
        for name, value in entry.changes.items():
            target = _target(_field(model, name))
            if target is None:
                continue
            for side in _pair(value):
                if (pk := _pk(side)) is not None:
                    wanted[target].add(pk)
    return wanted


def _names(wanted: dict[type[models.Model], set[str]]) -> dict[NameKey, str]:
    """``{(model, pk): name}``: one query per model that has a name to show (``name``, or the
    user's username). Others keep their id: their ``__str__`` may follow further relations."""
    names: dict[NameKey, str] = {}
    for model, pks in wanted.items():
        column = _name_column(model)
        if column is None:
            continue
        valid = [int(pk) for pk in pks if len(pk) < 19]  # past a bigint: no such row
        rows = model._default_manager.filter(pk__in=valid).values_list("pk", column)
        names.update({(model, str(pk)): str(name) for pk, name in rows})
    return names


def _name_column(model: type[models.Model]) -> str | None:
    user_model = get_user_model()
    if model is user_model:
        return str(user_model.USERNAME_FIELD)
    try:
        model._meta.get_field("name")
    except FieldDoesNotExist:
        return None
    return "name"


# -- values -----------------------------------------------------------------------------------


def _display(field: Any, value: Any, names: dict[NameKey, str]) -> str:
    """One stored value as text: None as "—", choices by label, amounts in won, records by
    name, nested lists and dicts as "key: value" pairs."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return _plain(value)
    target = _target(field)
    if target is not None and (pk := _pk(value)) is not None:
        return names.get((target, pk)) or f"{record_type(target._meta.label_lower)} #{pk}"
    choices = dict(getattr(field, "flatchoices", None) or ())
    if not isinstance(value, list | dict) and value in choices:
        return str(choices[value])
    if isinstance(value, int) and _is_money(field):
        return money.format_krw(value)
    if getattr(field, "name", "") == "brn" and isinstance(value, str):
        return brn_lib.format_brn(value)
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        return _moment(value)
    return _plain(value)


def _moment(value: str) -> str:
    """A stored ISO timestamp in Korea Standard Time, as the rest of the page shows times."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return dates.format_date(moment)


def _is_money(field: Any) -> bool:
    return isinstance(field, models.BigIntegerField) and field.name not in _NOT_MONEY


def _plain(value: Any) -> str:
    """A value with no field to go by, inside a list or dict too."""
    if value is None or value == "":
        return gettext("none")
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        # Sorted by key: jsonb does not keep the written order, so this is the stable one.
        pairs = sorted(value.items(), key=lambda item: str(item[0]))
        return ", ".join(f"{_key_label(k)}: {_plain(v)}" for k, v in pairs) or EMPTY
    if isinstance(value, list):
        parts = [_plain(v) for v in value]
        return ("; " if any(isinstance(v, dict) for v in value) else ", ").join(parts) or EMPTY
    return str(value)
