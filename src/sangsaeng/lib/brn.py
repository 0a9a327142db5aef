"""사업자등록번호 (business registration number): normalisation and check-digit validation.

The BRN is ten digits, written ``123-45-67890``. The last digit is a check digit computed from the
first nine with the weights 1,3,7,1,3,7,1,3,5 plus the tens digit of (ninth digit × 5), as
published by the National Tax Service.
"""

from __future__ import annotations

import re

WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_SEPARATORS = re.compile(r"[\s\-]")


class BRNError(ValueError):
    """A BRN that is not ten digits or whose check digit does not match. ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_digit(first_nine: str) -> int:
    """The check digit for the first nine digits of a BRN."""
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, WEIGHTS, strict=True))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def normalize(value: str) -> str:
    """Strip dashes and spaces; raise :class:`BRNError` unless the rest is a valid BRN."""
    raw = _SEPARATORS.sub("", str(value or ""))
    if not raw:
        raise BRNError("brn_required", "사업자등록번호를 입력하세요.")
    if not raw.isascii() or not raw.isdigit():
        raise BRNError("brn_not_digits", "사업자등록번호는 숫자 10자리여야 합니다.")
    if len(raw) != 10:
        raise BRNError(
            "brn_length", f"사업자등록번호는 숫자 10자리여야 합니다 (입력: {len(raw)}자리)."
        )
    if check_digit(raw[:9]) != int(raw[9]):
        raise BRNError(
            "brn_checksum",
            "사업자등록번호의 검증번호(마지막 자리)가 맞지 않습니다. 번호를 다시 확인하세요.",
        )
    return raw


def is_valid(value: str) -> bool:
    try:
        normalize(value)
    except BRNError:
        return False
    return True


def format_brn(value: str) -> str:
    """``1234567890`` → ``123-45-67890``."""
    return f"{value[:3]}-{value[3:5]}-{value[5:]}" if len(value) == 10 else value


def complete(first_nine: str) -> str:
    """Append the check digit: used by the demo generator and tests to make valid numbers."""
    return first_nine + str(check_digit(first_nine))
