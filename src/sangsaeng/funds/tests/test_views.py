"""The fund pages: each main flow as a person does it, and the role fences."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from sangsaeng.funds.models import Contribution, Disbursement, DisbursementStatus
from sangsaeng.funds.tests.helpers import allocate, contribute, keis_year, paid, request
from sangsaeng.ledger.models import Transaction

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_operator_pages(operator, manager, fund, escrow, sharing):
    keis_year(operator, manager, fund, escrow, sharing)
    c = client_for(operator)
    d = Disbursement.objects.first()
    assert d is not None
    contribution = Contribution.objects.first()
    assert contribution is not None
    campaign_url = reverse("funds:campaign_create", args=[fund.pk])
    for url in [
        reverse("funds:fund_list"),
        reverse("funds:fund_create"),
        reverse("funds:fund_detail", args=[fund.pk]),
        reverse("funds:use_create", args=[fund.pk]),
        campaign_url,
        reverse("funds:contribution_list", args=[fund.pk]),
        reverse("funds:contribution_create", args=[fund.pk]),
        reverse("funds:contribution_detail", args=[contribution.pk]),
        reverse("funds:allocation_list", args=[fund.pk]),
        reverse("funds:allocation_create", args=[fund.pk]),
        reverse("funds:disbursement_create", args=[fund.pk]),
        reverse("funds:disbursement_list") + f"?fund={fund.pk}",
        reverse("funds:disbursement_detail", args=[d.pk]),
        reverse("funds:statement", args=[fund.pk]) + "?start=2025-01-01&end=2025-12-31",
    ]:
        response = c.get(url)
        assert response.status_code == 200, url
    page = c.get(reverse("funds:fund_detail", args=[fund.pk])).content.decode()
    assert "KEIS 상생협력기금" in page
    assert "기술임치 수수료 지원" in page
    statement = c.get(
        reverse("funds:statement", args=[fund.pk]) + "?start=2025-01-01&end=2025-12-31"
    ).content.decode()
    assert "9,300,000" in statement
    assert "6,700,000" in statement


def test_contribution_form_posts_once(operator, fund, escrow):
    c = client_for(operator)
    url = reverse("funds:contribution_create", args=[fund.pk])
    form = c.get(url).context["form"]
    data = {
        "idempotency_key": form.initial["idempotency_key"],
        "donor_name": "박기영",
        "contributed_on": "2025-05-21",
        "amount": "2500000",
        "purpose": "성과급 기부",
        "use": "",
        "campaign": "",
    }
    first = c.post(url, data)
    assert first.status_code == 302, first.context["form"].errors
    assert c.post(url, data).status_code == 302  # the double click
    assert Contribution.objects.count() == 1
    assert Transaction.objects.count() == 1


def test_form_shows_the_refusal(operator, fund, escrow, sharing):
    contribute(operator, fund, 1_000_000, use=escrow)
    c = client_for(operator)
    url = reverse("funds:allocation_create", args=[fund.pk])
    response = c.post(
        url,
        {
            "idempotency_key": "k1",
            "use": sharing.pk,
            "source_use": "",
            "amount": "500000",
            "allocated_on": "2025-09-01",
        },
    )
    assert response.status_code == 200
    assert "지정된 기부금" in response.content.decode()
    response = c.post(
        url,
        {"idempotency_key": "k2", "use": sharing.pk, "amount": "0", "allocated_on": "2025-09-01"},
    )
    assert "1원 이상" in response.content.decode()


def test_disbursement_flow_through_pages(operator, manager, fund, escrow, company_a):
    contribute(operator, fund, 1_000_000, use=escrow)
    c = client_for(operator)
    response = c.post(
        reverse("funds:disbursement_create", args=[fund.pk]),
        {
            "idempotency_key": "r1",
            "use": escrow.pk,
            "partner": company_a.brn,
            "amount": "300000",
            "purpose": "기술임치 수수료",
        },
    )
    assert response.status_code == 302
    d = Disbursement.objects.get()
    action = lambda name: reverse("funds:disbursement_action", args=[d.pk, name])  # noqa: E731
    # The requester cannot approve their own request.
    response = c.post(action("approve"), {"idempotency_key": "a1"})
    assert response.status_code == 422
    assert "승인할 수 없습니다" in response.content.decode()
    m = client_for(manager)
    assert m.post(action("approve"), {"idempotency_key": "a2"}).status_code == 302
    assert (
        c.post(action("pay"), {"idempotency_key": "p1", "paid_on": "2025-09-02"}).status_code == 302
    )
    d.refresh_from_db()
    assert d.status == DisbursementStatus.PAID
    response = c.post(
        action("refund"), {"idempotency_key": "f1", "amount": "999999", "refunded_on": "2025-09-03"}
    )
    assert response.status_code == 422
    assert c.get(reverse("funds:disbursement_detail", args=[d.pk])).status_code == 200


def test_statement_files(operator, manager, fund, escrow, sharing):
    keis_year(operator, manager, fund, escrow, sharing)
    c = client_for(operator)
    query = "?start=2025-01-01&end=2025-12-31"
    xlsx = c.get(reverse("funds:statement_xlsx", args=[fund.pk]) + query)
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "fund-keis-20250101-20251231.xlsx" in xlsx["Content-Disposition"]
    pytest.importorskip("weasyprint")
    pdf = c.get(reverse("funds:statement_pdf", args=[fund.pk]) + query)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_statement_form_shows_the_default_period(operator, fund):
    from sangsaeng.lib.dates import today_kst

    today = today_kst()
    page = client_for(operator).get(reverse("funds:statement", args=[fund.pk])).content.decode()
    assert f'value="{today.replace(month=1, day=1).isoformat()}"' in page
    assert f'value="{today.isoformat()}"' in page


def test_auditor_reads_and_changes_nothing(operator, manager, auditor, fund, escrow, company_a):
    contribute(operator, fund, 1_000, use=escrow)
    d = request(operator, fund, escrow, company_a, 100)
    c = client_for(auditor)
    assert c.get(reverse("funds:fund_detail", args=[fund.pk])).status_code == 200
    assert c.get(reverse("funds:statement", args=[fund.pk])).status_code == 200
    assert c.get(reverse("funds:disbursement_detail", args=[d.pk])).status_code == 200
    assert c.get(reverse("funds:contribution_create", args=[fund.pk])).status_code == 403
    assert c.get(reverse("funds:fund_create")).status_code == 403
    response = c.post(
        reverse("funds:disbursement_action", args=[d.pk, "approve"]), {"idempotency_key": "x"}
    )
    assert response.status_code == 403
    d.refresh_from_db()
    assert d.status == DisbursementStatus.REQUESTED
    page = c.get(reverse("funds:fund_detail", args=[fund.pk])).content.decode()
    assert reverse("funds:contribution_create", args=[fund.pk]) not in page


def test_partner_sees_only_its_own_disbursements(
    operator, manager, fund, escrow, company_a, company_b, partner_a
):
    contribute(operator, fund, 10_000, use=escrow)
    mine = paid(operator, manager, fund, escrow, company_a, 1_000, day=dt.date(2025, 9, 2))
    theirs = paid(operator, manager, fund, escrow, company_b, 2_000, day=dt.date(2025, 9, 2))
    c = client_for(partner_a)
    assert c.get(reverse("funds:fund_list")).status_code == 302
    listing = c.get(reverse("funds:disbursement_list")).content.decode()
    assert company_a.name in listing
    assert company_b.name not in listing
    assert c.get(reverse("funds:disbursement_detail", args=[mine.pk])).status_code == 200
    assert c.get(reverse("funds:disbursement_detail", args=[theirs.pk])).status_code == 404
    for name in ("fund_detail", "statement", "statement_xlsx", "contribution_list"):
        assert c.get(reverse(f"funds:{name}", args=[fund.pk])).status_code == 404, name
    response = c.post(
        reverse("funds:disbursement_action", args=[mine.pk, "reverse"]),
        {"idempotency_key": "x", "reason": "x"},
    )
    assert response.status_code == 403
    response = c.post(
        reverse("funds:disbursement_action", args=[theirs.pk, "reverse"]),
        {"idempotency_key": "x", "reason": "x"},
    )
    assert response.status_code == 404


def test_allocation_reverse_from_the_list(operator, fund, escrow):
    contribute(operator, fund, 1_000)
    a = allocate(operator, fund, escrow, 600)
    c = client_for(operator)
    response = c.post(
        reverse("funds:allocation_reverse", args=[a.pk]), {"idempotency_key": "z", "reason": "오류"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.is_reversed
