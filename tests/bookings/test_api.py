"""The bookings API: create (resource or pool), 409 on overlap, 400 with codes, scoped lists."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from bookings.models import Booking, ResourcePool
from bookings.services import bookings as services
from tests.bookings.factories import MONDAY, NOW, at, policy, room, tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _friday_before():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_booking(client, **body):  # type: ignore[no-untyped-def]
    body.setdefault("starts_at", at(MONDAY, 10).isoformat())
    body.setdefault("ends_at", at(MONDAY, 11).isoformat())
    return client.post(reverse("api:booking-list"), body, format="json")


def test_create_then_overlap_is_409_booking_overlap():
    resource = room()
    user, company = tenant()
    client = client_for(user)
    first = post_booking(client, resource=resource.pk, title="Pitch practice")
    assert first.status_code == 201, first.content
    assert first.json()["company"] == company.pk
    assert first.json()["status"] == "confirmed"
    second = post_booking(client, resource=resource.pk, starts_at=at(MONDAY, 10, 30).isoformat())
    assert second.status_code == 409
    assert second.json()["code"] == "booking_overlap"
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "resource_or_pool"),
        ({"resource": 999_999}, 400, "invalid"),
        ({"starts_at": "tomorrow"}, 400, "invalid"),
        ({"ends_at": at(MONDAY, 9).isoformat()}, 400, "invalid"),
        ({"starts_at": at(MONDAY, 10, 5).isoformat()}, 400, "off_grid"),
        ({"starts_at": at(MONDAY, 6).isoformat()}, 400, "outside_opening_hours"),
        ({"attendees": 500}, 400, "over_capacity"),
    ],
)
def test_bad_input_is_400_with_a_code_and_writes_nothing(body, status, code):
    resource = room()
    user, _ = tenant()
    if body != {}:
        body = {"resource": resource.pk, **body}
    response = post_booking(client_for(user), **body)
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["code"] == code or any(
        code in str(v) or code == "invalid" for v in payload.get("errors", {}).values()
    ), payload
    assert payload["detail"]
    assert not Booking.objects.exists()


def test_pool_booking_takes_a_free_member_then_409_pool_exhausted():
    pol = policy()
    members = [room(pol), room(pol)]
    pool = ResourcePool.objects.create(campus=members[0].campus, code="rooms", name="Rooms")
    pool.members.set(members)
    client = client_for(tenant()[0])
    assert post_booking(client, pool=pool.pk).status_code == 201
    assert post_booking(client, pool=pool.pk).status_code == 201
    third = post_booking(client, pool=pool.pk)
    assert (third.status_code, third.json()["code"]) == (409, "pool_exhausted")


def test_founders_see_only_their_company_bookings_and_the_list_runs_constant_queries():
    resource = room(policy(is_24x7=True))
    user, company = tenant()
    other, _ = tenant()
    colleague, _ = tenant(company=company, role="member")

    def make(n: int, who) -> None:  # type: ignore[no-untyped-def]
        start = at(MONDAY, 0) + timedelta(hours=Booking.objects.count() * 2)
        for i in range(n):
            services.booking_create(
                resource=resource,
                booked_by=who,
                starts_at=start + timedelta(hours=2 * i),
                ends_at=start + timedelta(hours=2 * i + 1),
            )

    make(3, user)
    make(2, other)
    client = client_for(colleague)

    def counted() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("api:booking-list"), {"page_size": 100})
        assert response.status_code == 200
        return response.json()["count"], len(ctx.captured_queries)

    count, few = counted()
    assert count == 3
    make(20, user)
    count, many = counted()
    assert count == 23
    assert few == many
    theirs = Booking.objects.filter(booked_by=other).first()
    assert client.get(reverse("api:booking-detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("api:booking-cancel", args=[theirs.pk]), {}).status_code == 404


def test_cancel_and_check_in_through_the_api():
    resource = room()
    user, _ = tenant()
    client = client_for(user)
    booking_id = post_booking(client, resource=resource.pk).json()["id"]
    with time_machine.travel(at(MONDAY, 9, 50), tick=False):
        checked = client.post(reverse("api:booking-check-in", args=[booking_id]))
    assert checked.status_code == 200
    assert (checked.json()["status"], checked.json()["checked_in_via"]) == ("checked_in", "api")
    again = client.post(
        reverse("api:booking-cancel", args=[booking_id]), {"reason": "too late"}, format="json"
    )
    assert (again.status_code, again.json()["code"]) == (400, "transition_not_allowed")


def test_only_staff_approve():
    resource = room(policy(requires_approval=True))
    user, _ = tenant()
    client = client_for(user)
    booking_id = post_booking(client, resource=resource.pk).json()["id"]
    assert client.post(reverse("api:booking-approve", args=[booking_id])).status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's")
def test_creating_a_booking_runs_a_fixed_short_list_of_statements():
    # given: the hot path of the booking benchmark (python -m bench, part a)
    resource = room()
    user, _ = tenant()
    client = client_for(user)
    post_booking(client, resource=resource.pk)  # warm: content types, calendar
    # when
    with CaptureQueriesContext(connection) as ctx:
        response = post_booking(
            client,
            resource=resource.pk,
            starts_at=at(MONDAY, 14).isoformat(),
            ends_at=at(MONDAY, 15).isoformat(),
        )
    # then
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in ctx.captured_queries]
    listing = "\n".join(statement[:120] for statement in statements)
    on_claims = [
        q for q in statements if "bookings_bookingclaim" in q or 'WHERE "bookings_resource"."parent_id"' in q
    ]
    # the exclusion constraint is the overlap check: the footprint's claims are inserted in one
    # statement, never looked up first
    assert [q.split()[0] for q in on_claims] == ["INSERT"], listing
    # the confirmation is inserted first (its dedupe key is fresh); no lookup
    assert not [q for q in statements if q.startswith("SELECT") and '"notifications_notification"' in q], (
        listing
    )
    # a new booking has no door grant to end; its space has no doors
    assert not [q for q in statements if '"access_control_accessgrant"' in q], listing
    # the confirmation's key names the new booking: no savepoint around its insert
    assert len([q for q in statements if q.startswith("SAVEPOINT")]) == 1, listing  # the service's own
    # the whole create: resource, company, calendar, hours, tenancy, booking, notification, claims,
    # allowances, log, doors, and the savepoint of the service (a test runs in a transaction)
    assert len(statements) <= 13, listing


def test_the_booking_serializer_builds_its_fields_once_and_gives_each_instance_its_own(mocker):
    # given
    from rest_framework import serializers

    from bookings.api.serializers import BookingSerializer

    class PerInstance(serializers.ModelSerializer):  # DRF's own: builds the fields every time
        resource_name = serializers.CharField(source="resource.name", read_only=True)

        class Meta(BookingSerializer.Meta):
            pass

    user, _ = tenant()
    booking = services.booking_create(
        resource=room(), booked_by=user, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11)
    )
    BookingSerializer(booking).fields  # noqa: B018 (built here, if no test built them before)
    build = mocker.spy(serializers.ModelSerializer, "get_fields")
    # when
    first, second = BookingSerializer(booking), BookingSerializer(booking)
    # then: the same answer as a serializer that builds its fields each time; not built again;
    # each instance's fields are its own, bound to it
    assert first.data == second.data == PerInstance(booking).data
    assert build.call_count == 1  # PerInstance's
    assert first.fields["status"] is not second.fields["status"]
    assert first.fields["status"].parent is first


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (999_999, "does_not_exist"),
        (2**80, "does_not_exist"),
        ("abc", "incorrect_type"),
        (True, "incorrect_type"),
    ],
)
def test_a_resource_that_is_not_one_is_400_with_drfs_code_never_500(value, code):
    # the resource is read by a PkReader (core.db), not DRF's queryset lookup: same answers
    room()
    user, _ = tenant()
    response = post_booking(client_for(user), resource=value)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["resource"][0]["code"] == code, response.json()
    assert not Booking.objects.exists()
