"""Two-phase transfers: reserve, then post (in full or in part) or void, exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sangsaeng.ledger import queries, services
from sangsaeng.ledger.models import PendingStatus, Transaction, TxKind
from sangsaeng.ledger.tests.conftest import fund
from sangsaeng.lib.errors import Conflict, DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(book):
    fund(book, book.a, 1000, "f")
    return book


def reserve(book, amount=400, key="p1", **extra):
    return services.pending_create(
        idempotency_key=key, debit=book.b, credit=book.a, amount=amount, **extra
    )


def test_pending_reserves_without_moving_money(funded):
    pending = reserve(funded)
    funded.refresh()
    assert (funded.a.balance, funded.a.pending, funded.a.available) == (1000, 400, 600)
    assert (funded.b.balance, funded.b.pending) == (0, 0)  # an incoming debit reserves nothing
    assert pending.status == PendingStatus.OPEN
    assert list(queries.pending_open(funded.a)) == [pending]


def test_reservation_counts_against_later_transfers(funded):
    reserve(funded, 700)
    with pytest.raises(DomainError) as err:
        services.transfer_post(
            idempotency_key="t", postings=services.legs(debit=funded.b, credit=funded.a, amount=301)
        )
    assert err.value.code == "insufficient_funds"
    with pytest.raises(DomainError):
        reserve(funded, 301, key="p2")


def test_credit_normal_account_reserves_on_its_debit_side(book):
    services.transfer_post(
        idempotency_key="budget",
        postings=services.legs(debit=book.loose, credit=book.grant, amount=50),
    )
    services.pending_create(idempotency_key="p", debit=book.grant, credit=book.loose, amount=30)
    book.refresh()
    assert (book.grant.pending, book.grant.available) == (30, 20)
    # The credit lowers debit-normal ``loose`` too: reserved there as well (it may go negative,
    # so the reservation limits nothing, but it is kept for the record and for verify).
    assert book.loose.pending == 30


def test_post_in_full(funded, operator):
    pending = reserve(funded)
    tx = services.pending_post(pending=pending, actor=operator)
    funded.refresh()
    assert (funded.a.balance, funded.a.pending, funded.b.balance) == (600, 0, 400)
    assert (pending.status, pending.posting_transaction_id) == (PendingStatus.POSTED, tx.pk)
    pending.refresh_from_db()
    assert pending.status == PendingStatus.POSTED
    assert (pending.posted_amount, pending.posting_transaction_id) == (400, tx.pk)
    assert pending.resolved_by == operator
    assert tx.kind == TxKind.PENDING_POST


def test_post_in_part_releases_the_rest(funded):
    pending = reserve(funded, kind="funds.disbursement")
    tx = services.pending_post(pending=pending, amount=150)
    funded.refresh()
    assert (funded.a.balance, funded.a.pending, funded.b.balance) == (850, 0, 150)
    assert tx.kind == "funds.disbursement"


@pytest.mark.parametrize("amount", [0, -1, 401])
def test_post_amount_must_fit_the_reservation(funded, amount):
    pending = reserve(funded)
    with pytest.raises(DomainError) as err:
        services.pending_post(pending=pending, amount=amount)
    assert err.value.code in {"pending_amount_invalid", "zero_amount"}
    assert funded.refresh().a.pending == 400


def test_post_twice_is_refused(funded):
    pending = reserve(funded)
    services.pending_post(pending=pending, amount=100)
    for amount in (None, 100):
        with pytest.raises(Conflict) as err:
            services.pending_post(pending=pending, amount=amount)
        assert err.value.code == "pending_already_posted"
    with pytest.raises(Conflict) as err:
        services.pending_void(pending=pending)
    assert err.value.code == "pending_already_posted"
    assert funded.refresh().a.balance == 900
    assert Transaction.objects.count() == 2


def test_retried_post_with_its_key_returns_the_same_transaction(funded):
    pending = reserve(funded)
    tx = services.pending_post(pending=pending, amount=100, idempotency_key="post-1")
    again = services.pending_post(pending=pending, amount=100, idempotency_key="post-1")
    assert again.pk == tx.pk
    with pytest.raises(Conflict):
        services.pending_post(pending=pending, amount=120, idempotency_key="post-1")


def test_void_releases_once(funded):
    pending = reserve(funded)
    voided = services.pending_void(pending=pending, reason="반려")
    assert voided.status == PendingStatus.VOIDED and voided.void_reason == "반려"
    funded.refresh()
    assert (funded.a.balance, funded.a.pending) == (1000, 0)
    with pytest.raises(Conflict) as err:
        services.pending_void(pending=pending)
    assert err.value.code == "pending_already_voided"
    with pytest.raises(Conflict) as err:
        services.pending_post(pending=pending)
    assert err.value.code == "pending_already_voided"
    assert funded.refresh().a.pending == 0


def test_create_is_idempotent(funded):
    first = reserve(funded)
    assert reserve(funded).pk == first.pk
    assert funded.refresh().a.pending == 400
    with pytest.raises(Conflict) as err:
        reserve(funded, 401)
    assert err.value.code == "idempotency_conflict"


def test_retried_create_after_the_funds_are_reserved_returns_it(funded):
    first = reserve(funded, 1000)
    assert reserve(funded, 1000).pk == first.pk


def test_expired_cannot_be_posted_and_is_voided_by_the_sweep(funded):
    past = timezone.now() - dt.timedelta(minutes=1)
    pending = reserve(funded, expires_at=past)
    live = reserve(funded, 100, key="p2", expires_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(Conflict) as err:
        services.pending_post(pending=pending)
    assert err.value.code == "pending_expired"
    assert services.pending_void_expired() == 1
    pending.refresh_from_db()
    live.refresh_from_db()
    assert (pending.status, pending.void_reason, live.status) == ("voided", "expired", "open")
    assert funded.refresh().a.pending == 100


def test_pending_refuses_bad_input(funded):
    with pytest.raises(DomainError) as err:
        services.pending_create(idempotency_key="x", debit=funded.a, credit=funded.a, amount=1)
    assert err.value.code == "duplicate_account"
    with pytest.raises(DomainError) as err:
        reserve(funded, -5)
    assert err.value.code == "amount_negative"
