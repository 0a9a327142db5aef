"""Form fields shared by the apps' web forms."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Won as people write them: digits, optionally grouped by thousands (1,000,000), optionally
# followed by 원. Units (100만, 1억) are refused rather than guessed.
WON_RE = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)$", re.ASCII)  # ASCII digits only


class AmountField(forms.IntegerField):
    """A won amount typed into a text box. Not a number input: a browser's number input
    silently drops what it cannot read, so "100만" would reach the server as 100 and post
    100 won. Here "1,000,000" is read as one million and anything else is refused."""

    default_error_messages = {
        "invalid": _("Enter the amount in won as digits, e.g. 1,000,000 (not 100만 or 1억)."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            text = value.strip().removesuffix("원").strip()
            if text and not WON_RE.match(text):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            value = text.replace(",", "")
        return super().to_python(value)
