"""All row and graph locking in one place, always in primary-key order.

Taking locks in one fixed order means two transactions can never each hold a lock the other
waits for. On SQLite every write transaction already begins IMMEDIATE (settings), which takes
the database's single write lock, so the functions here only have work to do on PostgreSQL.
"""

from __future__ import annotations

from django.db import connection

# Advisory lock keys (PostgreSQL): one number per kind of graph-wide invariant.
SUPPLY_GRAPH_LOCK = 0x5A_0001


def lock_supply_graph() -> None:
    """Serialise changes to the supply graph.

    Race prevented: two requests adding A→B and B→A at once each see no cycle in the graph
    as it was, and both commit, leaving a cycle. With this transaction-scoped advisory lock the
    second waits, then sees the first link and refuses. Call inside ``transaction.atomic``.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SUPPLY_GRAPH_LOCK])


# Ledger. Order, always: ledger accounts (by pk) → a pending transfer → the chain head. The
# models are imported inside the functions: this module is imported by every app's services.
# The account and chain-head locks are raw SQL because they sit on the ledger's hottest path
# (see ledger/store.py). (The imports sit here so that this section is appended as one piece.)
from collections.abc import Iterable  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from sangsaeng.ledger.models import Account, ChainHead, PendingTransfer


def _for_update() -> str:
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def lock_ledger_accounts(account_ids: Iterable[int]) -> dict[int, Account]:
    """Lock the ledger accounts ``account_ids`` in primary-key order and return them fresh
    (only the fields a posting needs are loaded).

    Race prevented: two transfers out of one account each read the old balance, each pass the
    "must not go negative" check, and both commit, overdrawing it (and one balance update is
    lost). With the rows locked, the second waits and re-reads the balance the first wrote.
    Sorting by pk means two multi-account transfers can never each hold a row the other wants.
    """
    from sangsaeng.ledger.models import Account

    ids = sorted(set(account_ids))
    fields = ["id", "code", "normal_side", "allow_negative", "balance", "pending"]
    select = f"SELECT {', '.join(fields)} FROM {Account._meta.db_table} WHERE id "
    queries: list[tuple[str, list]]
    if connection.vendor == "postgresql":
        # One array parameter however many accounts; rows are locked in the ORDER BY's order.
        # NO KEY UPDATE (what an UPDATE of the balance takes anyway): writers of the same
        # accounts wait, but inserts elsewhere that merely reference an account (a fund's row,
        # a posting's foreign-key check) do not.
        queries = [(select + "= ANY(%s) ORDER BY id FOR NO KEY UPDATE", [ids])]
    else:
        # SQLite: the IMMEDIATE transaction already holds the database's one write lock.
        chunks = [ids[i : i + 10_000] for i in range(0, len(ids), 10_000)]
        queries = [(select + f"IN ({', '.join(['%s'] * len(c))})", c) for c in chunks]
    locked: dict[int, Account] = {}
    with connection.cursor() as cursor:
        for sql, params in queries:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                values = dict(zip(fields, row, strict=True))
                values["allow_negative"] = bool(values["allow_negative"])  # SQLite: 0/1
                locked[row[0]] = Account.from_row(connection.alias, values)
    return locked


def lock_ledger_pending(pending_id: int) -> PendingTransfer:
    """Lock one pending transfer (after its accounts) and return it fresh.

    Race prevented: a post and a void of the same pending transfer (or two posts) at once both
    see it open and both resolve it, releasing its reservation twice. The second now waits, sees
    it resolved and is refused.
    """
    from sangsaeng.ledger.models import PendingTransfer

    return PendingTransfer.objects.select_for_update().get(pk=pending_id)


def lock_ledger_chain() -> ChainHead:
    """Lock the head of the ledger's hash chain (the one ``ChainHead`` row, created if missing).

    Race prevented: two transactions committing at once both read the same chain head and both
    link to it, forking the chain (both would take the same ``seq``, so one would fail late).
    Holding this row serialises every writer of ledger transactions, so callers take it last,
    after all account locks and checks, and keep the work behind it to one write and the commit.
    """
    from sangsaeng.ledger.models import ChainHead

    sql = f"SELECT seq, hash FROM {ChainHead._meta.db_table} WHERE id = %s{_for_update()}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [ChainHead.ROW_ID])
        row = cursor.fetchone()
        if row is None:
            # First use (or after a test flush): create it; a concurrent creator's row wins.
            ChainHead.objects.bulk_create([ChainHead(pk=ChainHead.ROW_ID)], ignore_conflicts=True)
            cursor.execute(sql, [ChainHead.ROW_ID])
            row = cursor.fetchone()
    return ChainHead.from_db(connection.alias, ["id", "seq", "hash"], [ChainHead.ROW_ID, *row])


def ledger_chain_lock_sql() -> str:
    """The chain-head lock of :func:`lock_ledger_chain` as SQL (``SELECT seq, hash ... FOR
    UPDATE``, one parameter: the row id), for PostgreSQL statements that lock the head, link a
    transaction to it and insert it in one round trip (``ledger/store.py``). Same race
    prevented, same place in the order: last, after the accounts."""
    from sangsaeng.ledger.models import ChainHead

    return f"SELECT seq, hash FROM {ChainHead._meta.db_table} WHERE id = %s FOR UPDATE"
