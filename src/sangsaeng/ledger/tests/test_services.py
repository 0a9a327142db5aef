"""Ledger writes: balances, refusals, idempotency, reversals, batches, immutability."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from sangsaeng.ledger import services
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.ledger.models import ChainHead, NormalSide, Posting, Transaction, TxKind
from sangsaeng.ledger.services import TransferSpec, legs
from sangsaeng.ledger.tests.conftest import T0, fund
from sangsaeng.lib.errors import Conflict, DomainError

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int]:
    return Transaction.objects.count(), Posting.objects.count()


def test_transfer_moves_balances_and_keeps_the_sum_at_zero(book, operator):
    tx = services.transfer_post(
        idempotency_key="k1",
        postings=legs(debit=book.a, credit=book.bank, amount=1_000_000),
        occurred_at=T0,
        memo="출연금 입금",
        actor=operator,
    )
    book.refresh()
    assert (book.a.balance, book.bank.balance) == (1_000_000, -1_000_000)
    assert (book.a.normal_balance, book.bank.normal_balance) == (1_000_000, 1_000_000)
    assert tx.seq == 1 and tx.created_by == operator and tx.kind == TxKind.TRANSFER
    assert sorted(tx.postings.values_list("amount", flat=True)) == [-1_000_000, 1_000_000]
    assert Posting.objects.filter(transaction=tx, occurred_at=T0).count() == 2


def test_multi_leg_transaction(book):
    fund(book, book.a, 100, "f")
    services.transfer_post(
        idempotency_key="split",
        postings=[(book.b, 60), (book.loose, 40), (book.a, -100)],
    )
    book.refresh()
    assert (book.a.balance, book.b.balance, book.loose.balance) == (0, 60, 40)


@pytest.mark.parametrize(
    ("postings", "code"),
    [
        (lambda b: [(b.a, 100), (b.bank, -99)], "unbalanced"),
        (lambda b: [(b.a, 0), (b.bank, 0)], "zero_amount"),
        (lambda b: [(b.a, 100)], "too_few_postings"),
        (lambda b: [(b.a, 100), (b.a, -100)], "duplicate_account"),
        (lambda b: [(b.a, 1.5), (b.bank, -1.5)], "amount_not_integer"),
        (lambda b: [(b.a, True), (b.bank, -1)], "amount_not_integer"),
        (lambda b: [(b.a, 10**16), (b.bank, -(10**16))], "amount_too_large"),
    ],
)
def test_bad_postings_are_refused_and_nothing_is_written(book, postings, code):
    with pytest.raises(DomainError) as err:
        services.transfer_post(idempotency_key="bad", postings=postings(book))
    assert err.value.code == code
    assert counts() == (0, 0)


def test_overdraft_is_refused_and_nothing_is_posted(book):
    fund(book, book.a, 500, "f")
    before = counts()
    with pytest.raises(DomainError) as err:
        services.transfer_post(
            idempotency_key="over",
            postings=[(book.b, 300), (book.loose, 201), (book.a, -501)],
        )
    assert err.value.code == "insufficient_funds"
    assert counts() == before
    book.refresh()
    assert (book.a.balance, book.b.balance, book.loose.balance) == (500, 0, 0)


def test_credit_normal_guarded_account_cannot_be_overspent(book):
    services.transfer_post(
        idempotency_key="budget", postings=legs(debit=book.loose, credit=book.grant, amount=100)
    )
    with pytest.raises(DomainError) as err:
        services.transfer_post(
            idempotency_key="spend", postings=legs(debit=book.grant, credit=book.a, amount=101)
        )
    # Checked in the order given: the debit-normal guarded ``a`` (empty) fails first.
    assert err.value.code == "insufficient_funds"
    fund(book, book.a, 1000, "f")
    with pytest.raises(DomainError):
        services.transfer_post(
            idempotency_key="spend", postings=legs(debit=book.grant, credit=book.a, amount=101)
        )
    services.transfer_post(
        idempotency_key="spend", postings=legs(debit=book.grant, credit=book.a, amount=100)
    )
    assert book.refresh().grant.normal_balance == 0


def test_negative_allowed_where_flagged(book):
    services.transfer_post(
        idempotency_key="neg", postings=legs(debit=book.a, credit=book.loose, amount=70)
    )
    assert book.refresh().loose.balance == -70


def test_idempotent_retry_returns_the_same_transaction(book):
    first = services.transfer_post(
        idempotency_key="same", postings=legs(debit=book.a, credit=book.bank, amount=5)
    )
    again = services.transfer_post(
        idempotency_key="same", postings=legs(debit=book.a, credit=book.bank, amount=5)
    )
    assert again.pk == first.pk
    assert counts() == (1, 2)
    assert book.refresh().a.balance == 5


def test_retry_after_the_money_moved_on_still_returns_the_transaction(book):
    fund(book, book.a, 100, "f")
    first = services.transfer_post(
        idempotency_key="out", postings=legs(debit=book.b, credit=book.a, amount=100)
    )
    # ``a`` is empty now: the retry must not be refused as an overdraft.
    again = services.transfer_post(
        idempotency_key="out", postings=legs(debit=book.b, credit=book.a, amount=100)
    )
    assert again.pk == first.pk


@pytest.mark.parametrize(
    "change",
    [
        {"postings": "amount"},
        {"memo": "다른 적요"},
        {"kind": "funds.other"},
        {"occurred_at": T0 + dt.timedelta(days=1)},
    ],
)
def test_conflicting_retry_is_refused(book, change):
    base: dict[str, Any] = {
        "idempotency_key": "k",
        "postings": legs(debit=book.a, credit=book.bank, amount=5),
        "occurred_at": T0,
        "memo": "m",
    }
    services.transfer_post(**base)
    if "postings" in change:
        change = {"postings": legs(debit=book.a, credit=book.bank, amount=6)}
    with pytest.raises(Conflict) as err:
        services.transfer_post(**{**base, **change})
    assert err.value.code == "idempotency_conflict"
    assert counts() == (1, 2)


def test_retry_without_value_date_matches_any_date(book):
    first = services.transfer_post(
        idempotency_key="k", postings=legs(debit=book.a, credit=book.bank, amount=5)
    )
    again = services.transfer_post(
        idempotency_key="k", postings=legs(debit=book.a, credit=book.bank, amount=5)
    )
    assert again.pk == first.pk


def test_value_date_as_a_date_is_midnight_in_korea(book):
    tx = services.transfer_post(
        idempotency_key="d",
        postings=legs(debit=book.a, credit=book.bank, amount=5),
        occurred_at=dt.date(2025, 1, 2),
    )
    assert tx.occurred_at == dt.datetime(2025, 1, 1, 15, 0, tzinfo=dt.UTC)


def test_source_is_a_generic_reference(book, company_a):
    tx = services.transfer_post(
        idempotency_key="src",
        postings=legs(debit=book.a, credit=book.bank, amount=5),
        source=company_a,
    )
    tx = Transaction.objects.get(pk=tx.pk)
    assert tx.source_type is not None
    assert tx.source_type.model_class() is type(company_a)
    assert tx.source_id == str(company_a.pk)


def test_reversal_mirrors_and_links(book):
    fund(book, book.a, 100, "f")
    tx = services.transfer_post(
        idempotency_key="pay", postings=legs(debit=book.b, credit=book.a, amount=30), memo="지급"
    )
    rev = services.transaction_reverse(transaction=tx)
    book.refresh()
    assert (book.a.balance, book.b.balance) == (100, 0)
    assert rev.reverses_id == tx.pk and rev.kind == TxKind.REVERSAL
    assert rev.memo == "취소: 지급"
    assert sorted(rev.postings.values_list("amount", flat=True)) == [-30, 30]
    assert Transaction.objects.get(pk=tx.pk).reversed_by.pk == rev.pk
    # Asked again (same default key): the same reversal; with another key: refused.
    assert services.transaction_reverse(transaction=tx).pk == rev.pk
    with pytest.raises(Conflict) as err:
        services.transaction_reverse(transaction=tx, idempotency_key="other")
    assert err.value.code == "already_reversed"
    # The reversal itself can be reversed (a mistaken correction).
    services.transaction_reverse(transaction=rev)
    assert book.refresh().b.balance == 30


def test_reversal_refused_when_the_money_is_gone(book):
    fund(book, book.a, 100, "f")
    tx = services.transfer_post(
        idempotency_key="pay", postings=legs(debit=book.b, credit=book.a, amount=100)
    )
    services.transfer_post(
        idempotency_key="on", postings=legs(debit=book.loose, credit=book.b, amount=100)
    )
    with pytest.raises(DomainError) as err:
        services.transaction_reverse(transaction=tx)
    assert err.value.code == "insufficient_funds"


def test_batch_posts_all_in_order_and_is_idempotent(book):
    fund(book, book.a, 100, "f")
    specs = [
        TransferSpec(f"b{i}", legs(debit=book.b, credit=book.a, amount=10), occurred_at=T0)
        for i in range(5)
    ]
    txs = services.transfers_post_many(transfers=specs)
    assert [t.idempotency_key for t in txs] == [f"b{i}" for i in range(5)]
    assert [t.seq for t in txs] == [2, 3, 4, 5, 6]
    assert book.refresh().a.balance == 50
    # Re-sent with one new transfer: the old ones come back, the new one is posted.
    more = [*specs, TransferSpec("b5", legs(debit=book.b, credit=book.a, amount=10))]
    again = services.transfers_post_many(transfers=more)
    assert [t.pk for t in again[:5]] == [t.pk for t in txs]
    assert book.refresh().a.balance == 40


def test_batch_is_all_or_nothing(book):
    fund(book, book.a, 25, "f")
    specs = [TransferSpec(f"b{i}", legs(debit=book.b, credit=book.a, amount=10)) for i in range(3)]
    with pytest.raises(DomainError) as err:
        services.transfers_post_many(transfers=specs)
    assert (err.value.code, err.value.field) == ("insufficient_funds", "transfers[2]")
    assert counts() == (1, 2)
    assert book.refresh().a.balance == 25


def test_batch_repeated_key(book):
    spec = TransferSpec("x", legs(debit=book.a, credit=book.bank, amount=1), occurred_at=T0)
    txs = services.transfers_post_many(transfers=[spec, spec])
    assert txs[0].pk == txs[1].pk and counts() == (1, 2)
    clash = TransferSpec("y", legs(debit=book.a, credit=book.bank, amount=2))
    with pytest.raises(Conflict) as err:
        services.transfers_post_many(
            transfers=[clash, TransferSpec("y", legs(debit=book.a, credit=book.bank, amount=3))]
        )
    assert (err.value.code, err.value.field) == ("idempotency_conflict", "transfers[1]")


def test_chain_links_each_transaction_to_the_one_before(book):
    fund(book, book.a, 100, "f1")
    fund(book, book.a, 100, "f2")
    first, second = Transaction.objects.order_by("seq")
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (2, second.hash)


def test_account_open_is_idempotent_by_code(db):
    one = services.account_open(code="x", name="X", purpose="p")
    assert services.account_open(code="x", name="X", purpose="p").pk == one.pk
    with pytest.raises(Conflict) as err:
        services.account_open(code="x", name="X", purpose="p", normal_side=NormalSide.CREDIT)
    assert err.value.code == "account_code_taken"


def test_a_failure_in_the_callers_transaction_rolls_the_posting_back(book):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.transfer_post(
            idempotency_key="inner", postings=legs(debit=book.a, credit=book.bank, amount=5)
        )
        raise RuntimeError("the caller fails after posting")
    assert counts() == (0, 0)
    assert book.refresh().a.balance == 0


def test_posted_rows_refuse_changes_in_the_model(book):
    tx = services.transfer_post(
        idempotency_key="k", postings=legs(debit=book.a, credit=book.bank, amount=5)
    )
    posting = Posting.objects.filter(transaction=tx).first()
    assert posting is not None
    posting.amount = 6
    for attempt in (
        posting.save,
        posting.delete,
        tx.save,
        tx.delete,
        lambda: Posting.objects.filter(pk=posting.pk).update(amount=6),
        lambda: Transaction.objects.all().delete(),
    ):
        with pytest.raises(DomainError) as err:
            attempt()
        assert err.value.code == "ledger_immutable"


def test_database_refuses_updates_of_posted_rows(book):
    tx = services.transfer_post(
        idempotency_key="k", postings=legs(debit=book.a, credit=book.bank, amount=5)
    )
    for sql in (
        "UPDATE ledger_posting SET amount = amount + 1",
        "UPDATE ledger_transaction SET memo = 'changed'",
    ):
        with (
            pytest.raises((IntegrityError, DatabaseError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_posting WHERE transaction_id = %s", [tx.pk])
    assert sorted(Posting.objects.values_list("amount", flat=True)) == [-5, 5]


def test_database_refuses_a_negative_available_balance_behind_the_services(book):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = -1 WHERE id = %s", [book.a.pk])


def test_refusals_inside_the_callers_transaction_leave_it_usable(book):
    with transaction.atomic():
        first = services.transfer_post(
            idempotency_key="k", postings=legs(debit=book.a, credit=book.bank, amount=5)
        )
        with pytest.raises(Conflict):
            services.transfer_post(
                idempotency_key="k", postings=legs(debit=book.a, credit=book.bank, amount=6)
            )
        with pytest.raises(DomainError):
            services.transfer_post(
                idempotency_key="over", postings=legs(debit=book.b, credit=book.a, amount=6)
            )
        again = services.transfer_post(
            idempotency_key="k", postings=legs(debit=book.a, credit=book.bank, amount=5)
        )
        rev = services.transaction_reverse(transaction=first)
        with pytest.raises(Conflict):
            services.transaction_reverse(transaction=first, idempotency_key="other")
        assert again.pk == first.pk and rev.reverses_id == first.pk
        assert counts() == (2, 4)
    assert book.refresh().a.balance == 0


def test_big_batch_keeps_every_character_and_the_chain(book, company_a):
    """Big batches take PostgreSQL's COPY path: awkward memos must arrive intact."""
    fund(book, book.a, 10_000, "f")
    memos = ["탭\there", "줄\nbreak", "back\\slash", "\\N", "", "쉼표, 'quote' \"double\""]
    specs = [
        TransferSpec(
            f"big{i}",
            legs(debit=book.b, credit=book.a, amount=i + 1),
            occurred_at=T0 + dt.timedelta(microseconds=i),
            memo=memos[i % len(memos)],
            source=company_a if i % 2 else None,
        )
        for i in range(100)
    ]
    txs = services.transfers_post_many(transfers=specs)
    stored = {
        t.idempotency_key: t for t in Transaction.objects.filter(idempotency_key__startswith="big")
    }
    for spec, tx in zip(specs, txs, strict=True):
        row = stored[spec.idempotency_key]
        assert (row.pk, row.memo, row.occurred_at, row.hash) == (
            tx.pk,
            spec.memo,
            spec.occurred_at,
            tx.hash,
        )
        assert row.source_id == (str(company_a.pk) if spec.source else "")
    assert book.refresh().b.balance == sum(range(1, 101))
    # Sent again with one more: the hundred come back as they were, one is posted.
    extra = TransferSpec("big100", legs(debit=book.b, credit=book.a, amount=1))
    again = services.transfers_post_many(transfers=[*specs, extra])
    assert [t.pk for t in again[:100]] == [t.pk for t in txs]
    assert book.refresh().b.balance == sum(range(1, 101)) + 1
    assert [p for f in run_checks() for p in f.problems] == []
