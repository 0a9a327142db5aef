"""Ledger test fixtures: a small book of accounts, and a way round the immutability triggers
for the tests that tamper with rows on purpose."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import connection

from sangsaeng.ledger import services
from sangsaeng.ledger.models import Account, NormalSide

T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


@dataclass
class Book:
    """``bank``: credit-normal, may go negative (where money enters); ``a``, ``b``: guarded
    debit-normal (cash); ``loose``: debit-normal, may go negative; ``grant``: guarded
    credit-normal (a budget that must not be overspent)."""

    bank: Account
    a: Account
    b: Account
    loose: Account
    grant: Account

    def refresh(self) -> Book:
        for account in (self.bank, self.a, self.b, self.loose, self.grant):
            account.refresh_from_db()
        return self


def open_book(prefix: str = "t") -> Book:
    def open_(code: str, side: str, allow_negative: bool) -> Account:
        return services.account_open(
            code=f"{prefix}.{code}",
            name=code,
            purpose="test",
            normal_side=side,
            allow_negative=allow_negative,
        )

    return Book(
        bank=open_("bank", NormalSide.CREDIT, True),
        a=open_("a", NormalSide.DEBIT, False),
        b=open_("b", NormalSide.DEBIT, False),
        loose=open_("loose", NormalSide.DEBIT, True),
        grant=open_("grant", NormalSide.CREDIT, False),
    )


@pytest.fixture
def book(db) -> Book:
    return open_book()


def fund(book: Book, account: Account, amount: int, key: str, when: dt.datetime = T0) -> None:
    services.transfer_post(
        idempotency_key=key,
        postings=services.legs(debit=account, credit=book.bank, amount=amount),
        occurred_at=when,
    )


@contextlib.contextmanager
def triggers_off() -> Iterator[None]:
    """Lift the immutability triggers (inside the test's transaction) to tamper on purpose."""
    tables = ("ledger_transaction", "ledger_posting")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Replica mode skips ordinary triggers (a superuser's setting, fine in tests).
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            return
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
            tables,
        )
        saved = cursor.fetchall()
        for name, _ in saved:
            cursor.execute(f"DROP TRIGGER {name}")
        yield
        for _, sql in saved:
            cursor.execute(sql)
