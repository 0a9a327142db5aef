"""Setting a fund up: the fund with its ledger accounts, its uses, its campaigns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from sangsaeng.accounts.audit import snapshot
from sangsaeng.accounts.models import User
from sangsaeng.funds.models import (
    PURPOSE_BUDGET,
    PURPOSE_CASH,
    PURPOSE_POOL,
    PURPOSE_RESTRICTED,
    Campaign,
    Fund,
    FundUse,
    UseKind,
)
from sangsaeng.funds.services._common import audit_change, audit_create, require_runner
from sangsaeng.funds.validation import (
    clean_amount,
    clean_code,
    clean_text,
    in_range,
    raise_if,
)
from sangsaeng.ledger import services as ledger
from sangsaeng.ledger.models import NormalSide
from sangsaeng.lib.errors import Conflict
from sangsaeng.locking import lock_fund_use
from sangsaeng.partners.models import Company
from sangsaeng.partners.validation import FieldError

FUND_FIELDS = ("owner", "name", "code", "description", "is_active")
USE_FIELDS = ("fund", "code", "name", "kind", "description", "is_active")
CAMPAIGN_FIELDS = ("fund", "name", "description", "starts_on", "ends_on", "target_amount")


def _taken(code: str, field: str, message: str) -> Conflict:
    return Conflict(code, message, field=field)


def fund_create(
    *,
    actor: User,
    owner: Company,
    name: str,
    code: str,
    description: str = "",
    source: str = "web",
) -> Fund:
    """Create a fund of ``owner`` with its cash and unallocated-pool ledger accounts."""
    require_runner(actor)
    errors = []
    try:
        name = clean_text(name, "name", max_length=200, required=True)
    except FieldError as exc:
        errors.append(exc)
    try:
        code = clean_code(code)
    except FieldError as exc:
        errors.append(exc)
    try:
        description = clean_text(description, "description", max_length=5000)
    except FieldError as exc:
        errors.append(exc)
    raise_if(errors)
    taken = _taken("fund_code_taken", "code", "이미 쓰이는 기금 코드입니다.")
    with transaction.atomic():
        if Fund.objects.filter(code=code).exists():
            raise taken
        cash = ledger.account_open(
            code=f"funds.{code}.cash",
            name=f"{name} 현금",
            purpose=PURPOSE_CASH,
            normal_side=NormalSide.DEBIT,
            owner=owner,
            actor=actor,
        )
        pool = ledger.account_open(
            code=f"funds.{code}.pool",
            name=f"{name} 미배정 재원",
            purpose=PURPOSE_POOL,
            normal_side=NormalSide.CREDIT,
            owner=owner,
            actor=actor,
        )
        fund = Fund(
            owner=owner,
            name=name,
            code=code,
            description=description,
            cash_account=cash,
            pool_account=pool,
            created_by=actor,
        )
        try:
            with transaction.atomic():
                fund.save()
        except IntegrityError as exc:  # created concurrently under the same code
            raise taken from exc
        audit_create(actor, fund, FUND_FIELDS, source)
    return fund


def _use_code(fund: Fund, kind: str) -> str:
    """A free code for a new use: its kind (``tech-escrow``), then ``tech-escrow-2``..."""
    base = kind.replace("_", "-")
    taken = set(FundUse.objects.filter(fund=fund).values_list("code", flat=True))
    n, code = 1, base
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


def use_create(
    *,
    actor: User,
    fund: Fund,
    name: str,
    kind: str,
    code: str = "",
    description: str = "",
    source: str = "web",
) -> FundUse:
    """Add a use to ``fund`` with its restricted-donations and allocated-budget accounts."""
    require_runner(actor)
    errors = []
    try:
        name = clean_text(name, "name", max_length=200, required=True)
    except FieldError as exc:
        errors.append(exc)
    if kind not in UseKind.values:
        errors.append(FieldError("kind_invalid", "용도 종류를 선택하세요.", field="kind"))
    try:
        description = clean_text(description, "description", max_length=5000)
    except FieldError as exc:
        errors.append(exc)
    if code:
        try:
            code = clean_code(code)
        except FieldError as exc:
            errors.append(exc)
    raise_if(errors)
    with transaction.atomic():
        code = code or _use_code(fund, kind)
        if FundUse.objects.filter(fund=fund, code=code).exists():
            raise _taken("use_code_taken", "code", "이 기금에 이미 있는 용도 코드입니다.")
        if FundUse.objects.filter(fund=fund, name=name).exists():
            raise _taken("use_name_taken", "name", "이 기금에 이미 있는 용도 이름입니다.")
        prefix = f"funds.{fund.code}.{code}"
        use = FundUse(
            fund=fund,
            code=code,
            name=name,
            kind=kind,
            description=description,
            restricted_account=ledger.account_open(
                code=f"{prefix}.restricted",
                name=f"{name} 지정 기부금",
                purpose=PURPOSE_RESTRICTED,
                normal_side=NormalSide.CREDIT,
                owner=fund.owner,
                actor=actor,
            ),
            budget_account=ledger.account_open(
                code=f"{prefix}.budget",
                name=f"{name} 배정 예산",
                purpose=PURPOSE_BUDGET,
                normal_side=NormalSide.CREDIT,
                owner=fund.owner,
                actor=actor,
            ),
        )
        try:
            with transaction.atomic():
                use.save()
        except IntegrityError as exc:
            raise _taken("use_code_taken", "code", "이 기금에 이미 있는 용도입니다.") from exc
        audit_create(actor, use, USE_FIELDS, source)
    return use


def use_update(*, actor: User, use: FundUse, data: dict[str, Any], source: str = "web") -> FundUse:
    """Rename a use, change its description, or (de)activate it. An inactive use takes no new
    contributions, allocations or disbursement requests; its money stays where it is."""
    require_runner(actor)
    cleaned: dict[str, Any] = {}
    if "name" in data:
        cleaned["name"] = clean_text(data["name"], "name", max_length=200, required=True)
    if "description" in data:
        cleaned["description"] = clean_text(data["description"], "description", max_length=5000)
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    with transaction.atomic():
        use = lock_fund_use(use.pk)
        if (
            "name" in cleaned
            and FundUse.objects.filter(fund_id=use.fund_id, name=cleaned["name"])
            .exclude(pk=use.pk)
            .exists()
        ):
            raise _taken("use_name_taken", "name", "이 기금에 이미 있는 용도 이름입니다.")
        before = snapshot(use, USE_FIELDS)
        for field, value in cleaned.items():
            setattr(use, field, value)
        use.save()
        audit_change(actor, use, before, USE_FIELDS, source)
    return use


def _campaign_fields(
    name: Any, starts_on: Any, ends_on: Any, target_amount: Any, description: Any
) -> dict[str, Any]:
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    checks = {
        "name": lambda: clean_text(name, "name", max_length=200, required=True),
        "description": lambda: clean_text(description, "description", max_length=5000),
        "starts_on": lambda: _plain_date(starts_on, "starts_on", required=True),
        "ends_on": lambda: _plain_date(ends_on, "ends_on", required=False),
        "target_amount": lambda: (
            None if target_amount in (None, "") else clean_amount(target_amount, "target_amount")
        ),
    }
    for field, check in checks.items():
        try:
            cleaned[field] = check()
        except FieldError as exc:
            errors.append(exc)
    start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
    if start and end and end < start:
        errors.append(
            FieldError("dates_out_of_order", "종료일이 시작일보다 빠릅니다.", field="ends_on")
        )
    raise_if(errors)
    return cleaned


def _plain_date(value: Any, field: str, *, required: bool) -> dt.date | None:
    """A campaign's dates may lie in the future (a relay planned to run to December)."""
    if value in (None, ""):
        if required:
            raise FieldError("required", "필수 항목입니다.", field=field)
        return None
    if isinstance(value, str):
        try:
            return in_range(dt.date.fromisoformat(value), field)
        except ValueError as exc:
            raise FieldError("date_invalid", "날짜 형식이 올바르지 않습니다.", field=field) from exc
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise FieldError("date_invalid", "날짜 형식이 올바르지 않습니다.", field=field)
    return in_range(value, field)


def campaign_create(
    *,
    actor: User,
    fund: Fund,
    name: str,
    starts_on: dt.date | str,
    ends_on: dt.date | str | None = None,
    target_amount: int | None = None,
    description: str = "",
    source: str = "web",
) -> Campaign:
    """Start a campaign (a relay of donations, a year-end drive) in ``fund``."""
    require_runner(actor)
    cleaned = _campaign_fields(name, starts_on, ends_on, target_amount, description)
    with transaction.atomic():
        if Campaign.objects.filter(fund=fund, name=cleaned["name"]).exists():
            raise _taken("campaign_name_taken", "name", "이 기금에 이미 있는 캠페인 이름입니다.")
        campaign = Campaign(fund=fund, **cleaned)
        try:
            with transaction.atomic():
                campaign.save()
        except IntegrityError as exc:
            raise _taken("campaign_name_taken", "name", "이미 있는 캠페인입니다.") from exc
        audit_create(actor, campaign, CAMPAIGN_FIELDS, source)
    return campaign
