"""Money in: contributions (출연·기부) by companies or people, restricted to a use or not."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from sangsaeng.accounts.models import User
from sangsaeng.funds.models import KIND_CONTRIBUTION, Campaign, Contribution, Fund, FundUse
from sangsaeng.funds.services._common import (
    audit_create,
    ledger_key,
    post,
    replay,
    require_runner,
    same_fund,
)
from sangsaeng.funds.validation import clean_amount, clean_date, clean_text, raise_if
from sangsaeng.ledger.services import legs
from sangsaeng.lib.errors import Conflict
from sangsaeng.locking import lock_fund
from sangsaeng.partners.models import Company
from sangsaeng.partners.validation import FieldError

CONTRIBUTION_FIELDS = (
    "fund",
    "donor_company",
    "donor_name",
    "contributed_on",
    "amount",
    "purpose",
    "use",
    "campaign",
    "idempotency_key",
)


def check_open(fund: Fund, use: FundUse | None = None) -> None:
    """New money goes only into an active fund and an active use (read fresh: the caller's
    objects may predate a deactivation)."""
    if not Fund.objects.filter(pk=fund.pk, is_active=True).exists():
        raise Conflict("fund_inactive", "운영을 마친 기금입니다.")
    if use is not None and not FundUse.objects.filter(pk=use.pk, is_active=True).exists():
        raise Conflict(
            "use_inactive", f"'{use.name}' 용도는 더 이상 쓰지 않습니다.", field="use_id"
        )


def _clean(
    fund: Fund,
    *,
    amount: int,
    contributed_on: dt.date | str,
    donor_company: Company | None,
    donor_name: str,
    purpose: str,
    use: FundUse | None,
    campaign: Campaign | None,
) -> tuple[int, dt.date, str, str]:
    errors: list[FieldError] = []
    cleaned: list = []
    for check in (
        lambda: clean_amount(amount),
        lambda: clean_date(contributed_on, "contributed_on"),
        lambda: clean_text(donor_name, "donor_name", max_length=200),
        lambda: clean_text(purpose, "purpose", max_length=300),
    ):
        try:
            cleaned.append(check())
        except FieldError as exc:
            errors.append(exc)
            cleaned.append(None)
    if donor_company is None and not cleaned[2]:
        errors.append(
            FieldError(
                "donor_required", "기부한 기업이나 사람의 이름을 입력하세요.", field="donor_name"
            )
        )
    for obj, field, label in ((use, "use_id", "용도"), (campaign, "campaign_id", "캠페인")):
        try:
            same_fund(fund, obj, field, label)
        except FieldError as exc:
            errors.append(exc)
    day = cleaned[1]
    if (
        campaign is not None
        and day is not None
        and (day < campaign.starts_on or (campaign.ends_on and day > campaign.ends_on))
    ):
        errors.append(
            FieldError(
                "date_outside_campaign",
                "캠페인 기간 밖의 날짜입니다.",
                field="contributed_on",
            )
        )
    raise_if(errors)
    return cleaned[0], cleaned[1], cleaned[2], cleaned[3]


def contribution_create(
    *,
    actor: User,
    fund: Fund,
    amount: int,
    contributed_on: dt.date | str,
    idempotency_key: str,
    donor_company: Company | None = None,
    donor_name: str = "",
    purpose: str = "",
    use: FundUse | None = None,
    campaign: Campaign | None = None,
    source: str = "web",
) -> Contribution:
    """Record a contribution: cash in, credited to the use it is restricted to, or to the
    unallocated pool. A retry with the same key returns the contribution already recorded."""
    require_runner(actor)
    key = ledger_key("contribution", actor, idempotency_key)
    amount, day, donor_name, purpose = _clean(
        fund,
        amount=amount,
        contributed_on=contributed_on,
        donor_company=donor_company,
        donor_name=donor_name,
        purpose=purpose,
        use=use,
        campaign=campaign,
    )
    wanted = (
        fund.pk,
        amount,
        day,
        donor_company.pk if donor_company else None,
        donor_name,
        purpose,
        use.pk if use else None,
        campaign.pk if campaign else None,
    )

    def same(c: Contribution) -> bool:
        have = (
            c.fund_id,
            c.amount,
            c.contributed_on,
            c.donor_company_id,
            c.donor_name,
            c.purpose,
            c.use_id,
            c.campaign_id,
        )
        return have == wanted

    with transaction.atomic():
        lock_fund(fund)
        found = replay(Contribution, key, same)
        if found is not None:
            return found
        check_open(fund, use)
        contribution = Contribution(
            fund=fund,
            donor_company=donor_company,
            donor_name=donor_name,
            contributed_on=day,
            amount=amount,
            purpose=purpose,
            use=use,
            campaign=campaign,
            idempotency_key=key,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                contribution.save()
        except IntegrityError:
            found = replay(Contribution, key, same)
            if found is None:
                raise
            return found
        credit = use.restricted_account if use else fund.pool_account
        contribution.transaction = post(
            key=key,
            kind=KIND_CONTRIBUTION,
            postings=legs(debit=fund.cash_account, credit=credit, amount=amount),
            day=day,
            memo=f"출연: {contribution.donor_display}" + (f" ({use.name} 지정)" if use else ""),
            actor=actor,
            source=contribution,
        )
        contribution.save(update_fields=["transaction"])
        audit_create(actor, contribution, CONTRIBUTION_FIELDS, source)
    return contribution
