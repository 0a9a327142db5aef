"""Disbursements: reservation, restricted-first split, approval by someone else, pay, reject."""

from __future__ import annotations

import datetime as dt

import pytest

from sangsaeng.funds import services
from sangsaeng.funds.models import DisbursementStatus, LegSource
from sangsaeng.funds.tests.conftest import new_key
from sangsaeng.funds.tests.helpers import (
    allocate,
    contribute,
    ledger_counts,
    normal,
    paid,
    request,
)
from sangsaeng.ledger.models import PendingStatus, Transaction
from sangsaeng.ledger.queries import transactions_for
from sangsaeng.lib.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(operator, fund, escrow, sharing):
    """기술임치: 300 restricted + 500 budget; pool 1,000 left."""
    contribute(operator, fund, 300, use=escrow)
    contribute(operator, fund, 1_500)
    allocate(operator, fund, escrow, 500)
    return fund


def test_request_reserves_restricted_first(operator, funded, escrow, company_a):
    d = request(operator, funded, escrow, company_a, 700)
    legs = {leg.source: leg for leg in d.legs.all()}
    assert legs[LegSource.RESTRICTED].amount == 300
    assert legs[LegSource.BUDGET].amount == 400
    assert normal(escrow.restricted_account) == (300, 300)
    assert normal(escrow.budget_account) == (500, 400)
    assert normal(funded.cash_account) == (1_800, 700)
    assert d.status == DisbursementStatus.REQUESTED


def test_small_request_draws_on_one_account(operator, funded, escrow, company_a):
    d = request(operator, funded, escrow, company_a, 200)
    assert [(leg.source, leg.amount) for leg in d.legs.all()] == [(LegSource.RESTRICTED, 200)]


def test_full_flow(operator, manager, funded, escrow, company_a):
    d = request(operator, funded, escrow, company_a, 700)
    d = services.disbursement_approve(actor=manager, disbursement=d, idempotency_key=new_key())
    assert d.status == DisbursementStatus.APPROVED
    assert d.approved_by == manager
    d = services.disbursement_pay(
        actor=operator, disbursement=d, paid_on=dt.date(2025, 9, 2), idempotency_key=new_key()
    )
    assert d.status == DisbursementStatus.PAID
    assert normal(escrow.restricted_account) == (0, 0)
    assert normal(escrow.budget_account) == (100, 0)
    assert normal(funded.cash_account) == (1_100, 0)
    kinds = set(transactions_for(d).values_list("kind", flat=True))
    assert kinds == {"funds.disbursement"}
    assert all(leg.pending.status == PendingStatus.POSTED for leg in d.legs.all())


def test_more_than_the_use_holds_is_refused(operator, funded, escrow, company_a):
    before = ledger_counts()
    with pytest.raises(DomainError) as exc:
        request(operator, funded, escrow, company_a, 801)
    # The pool could cover it: the message says to allocate first.
    assert exc.value.code == "insufficient_balance"
    assert "배정하세요" in exc.value.message
    with pytest.raises(DomainError) as exc:
        request(operator, funded, escrow, company_a, 10_000)
    assert exc.value.code == "insufficient_balance"
    assert ledger_counts() == before


def test_restricted_money_cannot_be_spent_on_another_use(
    operator, fund, escrow, sharing, company_a
):
    contribute(operator, fund, 1_000_000, use=escrow)
    before = ledger_counts()
    with pytest.raises(DomainError) as exc:
        request(operator, fund, sharing, company_a, 500_000)
    assert exc.value.code == "restricted_to_other_use"
    assert ledger_counts() == before
    assert normal(escrow.restricted_account) == (1_000_000, 0)


def test_reservations_count_against_later_requests(operator, funded, escrow, company_a):
    request(operator, funded, escrow, company_a, 700)
    with pytest.raises(DomainError) as exc:
        request(operator, funded, escrow, company_a, 101)
    assert exc.value.code == "insufficient_balance"
    request(operator, funded, escrow, company_a, 100)


def test_requester_cannot_approve(operator, funded, escrow, company_a):
    d = request(operator, funded, escrow, company_a, 100)
    with pytest.raises(DomainError) as exc:
        services.disbursement_approve(actor=operator, disbursement=d, idempotency_key=new_key())
    assert exc.value.code == "self_approval"
    assert exc.value.status == 403


def test_self_approval_setting(operator, funded, escrow, company_a, settings):
    settings.FUNDS_ALLOW_SELF_APPROVAL = True
    d = request(operator, funded, escrow, company_a, 100)
    d = services.disbursement_approve(actor=operator, disbursement=d, idempotency_key=new_key())
    assert d.status == DisbursementStatus.APPROVED


@pytest.mark.parametrize("who", ["auditor", "consultant", "partner_a"])
def test_readers_and_partners_cannot_act(
    request, who, operator, manager, funded, escrow, company_a
):
    user = request.getfixturevalue(who)
    with pytest.raises(DomainError) as exc:
        services.disbursement_request(
            actor=user,
            fund=funded,
            use=escrow,
            partner=company_a,
            amount=1,
            purpose="x",
            idempotency_key=new_key(),
        )
    assert exc.value.code == "forbidden"
    from sangsaeng.funds.tests.helpers import request as make_request

    d = make_request(operator, funded, escrow, company_a, 100)
    for call in (
        lambda: services.disbursement_approve(actor=user, disbursement=d, idempotency_key="k"),
        lambda: services.disbursement_reject(
            actor=user, disbursement=d, reason="x", idempotency_key="k"
        ),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == "forbidden"
    services.disbursement_approve(actor=manager, disbursement=d, idempotency_key="k")
    with pytest.raises(DomainError) as exc:
        services.disbursement_pay(
            actor=user, disbursement=d, paid_on=dt.date(2025, 9, 2), idempotency_key="k"
        )
    assert exc.value.code == "forbidden"


def test_pay_needs_approval(operator, funded, escrow, company_a):
    d = request(operator, funded, escrow, company_a, 100)
    before = ledger_counts()
    with pytest.raises(DomainError) as exc:
        services.disbursement_pay(
            actor=operator, disbursement=d, paid_on=dt.date(2025, 9, 2), idempotency_key="k"
        )
    assert exc.value.code == "not_approved"
    assert ledger_counts() == before


def test_pay_is_idempotent(operator, manager, funded, escrow, company_a):
    d = request(operator, funded, escrow, company_a, 100)
    services.disbursement_approve(actor=manager, disbursement=d, idempotency_key="a")
    first = services.disbursement_pay(
        actor=operator, disbursement=d, paid_on=dt.date(2025, 9, 2), idempotency_key="p"
    )
    count = Transaction.objects.count()
    again = services.disbursement_pay(
        actor=operator, disbursement=d, paid_on=dt.date(2025, 9, 2), idempotency_key="p"
    )
    assert again.pk == first.pk
    assert Transaction.objects.count() == count
    with pytest.raises(DomainError) as exc:
        services.disbursement_pay(
            actor=operator, disbursement=d, paid_on=dt.date(2025, 9, 2), idempotency_key="q"
        )
    assert exc.value.code == "invalid_state"
    assert normal(escrow.restricted_account) == (200, 0)


def test_approve_retry_and_double_approve(operator, manager, funded, escrow, company_a):
    d = request(operator, funded, escrow, company_a, 100)
    services.disbursement_approve(actor=manager, disbursement=d, idempotency_key="a")
    services.disbursement_approve(actor=manager, disbursement=d, idempotency_key="a")
    with pytest.raises(DomainError) as exc:
        services.disbursement_approve(actor=manager, disbursement=d, idempotency_key="b")
    assert exc.value.code == "invalid_state"


def test_reject_releases_the_reservation(operator, manager, funded, escrow, company_a):
    d = request(operator, funded, escrow, company_a, 700)
    services.disbursement_approve(actor=manager, disbursement=d, idempotency_key="a")
    with pytest.raises(DomainError) as exc:
        services.disbursement_reject(actor=manager, disbursement=d, reason=" ", idempotency_key="r")
    assert exc.value.code == "required"
    d = services.disbursement_reject(
        actor=manager, disbursement=d, reason="증빙 부족", idempotency_key="r"
    )
    assert d.status == DisbursementStatus.REJECTED
    assert normal(escrow.restricted_account) == (300, 0)
    assert normal(escrow.budget_account) == (500, 0)
    assert all(leg.pending.status == PendingStatus.VOIDED for leg in d.legs.all())
    with pytest.raises(DomainError) as exc:
        services.disbursement_approve(actor=manager, disbursement=d, idempotency_key="b")
    assert exc.value.code == "invalid_state"


def test_paid_cannot_be_rejected(operator, manager, funded, escrow, company_a):
    d = paid(operator, manager, funded, escrow, company_a, 100)
    with pytest.raises(DomainError) as exc:
        services.disbursement_reject(actor=manager, disbursement=d, reason="x", idempotency_key="r")
    assert exc.value.code == "invalid_state"


def test_partner_checks(operator, funded, escrow, keis, company_a):
    with pytest.raises(DomainError) as exc:
        request(operator, funded, escrow, keis, 100)
    assert exc.value.code == "partner_is_owner"
    from sangsaeng.partners import services as partner_services

    partner_services.company_update(actor=operator, company=company_a, data={"is_active": False})
    company_a.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        request(operator, funded, escrow, company_a, 100)
    assert exc.value.code == "partner_inactive"


def test_purpose_required(operator, funded, escrow, company_a):
    with pytest.raises(DomainError) as exc:
        request(operator, funded, escrow, company_a, 100, purpose="")
    assert exc.value.code == "required"


@pytest.mark.parametrize("kind", ["bank", "large", "public", "university"])
def test_only_partner_companies_receive_money(operator, funded, escrow, kind):
    """QA: a disbursement to 우리은행 (a bank) was accepted. The fund pays partners (SMEs,
    mid-sized suppliers, merchants); a bank, a large enterprise (a buyer), a public
    institution or a university is refused, and nothing is reserved."""
    from sangsaeng.testing import factories

    company = factories.make_company(operator, name="우리은행", kind=kind)
    before = ledger_counts()
    with pytest.raises(DomainError) as exc:
        request(operator, funded, escrow, company, 100)
    assert exc.value.code == "recipient_not_partner"
    assert exc.value.field == "partner_id"
    assert "지급할 수 없습니다" in exc.value.message
    assert ledger_counts() == before


@pytest.mark.parametrize("kind", ["sme", "midsize", "micro"])
def test_partner_kinds_receive_money(operator, funded, escrow, kind):
    from sangsaeng.testing import factories

    company = factories.make_company(operator, kind=kind)
    assert request(operator, funded, escrow, company, 100).status == DisbursementStatus.REQUESTED
