"""Field rules for fund records, shared by the services (which the forms and the API call).

Each function takes a raw value and returns it clean or raises :class:`FieldError` with a
stable code and the field's name."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sangsaeng.ledger.models import MAX_AMOUNT
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import DomainError
from sangsaeng.partners.validation import FieldError, FieldErrors

CODE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$")
# What a client may send as an Idempotency-Key: printable, no spaces, at most 100 characters
# (the ledger key adds a short prefix and must stay within 200).
KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")
# Dates outside these years are typing mistakes, and year 1 would not even convert to UTC.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


def in_range(value: dt.date, field: str) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise FieldError(
            "date_out_of_range", "1900년부터 2999년 사이의 날짜여야 합니다.", field=field
        )
    return value


class AmountError(FieldError):
    """An amount the money rules refuse (not a whole number of won, under 1 won, too large).

    The API answers it 400 with its own code, like the win-win payment API does for the same
    codes; it is still a :class:`FieldError`, so a service collects it with the other fields'
    refusals and a form shows it next to the amount. (Several refusals at once are answered
    together, 422 ``validation_error``, each with its code.)"""

    status = 400


def clean_amount(value: Any, field: str = "amount") -> int:
    """A won amount: an integer, at least 1, at most ``MAX_AMOUNT``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise AmountError("amount_not_integer", "금액은 원 단위 정수여야 합니다.", field=field)
    if value <= 0:
        raise AmountError("amount_not_positive", "금액은 1원 이상이어야 합니다.", field=field)
    if value > MAX_AMOUNT:
        raise AmountError("amount_too_large", "금액이 너무 큽니다.", field=field)
    return value


def clean_date(value: Any, field: str, *, not_before: dt.date | None = None) -> dt.date:
    """A value date: a real date, not in the future (Korean time), and not before
    ``not_before`` when given (a refund before the payment it returns, say)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise FieldError("date_invalid", "날짜 형식이 올바르지 않습니다.", field=field) from exc
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise FieldError("date_invalid", "날짜 형식이 올바르지 않습니다.", field=field)
    in_range(value, field)
    if value > today_kst():
        raise FieldError("date_in_future", "미래 날짜로는 기록할 수 없습니다.", field=field)
    if not_before is not None and value < not_before:
        raise FieldError(
            "date_too_early",
            f"{not_before.isoformat()} 이전 날짜로는 기록할 수 없습니다.",
            field=field,
        )
    return value


def clean_text(value: Any, field: str, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if "\x00" in text:
        raise FieldError("text_invalid", "허용되지 않는 문자가 있습니다.", field=field)
    if required and not text:
        raise FieldError("required", "필수 항목입니다.", field=field)
    if len(text) > max_length:
        raise FieldError("too_long", f"{max_length}자 이내로 입력하세요.", field=field)
    return text


def clean_code(value: Any, field: str = "code") -> str:
    """A short code for ledger account codes: lower-case letters, digits and dashes."""
    code = str(value or "").strip().lower()
    if not CODE_RE.match(code):
        raise FieldError(
            "code_invalid",
            "코드는 영문 소문자·숫자·하이픈 1~30자여야 합니다 (예: keis).",
            field=field,
        )
    return code


def clean_key(value: Any) -> str:
    """The client's idempotency key (the API's ``Idempotency-Key`` header)."""
    key = str(value or "")
    if not key:
        raise DomainError(
            "idempotency_key_required",
            "Idempotency-Key 헤더가 필요합니다 (재시도해도 한 번만 기록되도록).",
            field="idempotency_key",
        )
    if not KEY_RE.match(key):
        raise DomainError(
            "idempotency_key_invalid",
            "Idempotency-Key는 영문·숫자·_.:- 1~100자여야 합니다.",
            field="idempotency_key",
        )
    return key


def raise_if(errors: list[FieldError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise FieldErrors(errors)
