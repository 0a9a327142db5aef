"""``sangsaeng verify``: a clean ledger passes; every kind of tampering makes it fail."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sangsaeng.ledger import invariants, services
from sangsaeng.ledger.invariants import Findings, register_check, run_checks
from sangsaeng.ledger.models import Transaction
from sangsaeng.ledger.tests.conftest import fund, triggers_off

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(book):
    fund(book, book.a, 1000, "f1")
    tx = services.transfer_post(
        idempotency_key="pay", postings=services.legs(debit=book.b, credit=book.a, amount=300)
    )
    services.transaction_reverse(transaction=tx)
    pending = services.pending_create(idempotency_key="p1", debit=book.b, credit=book.a, amount=200)
    services.pending_post(pending=pending, amount=120)
    services.pending_create(idempotency_key="p2", debit=book.b, credit=book.a, amount=50)
    return book


def verify(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def execute(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_clean_ledger_passes_with_a_summary(busy):
    out, err = verify()
    assert "verify: all" in out and err == ""
    assert "transactions: 4" in out
    assert "postings: 8" in out
    assert "total debits (KRW): 1,720" in out
    assert "sum of all balances: 0" in out
    assert "pending open: 1" in out
    assert "chain length: 4" in out


def test_empty_ledger_passes(db):
    out, _ = verify()
    assert "chain length: 0" in out


def test_tampered_balance_cache_fails(busy):
    execute("UPDATE ledger_account SET balance = balance + 1 WHERE id = %s", [busy.b.pk])
    _, err = failing()
    assert f"account {busy.b.code}: cached balance" in err


def test_tampered_pending_cache_fails(busy):
    execute("UPDATE ledger_account SET pending = 0 WHERE id = %s", [busy.a.pk])
    _, err = failing()
    assert "cached pending 0 != open pending 50" in err


def test_tampered_posting_breaks_sums_balances_and_chain(busy):
    with triggers_off():
        execute(
            "UPDATE ledger_posting SET amount = amount + 1 WHERE account_id = %s "
            "AND transaction_id = (SELECT MIN(id) FROM ledger_transaction)",
            [busy.a.pk],
        )
    _, err = failing()
    assert "summing to 1" in err
    assert "cached balance" in err
    assert "#1 (f1): hash does not match its content" in err


def test_hash_chain_detects_a_changed_memo(busy):
    with triggers_off():
        execute("UPDATE ledger_transaction SET memo = 'changed' WHERE seq = 2")
    out, err = failing("--check", "ledger.chain")
    assert "#2 (pay): hash does not match its content" in err
    assert "ledger.chain: 1 problem(s)" in out


def test_hash_chain_detects_a_rewritten_hash(busy):
    with triggers_off():
        execute("UPDATE ledger_transaction SET hash = %s WHERE seq = 2", ["f" * 64])
    _, err = failing("--check", "ledger.chain")
    assert "#2 (pay): hash does not match" in err
    assert "#3" in err  # the next one no longer links to it


def test_chain_detects_a_removed_last_transaction(busy):
    last = Transaction.objects.order_by("-seq").first()
    assert last is not None
    with triggers_off():
        execute("DELETE FROM ledger_pendingtransfer WHERE posting_transaction_id = %s", [last.pk])
        execute("DELETE FROM ledger_posting WHERE transaction_id = %s", [last.pk])
        execute("DELETE FROM ledger_transaction WHERE id = %s", [last.pk])
    _, err = failing("--check", "ledger.chain")
    assert "chain head says #4, the chain ends at #3" in err


def test_negative_balance_where_forbidden_fails(busy):
    """Behind the services and the database check: postings and caches agree that ``b`` is
    880 below zero (the pending post of 120 to ``b`` rewritten as -880, ``a`` to match)."""
    if connection.vendor == "postgresql":
        execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending before the DDL
        execute("ALTER TABLE ledger_account DROP CONSTRAINT ledger_account_available_not_negative")
    else:
        execute("PRAGMA ignore_check_constraints = ON")
    tx = Transaction.objects.get(kind="pending_post")
    try:
        with triggers_off():
            execute(
                "UPDATE ledger_posting SET amount = -amount * 22 / 3 WHERE transaction_id = %s",
                [tx.pk],
            )
        execute("UPDATE ledger_account SET balance = balance - 1000 WHERE id = %s", [busy.b.pk])
        execute("UPDATE ledger_account SET balance = balance + 1000 WHERE id = %s", [busy.a.pk])
        _, err = failing("--check", "ledger.accounts")
    finally:
        if connection.vendor == "sqlite":
            execute("PRAGMA ignore_check_constraints = OFF")
    assert f"account {busy.b.code}: available -880 below zero" in err
    assert "cached balance" not in err


@pytest.fixture
def scratch_registry(monkeypatch):
    monkeypatch.setattr(invariants, "_checks", dict(invariants._checks))


def test_registered_checks_run_and_fail_the_command(busy, scratch_registry):
    @register_check("payments.claim_trees")
    def claim_trees(findings: Findings) -> None:
        findings.figure("claims", 3)
        findings.fail("claim 7: children add up to 90, parent is 100")

    out, _ = verify("--list")
    assert "payments.claim_trees" in out.split()
    out, err = failing()
    assert "payments.claim_trees: 1 problem(s)" in out and "claims: 3" in out
    assert "claim 7: children add up to 90" in err


def test_a_crashing_check_fails_the_command(busy, scratch_registry):
    register_check("boom", lambda findings: 1 / 0)
    _, err = failing("--check", "boom")
    assert "check crashed: ZeroDivisionError" in err


def test_unknown_check_is_an_error(db):
    with pytest.raises(CommandError, match="unknown check"):
        verify("--check", "nope")


def test_many_problems_are_counted_but_few_printed(busy, scratch_registry):
    def noisy(findings: Findings) -> None:
        for i in range(500):
            findings.fail(f"problem {i}")

    register_check("noisy", noisy)
    [result] = run_checks(["noisy"])
    assert result.problem_count == 500 and len(result.problems) == invariants.KEEP_PROBLEMS
    _, err = failing("--check", "noisy")
    assert "... and 450 more" in err
