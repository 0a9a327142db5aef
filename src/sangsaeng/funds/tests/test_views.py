"""The fund pages: each main flow as a person does it, and the role fences."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from sangsaeng.funds import services
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


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=1975-01-01&end=2026-11-22", "기간이 너무 깁니다"),
        ("start=2026-01-01&end=2099-12-31", "기간이 너무 깁니다"),
        ("start=2025-12-31&end=2025-01-01", "기간의 끝이 시작보다 빠릅니다"),
        ("start=1800-01-01&end=2025-01-01", "1900년부터 2999년 사이"),
    ],
    ids=["1975-2026", "2026-2099", "reversed", "before-1900"],
)
def test_statement_refuses_a_bad_period_on_the_page(operator, fund, query, message):
    """QA: a long period was a 500; a reversed one was silently swapped."""
    c = client_for(operator)
    page = c.get(reverse("funds:statement", args=[fund.pk]) + "?" + query)
    assert page.status_code == 400
    html = page.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    assert 'id="statement-table"' not in html  # no figures for a period that was not asked
    for name in ("statement_xlsx", "statement_pdf"):
        response = c.get(reverse(f"funds:{name}", args=[fund.pk]) + "?" + query)
        assert response.status_code == 302, name
        assert response["Location"] == reverse("funds:statement", args=[fund.pk]) + "?" + query
        assert message in c.get(response["Location"]).content.decode()


def test_statement_for_one_day_and_fifty_years(operator, fund):
    c = client_for(operator)
    for query in ("start=2025-03-01&end=2025-03-01", "start=1976-01-01&end=2025-12-31"):
        assert c.get(reverse("funds:statement", args=[fund.pk]) + "?" + query).status_code == 200


@pytest.mark.parametrize("role", ["auditor", "consultant"])
def test_readers_are_offered_no_action(
    operator, manager, auditor, consultant, fund, escrow, company_a, role
):
    """QA: auditors and consultants saw a "request a disbursement" button that led to a 403.
    No page of the fund offers them a link or form for something they may not do."""
    reader = {"auditor": auditor, "consultant": consultant}[role]
    contribute(operator, fund, 10_000, use=escrow)
    contribute(operator, fund, 1_000)
    allocate(operator, fund, escrow, 1_000)
    open_one = request(operator, fund, escrow, company_a, 100)
    done = paid(operator, manager, fund, escrow, company_a, 200, day=dt.date(2025, 9, 2))
    contribution = Contribution.objects.get(use=escrow)
    day = dt.date(2025, 9, 3)
    services.refund_from_partner(
        actor=operator, disbursement=done, amount=50, refunded_on=day, idempotency_key="q1"
    )
    services.refund_to_donor(
        actor=operator, contribution=contribution, amount=50, refunded_on=day, idempotency_key="q2"
    )
    campaign = services.campaign_create(
        actor=operator, fund=fund, name="릴레이", starts_on=dt.date(2025, 5, 1)
    )
    c = client_for(reader)
    pages = [
        reverse("funds:fund_list"),
        reverse("funds:fund_detail", args=[fund.pk]),
        reverse("funds:contribution_list", args=[fund.pk]),
        reverse("funds:contribution_detail", args=[contribution.pk]),
        reverse("funds:allocation_list", args=[fund.pk]),
        reverse("funds:disbursement_list"),
        reverse("funds:disbursement_list") + f"?fund={fund.pk}",
        reverse("funds:disbursement_detail", args=[open_one.pk]),
        reverse("funds:disbursement_detail", args=[done.pk]),
        reverse("funds:statement", args=[fund.pk]),
        reverse("funds:campaign_detail", args=[fund.pk, campaign.pk]),
    ]
    forbidden = [
        reverse("funds:fund_create"),
        reverse("funds:use_create", args=[fund.pk]),
        reverse("funds:campaign_create", args=[fund.pk]),
        reverse("funds:contribution_create", args=[fund.pk]),
        reverse("funds:allocation_create", args=[fund.pk]),
        reverse("funds:disbursement_create", args=[fund.pk]),
    ]
    for url in pages:
        response = c.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for target in forbidden:
            assert f'href="{target}' not in html, (url, target)
        assert not re.findall(r'<form[^>]*action="/funds/', html), url
    for target in forbidden:
        assert c.get(target).status_code == 403, target


def test_runner_is_offered_the_disbursement_request(operator, fund):
    page = client_for(operator).get(reverse("funds:disbursement_list") + f"?fund={fund.pk}")
    assert reverse("funds:disbursement_create", args=[fund.pk]) in page.content.decode()


def test_disbursement_form_refuses_a_bank(operator, fund, escrow):
    from sangsaeng.testing import factories

    bank = factories.make_company(operator, name="우리은행", kind="bank")
    contribute(operator, fund, 1_000_000, use=escrow)
    response = client_for(operator).post(
        reverse("funds:disbursement_create", args=[fund.pk]),
        {
            "idempotency_key": "bank1",
            "use": escrow.pk,
            "partner": bank.brn,
            "amount": "300000",
            "purpose": "기술임치 수수료",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "은행에는 기금을 지급할 수 없습니다" in html
    assert 'id="id_partner_error"' in html  # next to the partner field
    assert not Disbursement.objects.exists()


def test_a_form_without_its_key_says_it_expired(operator, fund, escrow, company_a):
    contribute(operator, fund, 1_000_000, use=escrow)
    data = {"use": escrow.pk, "partner": company_a.brn, "amount": "300000", "purpose": "수수료"}
    response = client_for(operator).post(reverse("funds:disbursement_create", args=[fund.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "양식이 만료되었습니다" in html and "헤더" not in html
    assert not Disbursement.objects.exists()


@pytest.mark.parametrize(
    ("typed", "posted"), [("2,500,000", 2_500_000), ("2,500,000원", 2_500_000), (" 7 ", 7)]
)
def test_amount_with_thousands_separators_is_read(operator, fund, typed, posted):
    """QA: the amount was a number input. Won are typed with separators, and a browser's number
    input drops what it cannot read, so "100만" silently posted 100 won."""
    c = client_for(operator)
    url = reverse("funds:contribution_create", args=[fund.pk])
    page = c.get(url)
    assert 'type="number"' not in page.content.decode()
    data = {
        "idempotency_key": page.context["form"].initial["idempotency_key"],
        "donor_name": "박기영",
        "contributed_on": "2025-05-21",
        "amount": typed,
    }
    r = c.post(url, data)
    assert r.status_code == 302, r.context["form"].errors
    assert Contribution.objects.get().amount == posted


@pytest.mark.parametrize("typed", ["100만", "1억", "1,00,000", "1.5", "1e3", "12,34"])
def test_amount_in_units_or_malformed_is_refused_in_korean(operator, fund, typed):
    c = client_for(operator)
    url = reverse("funds:contribution_create", args=[fund.pk])
    key = c.get(url).context["form"].initial["idempotency_key"]
    data = {"idempotency_key": key, "donor_name": "x", "contributed_on": "2025-05-21"}
    r = c.post(url, {**data, "amount": typed})
    assert r.status_code == 200
    assert r.context["form"].errors["amount"] == [
        "금액은 원 단위 숫자로 입력하세요 (예: 1,000,000). 100만·1억 같은 단위는 쓸 수 없습니다."
    ]
    assert Contribution.objects.count() == 0
    assert Transaction.objects.count() == 0
