"""``sangsaeng import companies|links FILE``: import the partner registry from xlsx or CSV."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sangsaeng.lib.errors import DomainError
from sangsaeng.partners.io import ImportErrors, import_companies, import_links
from sangsaeng.partners.io.cli import KIND_LABELS, KINDS, error_table, resolve_user
from sangsaeng.partners.io.progress import TqdmProgress


class Command(BaseCommand):
    help = (
        "기업(companies) 또는 공급망 연결(links)을 xlsx/CSV 파일에서 가져옵니다. 파일 전체를 "
        "먼저 검증하고, 오류가 하나라도 있으면 아무것도 저장하지 않습니다."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS, help="companies 또는 links")
        parser.add_argument("file", help="가져올 파일 (.xlsx 또는 .csv)")
        parser.add_argument(
            "--format", choices=("xlsx", "csv"), help="파일 형식 (기본: 확장자로 판단)"
        )
        parser.add_argument("--user", help="작업자 사용자명 (기본: 첫 운영자)")
        parser.add_argument("--dry-run", action="store_true", help="검증만 하고 저장하지 않습니다")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        if not os.path.isfile(options["file"]):
            raise CommandError(f"파일이 없습니다 / No such file: {options['file']}")
        actor = resolve_user(options["user"])
        importer = import_companies if kind == "companies" else import_links
        stream = getattr(self.stderr, "_out", sys.stderr)
        try:
            with TqdmProgress(stream) as progress:
                result = importer(
                    options["file"],
                    actor=actor,
                    fmt=options["format"],
                    dry_run=options["dry_run"],
                    progress=progress,
                )
        except ImportErrors as exc:
            self.stderr.write(error_table(exc), style_func=str)
            raise CommandError(exc.message) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        label = KIND_LABELS[kind]
        counts = f"신규 {result.created:,}"
        if kind == "companies":
            counts += f" / 변경 {result.updated:,} / 동일 {result.unchanged:,}"
        prefix = "[시험 실행: 저장하지 않음] " if result.dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{label} {result.rows:,}행: {counts} — "
                f"{result.seconds:.2f}초 ({result.rate:,.0f}행/초), 작업자 {actor.username}"
            )
        )
