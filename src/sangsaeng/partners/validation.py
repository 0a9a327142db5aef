"""Field rules for companies and supply links, shared by forms, the API and file imports.

Each function takes raw values (strings from a form or a spreadsheet cell, or typed values
from JSON) and returns clean Python values or raises :class:`FieldError` saying why not."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib import ksic, regions
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import DomainError
from sangsaeng.partners.models import MAX_EMPLOYEES, MAX_WON, CompanyKind

KIND_LOOKUP: dict[str, str] = {}
for _value, _label in CompanyKind.choices:
    KIND_LOOKUP[_value] = _value
KIND_LOOKUP.update(
    {
        "대기업": "large",
        "중견기업": "midsize",
        "중소기업": "sme",
        "소기업": "micro",
        "소상공인": "micro",
        "공공기관": "public",
        "대학": "university",
        "대학교": "university",
        "은행": "bank",
        "기타": "other",
    }
)
KIND_LABELS_KO = {
    "large": "대기업",
    "midsize": "중견기업",
    "sme": "중소기업",
    "micro": "소상공인",
    "public": "공공기관",
    "university": "대학",
    "bank": "은행",
    "other": "기타",
}


class FieldError(DomainError):
    """One field's value refused; ``field`` names it."""

    status = 422


class FieldErrors(DomainError):
    """Several fields refused at once (a form or an API body)."""

    status = 422

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("validation_error", "입력값을 확인하세요.")
        self.errors = errors


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_brn(value: Any) -> str:
    try:
        return brn_lib.normalize(str(value or ""))
    except brn_lib.BRNError as exc:
        raise FieldError(exc.code, exc.message, field="brn") from exc


def clean_name(value: Any, field: str = "name", required: bool = True) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise FieldError("required", "이름을 입력하세요.", field=field)
    if len(text) > 200:
        raise FieldError("too_long", "200자 이내로 입력하세요.", field=field)
    return text


def clean_kind(value: Any) -> str:
    kind = KIND_LOOKUP.get(str(value or "").strip().lower()) or KIND_LOOKUP.get(
        str(value or "").strip()
    )
    if not kind:
        allowed = ", ".join(KIND_LABELS_KO.values())
        raise FieldError(
            "invalid_kind", f"기업 구분이 올바르지 않습니다 ({allowed}).", field="kind"
        )
    return kind


def clean_ksic(value: Any) -> str:
    if isinstance(value, int):
        value = f"{value:02d}" if value < 100 else str(value)
    try:
        return ksic.normalize(str(value or ""))
    except ksic.KSICError as exc:
        raise FieldError(exc.code, exc.message, field="ksic_code") from exc


def clean_region(value: Any) -> str:
    slug = regions.lookup(str(value or ""))
    if not slug:
        raise FieldError(
            "invalid_region",
            "지역은 17개 시·도 중 하나여야 합니다 (예: 서울특별시).",
            field="region",
        )
    return slug


def clean_date(value: Any, field: str, required: bool = False) -> dt.date | None:
    if _blank(value):
        if required:
            raise FieldError("required", "날짜를 입력하세요.", field=field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace(".", "-").replace("/", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise FieldError(
            "invalid_date", "날짜는 YYYY-MM-DD 형식이어야 합니다.", field=field
        ) from exc


FIRST_FOUNDED = dt.date(1800, 1, 1)
# A supply link's dates: the range the fund and the payments imports keep to.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def clean_link_date(value: Any, field: str, required: bool = False) -> dt.date | None:
    """A supply link's start or end: a date from 1900 to 2999 (year 1 or 9999 is a typo)."""
    day = clean_date(value, field, required=required)
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise FieldError(
            "date_out_of_range", "1900년부터 2999년 사이의 날짜여야 합니다.", field=field
        )
    return day


def clean_founded(value: Any) -> dt.date | None:
    """A founding date: not in the future (KST), nor before 1800 (a typing mistake)."""
    day = clean_date(value, "founded_on")
    if day is not None and not FIRST_FOUNDED <= day <= today_kst():
        raise FieldError(
            "founded_out_of_range",
            "설립일은 1800-01-01부터 오늘 사이여야 합니다.",
            field="founded_on",
        )
    return day


def clean_int(
    value: Any, field: str, *, maximum: int, required: bool = False, money: bool = True
) -> int | None:
    if _blank(value):
        if required:
            raise FieldError("required", "값을 입력하세요.", field=field)
        return None
    if isinstance(value, bool):
        raise FieldError("invalid_number", "정수를 입력하세요.", field=field)
    if isinstance(value, float):
        if not value.is_integer():
            message = "원 단위 정수를 입력하세요." if money else "정수를 입력하세요."
            raise FieldError("invalid_number", message, field=field)
        value = int(value)
    if not isinstance(value, int):
        text = str(value).strip().replace(",", "").removesuffix("원")
        if not text.lstrip("-").isdigit() or not text.isascii():
            raise FieldError("invalid_number", "정수를 입력하세요.", field=field)
        value = int(text)
    if value < 0:
        raise FieldError("negative", "0 이상이어야 합니다.", field=field)
    if value > maximum:
        raise FieldError("too_large", f"{maximum:,} 이하여야 합니다.", field=field)
    return value


def clean_tags(value: Any) -> list[str]:
    if _blank(value):
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    tags = []
    for item in items:
        tag = str(item).strip()
        if len(tag) > 50:
            raise FieldError("too_long", "태그는 50자 이내여야 합니다.", field="tags")
        if "," in tag:  # files keep tags comma-separated, so a comma could not survive export
            raise FieldError("invalid_tag", "태그에는 쉼표를 쓸 수 없습니다.", field="tags")
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def clean_bool(value: Any, field: str, default: bool = True) -> bool:
    if _blank(value):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "예", "o", "활성", "사용"}:
        return True
    if text in {"0", "false", "no", "n", "아니오", "아니요", "x", "비활성", "중지"}:
        return False
    raise FieldError("invalid_bool", "예/아니오로 입력하세요.", field=field)


COMPANY_CLEANERS: dict[str, Any] = {
    "name": lambda v: clean_name(v),
    "name_en": lambda v: clean_name(v, "name_en", required=False),
    "brn": clean_brn,
    "kind": clean_kind,
    "ksic_code": clean_ksic,
    "region": clean_region,
    "address": lambda v: _text(v, "address", 300),
    "founded_on": clean_founded,
    "employees": lambda v: clean_int(v, "employees", maximum=MAX_EMPLOYEES, money=False),
    "annual_revenue": lambda v: clean_int(v, "annual_revenue", maximum=MAX_WON),
    "tags": clean_tags,
    "is_active": lambda v: clean_bool(v, "is_active"),
}
REQUIRED_COMPANY_FIELDS = ("name", "brn", "kind", "ksic_code", "region")


def _text(value: Any, field: str, limit: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise FieldError("too_long", f"{limit}자 이내로 입력하세요.", field=field)
    return text


def clean_company(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Clean every known field present in ``data``; with ``partial`` False, the required
    fields must be present. Raises :class:`FieldErrors` listing every bad field."""
    cleaned: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field, cleaner in COMPANY_CLEANERS.items():
        if field not in data:
            if not partial and field in REQUIRED_COMPANY_FIELDS:
                errors.append(FieldError("required", "필수 항목입니다.", field=field))
            continue
        try:
            cleaned[field] = cleaner(data[field])
        except FieldError as exc:
            errors.append(exc)
    if errors:
        raise FieldErrors(errors)
    return cleaned
