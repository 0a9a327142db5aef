"""``sangsaeng user``: create and list users from the command line.

    sangsaeng user create USERNAME --role ROLE [--company BRN] [--password P] [--email E]
    sangsaeng user list

Roles: operator, manager, consultant, partner, auditor. A partner user needs ``--company``, the
BRN of a registered company. Without ``--password`` the command asks for one on a terminal
(leave it empty to have one generated) and otherwise generates one; a generated password is
printed once. Passwords are hashed with the first configured hasher.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sangsaeng.accounts.audit import audit_record
from sangsaeng.accounts.models import AuditAction, Role, User
from sangsaeng.lib import brn as brn_lib
from sangsaeng.partners.models import Company

ROLE_NAMES = ", ".join(Role.values)


def generate_password() -> str:
    """16 URL-safe random characters (96 bits)."""
    return secrets.token_urlsafe(12)


def find_company(value: str) -> Company:
    try:
        number = brn_lib.normalize(value)
    except brn_lib.BRNError as exc:
        raise CommandError(
            f"{exc.message} / invalid business registration number: {value}"
        ) from exc
    company = Company.objects.filter(brn=number).first()
    if company is None:
        raise CommandError(
            f"사업자등록번호 {brn_lib.format_brn(number)} 기업이 등록되어 있지 않습니다. "
            f"/ No company with BRN {brn_lib.format_brn(number)}."
        )
    return company


class Command(BaseCommand):
    help = "사용자를 만들고 봅니다. Create and list users."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        create = actions.add_parser("create", help="create a user")
        create.add_argument("username")
        create.add_argument("--role", required=True, help=f"one of: {ROLE_NAMES}")
        create.add_argument(
            "--company", metavar="BRN", help="the user's company (required for a partner)"
        )
        create.add_argument("--password", help="the password (default: ask, or generate)")
        create.add_argument("--email", default="")
        create.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="never ask: generate the password if none is given",
        )
        actions.add_parser("list", help="list users with their role and company")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self.list_users()
        else:
            self.create(options)

    def list_users(self) -> None:
        for user in User.objects.select_related("company").order_by("username"):
            company = f"{user.company} ({user.company.brn_display})" if user.company else "-"
            state = "" if user.is_active else " [inactive]"
            self.stdout.write(f"{user.username}\t{user.role}\t{company}{state}")

    def create(self, options: dict[str, Any]) -> None:
        username = options["username"].strip()
        role = options["role"].strip().lower()
        if role not in Role.values:
            raise CommandError(
                f"알 수 없는 역할 '{options['role']}': {ROLE_NAMES} 중 하나를 쓰세요. "
                f"/ Unknown role '{options['role']}'; use one of: {ROLE_NAMES}."
            )
        try:
            User.username_validator(username)
        except ValidationError as exc:
            raise CommandError(f"사용할 수 없는 아이디 / invalid username: {username}") from exc
        if not username or len(username) > 150:
            raise CommandError(f"사용할 수 없는 아이디 / invalid username: {username!r}")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"이미 있는 아이디입니다 / User already exists: {username}")
        company = find_company(options["company"]) if options.get("company") else None
        if role == Role.PARTNER and company is None:
            raise CommandError(
                "협력사 사용자는 --company 사업자등록번호가 필요합니다. "
                "/ A partner user needs --company BRN."
            )

        candidate = User(username=username, email=options["email"], role=role, company=company)
        password, generated = self.password(options, candidate)
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                email=options["email"],
                password=password,
                role=role,
                company=company,
            )
            audit_record(
                actor=None,
                action=AuditAction.CREATE,
                instance=user,
                changes={
                    "username": [None, username],
                    "role": [None, role],
                    "company": [None, company.pk if company else None],
                },
                source="cli",
            )
        where = f", {company} ({company.brn_display})" if company else ""
        self.stdout.write(f"사용자 생성 / created user: {username} ({role}{where})")
        if generated:
            self.stdout.write(f"비밀번호 / password: {password}")
            self.stderr.write("이 비밀번호는 다시 표시되지 않습니다. / It will not be shown again.")

    def password(self, options: dict[str, Any], candidate: User) -> tuple[str, bool]:
        """The password to set and whether it was generated."""
        given = options.get("password")
        if given is None and options.get("interactive", True) and sys.stdin.isatty():
            given = getpass.getpass("비밀번호 Password (비우면 자동 생성 / empty to generate): ")
            if given and getpass.getpass("비밀번호 확인 Password again: ") != given:
                raise CommandError("비밀번호가 서로 다릅니다. / Passwords do not match.")
        if not given:
            return generate_password(), True
        try:
            validate_password(given, candidate)
        except ValidationError as exc:
            raise CommandError(
                "비밀번호를 쓸 수 없습니다 / password refused: " + " ".join(exc.messages)
            ) from exc
        return given, False
