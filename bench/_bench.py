"""What the benchmark scripts share: Django set up against a scratch database, and the price
settings and start date of their win-win payment programmes.

Import it first, before Django::

    import _bench

    TMP = _bench.setup()

(``bench/`` is on ``sys.path`` when a script in it runs.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

START = dt.date(2025, 1, 2)
PRICING = {
    "base_rate": "3.50",
    "spread_tiers": [[30, "1.30"], [90, "1.40"], [None, "1.50"]],
    "system_fee": "1.00",
    "day_count": 365,
    "rounding": "floor",
}


def setup() -> Path:
    """Put ``src`` on the path, point ``DATA_DIR`` at a temporary directory (SQLite's file)
    and set Django up; returns that directory."""
    sys.path.insert(0, str(SRC))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sangsaeng.config.settings")
    tmp = Path(tempfile.mkdtemp(prefix="sangsaeng-bench-"))
    os.environ.setdefault("DATA_DIR", str(tmp))
    import django

    django.setup()
    return tmp


@contextlib.contextmanager
def scratch_database(tmp: Path, name: str) -> Iterator[None]:
    """A fresh, migrated database for the run, dropped afterwards: a file in ``tmp`` on
    SQLite, ``<name>_<pid>`` on PostgreSQL (runs may overlap; never the tests' database)."""
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        db["TEST"]["NAME"] = str(tmp / "bench.sqlite3")
    else:
        db["TEST"]["NAME"] = f"{name}_{os.getpid()}"
    old_name = db["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.close()  # a failed statement may have left it unusable
        connection.creation.destroy_test_db(old_name, verbosity=0)


def supply_graph(
    tier1_count: int, first_brn: int, label: str = ""
) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Companies and supply links in bulk (a benchmark, not a registry import): a buyer, a bank
    and ``tier1_count`` tier-1 partners, each with 4 tier-2 suppliers, each with 2 tier-3.
    Business numbers are made from ``first_brn`` on. Returns the buyer's and the bank's ids and
    the (tier 1, tier 2, tier 3) company id chains."""
    from sangsaeng.lib import brn
    from sangsaeng.partners.models import Company, SupplyLink

    def company(n: int, name: str, kind: str = "sme") -> Company:
        return Company(
            name=name, brn=brn.complete(f"{first_brn + n:09d}"), kind=kind, ksic_code="29171",
            region="gyeonggi",
        )  # fmt: skip

    rows = [company(0, f"벤치 구매기업{label}", "large"), company(1, "벤치은행", "bank")]
    n = 2
    for i in range(tier1_count):
        rows.append(company(n, f"1차 {i}"))
        n += 1
        for j in range(4):
            rows.append(company(n, f"2차 {i}-{j}"))
            n += 1
            for k in range(2):
                rows.append(company(n, f"3차 {i}-{j}-{k}"))
                n += 1
    created = Company.objects.bulk_create(rows)
    buyer, bank, rest = created[0], created[1], created[2:]
    links, chains = [], []
    per_tier1 = 1 + 4 * 3
    for i in range(tier1_count):
        block = rest[i * per_tier1 : (i + 1) * per_tier1]
        t1 = block[0]
        links.append(SupplyLink(buyer=buyer, supplier=t1, start_date=START))
        for j in range(4):
            t2 = block[1 + j * 3]
            links.append(SupplyLink(buyer=t1, supplier=t2, start_date=START))
            for k in range(2):
                t3 = block[2 + j * 3 + k]
                links.append(SupplyLink(buyer=t2, supplier=t3, start_date=START))
                chains.append((t1.pk, t2.pk, t3.pk))
    SupplyLink.objects.bulk_create(links)
    return buyer.pk, bank.pk, chains


def bare_insert(rows: list[tuple], *, client_side: bool = False) -> float:
    """The baseline: one ``executemany`` of ``rows`` (transaction id, account id, amount, date)
    into a bare posting table (a primary key, nothing else) in one transaction; its seconds.
    Through the project's connection (on PostgreSQL: server-side binding, the statement
    prepared: psycopg pipelines it), or with ``client_side`` through psycopg's client-side
    binding cursor (Django's default): the same insert as the driver runs it both ways."""
    import time

    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_posting")
        cursor.execute(
            "CREATE TABLE bench_bare_posting (id INTEGER PRIMARY KEY, transaction_id BIGINT, "
            "account_id BIGINT, amount BIGINT, occurred_at TIMESTAMP)"
            if connection.vendor == "sqlite"
            else "CREATE TABLE bench_bare_posting (id BIGSERIAL PRIMARY KEY, "
            "transaction_id BIGINT, account_id BIGINT, amount BIGINT, occurred_at TIMESTAMPTZ)"
        )
    sql = (
        "INSERT INTO bench_bare_posting (transaction_id, account_id, amount, occurred_at) "
        "VALUES (%s, %s, %s, %s)"
    )
    started = time.perf_counter()
    with transaction.atomic():
        if client_side:
            import psycopg

            with psycopg.ClientCursor(connection.connection) as raw:
                raw.executemany(sql, rows)
        else:
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
    return time.perf_counter() - started


HORDAK_PYTHON = SRC.parent / ".venv-hordak" / "bin" / "python"


def hordak_transfers(count: int) -> tuple[float | None, str]:
    """django-hordak 2.0's ``transfer_to`` (issue 3's for-scale figure for single operations),
    ``count`` times on the same PostgreSQL server, in its own virtualenv (``make
    bench-hordak``): (transfers per second, "") or (None, why it was not measured)."""
    import json
    import subprocess

    from django.db import connection

    if connection.vendor != "postgresql":
        return None, "PostgreSQL only"
    if not HORDAK_PYTHON.exists():
        return None, "not measured: run `make bench-hordak` once to install it"
    db = connection.settings_dict
    server = [db["HOST"] or "127.0.0.1", str(db["PORT"] or 5432), db["USER"] or "postgres"]
    script = SRC.parent / "bench" / "hordak" / "transfer_to.py"
    done = subprocess.run(  # noqa: S603 (our own script, our own settings: no outside input)
        [str(HORDAK_PYTHON), str(script), str(count), *server],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        return None, "failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["count"] / result["seconds"], ""
