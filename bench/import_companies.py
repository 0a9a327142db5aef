"""Benchmark: importing companies from an xlsx file.

    .venv/bin/python bench/import_companies.py [--rows 10000] [--format xlsx|csv] [--keep]

Runs against a fresh SQLite database in a temporary DATA_DIR, or, when DATABASE_URL is set
(e.g. ``postgres://postgres@127.0.0.1:5432/test``), against a scratch test database that
Django creates and drops (``test_<name>``). Generates realistic synthetic companies (valid
BRNs, Korean names, addresses, tags), times ``import_companies`` end to end (reading,
validation, upsert, tags, audit entries), then a re-import of the same file (every row
unchanged), and compares with a baseline measured in the same run: one ``executemany``
INSERT of the same values into a bare table in one transaction.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SURNAMES = "가나다라마바사아자차카타파하경대동삼성신우한현화흥"
WORDS = ["정밀", "테크", "산업", "전자", "화학", "금속", "기계", "소재", "엔지니어링", "물산"]
WORDS += ["시스템", "오토텍", "하이텍", "에너지", "플라스틱", "전기", "세라믹", "솔루션"]
KSIC = ["29171", "25911", "26211", "30320", "24112", "22231", "20493", "10712", "46510"]
KSIC += ["62010", "72111", "28111", "27212", "33910", "41221", "49401", "01110"]
REGIONS = [
    ("경기도", ["화성시", "평택시", "안산시", "시흥시", "수원시"]),
    ("서울특별시", ["금천구", "구로구", "강서구", "성동구"]),
    ("경상남도", ["창원시", "김해시", "거제시"]),
    ("울산", ["남구", "북구", "울주군"]),
    ("충남", ["아산시", "천안시", "당진시"]),
    ("경상북도", ["구미시", "포항시", "경산시"]),
    ("전라남도", ["광양시", "여수시", "순천시"]),
    ("인천광역시", ["남동구", "서구"]),
    ("대구", ["달서구", "북구"]),
    ("부산광역시", ["강서구", "사상구"]),
]
KINDS = ["중소기업"] * 60 + ["소상공인"] * 20 + ["중견기업"] * 10 + ["대기업"] * 3
KINDS += ["공공기관", "대학", "은행", "기타"]
TAGS = ["ACE CLUB", "혁신허브 2012", "상생결제", "성과공유", "ESG 지원", "기술임치", "2차 협력사"]
HEADERS = ["사업자등록번호", "기업명", "영문명", "기업구분", "업종코드(KSIC)", "지역", "주소"]
HEADERS += ["설립일", "종업원수", "연매출(원)", "태그", "활성"]


def make_rows(count: int, seed: int = 20250521) -> list[list[Any]]:
    from sangsaeng.lib import brn as brn_lib

    rng = random.Random(seed)
    rows = []
    for i in range(count):
        office = rng.randint(101, 899)
        region, cities = rng.choice(REGIONS)
        name = rng.choice(SURNAMES) + rng.choice(SURNAMES) + rng.choice(WORDS)
        if rng.random() < 0.4:
            name = f"(주){name}"
        tags = ", ".join(rng.sample(TAGS, rng.choice([0, 0, 0, 1, 1, 2])))
        rows.append(
            [
                brn_lib.format_brn(brn_lib.complete(f"{office:03d}{i:06d}")),
                f"{name} {i}",
                f"{name[-2:]} Co. {i}" if rng.random() < 0.5 else "",
                rng.choice(KINDS),
                rng.choice(KSIC),
                region,
                f"{region} {rng.choice(cities)} 산업단지로 {rng.randint(1, 400)}",
                dt.date(1970, 1, 1) + dt.timedelta(days=rng.randint(0, 19_500)),
                rng.randint(1, 3_000),
                rng.randint(50_000_000, 900_000_000_000),
                tags,
                "예" if rng.random() < 0.95 else "아니오",
            ]
        )
    return rows


def write_file(path: Path, rows: list[list[Any]]) -> None:
    if path.suffix == ".csv":
        import csv

        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADERS)
            writer.writerows(
                [[v.isoformat() if isinstance(v, dt.date) else v for v in r] for r in rows]
            )
        return
    from openpyxl import Workbook

    # A normal (not write-only) workbook records the sheet's dimensions, as files saved by
    # Excel do; openpyxl's read-only mode must scan the whole sheet when they are missing.
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "기업"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


BARE_COLUMNS = (
    "brn varchar(10), name varchar(200), name_en varchar(200), kind varchar(20), "
    "ksic_code varchar(5), region varchar(20), address varchar(300), founded_on date, "
    "employees integer, annual_revenue bigint, tags varchar(200), is_active boolean"
)


def baseline_values(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    values = []
    for r in rows:
        plain = [r[0].replace("-", ""), *r[1:7], r[7].isoformat(), r[8], r[9], r[10], r[11] == "예"]
        values.append(tuple(plain))
    return values


def baseline_sqlite(directory: Path, values: list[tuple[Any, ...]]) -> float:
    """One executemany INSERT into a bare table, one transaction, same PRAGMAs as Sangsaeng."""
    db = sqlite3.connect(directory / "baseline.sqlite3", isolation_level=None)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    db.execute(f"CREATE TABLE bare ({BARE_COLUMNS})")
    started = time.perf_counter()
    cursor = db.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    cursor.executemany("INSERT INTO bare VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", values)
    cursor.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def baseline_django_connection(values: list[tuple[Any, ...]]) -> float:
    """The same on the benchmark's own database connection (PostgreSQL)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_bare ({BARE_COLUMNS})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bench_bare VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", values
        )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_bare")
    return seconds


def read_only_seconds(path: Path) -> float:
    """Reading the file alone (openpyxl read-only / csv), for the breakdown."""
    from sangsaeng.partners.io.reading import open_table

    started = time.perf_counter()
    with open_table(path) as table:
        for _ in table.rows:
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--write-file", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_file:  # the child process that generates the file (keeps its memory apart)
        write_file(Path(args.write_file), make_rows(args.rows))
        return

    workdir = Path(tempfile.mkdtemp(prefix="sangsaeng-bench-"))
    postgres = bool(os.environ.get("DATABASE_URL"))
    if not postgres:
        os.environ["DATA_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sangsaeng.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    old_name = None
    if postgres:
        setup_test_environment()
        old_name = connection.settings_dict["NAME"]
        # A name of its own, so that a test run using the default test_<name> is never touched.
        connection.settings_dict.setdefault("TEST", {})
        connection.settings_dict["TEST"]["NAME"] = f"test_sangsaeng_bench_{os.getpid()}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    else:
        call_command("migrate", verbosity=0)

    try:
        run(args, workdir, postgres)
    finally:
        if postgres and old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path, postgres: bool) -> None:
    from django.db import connection

    from sangsaeng.accounts.models import AuditEntry, Role, User
    from sangsaeng.partners.io import import_companies
    from sangsaeng.partners.models import Company

    actor = User(username="bench-operator", role=Role.OPERATOR)
    actor.set_unusable_password()
    actor.save()

    started = time.perf_counter()
    path = workdir / f"companies.{args.format}"
    command = [sys.executable, __file__, "--rows", str(args.rows), "--write-file", str(path)]
    subprocess.run(command, check=True)  # noqa: S603 - our own script
    generated = time.perf_counter() - started

    database = (
        f"PostgreSQL {connection.settings_dict['NAME']}"
        if postgres
        else f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"
    )
    print(f"database       {database}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"cpus           {os.cpu_count()} (load average {load}: other work skews timings)")
    print(f"file           {path.name}: {args.rows:,} rows, {path.stat().st_size / 1e6:.2f} MB")
    print(f"               generated in {generated:.2f} s")

    read_seconds = read_only_seconds(path)
    rss_before = peak_rss_mb()

    cpu = time.process_time()
    result = import_companies(path, actor=actor)
    cpu = time.process_time() - cpu

    rss_after = peak_rss_mb()
    assert result.created == args.rows, result
    assert Company.objects.count() == args.rows
    assert AuditEntry.objects.filter(source="import").count() == args.rows

    cpu_again = time.process_time()
    again = import_companies(path, actor=actor)
    cpu_again = time.process_time() - cpu_again
    assert again.unchanged == args.rows, again

    values = baseline_values(make_rows(args.rows))
    baseline = baseline_django_connection(values) if postgres else baseline_sqlite(workdir, values)

    print()
    print(
        f"import         {result.seconds:7.2f} s  {result.rate:9,.0f} rows/s  "
        f"(created {result.created:,}, audit entries {args.rows:,}; CPU {cpu:.2f} s)"
    )
    print(
        f"re-import      {again.seconds:7.2f} s  {again.rate:9,.0f} rows/s  "
        f"(all {again.unchanged:,} unchanged; CPU {cpu_again:.2f} s)"
    )
    print(
        f"read file only {read_seconds:7.2f} s  {args.rows / read_seconds:9,.0f} rows/s  "
        f"(openpyxl read-only / csv, no validation)"
    )
    print(
        f"baseline       {baseline:7.2f} s  {args.rows / baseline:9,.0f} rows/s  "
        "(bare executemany INSERT, one transaction)"
    )
    print(f"ratio          {result.seconds / baseline:7.1f} x baseline")
    print(f"peak RSS       {rss_after:7.1f} MB (before import {rss_before:.1f} MB)")
    verdict = "PASS" if result.seconds < 30 else "FAIL"
    print(f"target         < 30 s for 10,000 rows: {verdict}")


if __name__ == "__main__":
    main()
