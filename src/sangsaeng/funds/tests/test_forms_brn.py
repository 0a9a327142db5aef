"""A company picked by its business registration number: a malformed number is a field error on
the form (the page comes back, status 200, nothing written), never a server error."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sangsaeng.accounts.models import User
from sangsaeng.funds import forms
from sangsaeng.funds.models import Contribution, Disbursement, Fund
from sangsaeng.funds.tests.helpers import contribute
from sangsaeng.ledger.invariants import run_checks
from sangsaeng.ledger.models import Transaction
from sangsaeng.lib import brn as brn_lib

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def written() -> tuple[int, int, int, int]:
    return (
        Fund.objects.count(),
        Contribution.objects.count(),
        Disbursement.objects.count(),
        Transaction.objects.count(),
    )


def assert_checks_pass() -> None:
    failed = {f.name: f.problems for f in run_checks() if not f.ok}
    assert not failed, failed


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("abc", "brn_not_digits"),
        ("123-45", "brn_length"),
        ("123-45-67892", "brn_checksum"),
        ("１２３４５６７８９０", "brn_not_digits"),  # full-width digits
    ],
)
def test_the_field_turns_a_malformed_number_into_its_error(typed, code):
    field = forms.CompanyByBrn(label="company")
    with pytest.raises(forms.forms.ValidationError) as exc:
        field.clean(typed)
    with pytest.raises(brn_lib.BRNError) as expected:
        brn_lib.normalize(typed)
    assert expected.value.code == code
    assert exc.value.messages == [expected.value.message]


def test_new_fund_with_a_malformed_owner_number(operator):
    before = written()
    page = client_for(operator).post(
        reverse("funds:fund_create"), {"owner": "abc", "name": "새 기금", "code": "new-fund"}
    )
    assert page.status_code == 200
    form = page.context["form"]
    assert form.errors["owner"] == ["사업자등록번호는 숫자 10자리여야 합니다."]
    html = page.content.decode()
    assert "사업자등록번호는 숫자 10자리여야 합니다." in html
    assert 'value="새 기금"' in html  # what was typed is kept
    assert written() == before
    assert_checks_pass()


def test_contribution_with_a_malformed_donor_number(operator, fund, escrow):
    client = client_for(operator)
    url = reverse("funds:contribution_create", args=[fund.pk])
    key = client.get(url).context["form"].initial["idempotency_key"]
    before = written()
    data = {
        "idempotency_key": key, "donor_company": "abc", "donor_name": "",
        "contributed_on": "2025-05-21", "amount": "2500000", "purpose": "", "use": "",
        "campaign": "",
    }  # fmt: skip
    page = client.post(url, data)
    assert page.status_code == 200
    assert page.context["form"].errors["donor_company"] == [
        "사업자등록번호는 숫자 10자리여야 합니다."
    ]
    assert written() == before
    # Corrected (an empty donor company is allowed: a person gave), the same form posts once.
    data.update(donor_company="", donor_name="박기영")
    assert client.post(url, data).status_code == 302
    assert Contribution.objects.get().amount == 2_500_000
    assert written()[3] == before[3] + 1
    assert_checks_pass()


def test_disbursement_with_a_malformed_partner_number(operator, fund, escrow, company_a):
    contribute(operator, fund, 1_000_000, use=escrow)
    before = written()
    page = client_for(operator).post(
        reverse("funds:disbursement_create", args=[fund.pk]),
        {"idempotency_key": "brn-1", "use": escrow.pk, "partner": "123-45-67892",
         "amount": "300000", "purpose": "기술임치 수수료"},
    )  # fmt: skip
    assert page.status_code == 200
    assert page.context["form"].errors["partner"] == [
        "사업자등록번호의 검증번호(마지막 자리)가 맞지 않습니다. 번호를 다시 확인하세요."
    ]
    assert written() == before
    assert_checks_pass()
