"""All locking lives in ``sangsaeng/locking.py``: no other module (tests and migrations aside)
takes a row lock (``select_for_update``, raw ``FOR UPDATE``/``FOR SHARE`` SQL) or an advisory
lock. One module means one place to read the lock order and the race each lock prevents."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sangsaeng

ROOT = Path(sangsaeng.__file__).parent
LOCKING = ROOT / "locking.py"
WORDS = ("select_for_update", "pg_advisory")
# Row-locking clauses in SQL string literals (docstrings aside, which may explain them).
SQL_LOCK = re.compile(r"\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b")


def sources() -> list[Path]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or path.name.startswith("test_"):
            continue
        found.append(path)
    return found


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of ``tree``."""
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_sources_are_found() -> None:
    paths = sources()
    assert LOCKING in paths
    assert len(paths) > 50


def test_lock_calls_only_in_locking_module() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {word}"
        for path in sources()
        if path != LOCKING
        for word in WORDS
        if word in path.read_text(encoding="utf-8")
    ]
    assert not offenders, "take locks through sangsaeng.locking:\n" + "\n".join(offenders)


def test_raw_sql_locks_only_in_locking_module() -> None:
    offenders = []
    for path in sources():
        if path == LOCKING:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and SQL_LOCK.search(node.value)
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, "take locks through sangsaeng.locking:\n" + "\n".join(offenders)
