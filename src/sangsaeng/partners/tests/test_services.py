"""Company services: validation, permissions and the audit trail."""

import pytest

from sangsaeng.accounts.models import AuditEntry
from sangsaeng.lib.errors import Conflict, PermissionDenied
from sangsaeng.partners import services
from sangsaeng.partners.models import Company, SupplyLink
from sangsaeng.partners.validation import FieldErrors
from sangsaeng.testing.factories import link, make_company, next_brn

pytestmark = pytest.mark.django_db


def base_data(**extra):
    data = {
        "name": "한길이에스티",
        "brn": next_brn(),
        "kind": "중소기업",
        "ksic_code": "C28111",
        "region": "경기도",
        "annual_revenue": "12,000,000,000",
        "tags": "ACE CLUB, 스마트공장",
    }
    data.update(extra)
    return data


def test_create_cleans_values_and_audits(operator):
    company = services.company_create(actor=operator, data=base_data())
    assert company.kind == "sme"
    assert company.region == "gyeonggi"
    assert company.ksic_code == "28111"
    assert company.annual_revenue == 12_000_000_000
    assert sorted(t.name for t in company.tags.all()) == ["ACE CLUB", "스마트공장"]
    entry = AuditEntry.objects.get(model="partners.company", object_id=str(company.pk))
    assert entry.action == "create"
    assert entry.actor == operator
    assert entry.changes["brn"] == [None, company.brn]


def test_bad_fields_are_all_reported(operator):
    with pytest.raises(FieldErrors) as err:
        services.company_create(
            actor=operator,
            data=base_data(brn="124-81-00997", region="화성", kind="거대기업", employees="-3"),
        )
    codes = {e.field: e.code for e in err.value.errors}
    assert codes == {
        "brn": "brn_checksum",
        "region": "invalid_region",
        "kind": "invalid_kind",
        "employees": "negative",
    }
    assert Company.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_duplicate_brn_refused(operator):
    data = base_data()
    services.company_create(actor=operator, data=data)
    with pytest.raises(FieldErrors) as err:
        services.company_create(actor=operator, data={**data, "name": "다른 이름"})
    assert err.value.errors[0].code == "brn_duplicate"


def test_update_records_only_changed_fields(operator, company_a):
    services.company_update(
        actor=operator, company=company_a, data={"employees": 42, "name": company_a.name}
    )
    entry = AuditEntry.objects.filter(action="update").get()
    assert entry.changes == {"employees": [None, 42]}
    # Saving the same values again leaves no empty audit entry.
    services.company_update(actor=operator, company=company_a, data={"employees": 42})
    assert AuditEntry.objects.filter(action="update").count() == 1


@pytest.mark.parametrize("role_fixture", ["auditor", "consultant"])
def test_read_only_roles_cannot_write(request, role_fixture, company_a):
    user = request.getfixturevalue(role_fixture)
    with pytest.raises(PermissionDenied):
        services.company_create(actor=user, data=base_data())
    with pytest.raises(PermissionDenied):
        services.company_update(actor=user, company=company_a, data={"employees": 1})
    with pytest.raises(PermissionDenied):
        services.company_delete(actor=user, company=company_a)


def test_partner_edits_only_its_own_profile(partner_a, company_a, company_b):
    services.company_update(actor=partner_a, company=company_a, data={"address": "경기도 안양시"})
    company_a.refresh_from_db()
    assert company_a.address == "경기도 안양시"
    with pytest.raises(PermissionDenied):
        services.company_update(actor=partner_a, company=company_b, data={"address": "x"})
    with pytest.raises(FieldErrors) as err:
        services.company_update(actor=partner_a, company=company_a, data={"brn": next_brn()})
    assert err.value.errors[0].code == "field_locked"
    with pytest.raises(PermissionDenied):
        services.company_create(actor=partner_a, data=base_data())


def test_a_partner_cannot_tag_itself_but_may_resend_its_tags(partner_a, operator, company_a):
    """Tags are the buyer's labels ("ACE CLUB" marks council membership): a partner user who
    sends other tags is refused and nothing changes; the same tags, in any order, pass."""
    services.company_update(actor=operator, company=company_a, data={"tags": "2차, 혁신허브"})
    with pytest.raises(FieldErrors) as err:
        services.company_update(actor=partner_a, company=company_a, data={"tags": ["ACE CLUB"]})
    assert [(e.code, e.field) for e in err.value.errors] == [("field_locked", "tags")]
    assert sorted(t.name for t in company_a.tags.all()) == ["2차", "혁신허브"]
    services.company_update(
        actor=partner_a, company=company_a, data={"tags": "혁신허브, 2차", "address": "안양"}
    )
    company_a.refresh_from_db()
    assert company_a.address == "안양"
    assert sorted(t.name for t in company_a.tags.all()) == ["2차", "혁신허브"]


def test_delete_refused_while_linked(operator):
    buyer, supplier = make_company(operator), make_company(operator)
    supply = link(buyer, supplier)
    with pytest.raises(Conflict) as err:
        services.company_delete(actor=operator, company=supplier)
    assert err.value.code == "company_in_use"
    services.supply_link_delete(actor=operator, link=supply)
    services.company_delete(actor=operator, company=supplier)
    assert not Company.objects.filter(pk=supplier.pk).exists()
    assert AuditEntry.objects.filter(action="delete").count() == 2


def test_link_dates_must_be_ordered(operator):
    buyer, supplier = make_company(operator), make_company(operator)
    with pytest.raises(FieldErrors) as err:
        link(buyer, supplier, start_date="2024-05-01", end_date="2024-01-01")
    assert err.value.errors[0].code == "end_before_start"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [("0001-01-01", None, "start_date"), ("2024-01-01", "9999-12-31", "end_date")],
)
def test_link_dates_keep_to_1900_2999(operator, start, end, field):
    buyer, supplier = make_company(operator), make_company(operator)
    with pytest.raises(FieldErrors) as err:
        link(buyer, supplier, start_date=start, end_date=end)
    assert [(e.code, e.field) for e in err.value.errors] == [("date_out_of_range", field)]
    assert not SupplyLink.objects.filter(buyer=buyer).exists()
