"""Balances as of a date and account history."""

from __future__ import annotations

import datetime as dt

import pytest

from sangsaeng.ledger import queries, services
from sangsaeng.ledger.tests.conftest import T0, fund
from sangsaeng.lib.dates import KST

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def dated(book):
    """``a`` gets 100 on day 0, pays 30 on day 2 and gets 5 on day 5 (all 09:00 UTC)."""
    fund(book, book.a, 100, "f0", T0)
    services.transfer_post(
        idempotency_key="p2",
        postings=services.legs(debit=book.b, credit=book.a, amount=30),
        occurred_at=T0 + 2 * DAY,
        memo="지급",
    )
    fund(book, book.a, 5, "f5", T0 + 5 * DAY)
    return book


def test_balance_as_of_a_moment(dated):
    a = dated.a
    assert queries.balance_as_of(a, T0 - dt.timedelta(seconds=1)) == 0
    assert queries.balance_as_of(a, T0) == 100
    assert queries.balance_as_of(a, T0 + 2 * DAY) == 70
    assert queries.balance_as_of(a, T0 + 10 * DAY) == 75 == queries.balance(a)
    assert queries.normal_balance_as_of(dated.bank, T0 + 10 * DAY) == 105


def test_balance_as_of_a_date_includes_that_whole_day_in_korea(dated):
    # T0 is 18:00 KST on 1 March.
    day0 = T0.astimezone(KST).date()
    assert queries.balance_as_of(dated.a, day0 - DAY) == 0
    assert queries.balance_as_of(dated.a, day0) == 100
    assert queries.balance_as_of(dated.a, day0 + 2 * DAY) == 70


def test_back_dated_entry_changes_earlier_balances(dated):
    fund(dated, dated.a, 1, "late", T0 - DAY)
    assert queries.balance_as_of(dated.a, T0 - DAY) == 1
    assert queries.balance_as_of(dated.a, T0 + 2 * DAY) == 71


def test_balances_of_many_accounts(dated):
    result = queries.balances_as_of([dated.a, dated.b, dated.loose], T0 + 3 * DAY)
    assert result == {dated.a.pk: 70, dated.b.pk: 30, dated.loose.pk: 0}


def test_history_with_running_balance(dated):
    rows = list(queries.account_history(dated.a))
    assert [(r.amount, r.balance) for r in rows] == [(100, 100), (-30, 70), (5, 75)]
    assert rows[1].memo == "지급" and rows[1].idempotency_key == "p2"


def test_history_window_starts_from_the_opening_balance(dated):
    rows = list(queries.account_history(dated.a, start=T0 + DAY, end=T0 + 3 * DAY))
    assert [(r.amount, r.balance) for r in rows] == [(-30, 70)]
    day2 = (T0 + 2 * DAY).astimezone(KST).date()
    rows = list(queries.account_history(dated.a, start=day2))
    assert [(r.amount, r.balance) for r in rows] == [(-30, 70), (5, 75)]


def test_same_day_history_follows_the_chain(book):
    for i in range(3):
        fund(book, book.a, 10 + i, f"k{i}", T0)
    assert [r.amount for r in queries.account_history(book.a)] == [10, 11, 12]


def test_transactions_for_a_source(book, company_a):
    tx = services.transfer_post(
        idempotency_key="s",
        postings=services.legs(debit=book.a, credit=book.bank, amount=5),
        source=company_a,
    )
    fund(book, book.a, 1, "other")
    assert list(queries.transactions_for(company_a)) == [tx]
    assert sorted(queries.transaction_postings(tx), key=lambda p: p[1]) == [
        (book.bank, -5),
        (book.a, 5),
    ]
