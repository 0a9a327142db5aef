"""``sangsaeng demo``: a working Sangsaeng with the seed articles' data, in one command.

Migrates the database, loads the demo organisations and logins (idempotent: running it again
adds nothing twice), optionally adds N synthetic companies, collects the static files, prints
the address and the logins, and serves with the production server (as ``sangsaeng serve``).

    sangsaeng demo [--companies N] [--host H] [--port P] [--no-serve] [--reset]
"""

from __future__ import annotations

import argparse
import unicodedata
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from sangsaeng.demo import money, seeds, synthetic
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.web.management.commands.serve import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    collect_static,
    display_url,
    port_number,
    positive_int,
    run_server,
)

MAX_COMPANIES = 1_000_000
# The synthetic chains also hang under these seed anchors, so their tier lists look full.
SYNTHETIC_UNDER = ("ls-electric", "posco-gwangyang", "kowepo", "hyundai-autoever")


def company_count(value: str) -> int:
    try:
        number = int(value.replace(",", "").replace("_", ""))
    except ValueError:
        number = -1
    if not 0 <= number <= MAX_COMPANIES:
        raise argparse.ArgumentTypeError(
            f"0~{MAX_COMPANIES:,} 사이의 정수여야 합니다 / must be 0 to {MAX_COMPANIES:,}: {value}"
        )
    return number


def text_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - text_width(text))


def database_label() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"SQLite {db['NAME']}"
    return f"{connection.vendor} {db.get('NAME', '')}@{db.get('HOST') or 'localhost'}"


def banner(url: str, logins: list[seeds.DemoLogin], serving: bool) -> list[str]:
    """The lines printed when the demo is ready: the address, the logins, the data."""
    rule = "=" * 78
    head = ("역할 Role", "아이디 Username", "비밀번호 Password")
    rows = [(login.label, login.username, login.password) for login in logins]
    widths = [max(text_width(r[i]) for r in [head, *rows]) + 2 for i in range(3)]
    lines = [
        rule,
        "  상생 Sangsaeng 데모 준비 완료 / demo ready",
        rule,
        f"  접속 주소 Open:  {url}",
        "",
        "  " + "".join(pad(h, w) for h, w in zip(head, widths, strict=True)).rstrip(),
        "  " + "".join(pad("-" * (w - 2), w) for w in widths).rstrip(),
    ]
    lines += [
        "  " + "".join(pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    lines += [
        "",
        f"  데이터 Data:     기업 companies {Company.objects.count():,} · "
        f"공급 관계 supply links {SupplyLink.objects.count():,}",
        f"  데이터베이스 DB: {database_label()}",
        "  데모 전용 비밀번호: 운영에 쓰지 마세요. / Demo passwords: never use in production.",
    ]
    if serving:
        lines.append("  중지 Stop: Ctrl+C")
    lines.append(rule)
    return lines


class Command(BaseCommand):
    help = (
        "데모 데이터와 로그인을 준비하고 서버를 실행합니다. "
        "Prepare the demo data and logins, then serve Sangsaeng."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--companies",
            type=company_count,
            default=0,
            metavar="N",
            help="also generate N synthetic companies with supply chains (e.g. 100000)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=synthetic.DEFAULT_SEED,
            help="random seed of the synthetic companies (same seed, same companies)",
        )
        parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
        parser.add_argument("--port", type=port_number, default=DEFAULT_PORT)
        parser.add_argument("--workers", type=positive_int, default=None)
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare everything but do not start"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete ALL data in the database first, then load the demo afresh",
        )

    def step(self, text: str) -> None:
        if self.verbosity > 0:
            self.stdout.write(f"==> {text}")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        serving = not options["no_serve"]
        self.step("데이터베이스 준비 / migrating the database")
        call_command("migrate", interactive=False, verbosity=0)
        if options["reset"]:
            self.step("모든 데이터 삭제 / deleting all data (--reset)")
            call_command("flush", interactive=False, verbosity=0)

        self.step("데모 기관·공급망·로그인 / loading demo organisations, links and logins")
        result = seeds.load()
        if self.verbosity > 0:
            self.stdout.write(
                f"    기업 companies +{result.companies_created} "
                f"(already there: {result.companies_existing}), "
                f"공급 관계 links +{result.links_created}, "
                f"담당자 contacts +{result.contacts_created}"
            )

        self.step("상생협력기금·상생결제 / cooperation fund and win-win payment programme")
        money_result = money.load()
        if self.verbosity > 0:
            self.stdout.write(
                f"    기금 fund +{int(money_result.fund_created)}, "
                f"상생결제 programme +{int(money_result.programme_created)}, "
                f"만기 결제 settled trees +{money_result.settled}"
            )

        if options["companies"]:
            self.step(f"합성 기업 {options['companies']:,}개 / synthetic companies")
            under = list(Company.objects.filter(brn__in=[seeds.brn_of(k) for k in SYNTHETIC_UNDER]))
            made = synthetic.generate_companies(
                options["companies"],
                seed=options["seed"],
                extra_anchors=under,
                progress=self.verbosity > 0,
            )
            if self.verbosity > 0:
                self.stdout.write(
                    f"    +{made.created:,} companies, +{made.links:,} links "
                    f"({made.skipped:,} already there) in {made.seconds:.1f} s"
                )

        self.step("정적 파일 / collecting static files")
        collect_static(force=True)

        url = display_url(options["host"], options["port"])
        self.stdout.write("")
        for line in banner(url, result.users, serving):
            self.stdout.write(line)
        if options["host"] not in {DEFAULT_HOST, "localhost", "127.0.0.1"}:
            self.stdout.write(
                "  다른 주소로 접속하려면 ALLOWED_HOSTS 에 그 이름을 넣으세요. / To reach it by "
                "another name, add that name to ALLOWED_HOSTS."
            )
        if serving:
            run_server(options["host"], options["port"], options["workers"], stdout=self.stdout)
