"""Writing the audit trail. Services call these inside their own transaction, so an audit entry
exists exactly when the change it describes was committed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models

from sangsaeng.accounts.models import AuditAction, AuditEntry, User


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: Sequence[str]) -> dict[str, Any]:
    """The current values of ``fields`` (foreign keys by id), JSON-ready."""
    return {name: _plain(getattr(instance, _attname(instance, name))) for name in fields}


def _attname(instance: models.Model, name: str) -> str:
    field = instance._meta.get_field(name)
    return getattr(field, "attname", name)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _entry(
    actor: User | None, action: str, instance: models.Model, changes: dict, source: str
) -> AuditEntry:
    return AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.get_username() if actor is not None else "system",
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        changes=changes,
        source=source,
    )


def audit_record(
    *,
    actor: User | None,
    action: AuditAction | str,
    instance: models.Model,
    changes: dict | None = None,
    source: str = "web",
) -> AuditEntry:
    entry = _entry(actor, str(action), instance, changes or {}, source)
    entry.save()
    return entry


def audit_bulk(
    *,
    actor: User | None,
    action: AuditAction | str,
    items: Iterable[tuple[models.Model, dict]],
    source: str,
) -> None:
    """One entry per record, written in batches (imports touch thousands of records)."""
    entries = [_entry(actor, str(action), obj, changes, source) for obj, changes in items]
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
