"""Win-win payment pages: programmes (the buyer's claims by tier and maturity, deposits and
withdrawals), a programme's price settings and their history, a partner's holdings and history,
a claim with its pass-on, cash-out and reverse forms, the cash-out quote before confirming,
declared insolvencies, and the ratio-rule report with payments by other means.

As in the API, a partner user asking for something that is not its own gets 404; a user who may
see a page but not act gets 403. Writes follow post/redirect/get, so a reload never posts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sangsaeng.accounts.models import AuditAction, AuditEntry, User
from sangsaeng.lib import errors
from sangsaeng.lib.dates import today_kst
from sangsaeng.partners.forms import ServiceForm
from sangsaeng.partners.models import Company
from sangsaeng.payments import forms, queries, ratio, services
from sangsaeng.payments import permissions as perms
from sangsaeng.payments.models import (
    Claim,
    Insolvency,
    OtherPayment,
    Programme,
    RoundingChoice,
)
from sangsaeng.web.http import current_user

MAX_ID = 2**63 - 1


def _user(request: HttpRequest) -> User:
    user = current_user(request)
    if not perms.can_use_payments(user):
        raise PermissionDenied
    return user


def _programme(user: User, pk: int) -> Programme:
    found = Programme.objects.select_related("buyer", "bank").filter(pk=min(pk, MAX_ID)).first()
    if found is None or not perms.can_read_all(user):
        raise Http404
    return found


def _claim(user: User, pk: int) -> Claim:
    qs = perms.visible_claims(user, Claim.objects.select_related("holder", "programme__buyer"))
    found = qs.filter(pk=min(pk, MAX_ID)).first()
    if found is None:
        raise Http404
    return found


def _guard(user: User, allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _refused(request: HttpRequest, form: ServiceForm, exc: errors.DomainError) -> None:
    """Show a service's refusal next to its field, or as a message at the top of the page when
    no field fits (the form itself may not be shown any more, e.g. on a settled claim)."""
    form.add_domain_error(exc)
    top = form.errors.pop(NON_FIELD_ERRORS, None)
    for message in top or ([] if form.errors else [exc.message]):
        messages.error(request, str(message))


# -- programmes -----------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if perms.is_partner(user):
        return redirect("payments:holdings")
    form = forms.ProgrammeForm(request.POST or None)
    if request.method == "POST":
        _guard(user, perms.can_manage(user))
        if form.is_valid():
            try:
                programme = services.programme_open(
                    actor=user, buyer=form.cleaned_data["buyer"], bank=form.cleaned_data["bank"],
                    name=form.cleaned_data["name"], opened_on=form.cleaned_data["opened_on"],
                    settings=form.pricing(), idempotency_key=form.cleaned_data["idempotency_key"],
                )  # fmt: skip
            except errors.DomainError as exc:
                _refused(request, form, exc)
            else:
                messages.success(request, _("Programme opened."))
                return redirect("payments:programme", pk=programme.pk)
    context = {
        "programmes": queries.programmes(user),
        "form": form,
        "can_manage": perms.can_manage(user),
    }
    return render(request, "payments/index.html", context)


@login_required
def programme(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    prog = _programme(user, pk)
    settled = request.GET.get("status") == "settled"
    return _render_programme(request, user, prog, settled=settled)


def _render_programme(
    request: HttpRequest, user: User, prog: Programme, *, settled: bool = False, **forms_: Any
) -> HttpResponse:
    figures = queries.figures(prog)
    settle_form = forms.SettleForm(prefix="settle")
    roots = queries.tree_roots(prog, settled=settled)
    paginator = Paginator(roots.values_list("pk", flat=True), settings.PAGE_SIZE)
    paginator.count = figures.settled_trees if settled else figures.open_trees  # counted once
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "programme": prog,
        "tiers_text": forms.tiers_text(prog.spread_tiers),
        "figures": figures,
        "tier_rows": queries.tier_summary(prog, settled=settled),
        "groups": queries.trees_grouped(list(page.object_list), roots),
        "page": page,
        "settled": settled,
        "today": today_kst(),
        "operations": queries.operations(prog, limit=30),
        "can_manage": perms.can_manage(user),
        "deposit_form": forms_.get("deposit_form") or forms.MoneyForm(prefix="deposit"),
        "withdraw_form": forms_.get("withdraw_form") or forms.MoneyForm(prefix="withdraw"),
        "issue_form": forms_.get("issue_form") or forms.IssueForm(prefix="issue", buyer=prog.buyer),
        "settle_form": settle_form,
        # One key for every settle button of the page (as before), its input rendered once.
        "settle_key": str(settle_form["idempotency_key"]),
    }
    return render(request, "payments/programme.html", context)


@login_required
@require_POST
def deposit(request: HttpRequest, pk: int) -> HttpResponse:
    return _escrow_move(request, pk, services.escrow_deposit, "deposit", _("Deposit recorded."))


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The buyer takes back deposit that backs no claim; more than that is refused."""
    message = _("Withdrawal recorded.")
    return _escrow_move(request, pk, services.escrow_withdraw, "withdraw", message)


def _escrow_move(
    request: HttpRequest, pk: int, service: Any, prefix: str, done: str
) -> HttpResponse:
    """A deposit into or a withdrawal from the programme's escrow (``prefix`` names the form:
    ``deposit`` or ``withdraw``)."""
    user = _user(request)
    prog = _programme(user, pk)
    _guard(user, perms.can_manage(user))
    form = forms.MoneyForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            service(
                actor=user, programme=prog, amount=form.cleaned_data["amount"],
                value_date=form.cleaned_data["value_date"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )  # fmt: skip
        except errors.DomainError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, done)
            return redirect("payments:programme", pk=prog.pk)
    forms_: dict[str, Any] = {f"{prefix}_form": form}
    return _render_programme(request, user, prog, **forms_)


@login_required
@require_POST
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    prog = _programme(user, pk)
    _guard(user, perms.can_manage(user))
    form = forms.IssueForm(request.POST, prefix="issue", buyer=prog.buyer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_issue(
                actor=user, programme=prog, holder=data["holder"], amount=data["amount"],
                maturity=data["maturity"], value_date=data["value_date"],
                idempotency_key=data["idempotency_key"], memo=data["memo"],
            )  # fmt: skip
        except errors.DomainError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("Claim issued."))
            return redirect("payments:programme", pk=prog.pk)
    return _render_programme(request, user, prog, issue_form=form)


@login_required
@require_POST
def settle(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    claim = _claim(user, pk)
    _guard(user, perms.can_manage(user))
    form = forms.SettleForm(request.POST, prefix="settle")
    if not form.is_valid():
        messages.error(request, _("The form has expired; please try again."))
        return redirect("payments:programme", pk=claim.programme_id)
    try:
        services.claim_settle(
            actor=user, claim=claim, value_date=form.cleaned_data["value_date"] or None,
            idempotency_key=form.cleaned_data["idempotency_key"],
        )  # fmt: skip
    except errors.DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Claim settled: every holder was paid."))
    return redirect("payments:programme", pk=claim.programme_id)


# -- price settings -------------------------------------------------------------------------------


@login_required
def pricing(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the programme's price settings, their history and (for managers) a form to change
    them. POST: the change, refused if the settings changed since the page was shown."""
    user = _user(request)
    prog = _programme(user, pk)
    if request.method != "POST":
        form = forms.ChangePricingForm(prefix="pricing", programme=prog)
        return _render_pricing(request, user, prog, form)
    _guard(user, perms.can_manage(user))
    form = forms.ChangePricingForm(request.POST, prefix="pricing", programme=prog)
    if not form.is_valid():
        return _render_pricing(request, user, prog, form)
    try:
        changed = services.programme_set_pricing(
            actor=user, programme=prog, settings=form.pricing(),
            expected=form.cleaned_data["shown"],
        )  # fmt: skip
    except errors.DomainError as exc:
        if exc.code != "pricing_changed":
            _refused(request, form, exc)
            return _render_pricing(request, user, prog, form)
        # Keep what was typed, but against the settings now in force.
        prog = _programme(user, pk)
        data = request.POST.copy()
        data["pricing-shown"] = services.pricing_digest(prog)
        form = forms.ChangePricingForm(data, prefix="pricing", programme=prog)
        form.is_valid()
        form.add_error(
            None,
            _(
                "Someone changed the settings after this page was shown. Check the current "
                "settings above and submit again."
            ),
        )
        return _render_pricing(request, user, prog, form)
    if services.pricing_digest(changed) == form.cleaned_data["shown"]:
        messages.info(request, _("The settings are the same as before: nothing changed."))
    else:
        messages.success(request, _("Pricing changed."))
    return redirect("payments:pricing", pk=prog.pk)


def _render_pricing(request: HttpRequest, user: User, prog: Programme, form: Any) -> HttpResponse:
    tiers = [
        {
            "from_days": row.from_days,
            "max_days": row.max_days,
            "spread": forms.rate_text(row.spread),
            "rate": forms.rate_text(row.annual_rate),
        }
        for row in services.pricing_of(prog).schedule()
    ]
    context = {
        "programme": prog,
        "tiers": tiers,
        "rates": {
            "base": forms.rate_text(prog.base_rate),
            "fee": forms.rate_text(prog.system_fee),
        },
        "labels": {name: f.label for name, f in forms.PricingForm.base_fields.items()},
        "history": _pricing_history(prog),
        "can_manage": perms.can_manage(user),
        "form": form,
    }
    return render(request, "payments/pricing.html", context)


def _pricing_history(prog: Programme) -> list[dict[str, Any]]:
    """The price settings' changes, newest first, from the audit trail (the programme keeps
    only its current settings): the opening settings, then each change field by field."""
    entries = AuditEntry.objects.filter(
        model=Programme._meta.label_lower, object_id=str(prog.pk)
    ).order_by("-at", "-id")
    rows = []
    for entry in entries[:200]:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        fields = [
            (
                field.label,
                _setting_text(name, changes[name][0]),
                _setting_text(name, changes[name][1]),
            )
            for name, field in forms.PricingForm.base_fields.items()
            if isinstance(changes.get(name), list) and len(changes[name]) == 2
        ]
        if fields:
            rows.append(
                {"entry": entry, "opened": entry.action == AuditAction.CREATE, "fields": fields}
            )
    return rows


def _setting_text(name: str, value: Any) -> str:
    if value is None:
        return "—"
    try:
        if name in {"base_rate", "system_fee"}:
            return f"{forms.rate_text(value)}%"
        if name == "spread_tiers":
            return forms.tiers_text(value)
        if name == "rounding":
            return str(RoundingChoice(value).label)
    except (ArithmeticError, KeyError, TypeError, ValueError):
        pass  # an entry written before a format change: show it as stored
    return str(value)


# -- insolvency -----------------------------------------------------------------------------------


@login_required
def insolvencies(request: HttpRequest) -> HttpResponse:
    """The companies declared bankrupt; managers declare one here."""
    user = _user(request)
    _guard(user, perms.can_read_all(user))
    form = forms.InsolvencyForm(request.POST or None, prefix="insolvency")
    if request.method == "POST":
        _guard(user, perms.can_manage(user))
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.insolvency_declare(
                    actor=user, company=data["company"], declared_on=data["declared_on"],
                    note=data["note"],
                )  # fmt: skip
            except errors.DomainError as exc:
                _refused(request, form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s is recorded as insolvent from %(day)s.")
                    % {"name": record.company.name, "day": record.declared_on.isoformat()},
                )
                return redirect("payments:insolvencies")
    records = Insolvency.objects.select_related("company", "created_by").order_by(
        "-declared_on", "-id"
    )
    context = {
        "page": Paginator(records, settings.PAGE_SIZE).get_page(request.GET.get("page")),
        "form": form,
        "can_manage": perms.can_manage(user),
    }
    return render(request, "payments/insolvencies.html", context)


# -- holdings and claims --------------------------------------------------------------------------


@login_required
def holdings(request: HttpRequest) -> HttpResponse:
    """A partner's own holdings and history; staff pick a company with ``?company=``."""
    user = _user(request)
    if perms.is_partner(user):
        company_id = user.company_id
    else:
        raw = request.GET.get("company", "")
        company_id = int(raw) if raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID else None
    company = Company.objects.filter(pk=company_id).first() if company_id else None
    if company is not None and not perms.can_view_company(user, company.pk):
        raise Http404
    context: dict[str, Any] = {"company": company, "is_partner": perms.is_partner(user)}
    if company is not None:
        context["insolvency"] = Insolvency.objects.filter(company=company).first()
    if company is not None:
        page = Paginator(queries.holdings(user, company.pk), settings.PAGE_SIZE)
        context.update(
            page=page.get_page(request.GET.get("page")),
            settled=queries.holdings(user, company.pk, settled=True)[:100],
            total=queries.holdings_total(user, company.pk),
            history=queries.history(user, company.pk, limit=100),
            payouts=queries.payouts(user, company.pk, limit=100),
        )
    else:
        context["companies"] = Company.objects.filter(payment_claims__isnull=False).distinct()
    return render(request, "payments/holdings.html", context)


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    claim = _claim(user, pk)
    return _render_claim(request, user, claim)


def _render_claim(request: HttpRequest, user: User, claim: Claim, **forms_: Any) -> HttpResponse:
    if perms.can_read_all(user):
        nodes = queries.tree(claim)
    else:
        nodes = [claim, *claim.children.select_related("holder").order_by("pk")]
    parent = claim.parent
    can_act = (
        perms.can_act_for(user, claim.holder_id)
        and claim.settled_on is None
        and claim.holder_id != claim.programme.bank_id
        and claim.remaining > 0
    )
    nodes = list(nodes)
    insolvent = dict(
        Insolvency.objects.filter(
            company_id__in={node.holder_id for node in nodes} | {claim.holder_id}
        ).values_list("company_id", "declared_on")
    )
    for node in nodes:
        node.insolvent_on = insolvent.get(node.holder_id)  # type: ignore[attr-defined]
    can_reverse = perms.can_manage(user) and services.reversible(claim)
    context = {
        "claim": claim,
        "nodes": nodes,
        "holder_insolvent_on": insolvent.get(claim.holder_id),
        "received_from": parent.holder if parent else claim.programme.buyer,
        "can_act": can_act,
        "can_settle": perms.can_manage(user) and services.settleable(claim),
        "can_reverse": can_reverse,
        "reverse_form": (forms_.get("reverse_form") or forms.ReverseForm(prefix="reverse"))
        if can_reverse
        else None,
        "today": today_kst(),
        "split_form": forms_.get("split_form")
        or forms.SplitForm(prefix="split", holder_id=claim.holder_id),
        "quote_form": forms_.get("quote_form") or forms.QuoteForm(),
        "settle_form": forms.SettleForm(prefix="settle"),
        "cash_outs": claim.cash_outs.select_related("operation").order_by("pk"),
    }
    return render(request, "payments/claim.html", context)


@login_required
@require_POST
def claim_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """Reverse the issue or pass-on that made an untouched claim (the buyer's operators)."""
    user = _user(request)
    claim = _claim(user, pk)
    _guard(user, perms.can_manage(user))
    form = forms.ReverseForm(request.POST, prefix="reverse")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_reverse(
                actor=user, claim=claim, value_date=data["value_date"],
                idempotency_key=data["idempotency_key"], reason=data["reason"],
            )  # fmt: skip
        except errors.DomainError as exc:
            _refused(request, form, exc)
        else:
            amount = f"{claim.amount:,}"
            if claim.parent_id is None or claim.parent is None:
                done = _("Issue reversed: %(amount)s won is back in the buyer's free deposit.") % {
                    "amount": amount
                }
            else:
                done = _("Pass-on reversed: %(amount)s won is back with %(name)s.") % {
                    "amount": amount,
                    "name": claim.parent.holder.name,
                }
            messages.success(request, done)
            return redirect("payments:claim", pk=claim.pk)
    claim = _claim(user, pk)  # as it is now
    if not services.reversible(claim):
        # Reversed, passed on or settled meanwhile: the form is no longer offered, so the
        # refusal is said in a message instead.
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, str(problem))
        return redirect("payments:claim", pk=claim.pk)
    return _render_claim(request, user, claim, reverse_form=form)


@login_required
@require_POST
def split(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    claim = _claim(user, pk)
    _guard(user, perms.can_act_for(user, claim.holder_id))
    form = forms.SplitForm(request.POST, prefix="split", holder_id=claim.holder_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_split(
                actor=user, claim=claim, to=data["to"], amount=data["amount"],
                value_date=data["value_date"], idempotency_key=data["idempotency_key"],
            )  # fmt: skip
        except errors.DomainError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("Claim passed on."))
            return redirect("payments:claim", pk=claim.pk)
    return _render_claim(request, user, claim, split_form=form)


@login_required
def cash_out(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the price of cashing out (nothing is written) and a button to confirm it.
    POST: the confirmation, refused if the price changed since it was shown."""
    user = _user(request)
    claim = _claim(user, pk)
    _guard(user, perms.can_act_for(user, claim.holder_id))
    if request.method == "POST":
        return _confirm_cash_out(request, user, claim)
    form = forms.QuoteForm(request.GET)
    if not form.is_valid():
        return _render_claim(request, user, claim, quote_form=form)
    day = form.cleaned_data["value_date"] or today_kst()
    try:
        quote = services.cash_out_quote(
            claim=claim, amount=form.cleaned_data["amount"], value_date=day
        )
    except errors.DomainError as exc:
        _refused(request, form, exc)
        return _render_claim(request, user, claim, quote_form=form)
    confirm = forms.ConfirmCashOutForm(
        initial={"amount": quote.amount, "value_date": day, "expected_advance": quote.advance}
    )
    rounding = RoundingChoice(quote.rounding).label
    context = {
        "claim": claim,
        "quote": quote,
        "value_date": day,
        "form": confirm,
        "rounding": rounding,
    }
    return render(request, "payments/cash_out_quote.html", context)


def _confirm_cash_out(request: HttpRequest, user: User, claim: Claim) -> HttpResponse:
    form = forms.ConfirmCashOutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form has expired; please ask for a new quote."))
        return redirect("payments:claim", pk=claim.pk)
    data = form.cleaned_data
    try:
        op = services.claim_cash_out(
            actor=user, claim=claim, amount=data["amount"], value_date=data["value_date"],
            idempotency_key=data["idempotency_key"], expected_advance=data["expected_advance"],
        )  # fmt: skip
    except errors.DomainError as exc:
        messages.error(request, exc.message)
        return redirect("payments:claim", pk=claim.pk)
    advance = op.details.get("advance", 0)
    messages.success(
        request, _("Cashed out: the bank pays %(advance)s won.") % {"advance": f"{advance:,}"}
    )
    return redirect("payments:claim", pk=claim.pk)


# -- ratio rule -----------------------------------------------------------------------------------


@login_required
def ratio_report(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _guard(user, perms.can_read_all(user))
    period = forms.PeriodForm(request.GET or None)
    start, end = period.period()
    return _render_ratio(request, user, period, start, end)


def _render_ratio(
    request: HttpRequest,
    user: User,
    period: forms.PeriodForm,
    start: dt.date,
    end: dt.date,
    **forms_: Any,
) -> HttpResponse:
    try:
        rows = ratio.ratio_report(start, end)
    except errors.DomainError as exc:  # a period that ends before it starts: said, not swapped
        period.add_domain_error(exc)
        start, end = forms.PeriodForm.default()
        rows = ratio.ratio_report(start, end)
    others = OtherPayment.objects.filter(period_start__gte=start, period_end__lte=end)
    context = {
        "period": period,
        "start": start,
        "end": end,
        "rows": [(r, ratio.percent(r.received_share), ratio.percent(r.paid_share)) for r in rows],
        "short_count": sum(1 for r in rows if r.status == "short"),
        "others": others.select_related("partner")[:300],
        "can_manage": perms.can_manage(user),
        "other_form": forms_.get("other_form") or forms.OtherPaymentForm(prefix="other"),
        "import_form": forms_.get("import_form") or forms.ImportForm(prefix="import"),
        "import_problems": forms_.get("import_problems", []),
    }
    return render(request, "payments/ratio.html", context)


@login_required
@require_POST
def other_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _guard(user, perms.can_manage(user))
    form = forms.OtherPaymentForm(request.POST, prefix="other")
    if form.is_valid():
        data = dict(form.cleaned_data)
        partner, key = data.pop("partner"), data.pop("idempotency_key")
        try:
            ratio.other_payment_record(actor=user, partner=partner, data=data, idempotency_key=key)
        except errors.DomainError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("payments:ratio")
    period = forms.PeriodForm(None)
    return _render_ratio(request, user, period, *period.period(), other_form=form)


@login_required
@require_POST
def other_import(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _guard(user, perms.can_manage(user))
    form = forms.ImportForm(request.POST, request.FILES, prefix="import")
    problems: list[Any] = []
    if form.is_valid():
        try:
            saved = ratio.other_payments_import(
                actor=user, file=form.cleaned_data["file"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )  # fmt: skip
        except ratio.ImportRefused as exc:
            problems = exc.problems[:200]
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(count)s rows imported.") % {"count": f"{saved:,}"})
            return redirect("payments:ratio")
    period = forms.PeriodForm(None)
    return _render_ratio(
        request, user, period, *period.period(), import_form=form, import_problems=problems
    )


@login_required
@require_POST
def other_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    _guard(user, perms.can_manage(user))
    record = OtherPayment.objects.filter(pk=min(pk, MAX_ID)).first()
    if record is None:
        raise Http404
    ratio.other_payment_delete(actor=user, record=record)
    messages.success(request, _("Record deleted."))
    return redirect("payments:ratio")
