"""Fund pages. Each view checks who may see it, validates a form, calls one service and
renders; a service's refusal is shown next to the field it concerns.

Operators and managers see every page and every action; auditors and consultants see every
page and no action (403 if they post one); a partner user sees only the list and pages of the
disbursements to its own company, and every other fund page is 404 to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sangsaeng.accounts.models import User
from sangsaeng.funds import forms, permissions, queries, reports, services
from sangsaeng.funds.models import (
    Allocation,
    Campaign,
    Contribution,
    Disbursement,
    DisbursementStatus,
    Fund,
    Refund,
)
from sangsaeng.funds.statement import fund_statement
from sangsaeng.lib import errors
from sangsaeng.web.http import current_user

MAX_ID = 2**63 - 1


def _get(qs: Any, pk: int) -> Any:
    if pk > MAX_ID:
        raise Http404
    return get_object_or_404(qs, pk=pk)


def _fund(user: User, pk: int) -> Fund:
    """A fund the user may read; to a partner user (or anyone else) no fund exists."""
    return _get(queries.funds_list(user), pk)


def _require_runner(user: User) -> None:
    if not permissions.can_run_funds(user):
        raise PermissionDenied


def _run(form: forms.FundForm, call: Callable[[], Model]) -> Model | None:
    """Call the service; on a refusal put it on the form and return None."""
    try:
        return call()
    except errors.PermissionDenied as exc:
        if exc.code == "forbidden":  # the role may not act at all: 403
            raise PermissionDenied(exc.message) from exc
        form.apply(exc)  # a rule about this record (self-approval): shown on the form
        return None
    except errors.DomainError as exc:
        form.apply(exc)
        return None


def _form_page(request: HttpRequest, form: forms.FundForm, **context: Any) -> HttpResponse:
    return render(request, "funds/form.html", {"form": form, **context})


# -- funds --------------------------------------------------------------------------------------


@login_required
def fund_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not permissions.can_read_funds(user):
        return redirect("funds:disbursement_list")
    funds = [(fund, queries.fund_balances(fund)) for fund in queries.funds_list(user)]
    return render(
        request,
        "funds/fund_list.html",
        {"funds": funds, "can_run": permissions.can_run_funds(user)},
    )


@login_required
def fund_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    _require_runner(user)
    form = forms.NewFundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fund = _run(
            form,
            lambda: services.fund_create(
                actor=user,
                owner=data["owner"],
                name=data["name"],
                code=data["code"],
                description=data["description"],
            ),
        )
        if fund is not None:
            messages.success(request, _("Fund created."))
            return redirect("funds:fund_detail", pk=fund.pk)
    return _form_page(request, form, title=_("New cooperation fund"), back=("funds:fund_list",))


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    fund = _fund(user, pk)
    campaigns = [(c, queries.campaign_total(c)) for c in fund.campaigns.all()]
    context = {
        "fund": fund,
        "balances": queries.fund_balances(fund),
        "campaigns": campaigns,
        "open": queries.disbursements(user, queries.DisbursementFilters(fund=fund.pk)).filter(
            status__in=[DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED]
        )[:20],
        "recent": queries.contributions(user, fund)[:10],
        "can_run": permissions.can_run_funds(user),
        "tab": "overview",
    }
    return render(request, "funds/fund_detail.html", context)


@login_required
def use_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    fund = _fund(user, pk)
    _require_runner(user)
    form = forms.UseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        use = _run(
            form,
            lambda: services.use_create(
                actor=user,
                fund=fund,
                name=d["name"],
                kind=d["kind"],
                code=d["code"],
                description=d["description"],
            ),
        )
        if use is not None:
            messages.success(request, _("Use added."))
            return redirect("funds:fund_detail", pk=fund.pk)
    return _form_page(request, form, fund=fund, title=_("New use"))


@login_required
def campaign_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    fund = _fund(user, pk)
    _require_runner(user)
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        campaign = _run(
            form,
            lambda: services.campaign_create(
                actor=user,
                fund=fund,
                name=d["name"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                target_amount=d["target_amount"],
                description=d["description"],
            ),
        )
        if campaign is not None:
            messages.success(request, _("Campaign started."))
            return redirect("funds:campaign_detail", pk=fund.pk, campaign_id=campaign.pk)
    return _form_page(request, form, fund=fund, title=_("New campaign"))


@login_required
def campaign_detail(request: HttpRequest, pk: int, campaign_id: int) -> HttpResponse:
    user = current_user(request)
    fund = _fund(user, pk)
    campaign = _get(Campaign.objects.filter(fund=fund), campaign_id)
    steps = queries.campaign_progress(campaign)
    return render(
        request,
        "funds/campaign_detail.html",
        {
            "fund": fund,
            "campaign": campaign,
            "steps": steps,
            "total": steps[-1].running_total if steps else 0,
            "can_run": permissions.can_run_funds(user),
        },
    )


# -- contributions and allocations --------------------------------------------------------------


def _paged(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def contribution_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    fund = _fund(user, pk)
    page = _paged(request, queries.contributions(user, fund))
    context = {"fund": fund, "page": page, "can_run": permissions.can_run_funds(user)}
    return render(request, "funds/contribution_list.html", {**context, "tab": "contributions"})


@login_required
def contribution_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    fund = _fund(user, pk)
    _require_runner(user)
    campaign = request.GET.get("campaign", "")
    initial = {"campaign": campaign} if campaign.isascii() and campaign.isdigit() else {}
    form = forms.ContributionForm(request.POST or None, fund=fund, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        contribution = _run(
            form,
            lambda: services.contribution_create(
                actor=user,
                fund=fund,
                amount=d["amount"],
                contributed_on=d["contributed_on"],
                donor_company=d["donor_company"],
                donor_name=d["donor_name"],
                purpose=d["purpose"],
                use=d["use"],
                campaign=d["campaign"],
                idempotency_key=form.key,
            ),
        )
        if contribution is not None:
            messages.success(request, _("Contribution recorded."))
            return redirect("funds:contribution_list", pk=fund.pk)
    return _form_page(request, form, fund=fund, title=_("Record a contribution"))


@login_required
def contribution_detail(request: HttpRequest, contribution_id: int) -> HttpResponse:
    user = current_user(request)
    contribution = _get(
        Contribution.objects.filter(fund__in=queries.funds_list(user)).select_related(
            "fund", "use", "campaign", "donor_company"
        ),
        contribution_id,
    )
    return render(
        request,
        "funds/contribution_detail.html",
        {
            "fund": contribution.fund,
            "c": contribution,
            "refunds": contribution.refunds.all(),
            "reverse_form": forms.ReverseForm(auto_id="reverse_%s"),
            "refund_form": forms.RefundForm(auto_id="refund_%s"),
            "can_run": permissions.can_run_funds(user),
        },
    )


@login_required
def allocation_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    fund = _fund(user, pk)
    page = _paged(request, queries.allocations(user, fund))
    context = {"fund": fund, "page": page, "can_run": permissions.can_run_funds(user)}
    context["reverse_form"] = forms.ReverseForm()
    return render(request, "funds/allocation_list.html", {**context, "tab": "allocations"})


@login_required
def allocation_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    fund = _fund(user, pk)
    _require_runner(user)
    form = forms.AllocationForm(request.POST or None, fund=fund)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        allocation = _run(
            form,
            lambda: services.allocation_create(
                actor=user,
                fund=fund,
                use=d["use"],
                source_use=d["source_use"],
                amount=d["amount"],
                allocated_on=d["allocated_on"],
                memo=d["memo"],
                idempotency_key=form.key,
            ),
        )
        if allocation is not None:
            messages.success(request, _("Budget allocated."))
            return redirect("funds:fund_detail", pk=fund.pk)
    return _form_page(
        request,
        form,
        fund=fund,
        title=_("Allocate budget"),
        balances=queries.fund_balances(fund),
    )


# -- disbursements ------------------------------------------------------------------------------


@login_required
def disbursement_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = forms.DisbursementFilterForm(request.GET or None)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    fund_id = request.GET.get("fund", "")
    # isdigit() alone passes "²", which int() refuses: only ASCII digits are an id.
    is_id = fund_id.isascii() and fund_id.isdigit() and int(fund_id) <= MAX_ID
    filters = queries.DisbursementFilters(status=status, fund=int(fund_id) if is_id else None)
    page = _paged(request, queries.disbursements(user, filters))
    context = {
        "page": page,
        "form": form,
        "is_partner": not permissions.can_read_funds(user),
        "can_run": permissions.can_run_funds(user),
        "tab": "disbursements",
    }
    if filters.fund and permissions.can_read_funds(user):
        context["fund"] = queries.funds_list(user).filter(pk=filters.fund).first()
    return render(request, "funds/disbursement_list.html", context)


@login_required
def disbursement_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    fund = _fund(user, pk)
    _require_runner(user)
    form = forms.DisbursementForm(request.POST or None, fund=fund)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        disbursement = _run(
            form,
            lambda: services.disbursement_request(
                actor=user,
                fund=fund,
                use=d["use"],
                partner=d["partner"],
                amount=d["amount"],
                purpose=d["purpose"],
                idempotency_key=form.key,
            ),
        )
        if disbursement is not None:
            messages.success(request, _("Disbursement requested; it now needs approval."))
            return redirect("funds:disbursement_detail", disbursement_id=disbursement.pk)
    return _form_page(
        request,
        form,
        fund=fund,
        title=_("Request a disbursement"),
        balances=queries.fund_balances(fund),
    )


def _disbursement(user: User, pk: int) -> Disbursement:
    qs = permissions.visible_disbursements(user, Disbursement.objects.all())
    return _get(qs.select_related("fund", "use", "partner", "created_by", "approved_by"), pk)


def _disbursement_page(
    request: HttpRequest, user: User, d: Disbursement, **forms_given: Any
) -> HttpResponse:
    context = {
        "d": d,
        "fund": d.fund if permissions.can_read_funds(user) else None,
        "legs": d.legs.all(),
        "refunds": permissions.visible_refunds(user, d.refunds.all()),
        "can_run": permissions.can_run_funds(user),
        "can_approve": d.created_by_id != user.pk or permissions.self_approval_allowed(),
        **{
            name: form_class(auto_id=f"{action}_%s")
            for action, (form_class, name, _done) in DISBURSEMENT_ACTIONS.items()
        },
        **forms_given,
    }
    status = 422 if forms_given else 200
    return render(request, "funds/disbursement_detail.html", context, status=status)


@login_required
def disbursement_detail(request: HttpRequest, disbursement_id: int) -> HttpResponse:
    user = current_user(request)
    return _disbursement_page(request, user, _disbursement(user, disbursement_id))


DISBURSEMENT_ACTIONS: dict[str, tuple[type[forms.FundForm], str, Any]] = {
    "approve": (forms.ApproveForm, "approve_form", gettext_lazy("Disbursement approved.")),
    "pay": (forms.PayForm, "pay_form", gettext_lazy("Payment recorded.")),
    "reject": (forms.ReasonForm, "reject_form", gettext_lazy("Disbursement rejected.")),
    "reverse": (forms.ReverseForm, "reverse_form", gettext_lazy("Payment reversed.")),
    "refund": (forms.RefundForm, "refund_form", gettext_lazy("Refund recorded.")),
}


def _disbursement_call(
    action: str, user: User, d: Disbursement, data: dict[str, Any], key: str
) -> Callable[[], Model]:
    calls: dict[str, Callable[[], Model]] = {
        "approve": lambda: services.disbursement_approve(
            actor=user, disbursement=d, idempotency_key=key
        ),
        "pay": lambda: services.disbursement_pay(
            actor=user, disbursement=d, paid_on=data["paid_on"], idempotency_key=key
        ),
        "reject": lambda: services.disbursement_reject(
            actor=user, disbursement=d, reason=data.get("reason", ""), idempotency_key=key
        ),
        "reverse": lambda: services.disbursement_reverse(
            actor=user,
            disbursement=d,
            reason=data.get("reason", ""),
            reversed_on=data.get("reversed_on"),
            idempotency_key=key,
        ),
        "refund": lambda: services.refund_from_partner(
            actor=user,
            disbursement=d,
            amount=data.get("amount"),  # type: ignore[arg-type]
            refunded_on=data.get("refunded_on"),  # type: ignore[arg-type]
            memo=data.get("memo", ""),
            idempotency_key=key,
        ),
    }
    return calls[action]


@login_required
@require_POST
def disbursement_action(request: HttpRequest, disbursement_id: int, action: str) -> HttpResponse:
    if action not in DISBURSEMENT_ACTIONS:
        raise Http404
    user = current_user(request)
    d = _disbursement(user, disbursement_id)
    _require_runner(user)
    form_class, name, done = DISBURSEMENT_ACTIONS[action]
    form = form_class(request.POST, auto_id=f"{action}_%s")
    if form.is_valid():
        call = _disbursement_call(action, user, d, form.cleaned_data, form.key)
        if _run(form, call) is not None:
            messages.success(request, done)
            return redirect("funds:disbursement_detail", disbursement_id=d.pk)
    return _disbursement_page(request, user, _disbursement(user, d.pk), **{name: form})


# -- reversals and donor refunds ----------------------------------------------------------------


@login_required
@require_POST
def contribution_action(request: HttpRequest, contribution_id: int, action: str) -> HttpResponse:
    user = current_user(request)
    qs = Contribution.objects.filter(fund__in=queries.funds_list(user))
    contribution = _get(qs, contribution_id)
    _require_runner(user)
    if action == "reverse":
        form: forms.FundForm = forms.ReverseForm(request.POST, auto_id="reverse_%s")
        ok = form.is_valid() and _run(
            form,
            lambda: services.contribution_reverse(
                actor=user,
                contribution=contribution,
                reason=form.cleaned_data["reason"],
                reversed_on=form.cleaned_data["reversed_on"],
                idempotency_key=form.key,
            ),
        )
        name = "reverse_form"
    elif action == "refund":
        form = forms.RefundForm(request.POST, auto_id="refund_%s")
        ok = form.is_valid() and _run(
            form,
            lambda: services.refund_to_donor(
                actor=user,
                contribution=contribution,
                amount=form.cleaned_data["amount"],
                refunded_on=form.cleaned_data["refunded_on"],
                memo=form.cleaned_data["memo"],
                idempotency_key=form.key,
            ),
        )
        name = "refund_form"
    else:
        raise Http404
    if ok:
        messages.success(request, _("Done."))
        return redirect("funds:contribution_detail", contribution_id=contribution.pk)
    context = {
        "fund": contribution.fund,
        "c": contribution,
        "refunds": contribution.refunds.all(),
        "reverse_form": forms.ReverseForm(auto_id="reverse_%s"),
        "refund_form": forms.RefundForm(auto_id="refund_%s"),
        "can_run": True,
        name: form,
    }
    return render(request, "funds/contribution_detail.html", context, status=422)


def _after_reversal(record: Allocation | Refund) -> HttpResponse:
    if isinstance(record, Allocation):
        return redirect("funds:allocation_list", pk=record.fund_id)
    if record.disbursement_id:
        return redirect("funds:disbursement_detail", disbursement_id=record.disbursement_id)
    return redirect("funds:contribution_detail", contribution_id=record.contribution_id)


def _reverse_simple(
    request: HttpRequest, model: type[Allocation] | type[Refund], pk: int
) -> HttpResponse:
    """Reverse an allocation or a refund from a small form in a list; errors come back as
    messages on the page the form was on."""
    user = current_user(request)
    record = _get(model.objects.filter(fund__in=queries.funds_list(user)), pk)
    _require_runner(user)
    form = forms.ReverseForm(request.POST)
    if form.is_valid():
        reason, day = form.cleaned_data["reason"], form.cleaned_data["reversed_on"]

        def call() -> Model:
            if isinstance(record, Allocation):
                return services.allocation_reverse(
                    actor=user, allocation=record, reason=reason, reversed_on=day,
                    idempotency_key=form.key,
                )  # fmt: skip
            return services.refund_reverse(
                actor=user, refund=record, reason=reason, reversed_on=day,
                idempotency_key=form.key,
            )  # fmt: skip

        if _run(form, call) is not None:
            messages.success(request, _("Reversed."))
            return _after_reversal(record)
    for errs in form.errors.values():
        for error in errs:
            messages.error(request, str(error))
    return _after_reversal(record)


@login_required
@require_POST
def allocation_reverse(request: HttpRequest, allocation_id: int) -> HttpResponse:
    return _reverse_simple(request, Allocation, allocation_id)


@login_required
@require_POST
def refund_reverse(request: HttpRequest, refund_id: int) -> HttpResponse:
    return _reverse_simple(request, Refund, refund_id)


# -- statement ----------------------------------------------------------------------------------


def _statement_page(request: HttpRequest, fund: Fund, form: forms.PeriodForm) -> HttpResponse:
    """The statement for the period the form asks for; a refused period shows the form's
    errors and no figures (400)."""
    period = form.period()
    if period is None:
        context = {"fund": fund, "form": form, "s": None, "tab": "statement"}
        return render(request, "funds/statement.html", context, status=400)
    start, end = period
    context = {
        "fund": fund,
        "form": form,
        "s": fund_statement(fund, start, end),
        "query": f"start={start.isoformat()}&end={end.isoformat()}",
        "tab": "statement",
    }
    return render(request, "funds/statement.html", context)


@login_required
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund(current_user(request), pk)
    return _statement_page(request, fund, forms.PeriodForm(request.GET or None))


def _download_period(request: HttpRequest, fund: Fund) -> tuple[dt.date, dt.date] | HttpResponse:
    """The period of a download, or (if it is refused) a redirect back to the statement page
    with the same query, where the form says what is wrong."""
    period = forms.PeriodForm(request.GET or None).period()
    if period is None:
        url = reverse("funds:statement", args=[fund.pk])
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    return period


@login_required
def statement_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund(current_user(request), pk)
    period = _download_period(request, fund)
    if isinstance(period, HttpResponse):
        return period
    return reports.xlsx_response(fund_statement(fund, *period))


@login_required
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund(current_user(request), pk)
    period = _download_period(request, fund)
    if isinstance(period, HttpResponse):
        return period
    try:
        return reports.pdf_response(fund_statement(fund, *period))
    except reports.PdfUnavailable as exc:
        return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
