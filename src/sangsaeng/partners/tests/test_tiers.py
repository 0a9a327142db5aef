"""Tier derivation from the supply graph, and cycle refusal."""

import datetime as dt

import pytest

from sangsaeng.lib.errors import Conflict
from sangsaeng.partners import queries
from sangsaeng.partners.queries import CompanyFilters, company_search
from sangsaeng.testing.factories import link, make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(operator):
    """anchor → t1a, t1b; t1a → t2; t1b → t2 (shared); t2 → t3; anchor → t3 directly too."""
    c = {name: make_company(operator, name=name) for name in ["앵커", "t1a", "t1b", "t2", "t3"]}
    link(c["앵커"], c["t1a"])
    link(c["앵커"], c["t1b"])
    link(c["t1a"], c["t2"])
    link(c["t1b"], c["t2"])
    link(c["t2"], c["t3"])
    return c


def test_tier_is_the_shortest_path(chain):
    tiers = queries.tiers_from(chain["앵커"].pk)
    assert tiers == {
        chain["t1a"].pk: 1,
        chain["t1b"].pk: 1,
        chain["t2"].pk: 2,
        chain["t3"].pk: 3,
    }
    link(chain["앵커"], chain["t3"])
    assert queries.tier_of(chain["t3"].pk, chain["앵커"].pk) == 1


def test_tier_relative_to_another_anchor(chain):
    assert queries.tier_of(chain["t3"].pk, chain["t1a"].pk) == 2
    assert queries.tier_of(chain["t1b"].pk, chain["t1a"].pk) is None
    assert queries.tier_of(chain["앵커"].pk, chain["앵커"].pk) == 0


def test_ended_and_future_links_do_not_count(operator):
    anchor, old, new = (make_company(operator) for _ in range(3))
    link(anchor, old, start_date="2015-01-01", end_date="2019-12-31")
    link(anchor, new, start_date="2030-01-01")
    assert queries.tiers_from(anchor.pk) == {}
    assert queries.tiers_from(anchor.pk, as_of=dt.date(2018, 6, 1)) == {old.pk: 1}
    assert queries.tiers_from(anchor.pk, as_of=dt.date(2030, 1, 1)) == {new.pk: 1}


def test_upstream_walk(chain):
    up = queries.tiers_from(chain["t3"].pk, direction="up")
    assert up == {chain["t2"].pk: 1, chain["t1a"].pk: 2, chain["t1b"].pk: 2, chain["앵커"].pk: 3}


def test_cycle_is_refused_with_a_clear_error(chain):
    with pytest.raises(Conflict) as err:
        link(chain["t3"], chain["앵커"])
    assert err.value.code == "supply_cycle"
    assert "순환" in err.value.message
    with pytest.raises(Conflict) as err:
        link(chain["t2"], chain["t1a"])
    assert err.value.code == "supply_cycle"


def test_self_link_and_duplicate_refused(chain):
    with pytest.raises(Conflict) as err:
        link(chain["t2"], chain["t2"])
    assert err.value.code == "supply_self"
    with pytest.raises(Conflict) as err:
        link(chain["앵커"], chain["t1a"])
    assert err.value.code == "supply_link_exists"


def test_search_by_tier(chain, operator):
    found = company_search(operator, CompanyFilters(anchor=chain["앵커"].pk, tier=2))
    assert list(found) == [chain["t2"]]
    everyone_below = company_search(operator, CompanyFilters(anchor=chain["앵커"].pk))
    assert set(everyone_below) == {chain[k] for k in ["t1a", "t1b", "t2", "t3"]}


def test_supply_chain_lists_levels(chain):
    entries = queries.supply_chain(chain["앵커"], direction="down")
    assert [(e.company.name, e.level) for e in entries] == [
        ("t1a", 1),
        ("t1b", 1),
        ("t2", 2),
        ("t3", 3),
    ]
