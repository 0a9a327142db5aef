"""``sangsaeng verify``: recompute the ledger from its postings and check every invariant."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sangsaeng.ledger.invariants import registered, run_checks


class Command(BaseCommand):
    help = (
        "Recompute every balance from postings, check that each transaction balances, that no "
        "guarded account is negative, that reservations match open pending transfers, that the "
        "hash chain is intact, and run the invariant checks other apps registered. Exits "
        "non-zero on any discrepancy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="append",
            dest="checks",
            metavar="NAME",
            help="run only this check (repeatable); see --list",
        )
        parser.add_argument("--list", action="store_true", help="list the registered checks")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for name in registered():
                self.stdout.write(name)
            return
        names = options["checks"]
        unknown = set(names or []) - set(registered())
        if unknown:
            raise CommandError(f"unknown check(s): {', '.join(sorted(unknown))}")
        started = time.perf_counter()
        results = run_checks(names)
        problems = 0
        for findings in results:
            problems += findings.problem_count
            status = "ok" if findings.ok else f"{findings.problem_count} problem(s)"
            self.stdout.write(f"{findings.name}: {status} ({findings.seconds:.2f}s)")
            for label, value in findings.figures.items():
                shown = f"{value:,}" if isinstance(value, int) else str(value)
                self.stdout.write(f"    {label}: {shown}")
            for message in findings.problems:
                self.stderr.write(f"    ! {message}")
            hidden = findings.problem_count - len(findings.problems)
            if hidden > 0:
                self.stderr.write(f"    ! ... and {hidden:,} more")
        elapsed = time.perf_counter() - started
        if problems:
            raise CommandError(f"verify found {problems:,} problem(s) in {elapsed:.1f}s")
        self.stdout.write(self.style.SUCCESS(f"verify: all {len(results)} checks passed"))
