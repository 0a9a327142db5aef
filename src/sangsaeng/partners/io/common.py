"""What every import and export shares: the column specs, the error and result types, and
the progress callback."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sangsaeng.lib.errors import DomainError

# Only the first errors are kept in full (sorted by row); the total is always counted.
MAX_REPORTED_ERRORS = 1000
# Records per database round trip (bulk_create / bulk_update / audit entries).
WRITE_BATCH = 500
# Values per ``IN (...)`` list: under SQLite's 999 host-parameter limit.
IN_CHUNK = 900
# Rows validated between two progress reports.
PROGRESS_EVERY = 250

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Column:
    """One column of a file: the model field it feeds, the Korean header written on export,
    and other headers accepted on import (the field name itself is always accepted)."""

    field: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    # Informational columns (e.g. a company name next to its BRN) are written on export and
    # accepted, but ignored, on import.
    informational: bool = False

    def header_keys(self) -> set[str]:
        return {header_key(h) for h in (self.field, self.label, *self.aliases)}


_SPACES = re.compile(r"\s+")


def header_key(value: Any) -> str:
    """A header as compared: without spaces, lower case, without a trailing '*' (which people
    add to mark required columns)."""
    return _SPACES.sub("", str(value)).lower().rstrip("*")


@dataclass(frozen=True)
class RowError:
    """One refusal. ``row`` is the row number as the spreadsheet shows it (the header is row
    1; None for a problem with the whole file); ``column`` the header as written in the file
    (None if no column is at fault); ``code`` a stable machine code; ``message`` Korean."""

    row: int | None
    column: str | None
    code: str
    message: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "value": self.value,
        }


class ImportErrors(DomainError):
    """The file was refused and nothing was written. ``errors`` holds the first
    :data:`MAX_REPORTED_ERRORS` problems in row order; ``total`` counts all of them."""

    status = 422

    def __init__(self, errors: list[RowError], *, total: int | None = None, rows: int = 0):
        self.total = len(errors) if total is None else total
        self.rows = rows
        self.errors = errors
        super().__init__(
            "import_invalid",
            f"파일에 오류가 {self.total:,}건 있어 아무것도 저장하지 않았습니다.",
        )

    @property
    def truncated(self) -> bool:
        return self.total > len(self.errors)


def display_value(value: Any) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    return text if len(text) <= 60 else text[:59] + "…"


class ErrorList:
    """Collects the refusals of one file."""

    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(
        self, row: int | None, column: str | None, code: str, message: str, value: Any = None
    ) -> None:
        self.items.append(RowError(row, column, code, message, display_value(value)))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def exception(self, rows: int = 0) -> ImportErrors:
        ordered = sorted(self.items, key=lambda e: e.row or 0)  # stable: column order kept
        return ImportErrors(ordered[:MAX_REPORTED_ERRORS], total=len(ordered), rows=rows)

    def raise_if_any(self, rows: int = 0) -> None:
        if self.items:
            raise self.exception(rows)


def file_error(code: str, message: str, row: int | None = None) -> ImportErrors:
    return ImportErrors([RowError(row, None, code, message)])


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do)."""

    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    seconds: float = 0.0
    created_ids: list[int] = field(default_factory=list, repr=False)

    @property
    def rate(self) -> float:
        """Rows per second."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


class Progress(Protocol):
    """Told how far an import has come: ``stage`` is ``"validate"`` or ``"write"``, ``done``
    the rows (records) finished so far, ``total`` the expected number if known."""

    def __call__(self, stage: str, done: int, total: int | None) -> None: ...


def no_progress(stage: str, done: int, total: int | None) -> None:
    return None
