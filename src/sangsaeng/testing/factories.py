"""Test and demo data builders. They go through the services, as real users do."""

from __future__ import annotations

import itertools
from typing import Any

from sangsaeng.accounts.models import Role, User
from sangsaeng.lib import brn as brn_lib
from sangsaeng.partners import services
from sangsaeng.partners.models import Company, SupplyLink

_counter = itertools.count(1)


def next_brn() -> str:
    """A fresh valid BRN: nine digits from a counter plus the check digit."""
    return brn_lib.complete(f"{500_000_000 + next(_counter):09d}")


def make_user(role: str = Role.OPERATOR, *, company: Company | None = None, **extra: Any) -> User:
    n = next(_counter)
    user = User.objects.create_user(
        username=extra.pop("username", f"{role}{n}"),
        password=extra.pop("password", "correct-horse-battery"),
        role=role,
        company=company,
        **extra,
    )
    return user


def system_operator() -> User:
    user, _ = User.objects.get_or_create(
        username="factory-operator", defaults={"role": Role.OPERATOR}
    )
    return user


def make_company(actor: User | None = None, **fields: Any) -> Company:
    n = next(_counter)
    data = {
        "name": f"테스트기업 {n}",
        "brn": next_brn(),
        "kind": "sme",
        "ksic_code": "29171",
        "region": "gyeonggi",
    }
    data.update(fields)
    return services.company_create(actor=actor or system_operator(), data=data, source="test")


def link(
    buyer: Company, supplier: Company, *, actor: User | None = None, **fields: Any
) -> SupplyLink:
    data = {"start_date": "2020-01-01"}
    data.update(fields)
    return services.supply_link_create(
        actor=actor or system_operator(), buyer=buyer, supplier=supplier, data=data, source="test"
    )
