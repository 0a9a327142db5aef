"""Contributions: where the money goes, the refusals, idempotency, campaigns."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sangsaeng.funds import queries
from sangsaeng.funds.models import Contribution
from sangsaeng.funds.tests.conftest import new_key
from sangsaeng.funds.tests.helpers import DAY, contribute, ledger_counts, normal
from sangsaeng.ledger.models import Transaction
from sangsaeng.lib.dates import today_kst
from sangsaeng.lib.errors import DomainError
from sangsaeng.partners.validation import FieldErrors

pytestmark = pytest.mark.django_db


def test_unrestricted_goes_to_the_pool(operator, fund):
    c = contribute(operator, fund, 2_500_000)
    assert normal(fund.pool_account) == (2_500_000, 0)
    assert normal(fund.cash_account) == (2_500_000, 0)
    tx = c.transaction
    assert tx is not None
    assert tx.kind == "funds.contribution"
    assert tx.idempotency_key == c.idempotency_key
    assert tx.idempotency_key.startswith(f"funds:contribution:{operator.pk}:")
    assert tx.occurred_at.date() == DAY
    assert sorted(tx.postings.values_list("amount", flat=True)) == [-2_500_000, 2_500_000]


def test_restricted_goes_to_the_use(operator, fund, escrow):
    contribute(operator, fund, 1_000_000, use=escrow)
    assert normal(escrow.restricted_account) == (1_000_000, 0)
    assert normal(escrow.budget_account) == (0, 0)
    assert normal(fund.pool_account) == (0, 0)


def test_company_donor(operator, fund, company_a):
    c = contribute(operator, fund, 100_000_000, donor_name="", donor_company=company_a)
    assert c.donor_display == company_a.name


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (0, "amount_not_positive"),
        (-5, "amount_not_positive"),
        (1.5, "amount_not_integer"),
        ("1000", "amount_not_integer"),
        (True, "amount_not_integer"),
        (10**16, "amount_too_large"),
    ],
)
def test_amount_must_be_positive_integer_won(operator, fund, amount, code):
    before = ledger_counts()
    with pytest.raises(DomainError) as exc:
        contribute(operator, fund, amount)
    assert exc.value.code == code
    assert exc.value.field == "amount"
    assert ledger_counts() == before
    assert not Contribution.objects.exists()


def test_refusals(operator, fund, escrow, keis):
    from sangsaeng.funds import services

    other = services.fund_create(actor=operator, owner=keis, name="다른 기금", code="other")
    foreign_use = services.use_create(actor=operator, fund=other, name="ESG", kind="esg")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"donor_name": ""}, "donor_required"),
        ({"contributed_on": today_kst() + dt.timedelta(days=1)}, "date_in_future"),
        ({"contributed_on": "2025-13-01"}, "date_invalid"),
        ({"use": foreign_use}, "use_id_not_in_fund"),
    ]
    for extra, code in cases:
        with pytest.raises(DomainError) as exc:
            contribute(operator, fund, 1000, **extra)
        assert exc.value.code == code, extra
    assert not Transaction.objects.filter(kind="funds.contribution").exists()


def test_several_field_errors_at_once(operator, fund):
    with pytest.raises(FieldErrors) as exc:
        contribute(operator, fund, 0, donor_name="")
    assert {e.code for e in exc.value.errors} == {"amount_not_positive", "donor_required"}


def test_retry_with_same_key_posts_once(operator, fund):
    key = new_key()
    first = contribute(operator, fund, 500_000, idempotency_key=key)
    again = contribute(operator, fund, 500_000, idempotency_key=key)
    assert again.pk == first.pk
    assert Transaction.objects.count() == 1
    assert normal(fund.pool_account) == (500_000, 0)


def test_same_key_other_content_is_refused(operator, fund):
    key = new_key()
    contribute(operator, fund, 500_000, idempotency_key=key)
    with pytest.raises(DomainError) as exc:
        contribute(operator, fund, 600_000, idempotency_key=key)
    assert exc.value.code == "idempotency_conflict"
    assert exc.value.status == 409
    assert normal(fund.pool_account) == (500_000, 0)


def test_keys_are_per_user(operator, manager, fund):
    contribute(operator, fund, 1000, idempotency_key="same")
    contribute(manager, fund, 1000, idempotency_key="same")
    assert Contribution.objects.count() == 2


@pytest.mark.parametrize("key", ["", "has space", "x" * 101, "키"])
def test_bad_keys(operator, fund, key):
    with pytest.raises(DomainError) as exc:
        contribute(operator, fund, 1000, idempotency_key=key)
    assert exc.value.code in {"idempotency_key_required", "idempotency_key_invalid"}


def test_campaign_running_total_and_dates(operator, fund):
    from sangsaeng.funds import services

    campaign = services.campaign_create(
        actor=operator,
        fund=fund,
        name="릴레이",
        starts_on=dt.date(2025, 5, 1),
        ends_on=dt.date(2025, 9, 30),
    )
    contribute(operator, fund, 3_200_000, campaign=campaign, contributed_on=dt.date(2025, 8, 1))
    contribute(operator, fund, 2_500_000, campaign=campaign, contributed_on=dt.date(2025, 5, 21))
    steps = queries.campaign_progress(campaign)
    assert [s.amount for s in steps] == [2_500_000, 3_200_000]
    assert [s.running_total for s in steps] == [2_500_000, 5_700_000]
    with pytest.raises(DomainError) as exc:
        contribute(operator, fund, 1, campaign=campaign, contributed_on=dt.date(2025, 10, 1))
    assert exc.value.code == "date_outside_campaign"


def test_use_of_another_fund_is_named_with_the_right_particle(operator, fund, keis):
    from sangsaeng.funds import services

    other = services.fund_create(actor=operator, owner=keis, name="다른 기금", code="other")
    foreign_use = services.use_create(actor=operator, fund=other, name="ESG", kind="esg")
    campaign = services.campaign_create(
        actor=operator, fund=other, name="릴레이", starts_on=dt.date(2025, 5, 1)
    )
    with pytest.raises(FieldErrors) as exc:
        contribute(operator, fund, 1000, use=foreign_use, campaign=campaign)
    messages = {e.code: e.message for e in exc.value.errors}
    assert messages["use_id_not_in_fund"] == "이 기금의 용도가 아닙니다."
    assert messages["campaign_id_not_in_fund"] == "이 기금의 캠페인이 아닙니다."
