"""Bearer-token authentication for the API. Tokens are stored hashed (``accounts.ApiToken``)."""

from __future__ import annotations

import secrets

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from sangsaeng.accounts.models import ApiToken, User, hash_token

TOKEN_PREFIX = "ss_"  # noqa: S105 - a public prefix, not a secret


def token_create(*, user: User, name: str = "") -> str:
    """Make a token for ``user`` and return the raw value, which is never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8])
    return raw


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token or len(token) > 200:
            return None
        found = (
            ApiToken.objects.select_related("user", "user__company")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user
