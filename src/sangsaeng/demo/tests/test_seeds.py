"""The seed organisations: valid, loaded idempotently, with the tiers they were designed with."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from sangsaeng.accounts.models import AuditEntry, Role, User
from sangsaeng.demo import seeds
from sangsaeng.lib import brn as brn_lib
from sangsaeng.partners import queries
from sangsaeng.partners.models import Company, Contact, SupplyLink
from sangsaeng.partners.validation import clean_company


def ids() -> dict[str, int]:
    by_brn = dict(Company.objects.values_list("brn", "id"))
    return {org.key: by_brn[org.brn] for org in seeds.ORGS}


class TestDesign:
    """The data itself, before any database."""

    def test_brns_valid_and_unique(self) -> None:
        brns = [org.brn for org in seeds.ORGS]
        assert all(brn_lib.is_valid(b) for b in brns)
        assert len(set(brns)) == len(brns)
        assert len({org.key for org in seeds.ORGS}) == len(seeds.ORGS)

    def test_every_org_passes_the_registry_rules(self) -> None:
        for org in seeds.ORGS:
            clean_company(org.data())

    def test_links_refer_to_orgs_and_start_after_founding(self) -> None:
        for link in seeds.LINKS:
            for key in (link.buyer, link.supplier):
                founded = seeds.BY_KEY[key].founded
                assert founded is None or founded <= link.start, (link, key)
            assert link.end is None or link.end >= link.start
            assert link.volume > 0
        pairs = [(link.buyer, link.supplier) for link in seeds.LINKS]
        assert len(set(pairs)) == len(pairs)

    def test_the_programmes_are_all_there(self) -> None:
        tags = Counter(tag for org in seeds.ORGS for tag in org.tags)
        assert tags[seeds.ACE_CLUB] == 20
        assert tags[seeds.HUB] == 20
        assert tags[seeds.INNOVATION] == 20
        assert tags[seeds.DANGOL] >= 10
        assert tags[seeds.ESG] >= 10
        kinds = Counter(org.kind for org in seeds.ORGS)
        assert kinds["bank"] == 4
        assert {"large", "public", "university", "other", "sme", "micro", "midsize"} <= set(kinds)
        assert seeds.BY_KEY["hangil-est"].name.startswith("한길이에스티")
        assert seeds.BY_KEY["gyeongmin-tech"].name == "경민테크"

    def test_designed_tiers(self) -> None:
        ls = seeds.expected_tiers("ls-electric")
        assert ls["hangil-est"] == 1
        assert ls["silla-parts"] == 2  # through two council members
        assert ls["cheongwon-chem"] == 3
        assert "guil-electric" not in ls  # the link ended in 2019
        assert seeds.expected_tiers("ls-electric", dt.date(2015, 1, 1))["guil-electric"] == 1
        assert set(ls.values()) == {1, 2, 3}
        kowepo = seeds.expected_tiers("kowepo")
        assert kowepo["gyeongmin-tech"] == 2
        innovation = [o.key for o in seeds.ORGS if seeds.INNOVATION in o.tags]
        assert {kowepo[k] for k in innovation} == {2, 3}
        posco = seeds.expected_tiers("posco-gwangyang")
        hub = [o.key for o in seeds.ORGS if seeds.HUB in o.tags]
        assert sorted(Counter(posco[k] for k in hub).items()) == [(1, 12), (2, 8)]
        assert posco["gy-bolt"] == 3


@pytest.mark.django_db
class TestLoad:
    def test_loads_everything_through_the_services(self) -> None:
        result = seeds.load()
        assert result.companies_created == len(seeds.ORGS) == Company.objects.count()
        assert result.links_created == len(seeds.LINKS) == SupplyLink.objects.count()
        assert result.contacts_created == len(seeds.CONTACTS) == Contact.objects.count()
        audited = AuditEntry.objects.filter(source="demo", action="create")
        assert audited.filter(model="partners.company").count() == len(seeds.ORGS)
        assert audited.filter(model="partners.supplylink").count() == len(seeds.LINKS)
        assert set(audited.values_list("actor_name", flat=True)) == {seeds.OPERATOR_USERNAME}
        ace = Company.objects.filter(tags__name=seeds.ACE_CLUB)
        assert ace.count() == 20 and ace.filter(name__startswith="한길이에스티").exists()

    def test_loading_twice_does_not_duplicate(self) -> None:
        seeds.load()
        counts = (
            Company.objects.count(),
            SupplyLink.objects.count(),
            Contact.objects.count(),
            User.objects.count(),
            AuditEntry.objects.count(),
        )
        again = seeds.load()
        assert again.companies_created == again.links_created == again.contacts_created == 0
        assert again.companies_existing == len(seeds.ORGS)
        assert (
            Company.objects.count(),
            SupplyLink.objects.count(),
            Contact.objects.count(),
            User.objects.count(),
            AuditEntry.objects.count(),
        ) == counts

    def test_keeps_a_company_someone_already_registered(self, operator: User) -> None:
        from sangsaeng.testing import factories

        hangil = seeds.BY_KEY["hangil-est"]
        mine = factories.make_company(operator, name="한길 (직접 등록)", brn=hangil.brn)
        result = seeds.load()
        assert result.companies_existing == 1
        assert Company.objects.get(brn=hangil.brn).pk == mine.pk
        assert Company.objects.filter(brn=hangil.brn).count() == 1

    def test_tiers_in_the_database_match_the_design(self) -> None:
        seeds.load()
        key_of = {pk: key for key, pk in ids().items()}
        for anchor in seeds.ANCHOR_KEYS:
            found = queries.tiers_from(ids()[anchor])
            assert {key_of[pk]: tier for pk, tier in found.items()} == seeds.expected_tiers(
                anchor
            ), anchor

    def test_hangil_is_tier_one_of_ls_electric(self) -> None:
        seeds.load()
        key = ids()
        assert queries.tier_of(key["hangil-est"], key["ls-electric"]) == 1
        assert queries.tier_of(key["ochang-pcb"], key["ls-electric"]) == 2
        assert queries.tier_of(key["cheongwon-chem"], key["ls-electric"]) == 3
        assert queries.tier_of(key["guil-electric"], key["ls-electric"]) is None
        past = dt.date(2015, 1, 1)
        assert queries.tier_of(key["guil-electric"], key["ls-electric"], as_of=past) == 1
        assert queries.tier_of(key["gyeongmin-tech"], key["kowepo"]) == 2
        assert queries.tier_of(key["gwangyang-city"], key["posco-gwangyang"]) is None

    def test_no_cycles(self) -> None:
        seeds.load()
        key = ids()
        for link in seeds.LINKS:
            assert not queries.reaches(key[link.supplier], key[link.buyer])

    def test_demo_logins(self) -> None:
        seeds.load()
        for login in seeds.LOGINS:
            user = User.objects.get(username=login.username)
            assert user.role == login.role
            assert user.check_password(login.password)
            if login.org:
                assert user.company is not None and user.company.brn == seeds.brn_of(login.org)
        hangil = User.objects.get(username="hangil")
        assert hangil.role == Role.PARTNER and hangil.company is not None
        assert hangil.company.name.startswith("한길이에스티")

    def test_reload_resets_a_changed_demo_password(self) -> None:
        seeds.load()
        user = User.objects.get(username="operator")
        user.set_password("something-else-entirely")
        user.save()
        seeds.load()
        user.refresh_from_db()
        assert user.check_password("sangsaeng-operator")
