"""The audit log page: who changed which record, when, and how. Operators and auditors only."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from sangsaeng.accounts import permissions
from sangsaeng.accounts.audit_display import audit_rows, record_type
from sangsaeng.accounts.models import AuditAction, AuditEntry
from sangsaeng.web.http import current_user, render_partial


def audited_models() -> list[tuple[str, str]]:
    """Every model of the project, by the label audit entries store, with its name (in the
    active language, sorted by it)."""
    models = [
        m
        for m in apps.get_models()
        if m.__module__.startswith("sangsaeng.") and m is not AuditEntry
    ]
    named = ((m._meta.label_lower, record_type(m._meta.label_lower)) for m in models)
    return sorted(named, key=lambda choice: choice[1])


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("record type"), required=False)
    object_id = forms.CharField(label=_("record id"), max_length=64, required=False)
    action = forms.ChoiceField(
        label=_("action"),
        required=False,
        choices=[("", _("All actions")), *AuditAction.choices],
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        # Built per request: the model list needs the app registry, ready only after import.
        model = cast(forms.ChoiceField, self.fields["model"])
        model.choices = [("", _("All record types")), *audited_models()]

    def apply(self, qs: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """``qs`` narrowed by the valid filters; invalid ones are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        for field in ("model", "object_id", "action"):
            if value := (data.get(field) or "").strip():
                qs = qs.filter(**{field: value})
        return qs


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not permissions.can_read_audit(current_user(request)):
        raise PermissionDenied
    form = AuditFilterForm(request.GET)
    entries = form.apply(AuditEntry.objects.all())
    page = Paginator(entries, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "rows": audit_rows(page.object_list)}
    return render_partial(
        request, "accounts/audit_log.html", "accounts/_audit_results.html", context
    )
