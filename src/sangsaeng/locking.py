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
