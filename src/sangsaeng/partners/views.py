"""Registry pages: the company list, a company's page, its forms and its supply links.

A partner user asking for another company's page gets 404, as the API does: to a partner
the other companies do not exist. A user who may see a company but not change it gets 403.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sangsaeng.accounts import permissions
from sangsaeng.accounts.models import User
from sangsaeng.lib import errors
from sangsaeng.partners import queries, services
from sangsaeng.partners.forms import CompanyFilterForm, CompanyForm, SupplyLinkForm
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.web.http import current_user, render_partial


class ListRow(NamedTuple):
    company: Company
    tier: int | None


# Ids past a signed 64-bit integer cannot exist; the database would raise on them, not miss.
MAX_ID = 2**63 - 1


def _visible_company(user: User, pk: int) -> Company:
    if pk > MAX_ID:
        raise Http404
    return get_object_or_404(permissions.visible_companies(user, Company.objects.all()), pk=pk)


@login_required
def company_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = CompanyFilterForm(request.GET, user=user)
    filters = form.filters()
    qs = queries.company_search(user, filters).prefetch_related("tags")
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "rows": _rows(page.object_list, filters.anchor)}
    context["anchor_chosen"] = filters.anchor is not None
    return render_partial(
        request, "partners/company_list.html", "partners/_company_results.html", context
    )


def _rows(companies: Any, anchor: int | None) -> list[ListRow]:
    """The page's companies with their tier below the anchor. The tiers come from one graph
    walk, only when an anchor is chosen; nothing is queried per row."""
    tiers = queries.tiers_from(anchor) if anchor else {}
    return [ListRow(company, tiers.get(company.pk)) for company in companies]


@login_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    company = _visible_company(user, pk)
    return _render_detail(request, user, company, SupplyLinkForm(actor=user, company=company))


def _render_detail(
    request: HttpRequest, user: User, company: Company, link_form: SupplyLinkForm
) -> HttpResponse:
    context = {
        "company": company,
        "contacts": company.contacts.all(),
        "tags": company.tags.all(),
        "is_partner": permissions.role_of(user) == "partner",
        "can_edit": permissions.can_edit_company(user, company),
        "can_edit_registry": permissions.can_edit_registry(user),
        "can_read_audit": permissions.can_read_audit(user),
        "link_form": link_form,
        **_chain_context(user, company),
    }
    return render(request, "partners/company_detail.html", context)


def _chain_context(user: User, company: Company) -> dict[str, Any]:
    """Buyers above and suppliers below. A partner sees only its direct counterparts, by
    name; staff see every tier and the links themselves."""
    up = queries.supply_chain(company, direction="up")
    down = queries.supply_chain(company, direction="down")
    if permissions.role_of(user) == "partner":
        return {
            "buyers": [e for e in up if e.level == 1],
            "suppliers": [e for e in down if e.level == 1],
        }
    links = SupplyLink.objects.filter(Q(buyer=company) | Q(supplier=company))
    return {
        "buyers": up,
        "suppliers": down,
        "links": links.select_related("buyer", "supplier").order_by("start_date", "id"),
    }


@login_required
def company_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not permissions.can_edit_registry(user):
        raise PermissionDenied
    form = CompanyForm(request.POST or None, actor=user)
    if request.method == "POST" and form.is_valid() and form.company is not None:
        messages.success(request, _("Company registered."))
        return redirect("partners:company_detail", pk=form.company.pk)
    return render(request, "partners/company_form.html", {"form": form, "company": None})


@login_required
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    company = _visible_company(user, pk)
    if not permissions.can_edit_company(user, company):
        raise PermissionDenied
    form = CompanyForm(request.POST or None, actor=user, company=company)
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("Changes saved."))
        return redirect("partners:company_detail", pk=company.pk)
    return render(request, "partners/company_form.html", {"form": form, "company": company})


@login_required
@require_POST
def link_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    company = _visible_company(user, pk)
    if not permissions.can_edit_registry(user):
        raise PermissionDenied
    form = SupplyLinkForm(request.POST, actor=user, company=company)
    if form.is_valid():
        messages.success(request, _("Supply link added."))
        return redirect("partners:company_detail", pk=company.pk)
    return _render_detail(request, user, company, form)


@login_required
@require_POST
def link_delete(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    user = current_user(request)
    company = _visible_company(user, pk)
    if not permissions.can_edit_registry(user):
        raise PermissionDenied
    links = SupplyLink.objects.filter(Q(buyer=company) | Q(supplier=company))
    link = get_object_or_404(links, pk=min(link_id, MAX_ID))
    try:
        services.supply_link_delete(actor=user, link=link)
    except errors.PermissionDenied as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("Supply link deleted."))
    return redirect("partners:company_detail", pk=company.pk)
