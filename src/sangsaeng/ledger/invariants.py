"""The registry of invariant checks that ``sangsaeng verify`` runs.

The ledger registers its own checks (``ledger.verify``); other apps add theirs in
``AppConfig.ready``::

    from sangsaeng.ledger.invariants import register_check

    class PaymentsConfig(AppConfig):
        def ready(self) -> None:
            from sangsaeng.payments import checks

            register_check("payments.claim_trees", checks.claim_trees_add_up)

A check is a function taking a :class:`Findings`; it calls ``findings.fail(message)`` for each
discrepancy and ``findings.figure(label, value)`` for the figures worth printing. It must read
in bulk (aggregate queries, chunks): verify runs over millions of rows.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import overload

# Problems kept per check for the printed report; the count covers all of them.
KEEP_PROBLEMS = 50


@dataclass
class Findings:
    """What one check found: its problems (counted, the first few kept) and its figures."""

    name: str
    problem_count: int = 0
    problems: list[str] = field(default_factory=list)
    figures: dict[str, object] = field(default_factory=dict)
    seconds: float = 0.0

    def fail(self, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < KEEP_PROBLEMS:
            self.problems.append(message)

    def figure(self, label: str, value: object) -> None:
        self.figures[label] = value

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


Check = Callable[[Findings], object]
_checks: dict[str, Check] = {}


@overload
def register_check(name: str) -> Callable[[Check], Check]: ...
@overload
def register_check(name: str, check: Check) -> Check: ...
def register_check(name: str, check: Check | None = None) -> Callable[[Check], Check] | Check:
    """Register ``check`` under ``name`` (re-registering a name replaces it). Without
    ``check``, returns a decorator."""

    def add(fn: Check) -> Check:
        _checks[name] = fn
        return fn

    return add if check is None else add(check)


def registered() -> dict[str, Check]:
    return dict(_checks)


def run_checks(names: list[str] | None = None) -> list[Findings]:
    """Run the registered checks (or those named), in registration order. A check that
    crashes counts as a problem, so verify never passes by accident."""
    results = []
    for name, check in _checks.items():
        if names and name not in names:
            continue
        findings = Findings(name)
        started = time.perf_counter()
        try:
            check(findings)
        except Exception as exc:  # reported, never swallowed: verify then exits non-zero
            findings.fail(f"check crashed: {exc!r}\n{traceback.format_exc(limit=5)}")
        findings.seconds = time.perf_counter() - started
        results.append(findings)
    return results
