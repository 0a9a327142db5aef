"""Forms for the registry pages. They turn form input into the plain data the services take,
call the service in ``clean()``, and put each refusal next to the field it concerns. The rules
themselves live in ``validation`` and ``services``, shared with the API and file imports."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sangsaeng.accounts import permissions
from sangsaeng.accounts.models import User
from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib import errors, ksic, regions
from sangsaeng.partners import queries, services
from sangsaeng.partners.models import Company, CompanyKind, SupplyLink
from sangsaeng.partners.validation import FieldError, FieldErrors, clean_brn, clean_company
from sangsaeng.web.fields import AmountField
from sangsaeng.web.templatetags.ui import region_label

ALL = ""


# Region names in the page's language (Korean, or English on English pages), resolved when
# the select is drawn, not when this module is imported.
REGION_CHOICES: list[tuple[str, Any]] = [
    (slug, lazy(region_label, str)(slug)) for slug, *_rest in regions.REGIONS
]


def _with_all(label: Any, choices: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    return [(ALL, label), *choices]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class ServiceForm(forms.Form):
    """A form whose ``clean()`` runs one service call and maps its refusals onto fields."""

    def add_domain_error(self, exc: errors.DomainError) -> None:
        if isinstance(exc, errors.PermissionDenied):
            # The view checked up front; this is the service's own guard agreeing.
            raise PermissionDenied(exc.message) from exc
        items: list[errors.DomainError] = [*exc.errors] if isinstance(exc, FieldErrors) else [exc]
        for item in items:
            name = self.form_field(item.field or "")
            if name not in self.fields:
                self.add_error(None, item.message)
            elif name not in self.errors:  # one message per field: the form's own comes first
                self.add_error(name, item.message)

    def form_field(self, service_field: str) -> str:
        """The form field showing what the service calls ``service_field``."""
        return service_field


class CompanyForm(ServiceForm):
    """Create a company (``company`` None) or edit one; ``clean()`` saves through the service."""

    name = forms.CharField(label=_("Company name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    brn = forms.CharField(
        label=_("business registration number"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "123-45-67890", "inputmode": "numeric"}),
    )
    kind = forms.ChoiceField(label=_("Company kind"), choices=CompanyKind.choices)
    industry = forms.ChoiceField(label=_("industry (KSIC division)"), choices=ksic.DIVISION_CHOICES)
    ksic_code = forms.CharField(
        label=_("detailed KSIC code"),
        max_length=10,
        required=False,
        help_text=_("Optional: up to 5 digits within the division, e.g. 29171."),
    )
    region = forms.ChoiceField(label=_("region"), choices=REGION_CHOICES)
    address = forms.CharField(label=_("address"), max_length=300, required=False)
    founded_on = forms.DateField(label=_("founding date"), required=False, widget=DateInput())
    employees = forms.IntegerField(label=_("employees"), required=False, min_value=0)
    annual_revenue = AmountField(
        label=_("annual revenue (KRW)"),
        required=False,
        min_value=0,
        help_text=_("In won, digits only."),
    )
    tags = forms.CharField(
        label=_("tags"),
        required=False,
        help_text=_("Separate tags with commas, e.g. ACE CLUB, 혁신허브 2012"),
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def __init__(self, *args: Any, actor: User, company: Company | None = None, **kw: Any):
        if company is not None:
            kw.setdefault("initial", initial_for(company))
        super().__init__(*args, **kw)
        self.actor = actor
        self.company = company
        if company is not None and permissions.role_of(actor) == "partner":
            # Who a company is in the registry is the operator's to change (the service
            # refuses it too); disabled fields also ignore whatever a crafted POST sends.
            for name in services.PARTNER_LOCKED_FIELDS:
                self.fields[name].disabled = True

    def form_field(self, service_field: str) -> str:
        # A bad detailed code belongs next to that input; without one, next to the division.
        if service_field == "ksic_code" and not self.cleaned_data.get("ksic_code"):
            return "industry"
        return service_field

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_division(cleaned)
        data = self._service_data(cleaned)
        if self.errors:
            # Nothing is saved, but the shared field rules still run on the fields that
            # passed, so a person sees every problem at once rather than one per submit.
            try:
                clean_company(data, partial=True)
            except errors.DomainError as exc:
                self.add_domain_error(exc)
        else:
            self._save(data)
        return cleaned

    def _check_division(self, cleaned: dict[str, Any]) -> None:
        detail = cleaned.get("ksic_code", "").strip().upper().lstrip("ABCDEFGHIJKLMNOPQRSTU")
        division = cleaned.get("industry")
        if detail and division and not detail.startswith(division):
            self.add_error("ksic_code", _("The detailed code must start with the division code."))

    def _service_data(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        data = {k: v for k, v in cleaned.items() if not self.fields[k].disabled and k != "industry"}
        if "industry" in cleaned and "ksic_code" in cleaned:
            data["ksic_code"] = cleaned["ksic_code"].strip() or cleaned["industry"]
        else:
            data.pop("ksic_code", None)
        return data

    def _save(self, data: dict[str, Any]) -> None:
        try:
            if self.company is None:
                self.company = services.company_create(actor=self.actor, data=data)
            else:
                self.company = services.company_update(
                    actor=self.actor, company=self.company, data=data
                )
        except errors.DomainError as exc:
            self.add_domain_error(exc)


def initial_for(company: Company) -> dict[str, Any]:
    """The edit form's starting values, as a person would type them."""
    code = company.ksic_code
    return {
        "name": company.name,
        "name_en": company.name_en,
        "brn": company.brn_display,
        "kind": company.kind,
        "industry": code[:2],
        "ksic_code": code if len(code) > 2 else "",
        "region": company.region,
        "address": company.address,
        "founded_on": company.founded_on,
        "employees": company.employees,
        "annual_revenue": company.annual_revenue,
        "tags": ", ".join(t.name for t in company.tags.all()),
        "is_active": company.is_active,
    }


class CompanyFilterForm(forms.Form):
    """The list page's search and filters, read from the query string. Bad values are
    dropped rather than shown as errors: a filter is a view, not a submission."""

    q = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name or business registration number")}
        ),
    )
    kind = forms.ChoiceField(
        label=_("Company kind"),
        required=False,
        choices=_with_all(_("All kinds"), CompanyKind.choices),
    )
    region = forms.ChoiceField(
        label=_("region"), required=False, choices=_with_all(_("All regions"), REGION_CHOICES)
    )
    industry = forms.ChoiceField(
        label=_("industry"),
        required=False,
        choices=_with_all(_("All industries"), ksic.DIVISION_CHOICES),
    )
    anchor = forms.TypedChoiceField(
        label=_("Tier from anchor"), required=False, coerce=int, empty_value=None
    )
    tier = forms.TypedChoiceField(label=_("Tier"), required=False, coerce=int, empty_value=None)
    active = forms.TypedChoiceField(
        label=_("Status"),
        required=False,
        coerce=lambda v: v == "1",
        empty_value=None,
        choices=[(ALL, _("All")), ("1", _("Active")), ("0", _("Inactive"))],
    )

    def __init__(self, *args: Any, user: User, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if permissions.role_of(user) == "partner":
            # The list of anchors names other companies, which a partner may not see.
            del self.fields["anchor"], self.fields["tier"]
            return
        anchors = list(queries.anchors().values_list("pk", "name"))
        chosen = _chosen_anchor(self.data.get("anchor"), {pk for pk, _ in anchors})
        if chosen:  # any buyer may be an anchor, e.g. from a detail page's "tiers below" link
            anchors.append(chosen)
        cast(forms.ChoiceField, self.fields["anchor"]).choices = _with_all(_("No anchor"), anchors)
        cast(forms.ChoiceField, self.fields["tier"]).choices = _with_all(
            _("Any tier"), tier_choices()
        )

    def filters(self) -> queries.CompanyFilters:
        """The valid part of the query string as search filters."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return queries.CompanyFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            region=data.get("region") or "",
            industry=data.get("industry") or "",
            anchor=data.get("anchor"),
            tier=data.get("tier"),
            active=data.get("active"),
        )


def _chosen_anchor(raw: Any, listed: set[int]) -> tuple[int, str] | None:
    """The anchor in the query string when it is a real company not among the listed roots."""
    text = str(raw or "")
    # isdigit() alone passes "²", which int() refuses: only ASCII digits are an id.
    if not (text.isascii() and text.isdigit()) or int(text) in listed or int(text) > 2**63 - 1:
        return None
    return Company.objects.filter(pk=int(text)).values_list("pk", "name").first()


def tier_choices() -> list[tuple[int, str]]:
    depth = settings.TIER_MAX_DEPTH
    return [(n, gettext("Tier %(number)s") % {"number": n}) for n in range(1, depth + 1)]


class SupplyLinkForm(ServiceForm):
    """Link a counterpart, found by BRN, to ``company`` as its supplier or its buyer."""

    SUPPLIER, BUYER = "supplier", "buyer"

    direction = forms.ChoiceField(
        label=_("The other company is"),
        choices=[
            (SUPPLIER, _("a supplier of this company")),
            (BUYER, _("a buyer of this company")),
        ],
        initial=SUPPLIER,
    )
    counterpart = forms.CharField(
        label=_("Its business registration number"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "123-45-67890", "inputmode": "numeric"}),
    )
    start_date = forms.DateField(label=_("start date"), widget=DateInput())
    end_date = forms.DateField(label=_("end date"), required=False, widget=DateInput())
    annual_volume = AmountField(
        label=_("annual purchase volume (KRW)"), required=False, min_value=0
    )

    def form_field(self, service_field: str) -> str:
        # Conflicts name the supplier; the input the person can change is the counterpart.
        if service_field in {"supplier", "buyer", "brn"}:
            return "counterpart"
        return service_field

    def __init__(self, *args: Any, actor: User, company: Company, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.actor = actor
        self.company = company
        self.link: SupplyLink | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            other = self._counterpart(cleaned["counterpart"])
            buyer, supplier = self._roles(cleaned["direction"], other)
            data = {k: cleaned.get(k) for k in ("start_date", "end_date", "annual_volume")}
            self.link = services.supply_link_create(
                actor=self.actor, buyer=buyer, supplier=supplier, data=data
            )
        except errors.DomainError as exc:
            self.add_domain_error(exc)
        return cleaned

    def _counterpart(self, raw: str) -> Company:
        brn = clean_brn(raw)
        found = permissions.visible_companies(self.actor, Company.objects.all()).filter(brn=brn)
        other = found.first()
        if other is None:
            raise FieldError(
                "not_found", gettext("No company has this registration number."), field="brn"
            )
        return other

    def _roles(self, direction: str, other: Company) -> tuple[Company, Company]:
        """(buyer, supplier) for the chosen direction."""
        if direction == self.SUPPLIER:
            return self.company, other
        return other, self.company


class CompanyByBrn(forms.CharField):
    """A company picked by its business registration number (the registry is too large for a
    select box), with or without dashes. A number that is malformed or not registered is a
    field error."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"placeholder": "123-45-67890", "inputmode": "numeric"}),
        )
        kwargs.setdefault("help_text", _("Business registration number of a registered company."))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Company | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            number = brn_lib.normalize(text)
        except brn_lib.BRNError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        company = Company.objects.filter(brn=number).first()
        if company is None:
            raise forms.ValidationError(_("No registered company has this number."))
        return company
