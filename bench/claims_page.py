"""The buyer's claims page (``payments:programme``: claims by tier and maturity) and a partner's
holdings page, timed through the Django test client on a database of ≥ 1,000,000 postings.

    .venv/bin/python bench/claims_page.py                                  # temporary SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/claims_page.py      # throw-away PG db

It creates its own database (``test_sangsaeng_bench_<pid>`` on PostgreSQL, a temporary file on
SQLite) and drops it at the end. Data: one buyer with ``--programmes`` programmes (one bank), a
supply graph of ``--tier1`` tier-1 partners, each with 4 tier-2 suppliers, each with 2 tier-3;
claim operations through ``operations_post_many`` until ``--postings`` ledger postings exist.
Trees vary: an issue alone, one or two pass-ons, a tier-3 cash-out, a partial tier-1 cash-out;
maturities 30–150 days after the issue, value dates a day apart per round of batches; then the
``--settle`` earliest-maturing trees of the first programme are settled one by one.

Figures: the median of ``--runs`` requests after a warm-up, for the programme page (an
operator, outstanding and settled tabs) and the holdings page (a partner user, the tier-1
partner holding the most outstanding claims); a baseline measured in the same run (a bare
``SELECT`` of 50 claims of the programme, median too) and the ratio; the SQL queries per request;
the Python memory allocated while rendering one page (tracemalloc peak) and the process's max RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _bench

TMP = _bench.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from sangsaeng.accounts.models import Role, User  # noqa: E402
from sangsaeng.ledger.models import Posting  # noqa: E402
from sangsaeng.partners.models import Company  # noqa: E402
from sangsaeng.payments import services  # noqa: E402
from sangsaeng.payments.models import Claim, Programme  # noqa: E402
from sangsaeng.payments.services import OpSpec  # noqa: E402

START, PRICING = _bench.START, _bench.PRICING


def make_graph(tier1_count: int, programme_count: int) -> tuple[User, list[Programme], list]:
    """Companies and links in bulk; the programmes opened and funded; (t1, t2, t3) chains."""
    operator = User.objects.create(username="bench-operator", role=Role.OPERATOR)
    buyer_id, bank_id, chains = _bench.supply_graph(tier1_count, 700_000_000)
    buyer, bank = Company.objects.get(pk=buyer_id), Company.objects.get(pk=bank_id)
    programmes = []
    for p in range(programme_count):
        programme = services.programme_open(
            actor=operator, buyer=buyer, bank=bank, name=f"벤치 상생결제 {p + 1}",
            opened_on=START, settings=PRICING, idempotency_key=f"bench-open-{p}",
        )  # fmt: skip
        services.escrow_deposit(
            actor=operator, programme=programme, amount=10**15, value_date=START,
            idempotency_key=f"bench-deposit-{p}",
        )  # fmt: skip
        programmes.append(programme)
    return operator, programmes, chains


def tree_specs(n: int, chain: tuple[int, int, int], day: dt.date, base: int) -> list[OpSpec]:
    """One claim tree, of one of five shapes; ``base`` is the index of its issue in the batch."""
    t1, t2, t3 = chain
    amount = 1_000_000 + (n % 997) * 10_000
    maturity = day + dt.timedelta(days=30 + (n * 7) % 121)
    specs = [OpSpec("issue", f"c{n}-0", amount, day, company_id=t1, maturity=maturity)]
    shape = n % 5
    if shape >= 1:
        specs.append(OpSpec("split", f"c{n}-1", amount // 2, day, parent_ref=base, company_id=t2))
    if shape >= 2:
        specs.append(
            OpSpec("split", f"c{n}-2", amount // 4, day, parent_ref=base + 1, company_id=t3)
        )
    if shape >= 3:
        specs.append(OpSpec("cash_out", f"c{n}-3", None, day, parent_ref=base + 2))
    if shape >= 4:
        specs.append(OpSpec("cash_out", f"c{n}-4", amount // 8, day, parent_ref=base))
    return specs


def fill(operator: User, programmes: list[Programme], chains: list, target: int, batch: int):
    """Trees, round robin over the programmes, a batch per programme per step, until
    ``target`` postings exist; the value date moves on a day every round."""
    n, day, started = 0, START, time.perf_counter()
    while Posting.objects.count() < target:
        for programme in programmes:
            specs: list[OpSpec] = []
            while len(specs) < batch - 5:
                specs += tree_specs(n, chains[n % len(chains)], day, len(specs))
                n += 1
            services.operations_post_many(actor=operator, programme=programme, operations=specs)
        day += dt.timedelta(days=1)
        count = Posting.objects.count()
        print(f"  {count:,} postings, {n:,} trees, {time.perf_counter() - started:.0f}s", end="\r")
    print()
    return n, time.perf_counter() - started


def fill_ledger(target: int, batch: int = 5000) -> float:
    """Plain two-leg ledger transfers between 1,000 other accounts up to ``target`` postings
    (the rest of a shared ledger: funds, other apps)."""
    from sangsaeng.ledger import services as ledger
    from sangsaeng.ledger.models import NormalSide

    started = time.perf_counter()
    bank = ledger.account_open(
        code="bench:bank", name="bank", purpose="bench", normal_side=NormalSide.CREDIT,
        allow_negative=True,
    )  # fmt: skip
    accounts = [
        ledger.account_open(code=f"bench:{i:05d}", name=f"other {i}", purpose="bench",
                            allow_negative=True)
        for i in range(1000)
    ]  # fmt: skip
    at = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    n = 0
    while (missing := target - Posting.objects.count()) > 0:
        specs = []
        for _ in range(min(batch, (missing + 1) // 2)):
            debit, credit = (
                accounts[n % 1000],
                (bank if n % 3 == 0 else accounts[(n * 7 + 1) % 1000]),
            )
            specs.append(ledger.TransferSpec(
                idempotency_key=f"other:{n}", occurred_at=at + dt.timedelta(seconds=n),
                postings=ledger.legs(debit=debit, credit=credit, amount=1 + n % 100_000),
            ))  # fmt: skip
            n += 1
        ledger.transfers_post_many(transfers=specs)
    return time.perf_counter() - started


def settle_some(operator: User, programme: Programme, count: int) -> int:
    roots = Claim.objects.filter(programme=programme, parent__isnull=True).order_by(
        "maturity", "pk"
    )[:count]
    for root in roots:
        services.claim_settle(
            actor=operator, claim=root, value_date=root.maturity,
            idempotency_key=f"settle-{root.pk}",
        )  # fmt: skip
    return count


def timed(call: Callable[[], object], runs: int) -> tuple[float, int]:
    """Median ms of ``runs`` calls after one warm-up, and the queries of one call."""
    call()
    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), len(statements)


def alloc_peak(call: Callable[[], object]) -> float:
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def get(client: Client, url: str) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postings", type=int, default=1_000_000, help="postings to reach")
    parser.add_argument(
        "--payment-share",
        type=float,
        default=0.55,
        help="share of the postings made by payment operations (the rest: ledger transfers)",
    )
    parser.add_argument("--programmes", type=int, default=4)
    parser.add_argument("--tier1", type=int, default=50, help="tier-1 partners")
    parser.add_argument("--batch", type=int, default=4000, help="operations per batch")
    parser.add_argument("--settle", type=int, default=300, help="trees settled")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--keep", metavar="NAME", help="keep the database under this name (a file path on "
        "SQLite) and, if it exists already, time against it without filling it again",
    )  # fmt: skip
    args = parser.parse_args()

    setup_test_environment()
    db = settings.DATABASES["default"]
    old_name = db["NAME"]
    reuse = False
    if args.keep:
        db["TEST"]["NAME"] = args.keep
        if connection.vendor == "sqlite":
            reuse = Path(args.keep).exists()
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.keep])
                reuse = cursor.fetchone() is not None
    elif connection.vendor == "sqlite":
        db["TEST"]["NAME"] = str(TMP / "bench.sqlite3")
    else:
        db["TEST"]["NAME"] = f"test_sangsaeng_bench_{os.getpid()}"
    if reuse:
        connection.close()
        db["NAME"] = db["TEST"]["NAME"]
    else:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        if reuse:
            operator = User.objects.get(username="bench-operator")
            programmes = list(Programme.objects.order_by("pk"))
            trees, fill_s = Claim.objects.filter(parent__isnull=True).count(), 0.0
            User.objects.filter(username="bench-partner").delete()
        else:
            operator, programmes, chains = make_graph(args.tier1, args.programmes)
            payment_postings = int(args.postings * args.payment_share)
            trees, fill_s = fill(operator, programmes, chains, payment_postings, args.batch)
            fill_s += fill_ledger(args.postings)
            settle_some(operator, programmes[0], args.settle)
        main_prog = programmes[0]
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        postings = Posting.objects.count()
        payment_postings = Posting.objects.filter(account__code__startswith="pay.").count()
        claims = Claim.objects.filter(programme=main_prog)
        by_depth = dict(
            claims.order_by().values_list("depth").annotate(n=Count("pk")).values_list("depth", "n")
        )
        holder_id, held = (
            Claim.objects.filter(settled_on__isnull=True, parent__isnull=True)
            .order_by()
            .values_list("holder_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        ) or (None, 0)
        partner = User.objects.create(
            username="bench-partner", role=Role.PARTNER, company_id=holder_id
        )
        held_all = Claim.objects.filter(holder_id=holder_id, settled_on__isnull=True).count()

        staff, part = Client(), Client()
        staff.force_login(operator)
        part.force_login(partner)
        url = reverse("payments:programme", args=[main_prog.pk])
        holdings_url = reverse("payments:holdings")

        def baseline() -> object:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT * FROM payments_claim WHERE programme_id = %s AND settled_on IS NULL "
                    "ORDER BY maturity, id LIMIT 50",
                    [main_prog.pk],
                )
                return cursor.fetchall()

        base_ms, _ = timed(baseline, args.runs)
        pages = [
            ("programme page, outstanding (operator)", get(staff, url)),
            ("programme page, settled (operator)", get(staff, url + "?status=settled")),
            ("holdings page (partner user)", get(part, holdings_url)),
        ]
        figures = [(name, *timed(call, args.runs), alloc_peak(call)) for name, call in pages]
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        print(f"database: {connection.vendor}")
        print(
            f"data: {postings:,} postings ({payment_postings:,} of payment operations), "
            f"{trees:,} trees over {len(programmes)} programmes "
            f"(filled in {fill_s:.0f}s); the timed programme: {claims.count():,} claims "
            f"(by depth {by_depth}), {claims.filter(settled_on__isnull=False).count():,} settled"
        )
        print(f"partner: {held_all:,} outstanding claims held ({held:,} of them tier 1)")
        print(f"baseline (bare SELECT of 50 claims): {base_ms:.2f} ms")
        for name, ms, queries, peak in figures:
            print(
                f"{name}: median {ms:.1f} ms of {args.runs}, {ms / base_ms:,.0f}x baseline, "
                f"{queries} queries, {peak:.1f} MB allocated (peak)"
            )
        print(f"peak memory (max RSS): {rss_mb:,.0f} MB")
    finally:
        if args.keep:
            connection.close()
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
