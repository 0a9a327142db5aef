"""``sangsaeng settle``: pay out every win-win payment claim due up to today (or ``--as-of``)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import DomainError
from sangsaeng.payments import services


def _date(value: str) -> dt.date:
    # argparse turns ArgumentTypeError into a usage error (exit 2); a CommandError raised here
    # would escape parse_args as a traceback.
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"날짜는 YYYY-MM-DD로 입력하세요 / date must be YYYY-MM-DD: {value}"
        ) from exc


class Command(BaseCommand):
    help = (
        "만기가 된 상생결제 채권을 모두 결제합니다: 예치계좌에서 각 보유 기업(조기현금화한 "
        "부분은 은행)에 만기일자로 한 번씩 지급합니다. 다시 실행해도 두 번 지급하지 않습니다."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=_date, help="이 날짜까지 만기인 채권 (기본: 오늘, KST)")
        parser.add_argument("--quiet", action="store_true", help="진행 막대를 숨깁니다")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or today_kst()
        if as_of > today_kst():
            raise CommandError("기준일이 미래일 수 없습니다.")
        roots = list(services.due_roots(as_of))
        paid = total = 0
        failed: list[str] = []
        for root in tqdm(roots, desc="settle", unit="tree", disable=options["quiet"] or None):
            try:
                op = services.settle_one(root=root)
            except DomainError as exc:
                failed.append(f"#{root.pk}: {exc.code} {exc.message}")
                continue
            if op is not None:
                paid += 1
                total += op.amount
        self.stdout.write(f"settled {paid:,} claim tree(s), {total:,} won, due up to {as_of}")
        for line in failed:
            self.stderr.write(f"  ! {line}")
        if failed:
            raise CommandError(f"{len(failed):,} claim tree(s) could not be settled")
