"""The synthetic generator: N valid companies, unique BRNs, tiered chains, no cycles."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from sangsaeng.accounts.models import User
from sangsaeng.demo import seeds, synthetic
from sangsaeng.lib import brn as brn_lib
from sangsaeng.lib import regions
from sangsaeng.partners import queries
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.partners.validation import COMPANY_CLEANERS, clean_company
from sangsaeng.testing import factories

N = 3_000


def assert_acyclic() -> None:
    """Kahn's algorithm over every link: all nodes drain only if there is no cycle."""
    below: dict[int, list[int]] = defaultdict(list)
    indegree: Counter[int] = Counter()
    nodes: set[int] = set()
    for buyer, supplier in SupplyLink.objects.values_list("buyer_id", "supplier_id"):
        below[buyer].append(supplier)
        indegree[supplier] += 1
        nodes.update((buyer, supplier))
    ready = [n for n in nodes if indegree[n] == 0]
    drained = 0
    while ready:
        node = ready.pop()
        drained += 1
        for nxt in below[node]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    assert drained == len(nodes), "the supply graph has a cycle"


@pytest.mark.django_db
class TestGenerate:
    def test_makes_n_valid_companies_with_unique_brns(self) -> None:
        result = synthetic.generate_companies(N, seed=7)
        assert result.created == N and result.skipped == 0
        assert Company.objects.count() == N
        brns = list(Company.objects.values_list("brn", flat=True))
        assert len(set(brns)) == N
        assert all(brn_lib.is_valid(b) for b in brns)
        fields = [f for f in COMPANY_CLEANERS if f != "tags"]
        for row in Company.objects.values(*fields)[:500]:
            clean_company(row)  # raises if any value breaks the registry's rules

    def test_realistic_mix(self) -> None:
        synthetic.generate_companies(N, seed=7)
        kinds = Counter(Company.objects.values_list("kind", flat=True))
        assert kinds["sme"] + kinds["micro"] > 0.8 * N
        assert kinds["midsize"] > 0 and kinds["large"] > 0
        assert set(Company.objects.values_list("region", flat=True)) == set(regions.LABELS)
        names = list(Company.objects.values_list("name", flat=True)[:200])
        assert any("(주)" in n for n in names)
        assert all(any("가" <= ch <= "힣" for ch in n) for n in names)
        micro = Company.objects.filter(kind="micro")
        assert micro.filter(employees__gte=10).count() == 0
        assert Company.objects.filter(kind="sme", employees__gte=300).count() == 0

    def test_tiered_acyclic_chains_under_each_anchor(self) -> None:
        result = synthetic.generate_companies(N, seed=7)
        assert len(result.anchor_ids) == synthetic.default_anchor_count(N)
        assert result.links == SupplyLink.objects.count() > 0
        assert_acyclic()
        for anchor in result.anchor_ids:
            tiers = queries.tiers_from(anchor)
            assert set(tiers.values()) == {1, 2, 3, 4}
            assert 0.01 * N * 0.9 <= len(tiers) <= 0.03 * N * 1.5 + 10
            counts = Counter(tiers.values())
            assert counts[1] < counts[4]  # few direct suppliers, many small ones below

    def test_deterministic_and_idempotent(self) -> None:
        first = synthetic.generate_companies(500, seed=11)
        brns = set(Company.objects.values_list("brn", flat=True))
        again = synthetic.generate_companies(500, seed=11)
        assert again.created == 0 and again.links == 0 and again.skipped == 500
        assert Company.objects.count() == 500
        more = synthetic.generate_companies(800, seed=11)
        assert more.created == 300 and Company.objects.count() == 800
        assert brns <= set(Company.objects.values_list("brn", flat=True))
        assert first.links > 0
        assert_acyclic()

    def test_with_seeds_and_extra_anchors(self) -> None:
        seeds.load(logins=False)
        ls = Company.objects.get(brn=seeds.brn_of("ls-electric"))
        before = queries.tiers_from(ls.pk)
        result = synthetic.generate_companies(1_000, seed=3, extra_anchors=[ls])
        assert result.created == 1_000
        assert Company.objects.count() == len(seeds.ORGS) + 1_000
        assert ls.pk in result.anchor_ids
        after = queries.tiers_from(ls.pk)
        assert len(after) > len(before)
        assert all(after[pk] == tier for pk, tier in before.items())  # seed tiers unchanged
        assert_acyclic()

    def test_skips_brns_already_registered(self, operator: User) -> None:
        taken = synthetic.plan_rows(50, seed=5)[1][10].company.brn
        factories.make_company(operator, brn=taken)
        result = synthetic.generate_companies(50, seed=5)
        assert result.skipped == 1 and result.created == 49
        assert Company.objects.filter(brn=taken).count() == 1

    def test_zero(self) -> None:
        result = synthetic.generate_companies(0)
        assert result.created == 0 and result.links == 0
