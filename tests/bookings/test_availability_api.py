"""The availability API: free resources, a resource's free slots, 400s with codes, query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from bookings.services import bookings as services
from tests.accounts.factories import UserFactory
from tests.bookings.factories import MONDAY, NOW, at, policy, room, tenant

pytestmark = pytest.mark.django_db
URL = reverse("api:resource-availability")


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def window(**extra: object) -> dict[str, object]:
    return {"starts_at": at(MONDAY, 10).isoformat(), "ends_at": at(MONDAY, 11).isoformat(), **extra}


def test_availability_lists_free_resources_paginated():
    # given two rooms, one booked
    staff = UserFactory(is_staff=True)
    booked, free = room(), room(capacity=12)
    services.booking_create(
        resource=booked, booked_by=staff, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11), now=NOW
    )
    user, _ = tenant()
    # when
    response = client_for(user).get(URL, window())
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    assert [r["id"] for r in body["results"]] == [free.pk]
    assert body["results"][0]["time_zone"] == "Asia/Shanghai"
    # and filters apply
    assert client_for(user).get(URL, window(capacity_min=20)).json()["count"] == 0
    assert client_for(user).get(URL, window(kind="boardroom")).json()["count"] == 1
    assert client_for(user).get(URL, window(floor=free.location.floor_id)).json()["count"] == 1


def test_availability_requires_sign_in():
    assert APIClient().get(URL, window()).status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"starts_at": None}, "required"),
        ({"ends_at": None}, "required"),
        ({"starts_at": "tomorrow"}, "invalid"),
        ({"ends_at": at(MONDAY, 9).isoformat()}, "ends_before_start"),
        ({"ends_at": at(MONDAY + timedelta(days=15), 9).isoformat()}, "range_too_long"),
        ({"kind": "castle"}, "invalid_choice"),
        ({"capacity_min": "0"}, "min_value"),
        ({"building": "b"}, "invalid"),
    ],
)
def test_availability_bad_params_are_400_with_code(params, code):
    # given
    user, _ = tenant()
    query = {k: v for k, v in window(**params).items() if v is not None}
    # when
    response = client_for(user).get(URL, query)
    # then
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code


def _count(client: APIClient) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, window())
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


def test_availability_constant_queries_3_vs_30_resources():
    # given 3 rooms on one policy
    pol = policy()
    for _ in range(3):
        room(pol)
    user, _ = tenant()
    client = client_for(user)
    few, few_count = _count(client)
    # when there are 30
    for _ in range(27):
        room(pol)
    many, many_count = _count(client)
    # then
    assert (few_count, many_count) == (3, 30)
    assert few == many


def test_slots_of_a_day_with_local_and_utc_times():
    # given a room booked 10:00–11:00 Shanghai
    staff = UserFactory(is_staff=True)
    resource = room()
    services.booking_create(
        resource=resource, booked_by=staff, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11), now=NOW
    )
    user, _ = tenant()
    # when
    response = client_for(user).get(
        reverse("api:resource-slots", args=[resource.pk]), {"date": MONDAY.isoformat()}
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["time_zone"] == "Asia/Shanghai"
    assert body["slot_minutes"] == 15
    assert [(s["starts_at_local"], s["ends_at_local"]) for s in body["slots"]] == [
        ("2027-03-01T08:00:00+08:00", "2027-03-01T10:00:00+08:00"),
        ("2027-03-01T11:00:00+08:00", "2027-03-01T20:00:00+08:00"),
    ]
    assert body["slots"][0]["starts_at"] == "2027-03-01T00:00:00Z"


def test_slots_need_a_date_and_a_visible_resource():
    user, _ = tenant()
    resource = room()
    url = reverse("api:resource-slots", args=[resource.pk])
    assert client_for(user).get(url).json()["code"] == "required"
    assert client_for(user).get(url, {"date": "2027-02-30"}).json()["code"] == "invalid"
    resource.is_active = False
    resource.save(update_fields=["is_active"])
    assert client_for(user).get(url, {"date": MONDAY.isoformat()}).status_code == 404


def test_slots_constant_queries():
    # given a room with 1 booking, then 4
    staff = UserFactory(is_staff=True)
    resource = room()
    user, _ = tenant()
    client = client_for(user)
    url = reverse("api:resource-slots", args=[resource.pk])

    def book(hour: int) -> None:
        services.booking_create(
            resource=resource,
            booked_by=staff,
            starts_at=at(MONDAY, hour),
            ends_at=at(MONDAY, hour + 1),
            now=NOW,
        )

    book(8)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"date": MONDAY.isoformat()}).status_code == 200
    for hour in (11, 13, 15):
        book(hour)
    with CaptureQueriesContext(connection) as many:
        slots = client.get(url, {"date": MONDAY.isoformat()}).json()["slots"]
    assert len(slots) == 4
    assert len(few.captured_queries) == len(many.captured_queries)
