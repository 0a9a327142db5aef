"""Eight processes hammer the same accounts on PostgreSQL (SQLite serialises writers anyway).

Each worker (``pg_worker.py``) posts ring transfers between six guarded accounts and retries
each one (same content: the same transaction; other content: refused), posts the same
``shared:*`` keys as every other worker, drains one tight account, races the others to post or
void the same pending transfers, and sends the same batches. Afterwards every balance is
exactly what the operations add up to, each shared key was posted once, the tight account was
drained exactly to zero, each pending transfer was resolved once, and verify passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from sangsaeng.ledger import services
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.ledger.models import Account, NormalSide, PendingTransfer, Transaction
from sangsaeng.ledger.tests.pg_worker import ring_transfer

WORKERS = 8
ROUNDS = 30
SHARED = 12
DRAIN_TRIES = 3  # per worker: 24 tries of 100 on an account holding 1,000
PENDINGS = 10
RING = [f"ring{i}" for i in range(6)]
FUNDING = 1_000_000

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="PostgreSQL only: SQLite serialises all writers",
    ),
]


def database_url() -> str:
    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def setup_ledger() -> list[int]:
    def open_(code: str, side: str = NormalSide.DEBIT, may: bool = False) -> Account:
        return services.account_open(
            code=code, name=code, purpose="test", normal_side=side, allow_negative=may
        )

    bank = open_("bank", NormalSide.CREDIT, True)
    for code in [*RING, "hub", "sink"]:
        open_(code)
    tight, pend_src = open_("tight"), open_("pend_src")
    for code in RING:
        services.transfer_post(
            idempotency_key=f"fund:{code}",
            postings=services.legs(
                debit=Account.objects.get(code=code), credit=bank, amount=FUNDING
            ),
        )
    for account, amount in ((tight, 1000), (pend_src, 10 * PENDINGS)):
        services.transfer_post(
            idempotency_key=f"fund:{account.code}",
            postings=services.legs(debit=account, credit=bank, amount=amount),
        )
    sink = Account.objects.get(code="sink")
    return [
        services.pending_create(
            idempotency_key=f"pending:{n}", debit=sink, credit=pend_src, amount=10
        ).pk
        for n in range(PENDINGS)
    ]


def run_workers(pendings: list[int], barrier: Path) -> list[dict]:
    env = {**os.environ, "DATABASE_URL": database_url(), "DB_CONN_MAX_AGE": "0"}
    procs = []
    for w in range(WORKERS):
        job = {
            "worker": w,
            "workers": WORKERS,
            "barrier": str(barrier),
            "ring": RING,
            "rounds": ROUNDS,
            "shared": SHARED,
            "drain_tries": DRAIN_TRIES,
            "pendings": pendings,
        }
        cmd = [sys.executable, "-m", "sangsaeng.ledger.tests.pg_worker", json.dumps(job)]
        # Our own interpreter and module, our own job: no untrusted input reaches the command.
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
        procs.append(proc)
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()[-3000:]
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


def expected_ring() -> dict[str, int]:
    balances = dict.fromkeys(RING, FUNDING)
    for w in range(WORKERS):
        for i in range(ROUNDS):
            debit, credit, amount = ring_transfer(w, i, len(RING))
            balances[RING[debit]] += amount
            balances[RING[credit]] -= amount
    return balances


def test_concurrent_workers_keep_every_invariant(tmp_path):
    assert connection.settings_dict["NAME"].startswith("test_")
    pendings = setup_ledger()
    results = run_workers(pendings, tmp_path)

    balances = dict(Account.objects.values_list("code", "balance"))
    assert {code: balances[code] for code in RING} == expected_ring()

    # Each shared key and each shared batch was posted once; every worker got that transaction.
    for key in range(SHARED):
        assert len({r["shared"][str(key)] for r in results}) == 1
    assert Transaction.objects.filter(idempotency_key__startswith="shared:").count() == SHARED
    batches = ROUNDS // 10
    for k in range(batches):
        assert len({tuple(r["batch"][str(k)]) for r in results}) == 1
    assert Transaction.objects.filter(idempotency_key__startswith="batch:").count() == 5 * batches
    assert balances["hub"] == 7 * SHARED + 3 * 5 * batches

    # The tight account paid out exactly what it held, no more.
    assert sum(r["drained"] for r in results) == 10
    assert sum(r["refused"] for r in results) == WORKERS * DRAIN_TRIES - 10
    assert balances["tight"] == 0

    # Each pending transfer was resolved exactly once; every other attempt was refused.
    for pk in pendings:
        outcomes = Counter(r["pending"][str(pk)] for r in results)
        assert outcomes["posted"] + outcomes["voided"] == 1, outcomes
        resolved = "posted" if outcomes["posted"] else "voided"
        assert outcomes[f"pending_already_{resolved}"] == WORKERS - 1, outcomes
    posted = PendingTransfer.objects.filter(status="posted").count()
    assert PendingTransfer.objects.filter(status="open").count() == 0
    assert balances["pend_src"] == 10 * PENDINGS - 10 * posted
    assert Account.objects.filter(pending__gt=0).count() == 0

    expected_count = (len(RING) + 2) + WORKERS * ROUNDS + SHARED + 5 * batches + 10 + posted
    assert Transaction.objects.count() == expected_count
    findings = run_checks()
    assert [p for f in findings for p in f.problems] == []
    assert next(f for f in findings if f.name == "ledger.chain").figures["chain length"] == (
        expected_count
    )
