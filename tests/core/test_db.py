"""core.db.PkReader: a queryset's statement composed once, run per key, rows built as the ORM builds them."""

import threading
from datetime import datetime

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from bookings.models import Resource
from core.db import PkReader
from tests.bookings.factories import policy, room

pytestmark = pytest.mark.django_db


def test_a_read_builds_the_row_and_its_related_rows_as_the_queryset_does():
    # given
    resource = room(policy(plans=["membership"], requires_approval=True))
    reader = PkReader(Resource.objects.select_related("campus", "policy"))
    expected = Resource.objects.select_related("campus", "policy").get(pk=resource.pk)
    # when
    with CaptureQueriesContext(connection) as ctx:
        got = reader.get(resource.pk)
        campus, pol = got.campus, got.policy
    # then: one statement; the related rows came with it
    assert len(ctx.captured_queries) == 1
    assert got == expected
    for field in Resource._meta.concrete_fields:
        assert getattr(got, field.attname) == getattr(expected, field.attname), field.name
    assert got._state.adding is False
    assert got._state.db == "default"
    # the backend's converters ran: booleans, JSON and aware datetimes as the ORM gives them
    assert got.is_active is True
    assert pol.requires_approval is True
    assert pol.plans == ["membership"]
    assert isinstance(campus.created_at, datetime)
    assert campus.created_at.tzinfo is not None
    assert (campus.pk, campus.time_zone) == (expected.campus.pk, expected.campus.time_zone)


def test_the_statement_is_composed_once(mocker):
    # given
    first, second = room(), room()
    reader = PkReader(Resource.objects.select_related("campus", "policy"))
    reader.get(first.pk)
    compose = mocker.spy(SQLCompiler, "as_sql")
    # when
    got = [reader.get(first.pk), reader.get(second.pk), reader.get(first.pk)]
    # then
    assert [r.pk for r in got] == [first.pk, second.pk, first.pk]
    assert compose.call_count == 0


@pytest.mark.parametrize("key", [0, -1, 2**31, 2**63, 2**80, "999999"])
def test_a_key_with_no_row_or_out_of_range_reads_as_none(key):
    room()
    assert PkReader(Resource.objects.all()).get(key) is None


@pytest.mark.parametrize(("key", "error"), [("abc", ValueError), ("1.5", ValueError), (True, TypeError)])
def test_a_value_that_is_no_key_raises_as_filter_does(key, error):
    room()
    with pytest.raises(error):
        PkReader(Resource.objects.all()).get(key)


def test_a_key_given_as_text_reads_the_row():
    resource = room()
    assert PkReader(Resource.objects.all()).get(str(resource.pk)) == resource


def test_a_filter_of_the_queryset_still_applies():
    resource = room()
    Resource.objects.filter(pk=resource.pk).update(is_active=False)
    assert PkReader(Resource.objects.filter(is_active=True)).get(resource.pk) is None
    assert PkReader(Resource.objects.filter(is_active=False)).get(resource.pk) == resource


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_thread_reads_with_its_own_connection():
    # given: a reader that has composed its statement in this thread
    resource = room()
    reader = PkReader(Resource.objects.select_related("campus", "policy"))
    assert reader.get(resource.pk) == resource
    seen = {}

    def other() -> None:
        try:
            got = reader.get(resource.pk)
            seen["row"] = (got.pk, got.campus.pk, got.policy.pk)
            seen["same connection"] = connection.connection is main_connection
        finally:
            connection.close()

    main_connection = connection.connection
    # when
    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    # then
    assert seen == {"row": (resource.pk, resource.campus_id, resource.policy_id), "same connection": False}
