"""The tamper-evident hash chain over transactions.

Each transaction's hash is ``sha256(prev_hash + "\\n" + canonical content)``, where the canonical
content holds only fields that do not depend on database ids: the idempotency key, kind, memo,
value date (UTC, microseconds), the postings as sorted ``[account code, amount]`` pairs and the
idempotency key of the transaction it reverses. Changing any of them in the database, deleting a
transaction or reordering the chain changes every hash from there on, which ``verify`` finds.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable


@functools.lru_cache(maxsize=4096)  # a batch's transactions share a few value dates
def _utc(value: dt.datetime) -> str:
    """``2025-01-02T03:04:05.000006Z``: UTC, always with microseconds."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical(
    *,
    idempotency_key: str,
    kind: str,
    memo: str,
    occurred_at: dt.datetime,
    postings: Iterable[tuple[str, int]],
    reverses_key: str | None,
) -> bytes:
    """The bytes hashed for one transaction; ``postings`` are (account code, amount) pairs."""
    body = {  # keys in sorted order: the JSON is the same as with ``sort_keys=True``
        "key": idempotency_key,
        "kind": kind,
        "memo": memo,
        "occurred_at": _utc(occurred_at),
        "postings": sorted([code, int(amount)] for code, amount in postings),
        "reverses": reverses_key,
    }
    return _encode(body).encode()


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def link(prev_hash: str, content: bytes) -> str:
    """The hash of a transaction whose canonical content is ``content`` after ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + content).hexdigest()
