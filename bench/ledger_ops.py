"""Ledger throughput: batched and single transfers against a plain bulk insert.

    .venv/bin/python bench/ledger_ops.py                 # a temporary SQLite file
    DATABASE_URL=postgres://... .venv/bin/python bench/ledger_ops.py   # a scratch PG database

It creates its own database (Django's create_test_db: a temporary file on SQLite, a database
named ``test_sangsaeng_ledger_bench_<pid>`` on PostgreSQL) and drops it at the end. Figures:

* batched: ``--ops`` two-leg transfers through ``transfers_post_many`` in batches of
  ``--batch`` (locks, guards, hash chain, balance caches, all of it), as postings per second;
* baseline: the same number of posting rows inserted with one ``executemany`` into a bare
  table (no indexes but the key, no constraints) in one transaction, and batched / baseline;
* single: ``--single`` transfers through ``transfer_post``, one database transaction each, by
  one client, against the floor for that from Python (BEGIN, one two-row INSERT into the bare
  table, COMMIT), then by ``--clients`` client processes at once (aggregate rate);
* verify: ``sangsaeng verify`` over everything written, in a child process (time, memory);
* peak memory (max RSS) of the main process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _bench

TMP = _bench.setup()

from django.conf import settings  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402

from sangsaeng.ledger import services  # noqa: E402
from sangsaeng.ledger.models import Account, NormalSide  # noqa: E402

BASE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def make_accounts(count: int) -> list[Account]:
    bank = services.account_open(
        code="bench:bank",
        name="bank",
        purpose="bench",
        normal_side=NormalSide.CREDIT,
        allow_negative=True,
    )
    accounts = [
        services.account_open(code=f"bench:{i:05d}", name=f"partner {i}", purpose="bench")
        for i in range(count)
    ]
    # Fund every guarded account well above what the random transfers can take out.
    services.transfers_post_many(
        transfers=[
            services.TransferSpec(
                idempotency_key=f"fund:{a.pk}",
                postings=services.legs(debit=a, credit=bank, amount=10**12),
                occurred_at=BASE,
            )
            for a in accounts
        ]
    )
    return accounts


def spec(key: str, accounts: list[Account], rng: random.Random, n: int) -> services.TransferSpec:
    debit, credit = rng.sample(accounts, 2)
    return services.TransferSpec(
        idempotency_key=key,
        postings=services.legs(debit=debit, credit=credit, amount=rng.randint(1, 1_000_000)),
        occurred_at=BASE + dt.timedelta(seconds=n),
        memo="bench",
    )


def bench_batched(accounts: list[Account], ops: int, batch: int) -> float:
    rng = random.Random(1)
    started = time.perf_counter()
    for start in range(0, ops, batch):
        specs = [
            spec(f"batch:{n}", accounts, rng, n) for n in range(start, min(ops, start + batch))
        ]
        services.transfers_post_many(transfers=specs)
    return time.perf_counter() - started


def bench_baseline(rows: int, account_ids: list[int]) -> tuple[float, float]:
    """The bare insert through the project's connection, and (PostgreSQL) with client-side
    binding; their seconds (the second 0.0 on SQLite)."""
    rng = random.Random(2)
    data = [
        (n // 2 + 1, rng.choice(account_ids), (1 if n % 2 else -1) * 1000, BASE)
        for n in range(rows)
    ]
    pg = connection.vendor == "postgresql"
    return _bench.bare_insert(data), _bench.bare_insert(data, client_side=True) if pg else 0.0


def bare_single(count: int) -> float:
    """The floor for one write transaction per operation from Python: BEGIN, one INSERT of two
    rows into the bare table, COMMIT."""
    started = time.perf_counter()
    for n in range(count):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_bare_posting (transaction_id, account_id, amount, occurred_at) "
                "VALUES (%s, %s, %s, %s), (%s, %s, %s, %s)",
                [n, 1, 5, BASE, n, 2, -5, BASE],
            )
    return time.perf_counter() - started


def single_ops(accounts: list[Account], count: int, seed: int, prefix: str) -> float:
    rng = random.Random(seed)
    started = time.perf_counter()
    for n in range(count):
        debit, credit = rng.sample(accounts, 2)
        services.transfer_post(
            idempotency_key=f"{prefix}:{n}",
            postings=services.legs(debit=debit, credit=credit, amount=rng.randint(1, 1000)),
            occurred_at=BASE + dt.timedelta(days=1, seconds=n),
        )
    return time.perf_counter() - started


def database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def bench_clients(clients: int, count: int) -> float:
    """``clients`` processes post ``count`` single transfers each, all at once: the aggregate
    rate over the span from the first start to the last finish."""
    barrier = Path(tempfile.mkdtemp(prefix="ledger-bench-barrier-"))
    env = {**os.environ, "DATABASE_URL": database_url(), "LEDGER_BENCH_BARRIER": str(barrier)}
    procs = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and script)
            [sys.executable, __file__, "--worker", str(w), "--single", str(count)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(clients)
    ]
    deadline = time.monotonic() + 300
    while len(list(barrier.glob("ready-*"))) < clients and time.monotonic() < deadline:
        time.sleep(0.05)
    (barrier / "go").touch()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=1800)
        if proc.returncode:
            raise SystemExit(f"worker failed ({proc.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    span = max(r["end"] for r in results) - min(r["start"] for r in results)
    return clients * count / span


def worker(index: int, count: int) -> None:
    """One client of ``bench_clients`` (its own process, against the bench database)."""
    accounts = list(Account.objects.filter(code__startswith="bench:0").order_by("code"))
    barrier = Path(os.environ["LEDGER_BENCH_BARRIER"])
    (barrier / f"ready-{index}").touch()
    while not (barrier / "go").exists():
        time.sleep(0.005)
    start = time.time()
    single_ops(accounts, count, seed=100 + index, prefix=f"client{index}")
    print(json.dumps({"start": start, "end": time.time()}))


# Runs ``sangsaeng verify``, then prints the child's own peak memory (MB) as the last line: the
# VmHWM of its address space (``ru_maxrss`` would carry over the parent's peak across exec).
VERIFY = """
import resource, sys
from sangsaeng.cli import main
try:
    main(["verify"])
    code = 0
except SystemExit as exc:
    code = exc.code or 0
try:
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    print(int(status.split()[0]) / 1024)
except (OSError, IndexError):
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
sys.exit(code)
"""


def report_verify() -> None:
    """``sangsaeng verify`` itself, in a child process: its time, its summary, its memory."""
    started = time.perf_counter()
    proc = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", VERIFY],
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    lines = proc.stdout.splitlines()
    checks = [line.strip() for line in lines if ": ok (" in line]
    print(
        f"verify (sangsaeng verify, exit {proc.returncode}): {elapsed:.2f}s including start-up, "
        f"peak memory {float(lines[-1]):,.0f} MB; {'; '.join(checks)}"
    )
    if proc.returncode:
        print(proc.stderr[-2000:])


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report_batched(accounts: list[Account], ops: int, batch: int) -> None:
    postings = 2 * ops
    settle()
    batched = bench_batched(accounts, ops, batch)
    print(f"max RSS after the batched run: {max_rss_mb():,.0f} MB")
    settle()
    baseline, client_side = bench_baseline(postings, [a.pk for a in accounts])
    batched_rate, baseline_rate = postings / batched, postings / baseline
    print(
        f"batched: {ops:,} transfers ({postings:,} postings) in batches of {batch:,}: "
        f"{batched:.2f}s = {batched_rate:,.0f} postings/s"
    )
    print(f"baseline executemany: {postings:,} rows: {baseline:.2f}s = {baseline_rate:,.0f} rows/s")
    print(f"ratio batched / baseline: {batched_rate / baseline_rate:.2f}")
    if connection.vendor == "postgresql":
        other = postings / client_side
        print(
            f"baseline executemany, client-side binding (Django's default): {other:,.0f} rows/s; "
            f"ratio batched / it: {batched_rate / other:.2f}"
        )


def settle() -> None:
    """Between phases on PostgreSQL: VACUUM ANALYZE (the planner has not seen the bulk-loaded
    rows yet) and CHECKPOINT (so the next phase does not pay for flushing this one's writes)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        try:
            cursor.execute("CHECKPOINT")
        except DatabaseError:  # needs superuser (or pg_checkpoint): then skip it
            print("(no CHECKPOINT: not allowed for this user)")


def report_single(accounts: list[Account], count: int, clients: int) -> None:
    settle()
    single = single_ops(accounts, count, seed=3, prefix="single")
    print(
        f"single, 1 client: {count:,} transfers, one DB transaction each: {single:.2f}s = "
        f"{count / single:,.0f} transfers/s ({2 * count / single:,.0f} postings/s)"
    )
    settle()
    floor = bare_single(count)
    print(
        f"floor, 1 client: one 2-row INSERT into the bare table per DB transaction: "
        f"{count / floor:,.0f} transactions/s; single / floor: {floor / single:.2f}"
    )
    hordak, why = _bench.hordak_transfers(count)
    if hordak is not None:
        print(
            f"for scale: django-hordak 2.0 Account.transfer_to, one DB transaction each: "
            f"{hordak:,.0f} transfers/s; ours / hordak's: {count / single / hordak:.2f}"
        )
    elif why != "PostgreSQL only":
        print(f"for scale: django-hordak 2.0 transfer_to {why}")
    if clients > 1:
        per_client = max(1, count // clients)
        settle()
        rate = bench_clients(clients, per_client)
        print(f"single, {clients} clients at once ({per_client:,} each): {rate:,.0f} transfers/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=100_000, help="two-leg transfers, batched")
    parser.add_argument("--batch", type=int, default=1000, help="transfers per batch")
    parser.add_argument("--single", type=int, default=3000, help="single transfers")
    parser.add_argument("--clients", type=int, default=4, help="concurrent single-op clients")
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker, args.single)
        return

    with _bench.scratch_database(TMP, "test_sangsaeng_ledger_bench"):
        print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f} before")
        accounts = make_accounts(args.accounts)
        report_batched(accounts, args.ops, args.batch)
        if args.single:
            report_single(accounts, args.single, args.clients)
        settle()
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM ledger_posting")
            print(f"postings in the ledger: {cursor.fetchone()[0]:,}")
        report_verify()
        print(
            f"peak memory (max RSS, main process, baseline data included): {max_rss_mb():,.0f} MB"
        )
        print(f"load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
