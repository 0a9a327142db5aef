"""Helpers shared by the ``import`` and ``export`` management commands."""

from __future__ import annotations

import unicodedata

from django.core.management.base import CommandError
from django.db.models import Q

from sangsaeng.accounts.models import Role, User
from sangsaeng.partners.io.common import ImportErrors

KINDS = ("companies", "links")
KIND_LABELS = {"companies": "기업", "links": "공급망 연결"}


def resolve_user(username: str | None) -> User:
    """``--user USERNAME``, or else the first active operator. Never invents an account."""
    if username:
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"없거나 비활성인 사용자입니다: '{username}'") from None
    user = (
        User.objects.filter(Q(role=Role.OPERATOR) | Q(is_superuser=True), is_active=True)
        .order_by("pk")
        .first()
    )
    if user is None:
        raise CommandError(
            "운영자 계정이 없습니다. 운영자나 프로그램 관리자 계정을 만든 뒤 "
            "--user 사용자명 으로 지정하세요."
        )
    return user


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _clip(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def error_table(exc: ImportErrors) -> str:
    """The refusals as an aligned text table (row, column, value, reason)."""
    rows = [("행", "열", "값", "오류")]
    for error in exc.errors:
        rows.append(
            (
                "" if error.row is None else str(error.row),
                _clip(error.column or "", 24),
                _clip(error.value, 20),
                f"{error.message} [{error.code}]",
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(3)]
    lines = []
    for index, row in enumerate(rows):
        cells = [_pad(row[i], widths[i]) for i in range(3)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in [*widths, 20]))
    if exc.truncated:
        lines.append(f"… 처음 {len(exc.errors):,}건만 표시했습니다 (전체 {exc.total:,}건).")
    return "\n".join(lines)
