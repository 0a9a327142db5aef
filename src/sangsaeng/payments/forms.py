"""Forms for the payment pages. They only shape input; the views call one service each and
put its refusals next to the field they concern (``ServiceForm.add_domain_error``).

Every form that writes carries a hidden ``idempotency_key`` made when the page was shown, so a
double click or a resent form posts once."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sangsaeng.lib.dates import today_kst
from sangsaeng.partners.forms import DateInput, ServiceForm
from sangsaeng.partners.models import Company, CompanyKind
from sangsaeng.payments.models import Direction, Method, RoundingChoice


def new_key() -> str:
    return uuid.uuid4().hex


class KeyedForm(ServiceForm):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_key())


def value_date_field() -> forms.DateField:
    return forms.DateField(
        label=_("value date"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today (KST)."),
    )


class ProgrammeForm(KeyedForm):
    name = forms.CharField(label=_("name"), max_length=200)
    buyer = forms.ModelChoiceField(
        label=_("buyer"),
        queryset=Company.objects.exclude(kind=CompanyKind.BANK).filter(
            kind__in=[CompanyKind.LARGE, CompanyKind.MIDSIZE, CompanyKind.PUBLIC]
        ),
    )
    bank = forms.ModelChoiceField(
        label=_("bank"), queryset=Company.objects.filter(kind=CompanyKind.BANK)
    )
    opened_on = forms.DateField(label=_("opened on"), required=False, widget=DateInput())
    base_rate = forms.CharField(label=_("base rate (% a year)"), max_length=12, initial="3.50")
    spread_tiers = forms.CharField(
        label=_("spread by term"),
        max_length=300,
        initial="30:1.30, 90:1.40, :1.50",
        help_text=_("max days:spread (%p), comma-separated; leave the last days empty."),
    )
    system_fee = forms.CharField(label=_("system fee (% a year)"), max_length=12, initial="1.00")
    day_count = forms.TypedChoiceField(
        label=_("day count"), choices=[(365, "365"), (360, "360")], coerce=int, initial=365
    )
    rounding = forms.ChoiceField(label=_("rounding"), choices=RoundingChoice.choices)
    max_term_days = forms.IntegerField(
        label=_("longest claim term (days)"), min_value=1, max_value=3660, initial=365
    )

    def pricing(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "base_rate": data["base_rate"],
            "spread_tiers": parse_tiers(data["spread_tiers"]),
            "system_fee": data["system_fee"],
            "day_count": data["day_count"],
            "rounding": data["rounding"],
            "max_term_days": data["max_term_days"],
        }


def parse_tiers(text: str) -> list[list[str | None]]:
    """``"30:1.30, 90:1.40, :1.50"`` → ``[["30", "1.30"], ["90", "1.40"], [None, "1.50"]]``;
    the pricing rules then check them (a malformed pair is passed on to be refused there)."""
    tiers: list[list[str | None]] = []
    for part in text.split(","):
        if not part.strip():
            continue
        days, _sep, spread = part.partition(":")
        tiers.append([days.strip() or None, spread.strip()])
    return tiers


def tiers_text(tiers: list[dict[str, Any]]) -> str:
    """``≤30: 1.30, ≤90: 1.40, 91+: 1.50`` for a page."""
    parts, previous = [], 0
    for tier in tiers:
        spread = f"{Decimal(tier['spread']):.2f}"
        days = tier["max_days"]
        parts.append(f"≤{days}: {spread}" if days else f"{previous + 1}+: {spread}")
        previous = days or previous
    return ", ".join(parts)


class MoneyForm(KeyedForm):
    amount = forms.IntegerField(label=_("amount (KRW)"))
    value_date = value_date_field()


class IssueForm(MoneyForm):
    holder = forms.ModelChoiceField(label=_("tier-1 partner"), queryset=Company.objects.none())
    maturity = forms.DateField(label=_("maturity"), widget=DateInput())
    memo = forms.CharField(label=_("memo"), max_length=200, required=False)
    field_order = ["holder", "amount", "maturity", "value_date", "memo"]

    def __init__(self, *args: Any, buyer: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        holder = self.fields["holder"]
        assert isinstance(holder, forms.ModelChoiceField)
        # Today's suppliers are offered; the service checks the link on the value date.
        holder.queryset = (
            Company.objects.filter(buyer_links__buyer=buyer).distinct().order_by("name")
        )

    def form_field(self, service_field: str) -> str:
        return "holder" if service_field == "to" else service_field


class SplitForm(MoneyForm):
    to = forms.ModelChoiceField(label=_("pass on to"), queryset=Company.objects.none())
    field_order = ["to", "amount", "value_date"]

    def __init__(self, *args: Any, holder_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to = self.fields["to"]
        assert isinstance(to, forms.ModelChoiceField)
        to.queryset = (
            Company.objects.filter(buyer_links__buyer_id=holder_id).distinct().order_by("name")
        )


class QuoteForm(forms.Form):
    """Asks for a price (GET): nothing is written."""

    amount = forms.IntegerField(
        label=_("amount (KRW)"), required=False, help_text=_("Leave empty for all you hold.")
    )
    value_date = value_date_field()


class ConfirmCashOutForm(KeyedForm):
    amount = forms.IntegerField(widget=forms.HiddenInput)
    value_date = forms.DateField(widget=forms.HiddenInput)
    expected_advance = forms.IntegerField(widget=forms.HiddenInput)


class SettleForm(KeyedForm):
    value_date = value_date_field()


class OtherPaymentForm(KeyedForm):
    partner = forms.ModelChoiceField(
        label=_("partner"), queryset=Company.objects.exclude(kind=CompanyKind.BANK)
    )
    direction = forms.ChoiceField(label=_("direction"), choices=Direction.choices)
    method = forms.ChoiceField(label=_("method"), choices=Method.choices)
    period_start = forms.DateField(label=_("period start"), widget=DateInput())
    period_end = forms.DateField(label=_("period end"), widget=DateInput())
    amount = forms.IntegerField(label=_("amount (KRW)"))
    counterparty = forms.CharField(label=_("counterparty"), max_length=200, required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class ImportForm(KeyedForm):
    file = forms.FileField(label=_("xlsx file"))


class PeriodForm(forms.Form):
    """The ratio report's period (GET). Defaults: the current calendar year."""

    start = forms.DateField(label=_("period start"), required=False, widget=DateInput())
    end = forms.DateField(label=_("period end"), required=False, widget=DateInput())

    def period(self) -> tuple[dt.date, dt.date]:
        today = today_kst()
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("start") or dt.date(today.year, 1, 1)
        end = data.get("end") or dt.date(today.year, 12, 31)
        return (start, end) if start <= end else (end, start)
