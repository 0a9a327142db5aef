"""The ratio rule (상생협력법 제22조 제5항, from 2018-09-21) and payments by other means.

A partner paid by win-win payment should pay its own suppliers in cash or win-win payment at a
ratio at least equal to the share it received that way. For a partner and a period::

    received share = win-win received / everything received
    paid share     = (cash + win-win) paid onward / everything paid onward

Win-win received is the claims it got in this system (issued to it or passed on to it, by
value date; a reversed issue or pass-on does not count) plus win-win payments recorded from
elsewhere; win-win paid is what it passed on here (not reversed) plus recorded. Everything else
(cash, promissory notes, cards...) comes from :class:`OtherPayment` records, entered by hand or
from an xlsx file, whose period lies inside the period asked. A partner "falls short" when its
paid share is below its received share; one with nothing paid onward recorded cannot be judged
and is listed as such. There is no sanction in the law, but the figure is reportable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from sangsaeng.accounts.audit import audit_bulk, audit_record, diff, snapshot
from sangsaeng.accounts.models import AuditAction, User
from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib.errors import Conflict, DomainError
from sangsaeng.partners.models import Company
from sangsaeng.payments.models import (
    GOOD_PAYMENT_METHODS,
    MAX_WON,
    WINWIN_METHODS,
    Claim,
    ClaimKind,
    Direction,
    Method,
    OtherPayment,
)
from sangsaeng.payments.permissions import require_manage

OTHER_FIELDS = (
    "partner", "direction", "method", "period_start", "period_end", "amount", "counterparty",
    "note",
)  # fmt: skip
MAX_IMPORT_ROWS = 20_000


# -- the report -----------------------------------------------------------------------------------


@dataclass
class RatioRow:
    """One partner's two sides over the period. Amounts in won; shares as fractions."""

    company: Company
    received_winwin: int = 0
    received_other: int = 0
    paid_winwin: int = 0
    paid_cash: int = 0
    paid_other: int = 0

    @property
    def received_total(self) -> int:
        return self.received_winwin + self.received_other

    @property
    def paid_total(self) -> int:
        return self.paid_winwin + self.paid_cash + self.paid_other

    @property
    def received_share(self) -> Fraction | None:
        return Fraction(self.received_winwin, self.received_total) if self.received_total else None

    @property
    def paid_share(self) -> Fraction | None:
        good = self.paid_winwin + self.paid_cash
        return Fraction(good, self.paid_total) if self.paid_total else None

    @property
    def status(self) -> str:
        """``short``, ``ok``, or ``no_payments`` (nothing paid onward recorded)."""
        received, paid = self.received_share, self.paid_share
        if paid is None:
            return "no_payments"
        if received is not None and paid < received:
            return "short"
        return "ok"

    @property
    def gap(self) -> Fraction:
        """How far the paid share falls below the received share (0 if it does not)."""
        if self.received_share is None or self.paid_share is None:
            return Fraction(0)
        return max(Fraction(0), self.received_share - self.paid_share)


def percent(share: Fraction | None) -> Decimal | None:
    """A share as a percentage with one decimal, halves up (display only)."""
    if share is None:
        return None
    value = Decimal(share.numerator) * 100 / Decimal(share.denominator)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ratio_report(
    start: dt.date, end: dt.date, *, company_ids: set[int] | None = None
) -> list[RatioRow]:
    """Every partner that received win-win payment in ``[start, end]``, short ones first
    (largest gap first), then the rest by name."""
    if end < start:
        raise DomainError("period_invalid", "기간의 끝이 시작보다 빠릅니다.", field="end")
    rows: dict[int, RatioRow] = {}

    def row(company_id: int) -> RatioRow:
        if company_id not in rows:
            rows[company_id] = RatioRow(Company(pk=company_id))
        return rows[company_id]

    # A reversed issue or pass-on was never a payment: its claim is left out (and with it the
    # ``reverse`` operation, which makes no claim).
    claims = Claim.objects.filter(
        issue_date__gte=start, issue_date__lte=end, reversed_on__isnull=True
    ).order_by()
    received = claims.filter(kind__in=[ClaimKind.ISSUE, ClaimKind.SPLIT]).values("holder_id")
    for got in received.annotate(total=Sum("amount")):
        row(got["holder_id"]).received_winwin += got["total"]
    passed = claims.filter(kind=ClaimKind.SPLIT).values("parent__holder_id")
    for gave in passed.annotate(total=Sum("amount")):
        row(gave["parent__holder_id"]).paid_winwin += gave["total"]
    others = OtherPayment.objects.filter(period_start__gte=start, period_end__lte=end).order_by()
    for o in others.values("partner_id", "direction", "method").annotate(total=Sum("amount")):
        _add_other(row(o["partner_id"]), o["direction"], o["method"], o["total"])
    result = [r for r in rows.values() if r.received_winwin]
    if company_ids is not None:
        result = [r for r in result if r.company.pk in company_ids]
    companies = Company.objects.in_bulk([r.company.pk for r in result])
    for r in result:
        r.company = companies[r.company.pk]
    order = {"short": 0, "no_payments": 1, "ok": 2}
    return sorted(result, key=lambda r: (order[r.status], -r.gap, r.company.name, r.company.pk))


def _add_other(row: RatioRow, direction: str, method: str, total: int) -> None:
    if direction == Direction.RECEIVED:
        if method in WINWIN_METHODS:
            row.received_winwin += total
        else:
            row.received_other += total
    elif method in WINWIN_METHODS:
        row.paid_winwin += total
    elif method in GOOD_PAYMENT_METHODS:
        row.paid_cash += total
    else:
        row.paid_other += total


# -- payments by other means ----------------------------------------------------------------------

_DIRECTIONS = {
    "received": Direction.RECEIVED, "수령": Direction.RECEIVED, "받음": Direction.RECEIVED,
    "수취": Direction.RECEIVED, "paid": Direction.PAID, "지급": Direction.PAID,
}  # fmt: skip
_METHODS = {
    "cash": Method.CASH, "현금": Method.CASH, "계좌이체": Method.CASH, "winwin": Method.WINWIN,
    "상생결제": Method.WINWIN, "note": Method.NOTE, "어음": Method.NOTE, "약속어음": Method.NOTE,
    "card": Method.CARD, "카드": Method.CARD, "구매카드": Method.CARD, "other": Method.OTHER,
    "기타": Method.OTHER,
}  # fmt: skip


def _choice(value: Any, table: Mapping[str, str], field: str, label: str) -> str:
    text = str(value or "").strip().lower()
    if text not in table:
        raise DomainError(
            f"{field}_invalid", f"{label} 값을 알 수 없습니다: {value!r}", field=field
        )
    return table[text]


_FIRST_DAY, _LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)  # as the fund's dates


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise DomainError(
                "date_invalid", "날짜는 YYYY-MM-DD로 입력하세요.", field=field
            ) from None
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise DomainError(
            "date_out_of_range", "1900년부터 2999년 사이의 날짜여야 합니다.", field=field
        )
    return day


def _amount(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        value = value.replace(",", "").strip()
        digits = value.lstrip("-")
        value = int(value) if digits.isascii() and digits.isdigit() else value
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_WON:
        raise DomainError("amount_invalid", "금액은 1원 이상의 정수여야 합니다.", field="amount")
    return value


def clean_other(data: dict[str, Any]) -> dict[str, Any]:
    """An :class:`OtherPayment`'s fields from plain data (Korean or English choice words)."""
    cleaned: dict[str, Any] = {
        "direction": _choice(data.get("direction"), _DIRECTIONS, "direction", "구분"),
        "method": _choice(data.get("method"), _METHODS, "method", "결제수단"),
        "period_start": _date(data.get("period_start"), "period_start"),
        "period_end": _date(data.get("period_end"), "period_end"),
        "amount": _amount(data.get("amount")),
        "counterparty": str(data.get("counterparty") or "").strip()[:200],
        "note": str(data.get("note") or "").strip()[:300],
    }
    if cleaned["period_end"] < cleaned["period_start"]:
        raise DomainError("period_invalid", "기간의 끝이 시작보다 빠릅니다.", field="period_end")
    return cleaned


def other_payment_record(
    *,
    actor: User,
    partner: Company,
    data: dict[str, Any],
    source: str = "web",
    idempotency_key: str | None = None,
) -> OtherPayment:
    """Record one partner's payments by one means over a period. With ``idempotency_key``, a
    retry returns the record already made (the same key with other content is refused)."""
    require_manage(actor)
    cleaned = clean_other(data)
    record = OtherPayment(
        partner=partner, source=source, created_by=actor, idempotency_key=idempotency_key,
        **cleaned,
    )  # fmt: skip
    if idempotency_key:
        found = OtherPayment.objects.filter(idempotency_key=idempotency_key).first()
        if found is not None:
            return _same_record(found, partner, cleaned)
    try:
        return _save_other(actor, record, source)
    except IntegrityError:
        found = OtherPayment.objects.filter(idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return _same_record(found, partner, cleaned)


def _same_record(found: OtherPayment, partner: Company, cleaned: dict[str, Any]) -> OtherPayment:
    if found.partner_id != partner.pk or any(getattr(found, k) != v for k, v in cleaned.items()):
        raise Conflict(
            "idempotency_key_reused",
            "이 멱등 키로 다른 요청이 이미 처리되었습니다. 새 키를 쓰세요.",
            field="idempotency_key",
        )
    return found


def _save_other(actor: User, record: OtherPayment, source: str) -> OtherPayment:
    with transaction.atomic():
        record.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=record,
            changes=diff({}, snapshot(record, OTHER_FIELDS)),
            source=source,
        )
    return record


def other_payment_delete(*, actor: User, record: OtherPayment, source: str = "web") -> None:
    require_manage(actor)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            instance=record,
            changes=diff({}, snapshot(record, OTHER_FIELDS)),
            source=source,
        )
        record.delete()


# Column headers accepted in the xlsx file (first row); Korean or English.
COLUMNS = {
    "brn": ("사업자등록번호", "brn"),
    "direction": ("구분", "direction"),
    "method": ("결제수단", "method"),
    "period_start": ("기간시작", "period_start", "시작일"),
    "period_end": ("기간끝", "period_end", "종료일"),
    "amount": ("금액", "amount"),
    "counterparty": ("거래상대", "counterparty"),
    "note": ("메모", "note", "비고"),
}
REQUIRED = ("brn", "direction", "method", "period_start", "period_end", "amount")


@dataclass
class ImportProblem:
    row: int
    field: str | None
    code: str
    message: str

    @property
    def column(self) -> str:
        """The column's header as the template file writes it (기간시작, 금액), or ""."""
        names = COLUMNS.get(self.field or "")
        return names[0] if names else ""


class ImportRefused(DomainError):
    """The file had problems; nothing was saved. ``problems`` lists them by row."""

    status = 422

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(
            "import_invalid",
            f"파일에 오류가 {len(problems):,}건 있어 아무것도 저장하지 않았습니다.",
        )
        self.problems = problems


def other_payments_import(
    *, actor: User, file: IO[bytes], source: str = "xlsx", idempotency_key: str | None = None
) -> int:
    """Read an xlsx file of payments by other means (one row per partner, direction, method
    and period), all or nothing. Returns how many rows were saved. With ``idempotency_key``,
    a retried upload saves nothing again and returns the count saved the first time."""
    require_manage(actor)
    if idempotency_key:
        done = OtherPayment.objects.filter(idempotency_key__startswith=f"{idempotency_key}:")
        if done.exists():
            return done.count()
    rows = _read_xlsx(file)
    problems: list[ImportProblem] = []
    row_brns: dict[int, str] = {}
    for number, values in rows:
        try:
            row_brns[number] = brn_lib.normalize(str(values.get("brn") or ""))
        except brn_lib.BRNError as exc:  # blank, not digits, wrong length or check digit
            problems.append(ImportProblem(number, "brn", exc.code, exc.message))
    companies = {c.brn: c for c in Company.objects.filter(brn__in=set(row_brns.values()))}
    records = []
    first_seen: dict[tuple[Any, ...], int] = {}
    for number, values in rows:
        if number not in row_brns:
            continue  # its BRN was refused above
        company = companies.get(row_brns[number])
        if company is None:
            problems.append(
                ImportProblem(
                    number, "brn", "unknown_company", "등록되지 않은 사업자등록번호입니다."
                )
            )
            continue
        try:
            cleaned = clean_other(values)
        except DomainError as exc:
            problems.append(ImportProblem(number, exc.field, exc.code, exc.message))
            continue
        # The same row twice (a copy-paste slip) would count the same payments twice.
        content = (company.pk, *sorted(cleaned.items()))
        if content in first_seen:
            problems.append(
                ImportProblem(
                    number, None, "row_duplicate_in_file",
                    f"{first_seen[content]}행과 내용이 같습니다. 같은 지급을 두 번 올리지 마세요.",
                )
            )  # fmt: skip
            continue
        first_seen[content] = number
        row_key = f"{idempotency_key}:{number}" if idempotency_key else None
        records.append(
            OtherPayment(
                partner=company, source=source, created_by=actor, idempotency_key=row_key,
                **cleaned,
            )
        )  # fmt: skip
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: p.row))
    with transaction.atomic():
        saved = OtherPayment.objects.bulk_create(records, batch_size=1000)
        audit_bulk(
            actor=actor,
            action=AuditAction.CREATE,
            items=[(r, diff({}, snapshot(r, OTHER_FIELDS))) for r in saved],
            source=source,
        )
    return len(saved)


def _header_field(value: Any) -> str | None:
    text = "".join(str(value or "").split()).lower()
    for field, names in COLUMNS.items():
        if text in {n.lower() for n in names}:
            return field
    return None


def _read_xlsx(file: IO[bytes]) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportRefused(
            [ImportProblem(0, None, "file_unreadable", "엑셀(xlsx) 파일을 읽을 수 없습니다.")]
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [_header_field(v) for v in next(lines, ())]
        missing = [f for f in REQUIRED if f not in header]
        if missing:
            labels = ", ".join(COLUMNS[f][0] for f in missing)
            raise ImportRefused(
                [ImportProblem(1, None, "missing_column", f"필수 열이 없습니다: {labels}")]
            )
        rows: list[tuple[int, dict[str, Any]]] = []
        for number, line in enumerate(lines, start=2):
            if all(v is None or str(v).strip() == "" for v in line):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ImportRefused(
                    [
                        ImportProblem(
                            number,
                            None,
                            "too_many_rows",
                            f"한 번에 {MAX_IMPORT_ROWS:,}행까지 올릴 수 있습니다.",
                        )
                    ]
                )
            rows.append((number, {f: v for f, v in zip(header, line, strict=False) if f}))
        if not rows:
            raise ImportRefused([ImportProblem(2, None, "no_rows", "가져올 데이터 행이 없습니다.")])
        return rows
    finally:
        workbook.close()
