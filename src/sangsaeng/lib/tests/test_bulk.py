"""``lib.bulk``: ids drawn up front, instances without ``__init__``, rows inserted in one go."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from sangsaeng.accounts.models import AuditEntry
from sangsaeng.lib import bulk
from sangsaeng.partners.models import Company, Tag

pytestmark = pytest.mark.django_db


def test_allocate_many_draws_fresh_increasing_ids_per_table() -> None:
    Tag.objects.create(name="기존")
    last_tag = Tag.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with transaction.atomic():
        drawn = bulk.allocate_many({Tag: 3, Company: 2, AuditEntry: 0})
    assert drawn[AuditEntry] == []
    assert len(drawn[Tag]) == 3 and len(drawn[Company]) == 2
    for ids in (drawn[Tag], drawn[Company]):
        assert ids == sorted(set(ids))
    assert drawn[Tag][0] > last_tag
    with transaction.atomic():  # the contract: ids drawn are inserted in the same transaction
        again = bulk.allocate(Tag, 2)
        tags = [bulk.instance(Tag, {"id": pk, "name": f"태그 {pk}"}) for pk in again]
        bulk.insert_instances(Tag, tags)
    # Never handed out twice: after the first draw on PostgreSQL (a sequence), after the rows
    # inserted on SQLite (whose write lock keeps anyone else from inserting meanwhile).
    assert min(again) > (max(drawn[Tag]) if connection.vendor == "postgresql" else last_tag)
    with transaction.atomic():
        assert min(bulk.allocate(Tag, 1)) > max(again)
    assert set(Tag.objects.filter(pk__in=again).values_list("name", flat=True)) == {
        f"태그 {pk}" for pk in again
    }


def test_allocate_nothing_asks_nothing(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert bulk.allocate_many({Tag: 0}) == {Tag: []}


def test_allocate_many_is_one_round_trip_on_postgresql(django_assert_max_num_queries) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads each table's last id")
    bulk.sequence_of(Tag), bulk.sequence_of(Company)  # the names are read once per database
    with django_assert_max_num_queries(1):
        bulk.allocate_many({Tag: 5, Company: 5})


def test_sql_literal_quotes() -> None:
    assert bulk.sql_literal("public.x") == "'public.x'"
    assert bulk.sql_literal("a'b") == "'a''b'"


@given(st.text())
def test_copy_escape_escapes_exactly_the_four_specials(text: str) -> None:
    table = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
    assert bulk.copy_escape(text) == text.translate(table)


def test_insert_instances_writes_rows_as_given() -> None:
    """Text with COPY's special characters, NULLs, dates and JSON survive the round trip."""
    with transaction.atomic():
        pk = bulk.allocate(AuditEntry, 1)[0]
        entry = bulk.instance(
            AuditEntry,
            {
                "id": pk, "actor_id": None, "actor_name": "탭\t줄\n역\\슬래시",
                "action": "update", "model": "partners.company", "object_id": "7",
                "object_repr": "", "changes": {"이름": ["가", "나\t다"]}, "source": "import",
                "at": dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC),
            },
        )  # fmt: skip
        bulk.insert_instances(AuditEntry, [entry])
    assert entry._state.adding is False
    stored = AuditEntry.objects.get(pk=pk)
    assert stored.actor_name == "탭\t줄\n역\\슬래시"
    assert stored.actor_id is None
    assert stored.changes == {"이름": ["가", "나\t다"]}
    assert stored.at == dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
