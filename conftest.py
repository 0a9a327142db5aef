"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest
from django.test import Client

from sangsaeng.accounts.models import Role, User
from sangsaeng.api.auth import token_create
from sangsaeng.partners.models import Company
from sangsaeng.testing import factories

pytest_plugins = ["sangsaeng.testing.browser"]


@pytest.fixture(autouse=True)
def _fast_hasher(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def operator(db) -> User:  # type: ignore[no-untyped-def]
    return factories.make_user(Role.OPERATOR)


@pytest.fixture
def manager(db) -> User:  # type: ignore[no-untyped-def]
    return factories.make_user(Role.MANAGER)


@pytest.fixture
def consultant(db) -> User:  # type: ignore[no-untyped-def]
    return factories.make_user(Role.CONSULTANT)


@pytest.fixture
def auditor(db) -> User:  # type: ignore[no-untyped-def]
    return factories.make_user(Role.AUDITOR)


@pytest.fixture
def company_a(operator) -> Company:  # type: ignore[no-untyped-def]
    return factories.make_company(operator, name="가나정밀")


@pytest.fixture
def company_b(operator) -> Company:  # type: ignore[no-untyped-def]
    return factories.make_company(operator, name="다라테크")


@pytest.fixture
def partner_a(company_a) -> User:  # type: ignore[no-untyped-def]
    return factories.make_user(Role.PARTNER, company=company_a)


@pytest.fixture
def partner_b(company_b) -> User:  # type: ignore[no-untyped-def]
    return factories.make_user(Role.PARTNER, company=company_b)


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, user: User) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token_create(user=user)}"}

    def _send(self, method: str, path: str, data: object = None):  # type: ignore[no-untyped-def]
        fn = getattr(self.client, method)
        kwargs = {"headers": self.headers}
        if method in {"post", "patch", "put"}:
            return fn(path, data=data, content_type="application/json", **kwargs)
        return fn(path, data=data, **kwargs)

    def get(self, path: str, params: dict | None = None):  # type: ignore[no-untyped-def]
        return self._send("get", path, params)

    def post(self, path: str, body: object = None):  # type: ignore[no-untyped-def]
        return self._send("post", path, body)

    def patch(self, path: str, body: object = None):  # type: ignore[no-untyped-def]
        return self._send("patch", path, body)

    def delete(self, path: str):  # type: ignore[no-untyped-def]
        return self._send("delete", path)


@pytest.fixture
def api_as():  # type: ignore[no-untyped-def]
    """``api_as(user)`` gives an :class:`ApiClient` for that user."""
    return ApiClient
