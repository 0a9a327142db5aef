"""``sangsaeng token``: API tokens from the command line.

    sangsaeng token create USERNAME [--name NAME]   # prints the token (only once) on stdout
    sangsaeng token list USERNAME
    sangsaeng token revoke PREFIX

The token goes alone to standard output, so ``TOKEN=$(sangsaeng token create bob)`` works;
the hint on how to use it goes to standard error. Only the token's SHA-256 is stored.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from sangsaeng.accounts.audit import audit_record
from sangsaeng.accounts.models import ApiToken, AuditAction, User, hash_token
from sangsaeng.api.auth import token_create


def find_user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"없는 사용자입니다 / No such user: {username}")
    return user


class Command(BaseCommand):
    help = "API 토큰을 발급·조회·폐기합니다. Create, list and revoke API tokens."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        create = actions.add_parser("create", help="create a token and print it")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        listing = actions.add_parser("list", help="list a user's tokens")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="revoke the token with this prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self.create(options["username"], options["name"])
        elif action == "list":
            self.list_tokens(options["username"])
        else:
            self.revoke(options["prefix"])

    def create(self, username: str, name: str) -> None:
        user = find_user(username)
        if not user.is_active:
            raise CommandError(f"비활성 사용자입니다 / User is inactive: {username}")
        if len(name) > 100:
            raise CommandError("토큰 이름은 100자 이내 / --name must be at most 100 characters.")
        with transaction.atomic():
            raw = token_create(user=user, name=name)
            token = ApiToken.objects.get(key_hash=hash_token(raw))
            audit_record(
                actor=None,
                action=AuditAction.CREATE,
                instance=token,
                changes={"user": [None, user.pk], "name": [None, name], "prefix": [None, raw[:8]]},
                source="cli",
            )
        self.stdout.write(raw)
        self.stderr.write(
            "이 토큰은 다시 표시되지 않습니다. 사용법 / Shown once. Use: "
            "Authorization: Bearer <token>"
        )

    def list_tokens(self, username: str) -> None:
        user = find_user(username)
        for token in user.tokens.all():
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
            created = f"{token.created_at:%Y-%m-%d}"
            self.stdout.write(f"{token.prefix}…\t{token.name or '-'}\t{created}\t{used}\t{state}")

    def revoke(self, prefix: str) -> None:
        prefix = prefix.rstrip("…").strip()
        tokens = list(ApiToken.objects.filter(prefix=prefix[:8], revoked_at__isnull=True))
        if len(prefix) < 8 or not tokens:
            raise CommandError(f"유효한 토큰이 없습니다 / No active token with prefix {prefix!r}")
        if len(tokens) > 1:
            raise CommandError("여러 토큰이 해당합니다 / Several tokens match; ask an operator.")
        token = tokens[0]
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=None,
                action=AuditAction.UPDATE,
                instance=token,
                changes={"revoked_at": [None, token.revoked_at.isoformat()]},
                source="cli",
            )
        self.stdout.write(f"폐기됨 / revoked: {token.prefix}… ({token.user})")
