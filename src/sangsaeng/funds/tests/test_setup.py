"""Funds, uses and campaigns: creation, their ledger accounts, and who may set them up."""

from __future__ import annotations

import datetime as dt

import pytest

from sangsaeng.accounts.models import AuditEntry
from sangsaeng.funds import services
from sangsaeng.funds.models import UseKind
from sangsaeng.lib.errors import DomainError

pytestmark = pytest.mark.django_db


def test_fund_opens_cash_and_pool_accounts(fund, keis):
    assert fund.cash_account.code == "funds.keis.cash"
    assert fund.cash_account.normal_side == "debit"
    assert fund.pool_account.code == "funds.keis.pool"
    assert fund.pool_account.normal_side == "credit"
    assert not fund.pool_account.allow_negative
    assert fund.pool_account.owner == keis
    assert AuditEntry.objects.filter(model="funds.fund", object_id=str(fund.pk)).exists()


def test_use_opens_restricted_and_budget_accounts(escrow):
    assert escrow.code == "tech-escrow"
    assert escrow.restricted_account.code == "funds.keis.tech-escrow.restricted"
    assert escrow.budget_account.code == "funds.keis.tech-escrow.budget"
    assert escrow.restricted_account.name == "기술임치 수수료 지원 지정 기부금"


def test_second_use_of_a_kind_gets_a_numbered_code(operator, fund, escrow):
    other = services.use_create(
        actor=operator, fund=fund, name="기술임치 2차", kind=UseKind.TECH_ESCROW
    )
    assert other.code == "tech-escrow-2"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"code": "keis"}, "fund_code_taken"),
        ({"code": "KEIS 기금"}, "code_invalid"),
        ({"code": "ok", "name": ""}, "required"),
    ],
)
def test_fund_refusals(operator, keis, fund, kwargs, code):
    data = {"name": "다른 기금", **kwargs}
    with pytest.raises(DomainError) as exc:
        services.fund_create(actor=operator, owner=keis, **data)
    assert exc.value.code == code


def test_use_refusals(operator, fund, escrow):
    with pytest.raises(DomainError) as exc:
        services.use_create(actor=operator, fund=fund, name=escrow.name, kind="esg")
    assert exc.value.code == "use_name_taken"
    with pytest.raises(DomainError) as exc:
        services.use_create(actor=operator, fund=fund, name="새 용도", kind="casino")
    assert exc.value.code == "kind_invalid"


@pytest.mark.parametrize("who", ["auditor", "consultant", "partner_a"])
def test_only_operators_and_managers_set_up(request, who, keis, fund):
    user = request.getfixturevalue(who)
    with pytest.raises(DomainError) as exc:
        services.fund_create(actor=user, owner=keis, name="x", code="x")
    assert exc.value.code == "forbidden"
    with pytest.raises(DomainError):
        services.use_create(actor=user, fund=fund, name="x", kind="esg")
    with pytest.raises(DomainError):
        services.campaign_create(actor=user, fund=fund, name="x", starts_on=dt.date(2025, 1, 1))


def test_manager_sets_up(manager, keis):
    fund = services.fund_create(actor=manager, owner=keis, name="관리자 기금", code="mgr")
    assert services.use_create(actor=manager, fund=fund, name="ESG 지원", kind="esg")


def test_campaign_dates_and_target(operator, fund):
    with pytest.raises(DomainError) as exc:
        services.campaign_create(
            actor=operator,
            fund=fund,
            name="릴레이",
            starts_on=dt.date(2025, 5, 1),
            ends_on=dt.date(2025, 4, 1),
        )
    assert exc.value.code == "dates_out_of_order"
    with pytest.raises(DomainError) as exc:
        services.campaign_create(
            actor=operator, fund=fund, name="릴레이", starts_on="2025-05-01", target_amount=0
        )
    assert exc.value.code == "amount_not_positive"
    campaign = services.campaign_create(
        actor=operator, fund=fund, name="릴레이", starts_on="2025-05-01", target_amount=10_000_000
    )
    assert campaign.starts_on == dt.date(2025, 5, 1)
    with pytest.raises(DomainError) as exc:
        services.campaign_create(actor=operator, fund=fund, name="릴레이", starts_on="2025-05-01")
    assert exc.value.code == "campaign_name_taken"


def test_deactivated_use_takes_no_new_money(operator, fund, escrow):
    from sangsaeng.funds.tests.helpers import contribute

    services.use_update(actor=operator, use=escrow, data={"is_active": False})
    with pytest.raises(DomainError) as exc:
        contribute(operator, fund, 1000, use=escrow)
    assert exc.value.code == "use_inactive"
