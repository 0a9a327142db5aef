"""The SQL behind the ledger's writes, kept to as few statements as the database allows.

Why raw SQL here: a transfer is the hottest write in Sangsaeng, and on PostgreSQL its cost is
round trips, not work (the ORM needs a statement per table, a CASE per balance, and a savepoint
to survive a duplicate key). On PostgreSQL:

* one transfer is **one** statement (``insert_linked``): data-modifying CTEs lock the chain
  head, link the transaction to it (the server computes the hash), insert it and its postings,
  and write the account caches and the new head; a taken key inserts nothing instead of failing;
* a few transfers are one statement of VALUES lists (``_pg_statement``);
* a big batch takes its ids from the sequence and streams rows with ``COPY`` (``_pg_copy``).

SQLite has no round trips and no data-modifying CTEs: there the statements go one by one.

Only ``services`` calls this module, inside its transaction and after taking the account locks.
The models stay the schema's authority: table and column names below are theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from sangsaeng.ledger.models import Account, ChainHead, Posting, Transaction
from sangsaeng.lib import bulk
from sangsaeng.locking import ledger_chain_lock_sql, lock_ledger_chain

ACCOUNT = Account._meta.db_table
HEAD = ChainHead._meta.db_table
TX = Transaction._meta.db_table
POSTING = Posting._meta.db_table

TX_COLUMNS = (
    "seq",
    "idempotency_key",
    "kind",
    "memo",
    "occurred_at",
    "created_at",
    "created_by_id",
    "source_type_id",
    "source_id",
    "reverses_id",
    "prev_hash",
    "hash",
)
# PostgreSQL type of each column, for the casts in VALUES lists.
_PG_TYPES = {
    "seq": "bigint",
    "idempotency_key": "text",
    "kind": "text",
    "memo": "text",
    "occurred_at": "timestamptz",
    "created_at": "timestamptz",
    "created_by_id": "bigint",
    "source_type_id": "integer",
    "source_id": "text",
    "reverses_id": "bigint",
    "prev_hash": "text",
    "hash": "text",
}
# Bound parameters per SQLite statement stay under its limit of 32,766.
MAX_PARAMS = 30_000
# From this many transactions on, PostgreSQL gets them by COPY rather than by INSERT.
COPY_FROM = 64


@dataclass
class TxRow:
    """A transaction about to be inserted, with its postings (account id, amount). ``seq``,
    ``prev_hash`` and ``hash`` are set when it is placed in the chain; ``pk`` once inserted."""

    idempotency_key: str
    kind: str
    memo: str
    occurred_at: dt.datetime
    created_at: dt.datetime
    created_by_id: int | None
    source_type_id: int | None
    source_id: str
    reverses_id: int | None
    postings: Sequence[tuple[int, int]]
    # The two dates as the database driver takes them (adapted once, used for every posting).
    occurred_db: Any = None
    created_db: Any = None
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""
    pk: int | None = None

    def values(self) -> list[Any]:
        return [
            self.seq,
            self.idempotency_key,
            self.kind,
            self.memo,
            self.occurred_db,
            self.created_db,
            self.created_by_id,
            self.source_type_id,
            self.source_id,
            self.reverses_id,
            self.prev_hash,
            self.hash,
        ]


def update_accounts(accounts: Sequence[Account]) -> None:
    """Write the cached ``balance`` and ``pending`` of locked accounts."""
    if not accounts:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_ACCOUNTS, _account_arrays(accounts))
        else:
            cursor.executemany(
                f"UPDATE {ACCOUNT} SET balance = %s, pending = %s WHERE id = %s",
                [(a.balance, a.pending, a.pk) for a in accounts],
            )


# Many accounts at once: whole columns as arrays (``unnest``), so the text of the statement is
# the same for ten rows or ten thousand and the driver parses it once.
_PG_ACCOUNTS = (
    f"UPDATE {ACCOUNT} AS a SET balance = v.balance, pending = v.pending "
    "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(id, balance, pending) "
    "WHERE a.id = v.id"
)


def _account_arrays(accounts: Sequence[Account]) -> list[list[int]]:
    return [[a.pk for a in accounts], [a.balance for a in accounts], [a.pending for a in accounts]]


def insert_linked(*, accounts: Sequence[Account], tx: TxRow, content: bytes) -> int | None:
    """PostgreSQL, one transaction: a single statement locks the chain head, links ``tx`` to it
    (the hash computed by the server: ``sha256(prev_hash || '\\n' || content)``, the same bytes
    as ``chain.link``), inserts it and its postings, and writes the account caches and the new
    head. Sets ``tx.seq``, ``prev_hash`` and ``hash`` and returns the new id, or returns None,
    having written nothing, if a unique key refused the row (its idempotency key, or the
    transaction it reverses, already taken): ``ON CONFLICT DO NOTHING`` rather than an error,
    so that a caller's transaction stays usable without a savepoint (two round trips fewer)."""
    columns = TX_COLUMNS[1:-2]  # seq, prev_hash and hash come from the chain head
    bigints = ("bigint",) * 3
    given = tx.pk is not None  # an id the caller drew (see ``transfer_post``)
    sql = (
        f"WITH h AS ({ledger_chain_lock_sql()}), "
        f"t AS (INSERT INTO {TX} ({'id, ' if given else ''}seq, prev_hash, hash, "
        f"{', '.join(columns)}) "
        f"SELECT {'%s::bigint, ' if given else ''}h.seq + 1, h.hash, "
        "encode(sha256(convert_to(h.hash, 'UTF8') || '\\x0a'::bytea || %s::bytea), 'hex'), "
        f"{', '.join(f'%s::{_PG_TYPES[c]}' for c in columns)} FROM h "
        "ON CONFLICT DO NOTHING RETURNING id, seq, prev_hash, hash, occurred_at), "
        f"head AS (UPDATE {HEAD} AS c SET seq = t.seq, hash = t.hash FROM t WHERE c.id = %s), "
        f"acc AS (UPDATE {ACCOUNT} AS a SET balance = v.balance, pending = v.pending "
        f"FROM (VALUES {_values(len(accounts), bigints)}) AS v(id, balance, pending), t "
        "WHERE a.id = v.id), "
        f"p AS (INSERT INTO {POSTING} (transaction_id, account_id, amount, occurred_at) "
        "SELECT t.id, v.account_id, v.amount, t.occurred_at FROM t CROSS JOIN "
        f"(VALUES {_values(len(tx.postings), bigints[:2])}) AS v(account_id, amount)) "
        "SELECT id, seq, prev_hash, hash FROM t"
    )
    values = dict(zip(TX_COLUMNS, tx.values(), strict=True))
    params: list[Any] = [ChainHead.ROW_ID, *([tx.pk] if given else []), content]
    params += [values[c] for c in columns]
    params += [ChainHead.ROW_ID]
    params += [v for a in accounts for v in (a.pk, a.balance, a.pending)]
    params += [v for leg in tx.postings for v in leg]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            cursor.execute(f"SELECT 1 FROM {HEAD} WHERE id = %s", [ChainHead.ROW_ID])
            if cursor.fetchone() is not None:
                return None  # a unique key refused the row
            lock_ledger_chain()  # no chain head yet (first use, or a test flush): create it
            cursor.execute(sql, params)
            row = cursor.fetchone()
            if row is None:
                return None
    tx.pk, tx.seq, tx.prev_hash, tx.hash = row
    return int(row[0])


def existing_keys(keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are already taken by a transaction (one cheap query per 10,000)."""
    found: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 10_000):
            chunk = list(keys[start : start + 10_000])
            params: list[Any] = [chunk]
            sql = f"SELECT idempotency_key FROM {TX} WHERE idempotency_key = ANY(%s)"
            if connection.vendor != "postgresql":
                params = chunk
                sql = sql.replace("= ANY(%s)", f"IN ({', '.join(['%s'] * len(chunk))})")
            cursor.execute(sql, params)
            found.update(row[0] for row in cursor.fetchall())
    return found


def insert_chained(
    *, accounts: Sequence[Account], txs: Sequence[TxRow], head_pk: int = ChainHead.ROW_ID
) -> dict[int, int]:
    """Write the account caches, the transactions, their postings and the new chain head.
    Returns ``{seq: transaction id}``. The caller holds the account and chain-head locks."""
    if connection.vendor == "postgresql":
        return _pg_insert(accounts, txs, head_pk)
    update_accounts(accounts)
    ids = _insert_transactions(txs)
    rows = [
        (ids[tx.seq], account_id, amount, tx.occurred_db)
        for tx in txs
        for account_id, amount in tx.postings
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {POSTING} (transaction_id, account_id, amount, occurred_at) "
            "VALUES (%s, %s, %s, %s)",
            rows,
        )
        cursor.execute(
            f"UPDATE {HEAD} SET seq = %s, hash = %s WHERE id = %s",
            [txs[-1].seq, txs[-1].hash, head_pk],
        )
    return ids


def _insert_transactions(txs: Sequence[TxRow]) -> dict[int, int]:
    ids: dict[int, int] = {}
    given = txs[0].pk is not None  # ids drawn by the caller (``lib.bulk.allocate``)
    names = ("id", *TX_COLUMNS) if given else TX_COLUMNS
    per = MAX_PARAMS // len(names)
    with connection.cursor() as cursor:
        for start in range(0, len(txs), per):
            chunk = txs[start : start + per]
            row = "(" + ", ".join(["%s"] * len(names)) + ")"
            cursor.execute(
                f"INSERT INTO {TX} ({', '.join(names)}) VALUES {', '.join([row] * len(chunk))} "
                "RETURNING seq, id",
                [v for tx in chunk for v in ([tx.pk] if given else []) + tx.values()],
            )
            ids.update(dict(cursor.fetchall()))
    return ids


def _pg_insert(accounts: Sequence[Account], txs: Sequence[TxRow], head_pk: int) -> dict[int, int]:
    if len(txs) >= COPY_FROM or txs[0].pk is not None:
        return _pg_copy(accounts, txs, head_pk)
    return _pg_statement(accounts, txs, head_pk)


def _pg_copy(accounts: Sequence[Account], txs: Sequence[TxRow], head_pk: int) -> dict[int, int]:
    """Big batches: take a block of ids from the sequence, stream the transactions and postings
    with ``COPY`` (several times faster than any ``INSERT``), then one statement for the account
    caches and the chain head."""
    with connection.cursor() as cursor:
        pks: Sequence[int]
        if txs[0].pk is not None:  # drawn by the caller (``lib.bulk.allocate``)
            pks = [tx.pk or 0 for tx in txs]
        else:
            # A block of ids in one call: safe because every insert into the transaction table
            # that does not bring its ids happens under the chain-head lock, which the caller
            # holds (callers that bring ids drew them with ``nextval``, one at a time).
            cursor.execute(
                "SELECT setval(s, nextval(s) + %s - 1) FROM pg_get_serial_sequence(%s, 'id') AS s",
                [len(txs), TX],
            )
            last = cursor.fetchone()[0]
            pks = range(last - len(txs) + 1, last + 1)
        raw = cursor.cursor  # the driver's cursor: COPY is PostgreSQL's own protocol
        with raw.copy(f"COPY {TX} (id, {', '.join(TX_COLUMNS)}) FROM STDIN") as copy:
            lines = [_copy_line([pk, *tx.values()]) for pk, tx in zip(pks, txs, strict=True)]
            copy.write("".join(lines))
        legs = []
        for pk, tx in zip(pks, txs, strict=True):
            when = _copy_text(tx.occurred_db)
            legs += [
                f"{pk}\t{account_id}\t{amount}\t{when}\n" for account_id, amount in tx.postings
            ]
        columns = "transaction_id, account_id, amount, occurred_at"
        with raw.copy(f"COPY {POSTING} ({columns}) FROM STDIN") as copy:
            copy.write("".join(legs))
        cursor.execute(
            f"WITH acc AS ({_PG_ACCOUNTS}) UPDATE {HEAD} SET seq = %s, hash = %s WHERE id = %s",
            [*_account_arrays(accounts), txs[-1].seq, txs[-1].hash, head_pk],
        )
    return {tx.seq: pk for pk, tx in zip(pks, txs, strict=True)}


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (``\\N`` for NULL, specials escaped)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return bulk.copy_escape(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _copy_line(values: Sequence[Any]) -> str:
    return "\t".join([str(v) if type(v) is int else _copy_text(v) for v in values]) + "\n"


def _values(rows: int, types: Sequence[str]) -> str:
    """``(%s::bigint, %s::text), (...)``: a VALUES list with a cast on every placeholder."""
    one = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    return ", ".join([one] * rows)


def _pg_statement(
    accounts: Sequence[Account], txs: Sequence[TxRow], head_pk: int
) -> dict[int, int]:
    """Small batches (a single transfer above all): one statement, VALUES lists (planned
    faster than ``unnest`` for a few rows): account caches, chain head, transactions and
    postings, the postings tied to their transaction by ``seq``."""
    legs = [(tx.seq, a, amount) for tx in txs for a, amount in tx.postings]
    bigints = ("bigint",) * 3
    sql = (
        f"WITH acc AS (UPDATE {ACCOUNT} AS a SET balance = v.balance, pending = v.pending "
        f"FROM (VALUES {_values(len(accounts), bigints)}) AS v(id, balance, pending) "
        "WHERE a.id = v.id), "
        f"head AS (UPDATE {HEAD} SET seq = %s, hash = %s WHERE id = %s), "
        f"t AS (INSERT INTO {TX} ({', '.join(TX_COLUMNS)}) "
        f"VALUES {_values(len(txs), [_PG_TYPES[c] for c in TX_COLUMNS])} "
        "RETURNING id, seq, occurred_at), "
        f"p AS (INSERT INTO {POSTING} (transaction_id, account_id, amount, occurred_at) "
        "SELECT t.id, v.account_id, v.amount, t.occurred_at FROM t JOIN "
        f"(VALUES {_values(len(legs), bigints)}) AS v(seq, account_id, amount) ON v.seq = t.seq) "
        "SELECT seq, id FROM t"
    )
    params: list[Any] = [v for a in accounts for v in (a.pk, a.balance, a.pending)]
    params += [txs[-1].seq, txs[-1].hash, head_pk]
    params += [v for tx in txs for v in tx.values()]
    params += [v for leg in legs for v in leg]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
