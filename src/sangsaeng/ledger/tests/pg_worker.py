"""One worker process of the PostgreSQL concurrency test (``test_concurrency_pg.py``).

Run as ``python -m sangsaeng.ledger.tests.pg_worker JOB`` with ``DATABASE_URL`` naming the test
database. It waits until every worker is ready (files in a shared directory), then hammers the
shared accounts and prints what happened as one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def ring_transfer(worker: int, i: int, size: int) -> tuple[int, int, int]:
    """The i-th ring transfer of a worker: (debit index, credit index, amount)."""
    credit = (worker + i) % size
    return (credit + 1 + i % (size - 1)) % size, credit, 1 + (worker * 31 + i * 7) % 97


def wait_for_all(barrier: Path, worker: int, workers: int) -> None:
    (barrier / f"ready-{worker}").touch()
    deadline = time.monotonic() + 120
    while len(list(barrier.glob("ready-*"))) < workers:
        if time.monotonic() > deadline:
            raise SystemExit("barrier timeout")
        time.sleep(0.01)


def run(job: dict[str, Any]) -> dict[str, Any]:
    from sangsaeng.ledger import services
    from sangsaeng.ledger.models import Account, PendingTransfer
    from sangsaeng.lib.errors import Conflict, DomainError

    w = job["worker"]
    accounts = {a.code: a for a in Account.objects.all()}
    ring = [accounts[code] for code in job["ring"]]
    out: dict[str, Any] = {"shared": {}, "drained": 0, "refused": 0, "pending": {}, "batch": {}}
    pendings = list(PendingTransfer.objects.filter(pk__in=job["pendings"]).order_by("pk"))
    if w % 2:
        pendings.reverse()
    wait_for_all(Path(job["barrier"]), w, job["workers"])

    for i in range(job["rounds"]):
        debit, credit, amount = ring_transfer(w, i, len(ring))
        postings = services.legs(debit=ring[debit], credit=ring[credit], amount=amount)
        first = services.transfer_post(idempotency_key=f"w{w}:{i}", postings=postings)
        again = services.transfer_post(idempotency_key=f"w{w}:{i}", postings=postings)
        assert again.pk == first.pk, "a retry posted twice"
        if i % 5 == 0:
            other = services.legs(debit=ring[debit], credit=ring[credit], amount=amount + 1)
            try:
                services.transfer_post(idempotency_key=f"w{w}:{i}", postings=other)
                raise AssertionError("a conflicting retry was accepted")
            except Conflict as exc:
                assert exc.code == "idempotency_conflict"

        if i < job["shared"]:
            tx = services.transfer_post(
                idempotency_key=f"shared:{i}",
                postings=services.legs(debit=accounts["hub"], credit=accounts["bank"], amount=7),
            )
            out["shared"][i] = tx.pk

        if i < job["drain_tries"]:
            try:
                services.transfer_post(
                    idempotency_key=f"drain:{w}:{i}",
                    postings=services.legs(
                        debit=accounts["sink"], credit=accounts["tight"], amount=100
                    ),
                )
                out["drained"] += 1
            except DomainError as exc:
                assert exc.code == "insufficient_funds", exc.code
                out["refused"] += 1

        if i < len(pendings):
            pending = pendings[i]
            try:
                if (w + i) % 2:
                    services.pending_post(pending=pending)
                    out["pending"][pending.pk] = "posted"
                else:
                    services.pending_void(pending=pending)
                    out["pending"][pending.pk] = "voided"
            except Conflict as exc:
                out["pending"][pending.pk] = exc.code

        if i % 10 == 9:
            k = i // 10
            specs = [
                services.TransferSpec(
                    f"batch:{k}:{n}",
                    services.legs(debit=accounts["hub"], credit=accounts["bank"], amount=3),
                )
                for n in range(5)
            ]
            out["batch"][k] = [t.pk for t in services.transfers_post_many(transfers=specs)]
    return out


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sangsaeng.config.settings")
    import django

    django.setup()
    job = json.loads(sys.argv[1])
    print(json.dumps(run(job)))


if __name__ == "__main__":
    main()
