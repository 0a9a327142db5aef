"""Forms for the fund pages. They turn input into the typed values the services take; the
rules live in the services, whose refusals :meth:`FundForm.apply` puts next to the field
they concern.

Every form that moves money carries a hidden idempotency key made when the form is shown, so
a double click or a resubmitted page posts once (the service returns the first result).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sangsaeng.funds.models import DisbursementStatus, Fund, FundUse, UseKind
from sangsaeng.funds.statement import check_period
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import DomainError
from sangsaeng.partners.forms import CompanyByBrn
from sangsaeng.partners.validation import FieldErrors
from sangsaeng.web.fields import AmountField

# What the services call a field → the form field showing it.
FIELD_ALIASES = {
    "use_id": "use",
    "source_use_id": "source_use",
    "partner_id": "partner",
    "campaign_id": "campaign",
    "donor_company_id": "donor_company",
    "owner_id": "owner",
    "date": None,
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def amount_field(label: Any = None) -> forms.IntegerField:
    return AmountField(label=label or _("Amount (KRW)"))


class FundForm(forms.Form):
    """Base: a hidden idempotency key, and service errors mapped onto fields."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    @property
    def key(self) -> str:
        return self.cleaned_data.get("idempotency_key") or ""

    def apply(self, exc: DomainError) -> None:
        """Show a service's refusal: on its field when the form has one, else on top."""
        items: list[DomainError] = list(exc.errors) if isinstance(exc, FieldErrors) else [exc]
        for item in items:
            if item.code.startswith("idempotency_key_"):
                # The key is the form's hidden input; the API's words (a header) would puzzle.
                self.add_error(None, _("This form has expired; reload the page and try again."))
                continue
            name = FIELD_ALIASES.get(item.field or "", item.field)
            target = name if name in self.fields and name != "idempotency_key" else None
            if target and target in self.errors:
                target = None
            self.add_error(target, item.message)


class NewFundForm(FundForm):
    owner = CompanyByBrn(label=_("Fund owner"))
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        help_text=_("Lower-case letters, digits and dashes, e.g. keis. Used in ledger codes."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)


class UseForm(FundForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=UseKind.choices)
    code = forms.CharField(
        label=_("Code"), max_length=30, required=False, help_text=_("Optional; made from the kind.")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)


class CampaignForm(FundForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    starts_on = forms.DateField(label=_("Start date"), widget=DateInput())
    ends_on = forms.DateField(label=_("End date"), required=False, widget=DateInput())
    target_amount = AmountField(label=_("Target (KRW)"), required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)


def _use_field(fund: Fund, *, label: Any, empty: Any = None) -> forms.ModelChoiceField:
    qs = FundUse.objects.filter(fund=fund, is_active=True)
    return forms.ModelChoiceField(
        queryset=qs, label=label, required=empty is None, empty_label=empty or "---------"
    )


class ContributionForm(FundForm):
    donor_company = CompanyByBrn(label=_("Donor company"), required=False)
    donor_name = forms.CharField(
        label=_("Donor name"),
        max_length=200,
        required=False,
        help_text=_("A person's name, or who gave on the company's behalf."),
    )
    contributed_on = forms.DateField(label=_("Date"), widget=DateInput())
    amount = amount_field()
    purpose = forms.CharField(label=_("Purpose"), max_length=300, required=False)

    def __init__(self, *args: Any, fund: Fund, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["use"] = _use_field(
            fund, label=_("Restricted to use"), empty=_("Unrestricted (to the pool)")
        )
        self.fields["campaign"] = forms.ModelChoiceField(
            queryset=fund.campaigns.all(), label=_("Campaign"), required=False
        )
        self.initial.setdefault("contributed_on", today_kst())


class AllocationForm(FundForm):
    amount = amount_field()
    allocated_on = forms.DateField(label=_("Date"), widget=DateInput())
    memo = forms.CharField(label=_("Memo"), max_length=300, required=False)

    def __init__(self, *args: Any, fund: Fund, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["use"] = _use_field(fund, label=_("To use"))
        self.fields["source_use"] = forms.ModelChoiceField(
            queryset=FundUse.objects.filter(fund=fund),
            label=_("From"),
            required=False,
            empty_label=_("Unallocated pool"),
        )
        self.initial.setdefault("allocated_on", today_kst())
        self.order_fields(["use", "source_use", "amount", "allocated_on", "memo"])


class DisbursementForm(FundForm):
    partner = CompanyByBrn(label=_("Partner"))
    amount = amount_field()
    purpose = forms.CharField(label=_("Purpose"), max_length=300)

    def __init__(self, *args: Any, fund: Fund, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["use"] = _use_field(fund, label=_("Use"))
        self.order_fields(["use", "partner", "amount", "purpose"])


class ApproveForm(FundForm):
    pass


class PayForm(FundForm):
    paid_on = forms.DateField(label=_("Payment date"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("paid_on", today_kst())


class ReasonForm(FundForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReverseForm(FundForm):
    reason = forms.CharField(label=_("Reason for reversal"), max_length=300)
    reversed_on = forms.DateField(label=_("Date"), required=False, widget=DateInput())


class RefundForm(FundForm):
    amount = amount_field()
    refunded_on = forms.DateField(label=_("Date"), widget=DateInput())
    memo = forms.CharField(label=_("Memo"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("refunded_on", today_kst())


class PeriodForm(forms.Form):
    """The statement's period: by default 1 January to today (KST). A period the statement
    refuses (out of range, the wrong way round, too long) is an error on the form, in the
    statement's own words, never put right silently."""

    start = forms.DateField(label=_("Period start"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Period end"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Unbound, the form shows the default period it stands for, not empty date boxes.
        end = today_kst()
        self.initial.setdefault("end", end)
        self.initial.setdefault("start", end.replace(month=1, day=1))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        end = data.get("end") or today_kst()
        start = data.get("start") or end.replace(month=1, day=1)
        try:
            check_period(start, end)
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        else:
            data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[dt.date, dt.date] | None:
        """The period asked for (the default one if nothing was), or None if it is refused:
        the form's errors then say why."""
        if not self.is_bound:
            return self.initial["start"], self.initial["end"]
        if not self.is_valid():
            return None
        return self.cleaned_data["start"], self.cleaned_data["end"]


class DisbursementFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *DisbursementStatus.choices],
    )
