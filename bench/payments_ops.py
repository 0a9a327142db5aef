"""Win-win payment throughput: claim operations in batches and one by one, against a plain
bulk insert of the same number of posting rows.

    .venv/bin/python bench/payments_ops.py                                  # temporary SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/payments_ops.py      # throw-away PG db

It creates its own database (``bench_payments_<pid>`` on PostgreSQL, a temporary file on SQLite)
and drops it at the end. The supply graph: one buyer, ``--tier1`` tier-1 partners, each with
4 tier-2 suppliers, each with 2 tier-3. Figures printed:

* batched: ``--ops`` claim operations through ``operations_post_many`` in batches of
  ``--batch``; each chain is issue → pass on (tier 1 → 2) → pass on (2 → 3) → cash out (tier 3,
  all) → cash out (tier 1, part): every rule, lock, ledger transaction, hash chain and cache;
  as operations and postings per second;
* baseline: the same number of posting rows inserted with one ``executemany`` into a bare
  table (no indexes, no constraints) in one transaction, sampled after each batched run; the
  ratio batched / baseline against their mean, and against each sample; on PostgreSQL through
  the project's connection and with Django's default client-side binding;
* single: ``--single`` operations (alternating pass-on and cash-out), one DB transaction each,
  through ``claim_split`` / ``claim_cash_out`` as the API calls them;
* verify: ``sangsaeng verify``'s checks (ledger and payments) over everything written;
* peak memory (max RSS) of the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import resource
import time

import _bench

TMP = _bench.setup()

from django.db import connection  # noqa: E402

from sangsaeng.accounts.models import Role, User  # noqa: E402
from sangsaeng.ledger.invariants import run_checks  # noqa: E402
from sangsaeng.ledger.models import Posting  # noqa: E402
from sangsaeng.partners.models import Company  # noqa: E402
from sangsaeng.payments import services  # noqa: E402
from sangsaeng.payments.models import Claim, Programme  # noqa: E402
from sangsaeng.payments.services import OpSpec  # noqa: E402

START, PRICING = _bench.START, _bench.PRICING
CHAIN = 5  # operations per chain


Graph = tuple[User, Programme, list[tuple[int, int, int]]]


def make_graph(tier1_count: int, number: int = 0) -> Graph:
    """The companies and links in bulk (a benchmark, not a registry import); returns the
    operator, the programme and (tier 1, tier 2, tier 3) company id chains. ``number``: graphs
    with different numbers share nothing (their own buyer, bank and partners)."""
    operator = User.objects.create(username=f"bench-operator-{number}", role=Role.OPERATOR)
    buyer_id, bank_id, chains = _bench.supply_graph(
        tier1_count, 600_000_000 + number * 100_000, f" {number}"
    )
    buyer, bank = Company.objects.get(pk=buyer_id), Company.objects.get(pk=bank_id)
    programme = services.programme_open(
        actor=operator, buyer=buyer, bank=bank, name="벤치 상생결제", opened_on=START,
        settings=PRICING, idempotency_key=f"bench-open-{number}",
    )  # fmt: skip
    services.escrow_deposit(
        actor=operator, programme=programme, amount=10**15, value_date=START,
        idempotency_key=f"bench-deposit-{number}",
    )  # fmt: skip
    return operator, programme, chains


def chain_specs(
    n: int, chain: tuple[int, int, int], day: dt.date, base: int, tag: str
) -> list[OpSpec]:
    """Five operations; ``base`` is the index of the first one in its batch."""
    t1, t2, t3 = chain
    amount = 1_000_000 + (n % 997) * 1_000
    maturity = day + dt.timedelta(days=60)
    k = f"{tag}{n}"
    return [
        OpSpec("issue", f"{k}-0", amount, day, company_id=t1, maturity=maturity),
        OpSpec("split", f"{k}-1", amount // 2, day, parent_ref=base, company_id=t2),
        OpSpec("split", f"{k}-2", amount // 4, day, parent_ref=base + 1, company_id=t3),
        OpSpec("cash_out", f"{k}-3", None, day, parent_ref=base + 2),
        OpSpec("cash_out", f"{k}-4", amount // 8, day, parent_ref=base),
    ]  # fmt: skip


def post_batches(graph: Graph, ops: int, batch: int, tag: str) -> None:
    operator, programme, chains = graph
    chains_per_batch = max(1, batch // CHAIN)
    total_chains = ops // CHAIN
    n = 0
    day = START
    while n < total_chains:
        specs: list[OpSpec] = []
        for _ in range(min(chains_per_batch, total_chains - n)):
            specs += chain_specs(n, chains[n % len(chains)], day, len(specs), tag)
            n += 1
        services.operations_post_many(actor=operator, programme=programme, operations=specs)
        day += dt.timedelta(days=1) if n % (20 * chains_per_batch) == 0 else dt.timedelta(0)


def bench_batched(graphs: list[Graph], ops: int, batch: int, tag: str) -> tuple[float, float, int]:
    """``ops`` operations split between one writer per graph, each a process of its own (with
    its own database connection, and no interpreter lock shared with the others); returns wall
    seconds, the writers' CPU seconds and the postings written."""
    postings_before = Posting.objects.count()
    started = time.perf_counter()
    if len(graphs) == 1:
        cpu = time.process_time()
        post_batches(graphs[0], ops, batch, tag)
        cpu = time.process_time() - cpu
    else:
        connection.close()  # the children must not share the parent's connection
        context = multiprocessing.get_context("fork")
        with context.Pool(len(graphs)) as pool:
            jobs = [
                pool.apply_async(_writer, (graph, ops // len(graphs), batch, f"{tag}w{i}-"))
                for i, graph in enumerate(graphs)
            ]
            cpu = sum(job.get() for job in jobs)
    elapsed = time.perf_counter() - started
    return elapsed, cpu, Posting.objects.count() - postings_before


def _writer(graph: Graph, ops: int, batch: int, tag: str) -> float:
    """One writer process: its batches, then its CPU seconds."""
    cpu = time.process_time()
    try:
        post_batches(graph, ops, batch, tag)
    finally:
        connection.close()
    return time.process_time() - cpu


def bench_baseline(rows: int, *, client_side: bool = False) -> float:
    data = [(n // 2 + 1, n % 1000, (1 if n % 2 else -1) * 1000, START) for n in range(rows)]
    return _bench.bare_insert(data, client_side=client_side)


def bench_single(
    operator: User, programme: Programme, chains: list, count: int, tag: str = "s"
) -> float:
    """Issue fresh claims (not timed), then time ``count`` single pass-ons and cash-outs."""
    day = dt.date(2025, 9, 1)
    roots = services.operations_post_many(
        actor=operator,
        programme=programme,
        operations=[
            OpSpec("issue", f"{tag}-root-{i}", 10**9, day, company_id=chains[i % len(chains)][0],
                   maturity=day + dt.timedelta(days=90))
            for i in range(max(1, count // 50))
        ],
    )  # fmt: skip
    claims = [Claim.objects.get(pk=op.result_claim_id) for op in roots]
    t2_of = {c[0]: Company.objects.get(pk=c[1]) for c in chains}
    started = time.perf_counter()
    for n in range(count):
        claim = claims[n % len(claims)]
        if n % 2 == 0:
            services.claim_split(
                actor=operator, claim=claim, to=t2_of[claim.holder_id], amount=1_000,
                value_date=day, idempotency_key=f"{tag}-{n}",
            )  # fmt: skip
        else:
            services.claim_cash_out(
                actor=operator, claim=claim, amount=1_000, value_date=day,
                idempotency_key=f"{tag}-{n}",
            )  # fmt: skip
    return time.perf_counter() - started


def bench_hot(graph: Graph, clients: int, each: int) -> tuple[float, int, int]:
    """``clients`` processes at once, each ``each`` single pass-ons and cash-outs of 1,000 won
    from the same two claims (so the same claim rows and the same two holders' ledger accounts:
    every operation waits for the others' locks). Returns wall seconds, the won carved out of
    the two claims as the database says, and what the operations say they carved."""
    operator, programme, chains = graph
    day = dt.date(2025, 10, 1)
    roots = services.operations_post_many(
        actor=operator,
        programme=programme,
        operations=[
            OpSpec("issue", f"hot-root-{i}", 10**9, day, company_id=chains[0][0],
                   maturity=day + dt.timedelta(days=90))
            for i in range(2)
        ],
    )  # fmt: skip
    ids = [op.result_claim_id for op in roots]
    connection.close()
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with context.Pool(clients) as pool:
        jobs = [
            pool.apply_async(_hot_client, (n, ids, chains[0][1], each, day)) for n in range(clients)
        ]
        done = sum(job.get() for job in jobs)
    elapsed = time.perf_counter() - started
    carved = sum(10**9 - c.remaining for c in Claim.objects.filter(pk__in=ids))
    return elapsed, carved, done


def _hot_client(n: int, ids: list[int], t2_id: int, each: int, day: dt.date) -> int:
    """One process: ``each`` operations alternating pass-on and cash-out; returns the won
    they carved."""
    try:
        operator = User.objects.get(username="bench-operator-0")
        to = Company.objects.get(pk=t2_id)
        claims = list(Claim.objects.filter(pk__in=ids))
        for i in range(each):
            claim = claims[i % 2]
            key = f"hot-{n}-{i}"
            if i % 2 == 0:
                services.claim_split(
                    actor=operator, claim=claim, to=to, amount=1_000, value_date=day,
                    idempotency_key=key,
                )  # fmt: skip
            else:
                services.claim_cash_out(
                    actor=operator, claim=claim, amount=1_000, value_date=day,
                    idempotency_key=key,
                )  # fmt: skip
        return each * 1_000
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=100_000, help="claim operations, batched")
    parser.add_argument("--batch", type=int, default=1000, help="operations per batch")
    parser.add_argument("--single", type=int, default=2000, help="single operations")
    parser.add_argument("--tier1", type=int, default=50, help="tier-1 partners")
    parser.add_argument(
        "--clients", type=int, default=8, help="processes on the same claims, single operations"
    )
    parser.add_argument(
        "--writers", type=int, default=2, help="writer processes (own programmes) in run 2"
    )
    args = parser.parse_args()

    with _bench.scratch_database(TMP, "bench_payments"):
        graphs = [make_graph(args.tier1, i) for i in range(max(1, args.writers))]
        ops = args.ops // CHAIN * CHAIN
        runs = [("1 writer", *bench_batched(graphs[:1], ops, args.batch, "a"))]
        rows = runs[0][3]
        # The baselines are sampled twice, after each batched run: on a shared machine one
        # sample can be off by a third, and the ratio would move with it.
        kinds = [False, True] if connection.vendor == "postgresql" else [False]
        samples: dict[bool, list[float]] = {kind: [] for kind in kinds}
        for kind in kinds:
            samples[kind].append(rows / bench_baseline(rows, client_side=kind))
        if len(graphs) > 1:
            label = f"{len(graphs)} writers, each its own buyer's programme"
            runs.append((label, *bench_batched(graphs, ops, args.batch, "b")))
        for kind in kinds:
            samples[kind].append(rows / bench_baseline(rows, client_side=kind))
        operator, programme, chains = graphs[0]
        single = bench_single(operator, programme, chains, args.single)
        hot = bench_hot(graphs[0], args.clients, args.single // args.clients)
        hordak, why = _bench.hordak_transfers(args.single)
        started = time.perf_counter()
        problems = sum(f.problem_count for f in run_checks())
        verify_s = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"database: {connection.vendor}")
        cpu_note = "queries included" if connection.vendor == "sqlite" else "server not included"
        for label, wall, cpu, postings in runs:
            print(
                f"batched, {label}: {ops:,} claim operations ({postings:,} postings) in "
                f"batches of {args.batch:,}: {wall:.2f}s = {ops / wall:,.0f} ops/s, "
                f"{postings / wall:,.0f} postings/s (client CPU {cpu:.2f}s, {cpu_note})"
            )
        names = {
            False: "the project's connection"
            + (" (server-side binding, prepared)" if connection.vendor == "postgresql" else ""),
            True: "client-side binding (Django's default)",
        }
        for kind in kinds:
            mean = sum(samples[kind]) / len(samples[kind])
            each = " and ".join(f"{rate:,.0f}" for rate in samples[kind])
            ratios = ", ".join(
                f"{label} {p / w / mean:.3f} ({p / w / max(samples[kind]):.3f}-"
                f"{p / w / min(samples[kind]):.3f})"
                for label, w, _c, p in runs
            )
            print(
                f"baseline executemany of {rows:,} rows into a bare table, one transaction, "
                f"{names[kind]}: {mean:,.0f} rows/s (samples {each}); ratios to it: {ratios}"
            )
        print(
            f"single: {args.single:,} operations (pass-on / cash-out), one DB transaction each: "
            f"{single:.2f}s = {args.single / single:,.0f} ops/s"
        )
        if hordak is not None:
            print(
                f"for scale, the same run: django-hordak 2.0 Account.transfer_to (two legs, no "
                f"guards), one DB transaction each: {hordak:,.0f} transfers/s; our single "
                f"operations / hordak's transfers: {args.single / single / hordak:.2f}"
            )
        elif why != "PostgreSQL only":
            print(f"for scale: django-hordak 2.0 transfer_to {why}")
        hot_s, carved, expected = hot
        hot_ops = args.single // args.clients * args.clients
        print(
            f"single, {args.clients} processes on the same two claims and accounts: {hot_ops:,} "
            f"operations in {hot_s:.2f}s = {hot_ops / hot_s:,.0f} ops/s; carved {carved:,} won, "
            f"expected {expected:,}: " + ("exact" if carved == expected else "MISMATCH")
        )
        print(f"verify (ledger + payments checks): {verify_s:.2f}s, {problems} problem(s)")
        print(f"peak memory (max RSS): {rss_mb:,.0f} MB")


if __name__ == "__main__":
    main()
