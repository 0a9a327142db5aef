"""Fixtures for the fund tests: KEIS's fund (seed 004) with its two uses, and a few partners."""

from __future__ import annotations

import itertools

import pytest

from sangsaeng.accounts.models import User
from sangsaeng.funds import services
from sangsaeng.funds.models import Fund, FundUse, UseKind
from sangsaeng.partners.models import Company
from sangsaeng.testing import factories

_keys = itertools.count(1)


def new_key() -> str:
    return f"test-{next(_keys)}"


@pytest.fixture
def keis(operator: User) -> Company:
    return factories.make_company(operator, name="한국고용정보원", kind="public")


@pytest.fixture
def fund(operator: User, keis: Company) -> Fund:
    return services.fund_create(
        actor=operator, owner=keis, name="KEIS 상생협력기금", code="keis", source="test"
    )


@pytest.fixture
def escrow(operator: User, fund: Fund) -> FundUse:
    return services.use_create(
        actor=operator, fund=fund, name="기술임치 수수료 지원", kind=UseKind.TECH_ESCROW
    )


@pytest.fixture
def sharing(operator: User, fund: Fund) -> FundUse:
    return services.use_create(
        actor=operator, fund=fund, name="성과공유기금", kind=UseKind.BENEFIT_SHARING
    )
