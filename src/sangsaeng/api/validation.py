"""Request validation errors in Korean.

django-ninja hands on pydantic's error list, whose ``msg`` is English ("Field required",
"Input should be a valid integer…"). Clients act on the stable ``type`` and ``loc``, which are
passed through untouched; people read ``message``, which is rebuilt here in Korean and names the
field at fault. Unknown types fall back to a generic sentence rather than the English text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from sangsaeng.lib.korean import josa


def _not_bool(value: Any) -> Any:
    """JSON ``true`` is not an amount; pydantic would read it as 1 won."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# A won amount in a request body: an integer, never a boolean (the services check the range).
Won = Annotated[int, BeforeValidator(_not_bool)]

# Each entry ends the sentence whose subject is "'<field>' 항목은"; ``{name}`` comes from the
# error's ``ctx`` (pydantic's limits: max_length, gt, expected…).
_PREDICATES: dict[str, str] = {
    "int_parsing": "정수여야 합니다",
    "int_type": "정수여야 합니다",
    "int_from_float": "소수점이 없는 정수여야 합니다",
    "int_parsing_size": "처리할 수 있는 정수 범위를 벗어났습니다",
    "float_parsing": "숫자여야 합니다",
    "float_type": "숫자여야 합니다",
    "decimal_parsing": "숫자여야 합니다",
    "decimal_type": "숫자여야 합니다",
    "string_type": "문자열이어야 합니다",
    "bool_parsing": "true 또는 false여야 합니다",
    "bool_type": "true 또는 false여야 합니다",
    "date_parsing": "YYYY-MM-DD 형식의 올바른 날짜여야 합니다",
    "date_from_datetime_parsing": "YYYY-MM-DD 형식의 올바른 날짜여야 합니다",
    "date_from_datetime_inexact": "시각 없이 날짜(YYYY-MM-DD)만 적어야 합니다",
    "date_type": "YYYY-MM-DD 형식의 올바른 날짜여야 합니다",
    "datetime_parsing": "ISO 8601 형식의 올바른 일시여야 합니다",
    "datetime_from_date_parsing": "ISO 8601 형식의 올바른 일시여야 합니다",
    "datetime_type": "ISO 8601 형식의 올바른 일시여야 합니다",
    "string_too_long": "{max_length}자 이하여야 합니다",
    "string_too_short": "{min_length}자 이상이어야 합니다",
    "too_long": "{max_length}개 이하여야 합니다",
    "too_short": "{min_length}개 이상이어야 합니다",
    "greater_than": "{gt}보다 커야 합니다",
    "greater_than_equal": "{ge} 이상이어야 합니다",
    "less_than": "{lt}보다 작아야 합니다",
    "less_than_equal": "{le} 이하여야 합니다",
    "multiple_of": "{multiple_of}의 배수여야 합니다",
    "enum": "다음 중 하나여야 합니다: {expected}",
    "literal_error": "다음 중 하나여야 합니다: {expected}",
    "extra_forbidden": "받을 수 없는 항목입니다",
    "list_type": "목록(배열)이어야 합니다",
    "dict_type": "객체여야 합니다",
    "model_type": "객체여야 합니다",
    "model_attributes_type": "객체여야 합니다",
    "string_pattern_mismatch": "형식이 올바르지 않습니다",
    "uuid_parsing": "올바른 UUID여야 합니다",
}
_REQUIRED = "반드시 입력해야 합니다"
_INVALID_JSON = "요청 본문이 올바른 JSON이 아닙니다."
_FALLBACK = "값이 올바르지 않습니다"


def field_name(loc: Sequence[Any]) -> str | None:
    """``("body", "payload", "items", 0, "amount")`` → ``"items.0.amount"``: drop the source
    and the parameter's own name; ``("query", "limit")`` → ``"limit"``."""
    parts = [str(p) for p in loc]
    if len(parts) > 2 and parts[0] in {"body", "query", "form"}:
        parts = parts[2:]
    elif parts:
        parts = parts[1:]
    return ".".join(parts) or None


def korean_message(error_type: str, field: str | None, ctx: dict[str, Any] | None = None) -> str:
    """One Korean sentence for a pydantic error of ``error_type`` on ``field``."""
    if error_type == "json_invalid":
        return _INVALID_JSON
    subject = f"'{field}' 항목" if field else "요청 본문"
    ctx = ctx or {}
    if error_type in {"value_error", "assertion_error"} and ctx.get("error"):
        return f"{subject}: {ctx['error']}"
    if error_type == "missing":
        text = _REQUIRED
    elif error_type == "string_too_short" and ctx.get("min_length") == 1:
        text = "비워 둘 수 없습니다"
    else:
        text = _PREDICATES.get(error_type, _FALLBACK).format_map(_Context(ctx))
    return f"{josa(subject, '은')} {text}."


def korean_detail(error: dict[str, Any]) -> dict[str, Any]:
    """A pydantic error as the API's error item, with pydantic's ``type`` and ``loc`` kept."""
    error_type = str(error.get("type") or "value_error")
    loc = list(error.get("loc") or ())
    field = field_name(loc)
    return {
        "field": field,
        "code": error_type,
        "type": error_type,
        "loc": loc,
        "message": korean_message(error_type, field, error.get("ctx")),
    }


class _Context(dict[str, str]):
    """pydantic's ``ctx`` as text for the templates; a limit it lacks shows as "?"."""

    def __init__(self, ctx: dict[str, Any]) -> None:
        super().__init__({k: str(v) for k, v in ctx.items()})
        # pydantic writes the choices as "'a', 'b' or 'c'": drop the English "or".
        if "expected" in self:
            self["expected"] = self["expected"].replace(" or ", ", ")

    def __missing__(self, key: str) -> str:
        return "?"
