"""``sangsaeng fund_statement keis --start 2025-01-01 --end 2025-12-31 [--xlsx F] [--pdf F]``:
print a fund's statement, and write it as Excel or PDF. Exits non-zero if the fund's figures
and its cash disagree (run ``sangsaeng verify`` then)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sangsaeng.funds import reports
from sangsaeng.funds.models import Fund
from sangsaeng.funds.statement import MOVEMENTS, fund_statement
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import DomainError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        # ArgumentTypeError, not CommandError: argparse reports it as a usage error (exit 2)
        # instead of letting it escape parse_args as a traceback.
        raise argparse.ArgumentTypeError(
            f"날짜는 YYYY-MM-DD로 입력하세요 / not a date (YYYY-MM-DD): {value}"
        ) from exc


class Command(BaseCommand):
    help = "Print a cooperation fund's statement for a period; optionally write xlsx or PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fund", help="the fund's code, e.g. keis")
        parser.add_argument("--start", type=_date, help="first day (default: 1 January)")
        parser.add_argument("--end", type=_date, help="last day (default: today, KST)")
        parser.add_argument("--xlsx", type=Path, help="write the statement workbook here")
        parser.add_argument("--pdf", type=Path, help="write the statement PDF here")

    def handle(self, *args: Any, **options: Any) -> None:
        fund = Fund.objects.filter(code=options["fund"]).first()
        if fund is None:
            raise CommandError(f"no fund with code {options['fund']!r}")
        end = options["end"] or today_kst()
        start = options["start"] or end.replace(month=1, day=1)
        try:
            statement = fund_statement(fund, start, end)
            if options["xlsx"]:
                options["xlsx"].write_bytes(reports.statement_xlsx(statement))
            if options["pdf"]:
                options["pdf"].write_bytes(reports.statement_pdf(statement))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"파일을 쓸 수 없습니다 / cannot write the file: {exc}") from exc
        self.stdout.write(f"{fund.name}  {start} ~ {end}")
        header = ["", "opening", *MOVEMENTS, "closing"]
        self.stdout.write(" ".join(f"{h:>14}" for h in header))
        for line in statement.lines:
            values = [line.opening, *(getattr(line, m) for m in MOVEMENTS), line.closing]
            self.stdout.write(f"{line.label[:14]:>14} " + " ".join(f"{v:>14,}" for v in values))
        if not statement.balanced:
            raise CommandError("the fund's lines and its cash disagree: run sangsaeng verify")
