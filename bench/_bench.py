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
