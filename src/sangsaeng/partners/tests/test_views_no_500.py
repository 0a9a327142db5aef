"""No form post, query or upload of any shape to the registry pages gives a server error:
random field values (real ids and BRNs among them) and random small files, for the operator,
a manager and a partner user. A partner user never gets another company's edit page."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sangsaeng.accounts.models import Role
from sangsaeng.partners.io import COMPANY_COLUMNS, LINK_COLUMNS
from sangsaeng.testing import factories

pytestmark = pytest.mark.django_db

ROUTES = [
    "/partners/", "/partners/new/", "/partners/{id}/", "/partners/{id}/edit/",
    "/partners/{id}/links/", "/partners/{id}/links/{link}/delete/", "/partners/import/",
    "/partners/import/template/{kind}.{fmt}", "/partners/export/{kind}.{fmt}",
]  # fmt: skip
# The fields of the company, supply link, filter and import forms.
FIELDS = [
    "name", "name_en", "brn", "kind", "industry", "ksic_code", "region", "address",
    "founded_on", "employees", "annual_revenue", "tags", "is_active", "q", "anchor", "tier",
    "active", "page", "direction", "counterpart", "start_date", "end_date", "annual_volume",
    "dry_run",
]  # fmt: skip
COMPANIES = ["buyer", "t1", "t2", "stranger"]
REAL = [*COMPANIES, "link", "buyer_brn", "t1_brn", "t2_brn", "stranger_brn", "t1_digits"]
ROLES = ["operator", "operator", "manager", "partner"]
HEADERS = [c.label for c in (*COMPANY_COLUMNS, *LINK_COLUMNS)] + ["brn", "buyer", "x"]
texts = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.text(max_size=15),
    st.sampled_from(["", "0", "1", "2", "3", "on", "2024-01-01", "2030-12-31", "2024-02-30",
                     "0001-01-01", "9999-12-31",
                     "sme", "large", "bank", "public", "gyeonggi", "gyeongnam", "29", "29171",
                     "C29171", "30", "supplier", "buyer", "companies", "links", "123-45-67890",
                     "ACE CLUB", *REAL]),
    # What str.isdigit() and int() disagree on, and other near-numbers.
    st.sampled_from(["²", "١٢", "1\n", " 1 ", "-1", "1e3", "1.5"]),
)  # fmt: skip
# A plausible value for every field, so that many posts pass the form and reach the service.
PLAUSIBLE = {
    "name": "새기업", "brn": "fresh_brn", "kind": "sme", "industry": "29", "ksic_code": "29171",
    "region": "gyeonggi", "employees": "10", "annual_revenue": "1000000", "tags": "ACE CLUB",
    "is_active": "on", "direction": "supplier", "counterpart": "stranger_brn",
    "start_date": "2024-01-01", "annual_volume": "1000",
}  # fmt: skip


def _csv(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode("utf-8")


cells = st.one_of(texts, st.sampled_from(["중소기업", "경기도", "2024-01-01"]))
files = st.one_of(
    st.binary(max_size=200),
    st.just(b""),
    st.tuples(
        st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8),
        st.lists(st.lists(cells, max_size=8), max_size=4),
    ).map(lambda t: _csv([t[0], *t[1]])),
)
file_names = st.sampled_from(["a.csv", "a.CSV", "a.xlsx", "a.xls", "a.txt", "a", ".csv"])


@pytest.fixture
def world(operator, manager):
    """buyer → t1 → t2 in force, and a company linked to no one. Returns (users by role, ids
    and BRNs by name, the partner user's own company id)."""
    c = factories.make_company
    buyer, t1, t2, stranger = (
        c(operator, name="엘에스산전", kind="large"), c(operator, name="한길정밀"),
        c(operator, name="이차산업"), c(operator, name="남남상사"),
    )  # fmt: skip
    link = factories.link(buyer, t1)
    factories.link(t1, t2)
    users = {
        "operator": operator,
        "manager": manager,
        "partner": factories.make_user(Role.PARTNER, company=t1),
    }
    companies = dict(zip(COMPANIES, (buyer, t1, t2, stranger), strict=True))
    seeded = {name: str(company.pk) for name, company in companies.items()}
    seeded |= {f"{name}_brn": company.brn_display for name, company in companies.items()}
    seeded["link"] = str(link.pk)
    seeded["t1_digits"] = t1.brn
    return users, seeded, t1.pk


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["get", "post", "post"]),
    route=st.sampled_from(ROUTES),
    obj_id=st.sampled_from([*COMPANIES, *COMPANIES, *REAL, "0", "99999", "9" * 20]),
    link_id=st.sampled_from(["link", "link", "t1", "0", "9" * 20]),
    kind=st.sampled_from(["companies", "links"]),
    fmt=st.sampled_from(["xlsx", "csv"]),
    base=st.one_of(
        st.just(set(PLAUSIBLE)), st.just(set()), st.sets(st.sampled_from(list(PLAUSIBLE)))
    ),
    data=st.dictionaries(st.sampled_from(FIELDS), texts, max_size=5),
    upload=st.one_of(st.none(), st.tuples(files, file_names)),
    role=st.sampled_from(ROLES),
)
def test_never_a_server_error(
    world, method, route, obj_id, link_id, kind, fmt, base, data, upload, role
):
    users, seeded, own = world
    seeded["fresh_brn"] = factories.next_brn()
    client = Client(raise_request_exception=False)
    client.force_login(users[role])
    path = route.format(
        id=seeded.get(obj_id, obj_id), link=seeded.get(link_id, link_id), kind=kind, fmt=fmt
    )
    values = {name: PLAUSIBLE[name] for name in base} | data
    form: dict[str, object] = {name: seeded.get(value, value) for name, value in values.items()}
    if upload is not None and method == "post":
        content, name = upload
        form["file"] = SimpleUploadedFile(name, content)
        form["kind"] = kind  # the import form's kind: companies or links
    response = getattr(client, method)(path, form)
    assert response.status_code < 500, (role, method, path, form)
    if role == "partner" and route.startswith("/partners/{id}/"):
        company = seeded.get(obj_id, obj_id)
        assert response.status_code != 200 or company == str(own), (method, path, form)


@pytest.mark.parametrize("path", ["/partners/", "/partners/export/companies.csv"])
@pytest.mark.parametrize("value", ["²", "١٢", "1²"])
def test_an_anchor_of_other_digits_is_ignored(operator, company_a, path, value):
    """An ``anchor`` filter of "²" was a 500: "²".isdigit() is true, but int("²") raises."""
    client = Client()
    client.force_login(operator)
    assert client.get(path, {"anchor": value}).status_code == 200
