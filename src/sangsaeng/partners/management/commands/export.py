"""``sangsaeng export companies|links FILE``: export the partner registry to xlsx or CSV."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sangsaeng.lib.errors import DomainError
from sangsaeng.partners.io import ImportErrors, export_companies, export_links
from sangsaeng.partners.io.cli import KIND_LABELS, KINDS, resolve_user


class Command(BaseCommand):
    help = (
        "기업(companies) 또는 공급망 연결(links)을 xlsx/CSV 파일로 내보냅니다 "
        "(형식은 확장자로 판단). 가져오기에 그대로 다시 쓸 수 있는 파일입니다."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS, help="companies 또는 links")
        parser.add_argument("file", help="쓸 파일 (.xlsx 또는 .csv)")
        parser.add_argument(
            "--format", choices=("xlsx", "csv"), help="파일 형식 (기본: 확장자로 판단)"
        )
        parser.add_argument(
            "--user", help="이 사용자가 볼 수 있는 범위로 내보냅니다 (기본: 첫 운영자)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        user = resolve_user(options["user"])
        exporter = export_companies if kind == "companies" else export_links
        started = time.perf_counter()
        try:
            count = exporter(options["file"], user=user, fmt=options["format"])
        except ImportErrors as exc:
            # A file-level refusal (an unknown extension): its own reason, not the import's
            # "nothing was saved" summary.
            raise CommandError(" ".join(e.message for e in exc.errors) or exc.message) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"파일을 쓸 수 없습니다: {exc}") from exc
        seconds = time.perf_counter() - started
        rate = count / seconds if seconds > 0 else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"{KIND_LABELS[kind]} {count:,}행을 {options['file']}에 썼습니다 — "
                f"{seconds:.2f}초 ({rate:,.0f}행/초)"
            )
        )
