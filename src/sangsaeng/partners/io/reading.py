"""Reading rows from xlsx and CSV files.

A file is read as a header row (row 1) and data rows, each numbered as the spreadsheet shows
it. Entirely blank rows are skipped (their numbers are not reused). xlsx files are streamed
with openpyxl's read-only mode; CSV files are decoded as UTF-8 (with or without the BOM
Excel writes) or, failing that, CP949, which Korean Excel uses for "CSV".
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from sangsaeng.lib.korean import josa
from sangsaeng.partners.io.common import Column, ErrorList, file_error, header_key

Source = str | os.PathLike[str] | IO[bytes]
FORMATS = ("xlsx", "csv")

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31


def source_name(source: Source) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return str(getattr(source, "name", "") or "")


def detect_format(source: Source, fmt: str | None) -> str:
    """``xlsx`` or ``csv``: ``fmt`` if given, else from the file name's extension."""
    fmt = (fmt or Path(source_name(source)).suffix).lower().lstrip(".")
    if fmt == "xlsm":
        fmt = "xlsx"
    if fmt == "xls":
        raise file_error(
            "file_format", "예전 엑셀 형식(xls)은 읽을 수 없습니다. xlsx나 CSV로 저장하세요."
        )
    if fmt not in FORMATS:
        raise file_error(
            "file_format", "파일 형식을 알 수 없습니다. xlsx 또는 CSV 파일을 올리세요."
        )
    return fmt


@dataclass
class Table:
    """The header cells of row 1, then ``(row number, values)`` for each non-blank row.
    ``total`` estimates the data rows (for a progress bar) when the file says."""

    headers: list[Any]
    rows: Iterator[tuple[int, Sequence[Any]]]
    total: int | None = None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Exports put an apostrophe before text that Excel would otherwise run as a formula (CSV
# injection); it is taken off again here, so such values survive a round trip.
FORMULA_TRIGGERS = ("=", "+", "-", "@")


def _tidy(value: Any) -> Any:
    """Strings stripped; floats that are whole numbers (how Excel stores 1234567890) as int."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS:
            return text[1:]
        return text
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _numbered(rows: Iterator[Sequence[Any]], first: int) -> Iterator[tuple[int, Sequence[Any]]]:
    for number, values in enumerate(rows, start=first):
        if values and not all(_blank(v) for v in values):
            yield number, [_tidy(v) for v in values]


@contextlib.contextmanager
def open_table(source: Source, fmt: str | None = None) -> Iterator[Table]:
    """Open ``source`` (a path or a binary file object) as a :class:`Table`. Problems with the
    file as a whole raise :class:`~sangsaeng.partners.io.common.ImportErrors`."""
    kind = detect_format(source, fmt)
    if kind == "xlsx":
        with _open_xlsx(source) as table:
            yield table
    else:
        yield _open_csv(source)


@contextlib.contextmanager
def _open_xlsx(source: Source) -> Iterator[Table]:
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise file_error(
            "file_unreadable",
            "엑셀(xlsx) 파일을 읽을 수 없습니다. 파일이 손상되지 않았는지 확인하세요.",
        ) from exc
    try:
        if not workbook.worksheets:
            raise file_error("file_empty", "파일에 시트가 없습니다.")
        sheet = workbook.worksheets[0]
        max_row = getattr(sheet, "max_row", None)
        # The stored dimensions may be wrong (some writers never update them) and openpyxl
        # would stop reading at them: read to the real end instead.
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or all(_blank(v) for v in header):
            raise file_error("file_empty", "첫 행에 열 이름이 있어야 합니다.", row=1)
        total = max_row - 1 if isinstance(max_row, int) and max_row > 1 else None
        yield Table(list(header), _numbered(rows, 2), total)
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949")
    except UnicodeDecodeError as exc:
        raise file_error(
            "file_encoding",
            "CSV 파일의 문자 인코딩을 알 수 없습니다. UTF-8이나 CP949(엑셀 기본)로 저장하세요.",
        ) from exc


def _open_csv(source: Source) -> Table:
    if isinstance(source, str | os.PathLike):
        try:
            data: bytes | str = Path(source).read_bytes()
        except OSError as exc:
            raise file_error("file_unreadable", f"파일을 읽을 수 없습니다: {exc}") from exc
    else:
        data = source.read()
    text = data if isinstance(data, str) else _decode(data)
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    # Comma as Excel writes it; semicolon (European Excel) or tab if the header uses those.
    delimiter = max(",;\t", key=lambda d: (first_line.count(d), d == ","))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise file_error("file_unreadable", f"CSV 파일을 읽을 수 없습니다: {exc}") from exc
    if not records or all(_blank(v) for v in records[0]):
        raise file_error("file_empty", "첫 행에 열 이름이 있어야 합니다.", row=1)
    return Table(records[0], _numbered(iter(records[1:]), 2), len(records) - 1)


# Headers -----------------------------------------------------------------------------------


@dataclass
class HeaderMap:
    """Which position of a row feeds which field, and the headers as the file wrote them."""

    positions: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    # Columns without a header: data found under them is an error.
    unnamed: list[int] = field(default_factory=list)
    width: int = 0

    def values(self, row: Sequence[Any]) -> dict[str, Any]:
        n = len(row)
        return {f: (row[i] if i < n else None) for f, i in self.positions.items()}

    def stray(self, row: Sequence[Any]) -> list[tuple[int, Any]]:
        """Values under unnamed columns or beyond the last header."""
        found = [(i, row[i]) for i in self.unnamed if i < len(row) and not _blank(row[i])]
        found += [(i, v) for i, v in enumerate(row[self.width :], self.width) if not _blank(v)]
        return found


def column_name(index: int) -> str:
    return f"{get_column_letter(index + 1)}열"


def map_headers(headers: Sequence[Any], columns: Sequence[Column], errors: ErrorList) -> HeaderMap:
    lookup: dict[str, Column] = {}
    for spec in columns:
        for key in spec.header_keys():
            lookup[key] = spec
    mapping = HeaderMap(width=len(headers))
    seen: dict[str, int] = {}
    for index, raw in enumerate(headers):
        if _blank(raw):
            mapping.unnamed.append(index)
            continue
        written = str(raw).strip()
        column = lookup.get(header_key(written))
        if column is None:
            known = ", ".join(c.label for c in columns)
            errors.add(1, written, "unknown_column", f"알 수 없는 열입니다. 쓸 수 있는 열: {known}")
            continue
        if column.field in seen:
            errors.add(
                1,
                written,
                "duplicate_column",
                f"'{column.label}' 항목의 열이 두 번 있습니다 "
                f"({column_name(seen[column.field])}, {column_name(index)}).",
            )
            continue
        seen[column.field] = index
        if not column.informational:
            mapping.positions[column.field] = index
            mapping.labels[column.field] = written
    for column in columns:
        if column.required and column.field not in seen:
            # The particle follows the word before a parenthesis: 업종코드(KSIC)가, 지역이.
            word = column.label.split("(")[0].strip() or column.label
            particle = josa(word, "이")[len(word) :]
            errors.add(
                1, column.label, "missing_column", f"필수 열 '{column.label}'{particle} 없습니다."
            )
    return mapping


def excel_serial_date(value: Any) -> Any:
    """A number in a date column is an Excel serial date (days since 1899-12-30) when in
    range; ``20240131`` style numbers become text for the date cleaner."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value <= _EXCEL_MAX_SERIAL:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return str(int(value)) if float(value).is_integer() else str(value)
    return value
