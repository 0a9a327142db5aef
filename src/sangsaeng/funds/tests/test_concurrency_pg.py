"""Concurrent fund operations on PostgreSQL (SQLite serialises every writer anyway).

Threads, each with its own database connection, start together at a barrier and race: to
reserve more than a use holds, to post the same contribution twice, to approve and reject the
same disbursement. The fund lock (``_common.lock_fund``) and the record locks must let exactly
the right ones through, and verify must pass afterwards.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from sangsaeng.funds import services
from sangsaeng.funds.models import Contribution, Disbursement, DisbursementStatus
from sangsaeng.funds.tests.helpers import allocate, contribute, request
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.lib.errors import DomainError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="PostgreSQL only: SQLite serialises all writers",
    ),
]


def race(calls: list[Callable[[], Any]]) -> list[str]:
    """Run the calls at once; each result is ``ok`` or the refusal's code."""
    barrier = threading.Barrier(len(calls))
    results: list[str] = [""] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            call()
            results[i] = "ok"
        except DomainError as exc:
            results[i] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def verify_passes() -> None:
    failed = [(f.name, f.problems) for f in run_checks() if not f.ok]
    assert not failed, failed


def test_reservations_never_overdraw(operator, fund, escrow, company_a):
    contribute(operator, fund, 1_000, use=escrow)
    contribute(operator, fund, 500)
    allocate(operator, fund, escrow, 500)

    def ask(i: int) -> Callable[[], Any]:
        return lambda: services.disbursement_request(
            actor=operator,
            fund=fund,
            use=escrow,
            partner=company_a,
            amount=300,
            purpose="동시 요청",
            idempotency_key=f"race-{i}",
        )

    results = race([ask(i) for i in range(6)])
    assert Counter(results) == {"ok": 5, "insufficient_balance": 1}
    escrow.restricted_account.refresh_from_db()
    escrow.budget_account.refresh_from_db()
    assert escrow.restricted_account.available == 0
    assert escrow.budget_account.available == 0
    verify_passes()


def test_same_key_posts_once(operator, fund):
    def give() -> Any:
        return services.contribution_create(
            actor=operator,
            fund=fund,
            amount=2_500_000,
            contributed_on="2025-05-21",
            donor_name="박기영",
            idempotency_key="relay-1",
        )

    assert race([give] * 4) == ["ok"] * 4
    assert Contribution.objects.count() == 1
    verify_passes()


def test_pay_races_pay_and_reject(operator, manager, fund, escrow, company_a):
    contribute(operator, fund, 1_000, use=escrow)
    d = request(operator, fund, escrow, company_a, 700)
    services.disbursement_approve(actor=manager, disbursement=d, idempotency_key="a")

    def pay(key: str) -> Callable[[], Any]:
        return lambda: services.disbursement_pay(
            actor=operator, disbursement=d, paid_on="2025-09-02", idempotency_key=key
        )

    def reject() -> Any:
        return services.disbursement_reject(
            actor=manager, disbursement=d, reason="중복", idempotency_key="r"
        )

    results = race([pay("p1"), pay("p2"), reject])
    assert sorted(results) == ["invalid_state", "invalid_state", "ok"]
    d = Disbursement.objects.get(pk=d.pk)
    escrow.restricted_account.refresh_from_db()
    if d.status == DisbursementStatus.PAID:
        assert escrow.restricted_account.normal_balance == 300
    else:
        assert d.status == DisbursementStatus.REJECTED
        assert escrow.restricted_account.normal_balance == 1_000
    assert escrow.restricted_account.pending == 0
    verify_passes()
