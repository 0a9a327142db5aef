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
from sangsaeng.partners.forms import CompanyByBrn, DateInput, ServiceForm
from sangsaeng.partners.models import Company, CompanyKind
from sangsaeng.payments import services
from sangsaeng.payments.models import Direction, Method, Programme, RoundingChoice
from sangsaeng.web.fields import AmountField


def new_key() -> str:
    return uuid.uuid4().hex


class KeyedForm(ServiceForm):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_key())

    def clean(self) -> dict[str, Any] | None:
        # The key is a hidden input: "this field is required" next to nothing helps nobody.
        if self.errors.pop("idempotency_key", None):
            self.add_error(None, _("This form has expired; reload the page and try again."))
        return super().clean()


def value_date_field() -> forms.DateField:
    return forms.DateField(
        label=_("value date"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today (KST)."),
    )


class PricingForm(ServiceForm):
    """A programme's price settings (shown filled in with the current ones when changing)."""

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

    def form_field(self, service_field: str) -> str:
        # The pricing rules name a tier by its place (``spread_tiers[1]``); one input holds all.
        return "spread_tiers" if service_field.startswith("spread_tiers[") else service_field


class ProgrammeForm(KeyedForm, PricingForm):
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
    field_order = ["name", "buyer", "bank", "opened_on", *PricingForm.base_fields]


class ChangePricingForm(PricingForm):
    """Change a programme's price settings. ``shown`` is a digest of the settings the page
    showed: if someone changed them meanwhile, the change is refused rather than undoing
    theirs unseen."""

    shown = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        kwargs.setdefault("initial", pricing_initial(programme))
        super().__init__(*args, **kwargs)
        self.initial.setdefault("shown", services.pricing_digest(programme))


def pricing_initial(programme: Programme) -> dict[str, Any]:
    return {
        "base_rate": rate_text(programme.base_rate),
        "spread_tiers": ", ".join(
            f"{t['max_days'] or ''}:{rate_text(t['spread'])}" for t in programme.spread_tiers
        ),
        "system_fee": rate_text(programme.system_fee),
        "day_count": programme.day_count,
        "rounding": programme.rounding,
        "max_term_days": programme.max_term_days,
    }


def rate_text(value: Any) -> str:
    """A stored rate as a person writes it: ``3.5000`` → ``3.50``, ``1.3750`` → ``1.375``."""
    rate = Decimal(str(value))
    text = f"{rate.normalize():f}"
    whole, _sep, places = text.partition(".")
    return f"{whole}.{places.ljust(2, '0')}"


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
        spread = rate_text(tier["spread"])
        days = tier["max_days"]
        parts.append(f"≤{days}: {spread}" if days else f"{previous + 1}+: {spread}")
        previous = days or previous
    return ", ".join(parts)


class MoneyForm(KeyedForm):
    amount = AmountField(label=_("amount (KRW)"))
    value_date = value_date_field()


class IssueForm(MoneyForm):
    holder = forms.ModelChoiceField(
        label=_("tier-1 partner"),
        queryset=Company.objects.none(),
        error_messages={"invalid_choice": _("Choose one of the buyer's own suppliers.")},
    )
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
    to = forms.ModelChoiceField(
        label=_("pass on to"),
        queryset=Company.objects.none(),
        error_messages={"invalid_choice": _("Choose one of the holder's own suppliers.")},
    )
    field_order = ["to", "amount", "value_date"]

    def __init__(self, *args: Any, holder_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to = self.fields["to"]
        assert isinstance(to, forms.ModelChoiceField)
        to.queryset = (
            Company.objects.filter(buyer_links__buyer_id=holder_id).distinct().order_by("name")
        )


class QuoteForm(ServiceForm):
    """Asks for a price (GET): nothing is written."""

    amount = AmountField(
        label=_("amount (KRW)"), required=False, help_text=_("Leave empty for all you hold.")
    )
    value_date = value_date_field()


class ConfirmCashOutForm(KeyedForm):
    amount = forms.IntegerField(widget=forms.HiddenInput)
    value_date = forms.DateField(widget=forms.HiddenInput)
    expected_advance = forms.IntegerField(widget=forms.HiddenInput)


class SettleForm(KeyedForm):
    value_date = value_date_field()


class ReverseForm(KeyedForm):
    """Reverse the issue or pass-on that made an untouched claim (the service has the rules)."""

    value_date = value_date_field()
    reason = forms.CharField(
        label=_("reason"),
        max_length=200,
        required=False,
        help_text=_("What was entered by mistake; kept with the reversal."),
    )

    def form_field(self, service_field: str) -> str:
        # The key is a hidden input: a refusal about it is shown above the fields.
        return "" if service_field == "idempotency_key" else service_field


class InsolvencyForm(ServiceForm):
    """Declare a company bankrupt. The service is idempotent by nature (the same company and
    date give the same record), so the form carries no key."""

    company = CompanyByBrn(label=_("company"))
    declared_on = forms.DateField(
        label=_("declared on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today (KST)."),
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class OtherPaymentForm(KeyedForm):
    partner = forms.ModelChoiceField(
        label=_("partner"), queryset=Company.objects.exclude(kind=CompanyKind.BANK)
    )
    direction = forms.ChoiceField(label=_("direction"), choices=Direction.choices)
    method = forms.ChoiceField(label=_("method"), choices=Method.choices)
    period_start = forms.DateField(label=_("period start"), widget=DateInput())
    period_end = forms.DateField(label=_("period end"), widget=DateInput())
    amount = AmountField(label=_("amount (KRW)"))
    counterparty = forms.CharField(label=_("counterparty"), max_length=200, required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class ImportForm(KeyedForm):
    file = forms.FileField(label=_("xlsx file"))


class PeriodForm(ServiceForm):
    """The ratio report's period (GET). Defaults: the current calendar year. A period that
    ends before it starts is given as asked; the report refuses it (``period_invalid``)."""

    start = forms.DateField(label=_("period start"), required=False, widget=DateInput())
    end = forms.DateField(label=_("period end"), required=False, widget=DateInput())

    @staticmethod
    def default() -> tuple[dt.date, dt.date]:
        year = today_kst().year
        return dt.date(year, 1, 1), dt.date(year, 12, 31)

    def period(self) -> tuple[dt.date, dt.date]:
        data = self.cleaned_data if self.is_valid() else {}
        start, end = self.default()
        return data.get("start") or start, data.get("end") or end
