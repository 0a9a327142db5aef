"""Eight processes hammer the same claims with pass-ons, cash-outs and retried requests at
once (PostgreSQL only: SQLite has one writer at a time by design). At the end every won is
where it should be: the totals match what the processes were told, each retried key posted
exactly once, and every invariant holds."""

from __future__ import annotations

import multiprocessing as mp
import random
from collections import Counter
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Sum

from sangsaeng.ledger.models import Transaction
from sangsaeng.lib.errors import DomainError
from sangsaeng.payments import services
from sangsaeng.payments.models import Claim, ClaimKind, Operation, Payout
from sangsaeng.payments.tests.conftest import D, assert_invariants, key, made, make_world

PROCESSES = 8
OPS = 30
SHARED_KEYS = [f"shared-split-{i}" for i in range(6)]
DAY = D(2024, 3, 10)


def _worker(n: int, ctx: dict[str, Any], queue: Any) -> None:
    """One process: a random mix of operations on the two shared claims; reports what the
    services said (every success, and the code of every refusal)."""
    rng = random.Random(n)
    done: list[tuple] = []
    try:
        for _ in range(OPS):
            done.append(_one(rng, ctx))
        for shared in rng.sample(SHARED_KEYS, len(SHARED_KEYS)):
            op = services.claim_split(
                actor=ctx["t1_user"], claim=ctx["shared_root"], to=ctx["t2"], amount=1_000,
                value_date=DAY, idempotency_key=shared,
            )  # fmt: skip
            done.append(("shared", shared, op.pk))
    except Exception as exc:  # reported to the parent, which fails the test
        import traceback

        done.append(("crash", repr(exc) + traceback.format_exc()))
    finally:
        connections.close_all()
    queue.put((n, done))


def _settler(n: int, root: Claim, user: Any, queue: Any) -> None:
    try:
        op = services.claim_settle(
            actor=user, claim=root, value_date=D(2024, 6, 1), idempotency_key=f"settle-{n}"
        )
        queue.put(("settled", op.pk))
    except DomainError as exc:
        queue.put(("refused", exc.code))
    except Exception as exc:
        queue.put(("crash", repr(exc)))
    finally:
        connections.close_all()


def _one(rng: random.Random, ctx: dict[str, Any]) -> tuple:
    which = rng.choice(["split_root", "cash_root", "split_c2", "cash_c2"])
    amount = rng.randint(1, 4_000_000)
    holder_claim, user = (
        (ctx["root"], ctx["t1_user"]) if which.endswith("root") else (ctx["c2"], ctx["t2_user"])
    )
    try:
        if which.startswith("split"):
            to = ctx["t2"] if which == "split_root" else ctx["t3"]
            op = services.claim_split(
                actor=user, claim=holder_claim, to=to, amount=amount, value_date=DAY,
                idempotency_key=key() + f"-{rng.random()}",
            )  # fmt: skip
        else:
            op = services.claim_cash_out(
                actor=user, claim=holder_claim, amount=amount, value_date=DAY,
                idempotency_key=key() + f"-{rng.random()}",
            )  # fmt: skip
    except DomainError as exc:
        return ("refused", which, exc.code)
    return ("ok", which, holder_claim.pk, amount, op.pk)


@pytest.mark.django_db(transaction=True)
def test_many_processes_on_the_same_claims(operator):
    if connection.vendor != "postgresql":
        pytest.skip("the concurrency test needs PostgreSQL (set DATABASE_URL)")
    w = make_world(operator)
    services.escrow_deposit(
        actor=operator, programme=w.programme, amount=10**9, value_date=D(2024, 1, 2),
        idempotency_key=key(),
    )  # fmt: skip
    root = made(
        services.claim_issue(
            actor=operator, programme=w.programme, holder=w.t1, amount=100_000_000,
            maturity=D(2024, 6, 1), value_date=D(2024, 3, 1), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    c2 = made(
        services.claim_split(
            actor=operator, claim=root, to=w.t2, amount=40_000_000, value_date=D(2024, 3, 2),
            idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    # Open t3's claim account up front: the race to open it is the ledger's, tested there.
    services.claim_split(
        actor=operator, claim=c2, to=w.t3, amount=1, value_date=D(2024, 3, 2),
        idempotency_key=key(),
    )  # fmt: skip
    # The shared keys act on a claim of their own: the random operations may drain the root
    # below what they need (a legitimate refusal, not what they test).
    shared_root = made(
        services.claim_issue(
            actor=operator, programme=w.programme, holder=w.t1, amount=10_000_000,
            maturity=D(2024, 6, 1), value_date=D(2024, 3, 1), idempotency_key=key(),
        ).result_claim
    )  # fmt: skip
    txs_before = Transaction.objects.count()
    ctx = {"root": root, "c2": c2, "t2": w.t2, "t3": w.t3, "shared_root": shared_root,
           "t1_user": w.partner_t1, "t2_user": w.partner_t2}  # fmt: skip

    connections.close_all()  # each child opens its own connection
    fork = mp.get_context("fork")
    queue = fork.Queue()
    procs = [fork.Process(target=_worker, args=(n, ctx, queue)) for n in range(PROCESSES)]
    for p in procs:
        p.start()
    reports = dict(queue.get(timeout=600) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    results = [r for n in sorted(reports) for r in reports[n]]

    crashes = [r for r in results if r[0] == "crash"]
    assert not crashes, crashes
    ok = [r for r in results if r[0] == "ok"]
    refused = Counter(r[2] for r in results if r[0] == "refused")
    # Only "more than held" may be refused: every other request was valid.
    assert set(refused) <= {"split_exceeds_held", "cash_out_exceeds_held"}, refused
    assert len(ok) > PROCESSES  # the processes did get work done

    # Each shared key posted once, and every process got that one operation back.
    shared = [r for r in results if r[0] == "shared"]
    assert len(shared) == PROCESSES * len(SHARED_KEYS)
    by_key: dict[str, set[int]] = {}
    for _, k, op_pk in shared:
        by_key.setdefault(k, set()).add(op_pk)
    assert all(len(pks) == 1 for pks in by_key.values()), by_key

    # Exact totals: what the processes were told happened is what the trees hold.
    root.refresh_from_db()
    c2.refresh_from_db()
    told: Counter[tuple[int, str]] = Counter()
    for _, which, claim_pk, amount, _op in ok:
        told[(claim_pk, which.split("_")[0])] += amount
    shared_total = 1_000 * len(SHARED_KEYS)
    passed_root = Claim.objects.filter(parent=root, kind=ClaimKind.SPLIT).exclude(pk=c2.pk)
    assert sum(c.amount for c in passed_root) == told[(root.pk, "split")]
    shared_root.refresh_from_db()
    assert sum(c.amount for c in shared_root.children.all()) == shared_total
    assert shared_root.remaining == 10_000_000 - shared_total
    cashed_root = Claim.objects.filter(parent=root, kind=ClaimKind.CASH_OUT)
    assert sum(c.amount for c in cashed_root) == told[(root.pk, "cash")]
    passed_c2 = Claim.objects.filter(parent=c2, kind=ClaimKind.SPLIT)
    assert sum(c.amount for c in passed_c2) == told[(c2.pk, "split")] + 1
    cashed_c2 = Claim.objects.filter(parent=c2, kind=ClaimKind.CASH_OUT)
    assert sum(c.amount for c in cashed_c2) == told[(c2.pk, "cash")]
    assert (
        root.remaining
        == 100_000_000 - 40_000_000 - told[(root.pk, "split")] - told[(root.pk, "cash")]
    )
    assert c2.remaining == 40_000_000 - 1 - told[(c2.pk, "split")] - told[(c2.pk, "cash")]
    assert root.remaining >= 0 and c2.remaining >= 0
    # One ledger transaction per operation that succeeded, none for a refusal or a retry.
    assert Transaction.objects.count() == txs_before + len(ok) + len(SHARED_KEYS)
    assert Operation.objects.filter(transaction__isnull=True).exclude(kind="open").count() == 0
    assert_invariants()

    # Then every process tries to settle the tree at once: one does, the others are refused.
    connections.close_all()
    procs = [
        fork.Process(target=_settler, args=(n, root, operator, queue)) for n in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    outcomes = Counter(queue.get(timeout=600)[0] for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert outcomes == {"settled": 1, "refused": PROCESSES - 1}, outcomes
    assert Payout.objects.aggregate(total=Sum("amount"))["total"] == 100_000_000
    assert_invariants()
