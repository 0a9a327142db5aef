"""django-hordak 2.0's ``Account.transfer_to``, one database transaction each, on PostgreSQL:
the for-scale figure issue 3 gives for single operations ("about 520 per second on this
machine"), measured here in the same run as ours. Runs in ``.venv-hordak`` (``make
bench-hordak``), never in the project's virtualenv; the payments and ledger benchmarks start it.

    .venv-hordak/bin/python bench/hordak/transfer_to.py COUNT HOST PORT USER

It migrates a scratch database of its own (``bench_hordak_<pid>``), makes two KRW asset
accounts, warms up with 50 transfers, times ``COUNT`` transfers of 1,000 won, checks the
balance, drops the database and prints one line of JSON: ``{"count": …, "seconds": …}``.
"""

from __future__ import annotations

import json
import os
import sys
import time

import django
from django.conf import settings


def main() -> None:
    count, host, port, user = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes", "django.contrib.auth", "mptt", "djmoney", "hordak",
        ],
        DATABASES={"default": {
            "ENGINE": "django.db.backends.postgresql", "NAME": "postgres", "HOST": host,
            "PORT": port, "USER": user, "TEST": {"NAME": f"bench_hordak_{os.getpid()}"},
        }},
        USE_TZ=True, DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        CURRENCIES=["KRW"], DEFAULT_CURRENCY="KRW", HORDAK_DECIMAL_PLACES=0,
    )  # fmt: skip
    django.setup()
    from django.db import connection

    old = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from djmoney.money import Money
        from hordak.models import Account

        asset = Account.TYPES.asset
        a = Account.objects.create(name="A", type=asset, currencies=["KRW"])
        b = Account.objects.create(name="B", type=asset, currencies=["KRW"])
        for _ in range(50):
            a.transfer_to(b, Money(1000, "KRW"))
        started = time.perf_counter()
        for _ in range(count):
            a.transfer_to(b, Money(1000, "KRW"))
        seconds = time.perf_counter() - started
        moved = (count + 50) * 1000
        balance = b.get_balance()["KRW"].amount
        if abs(balance) != moved:
            raise SystemExit(f"hordak: balance {balance}, expected {moved}")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old, verbosity=0)
    print(json.dumps({"count": count, "seconds": seconds}))


if __name__ == "__main__":
    main()
