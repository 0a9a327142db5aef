"""Benchmark: the company list (page and API) over 100,000 companies.

    .venv/bin/python bench/company_list.py [--companies 100000] [--runs 10] [--explain] [--keep]

Runs against a fresh SQLite database in a temporary DATA_DIR, or, when DATABASE_URL is set
(e.g. ``postgres://postgres@127.0.0.1:5432/test``), against a scratch test database that
Django creates and drops. Generates the synthetic companies and their tiered supply chains
(``sangsaeng.demo.synthetic``), then times, through ``django.test.Client`` with a signed-in
operator, the list page ``/partners/`` (when it exists) and ``GET /api/v1/companies`` (bearer
token) for: no filter, a name search, a BRN-prefix search, kind + region, industry, anchor +
tier, and a late page (page 500 / offset 24,950). Each figure is the median of ``--runs``
requests after one warm-up request. The baseline, measured in the same run on the same
connection, is a bare ``SELECT ... FROM partners_company ORDER BY name LIMIT 50``.
Target: every case under 200 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

TARGET_MS = 200.0
PAGE_SIZE = 50
LATE_PAGE = 500
BASELINE_SQL = (
    "SELECT id, name, name_en, brn, kind, ksic_code, region, is_active "
    "FROM partners_company ORDER BY name LIMIT 50"
)


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, float, float, float]:
    """(median, min, max) wall-clock ms of ``runs`` calls after one warm-up call, and the
    median CPU ms of this process (on a busy machine the wall clock includes waiting)."""
    fn()
    times, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return statistics.median(times), min(times), max(times), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20240613)
    parser.add_argument("--explain", action="store_true", help="print the slowest SQL per case")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sangsaeng-bench-"))
    postgres = bool(os.environ.get("DATABASE_URL"))
    if not postgres:
        os.environ["DATA_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sangsaeng.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    old_name = None
    if postgres:
        old_name = connection.settings_dict["NAME"]
        # A name of its own, so that a test run using the default test_<name> is never touched.
        connection.settings_dict.setdefault("TEST", {})
        connection.settings_dict["TEST"]["NAME"] = f"test_sangsaeng_bench_{os.getpid()}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    else:
        call_command("migrate", verbosity=0)

    try:
        run(args, postgres)
    finally:
        if postgres and old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def page_available() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("partners:company_list")
    except NoReverseMatch:
        return False
    return True


def pick_cases(anchor_ids: list[int]) -> list[tuple[str, dict[str, Any]]]:
    """The filters to time, chosen from the generated data so that each matches something."""
    from collections import Counter

    from sangsaeng.partners import queries
    from sangsaeng.partners.models import Company

    # The anchor with the longest chain, at its most populated tier below tier 1.
    chains = {a: queries.tiers_from(a) for a in anchor_ids}
    anchor = max(chains, key=lambda a: len(chains[a]))
    tier = Counter(chains[anchor].values()).most_common(1)[0][0]
    brn = Company.objects.order_by("id").values_list("brn", flat=True)[len(anchor_ids) + 7]
    return [
        ("no filter", {}),
        ("search q (name)", {"q": "정밀"}),
        ("search q (BRN prefix)", {"q": brn[:5]}),
        ("kind + region", {"kind": "sme", "region": "gyeonggi"}),
        ("industry", {"industry": "25"}),
        (f"anchor + tier {tier}", {"anchor": anchor, "tier": tier}),
        (f"late page {LATE_PAGE}", {"page": LATE_PAGE}),
    ]


def run(args: argparse.Namespace, postgres: bool) -> None:
    import sqlite3

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sangsaeng.accounts.models import Role, User
    from sangsaeng.api.auth import token_create
    from sangsaeng.demo.synthetic import generate_companies
    from sangsaeng.partners.models import Company, SupplyLink

    made = generate_companies(args.companies, seed=args.seed)
    assert made.created == args.companies, made
    database = (
        f"PostgreSQL {connection.settings_dict['NAME']}"
        if postgres
        else f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a database in use would have
    print(f"database       {database}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"cpus           {os.cpu_count()} (load average {load}: other work skews timings)")
    print(
        f"data           {Company.objects.count():,} companies, "
        f"{SupplyLink.objects.count():,} supply links, {len(made.anchor_ids)} anchors; "
        f"generated in {made.seconds:.1f} s"
    )

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    operator = User(username="bench-operator", role=Role.OPERATOR)
    operator.set_unusable_password()
    operator.save()
    web = Client()
    web.force_login(operator)
    api = Client(headers={"Authorization": f"Bearer {token_create(user=operator, name='bench')}"})
    has_page = page_available()
    cases = pick_cases(made.anchor_ids)

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL)
            cursor.fetchall()

    base, base_lo, base_hi, base_cpu = median_ms(baseline, args.runs)
    print(f"runs           median of {args.runs} after 1 warm-up; ms (min-max); CPU = this process")
    print()
    header = f"{'case':24} {'surface':7} {'median':>7} {'min-max':>13} {'CPU':>6} {'ratio':>6}"
    print(f"{header} {'SQL':>3}  rows")
    print(
        f"{'baseline':24} {'SQL':7} {base:7.1f} {f'{base_lo:.1f}-{base_hi:.1f}':>13} "
        f"{base_cpu:6.1f}"
    )

    slow: list[str] = []
    for label, params in cases:
        matches = _matches(operator, params)
        surfaces: list[tuple[str, Callable[[], Any]]] = []
        if has_page:
            surfaces.append(("page", lambda p=params: web.get("/partners/", p)))
        api_params = {k: v for k, v in params.items() if k != "page"}
        if "page" in params:
            api_params["offset"] = (params["page"] - 1) * PAGE_SIZE
        api_params["limit"] = PAGE_SIZE
        surfaces.append(("api", lambda p=api_params: api.get("/api/v1/companies", p)))
        for surface, fetch in surfaces:
            with CaptureQueriesContext(connection) as captured:
                response = fetch()
            sql = list(captured.captured_queries)  # copied now: later requests reset the log
            assert response.status_code == 200, (label, surface, response.status_code)
            med, lo, hi, cpu = median_ms(fetch, args.runs)
            flag = "" if med < TARGET_MS else "  SLOW"
            print(
                f"{label:24} {surface:7} {med:7.1f} {f'{lo:.0f}-{hi:.0f}':>13} {cpu:6.1f} "
                f"{med / base:5.0f}x {len(sql):3}  {matches:,}{flag}"
            )
            if flag:
                slow.append(f"{label} ({surface})")
            if args.explain or flag:
                _explain(sql)
    if not has_page:
        print("\n(the list page /partners/ does not exist yet: only the API was measured)")
    print()
    verdict = "PASS" if not slow else f"FAIL: {', '.join(slow)}"
    print(f"target         every case < {TARGET_MS:.0f} ms: {verdict}")


def _matches(user: Any, params: dict[str, Any]) -> int:
    """How many companies the case's filters match (the list's count), not timed."""
    from sangsaeng.partners import queries

    filters = queries.CompanyFilters(**{k: v for k, v in params.items() if k != "page"})
    return queries.company_search(user, filters).count()


def _explain(queries: list[dict[str, str]]) -> None:
    """Print the slowest statement of the request, re-timed, with its plan."""
    from django.db import connection

    timed = []
    for query in queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue  # never replay a write (the API token's last-used time)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()
        timed.append(((time.perf_counter() - started) * 1000, sql))
    ms, sql = max(timed)
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    print(f"    slowest SQL {ms:.1f} ms: {sql[:300]}{'…' if len(sql) > 300 else ''}")
    for line in plan:
        print(f"      {line}")


if __name__ == "__main__":
    main()
