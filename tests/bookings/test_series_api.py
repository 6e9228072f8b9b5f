"""The booking-series API and admin: create with a report (201/409), preview, scoped list, cancel, update."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from bookings.models import Booking, BookingSeries, BookingStatus
from bookings.services import bookings as booking_services
from bookings.services import series as services
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


def body(resource, **fields):  # type: ignore[no-untyped-def]
    return {
        "resource": resource.pk,
        "rrule": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4",
        "starts_at_local": "2027-03-01T10:00:00",
        "duration_minutes": 60,
        "title": "Stand-up",
        **fields,
    }


def test_create_books_every_occurrence_and_reports_each():
    # given
    resource = room()
    user, company = tenant()
    # when
    response = client_for(user).post(reverse("api:booking-series-list"), body(resource), format="json")
    # then
    assert response.status_code == 201, response.content
    payload = response.json()
    assert payload["series"]["starts_at_local"] == "2027-03-01T10:00:00"
    assert payload["series"]["time_zone"] == "Asia/Shanghai"
    assert payload["series"]["company"] == company.pk
    assert [o["date"] for o in payload["occurrences"]] == [
        "2027-03-01",
        "2027-03-03",
        "2027-03-08",
        "2027-03-10",
    ]
    assert {o["status"] for o in payload["occurrences"]} == {"created"}
    ids = [o["booking"] for o in payload["occurrences"]]
    assert [b["id"] for b in payload["series"]["bookings"]] == ids
    assert Booking.objects.filter(pk__in=ids, series_id=payload["series"]["id"]).count() == 4


def test_a_conflict_in_abort_mode_is_409_with_the_report_and_writes_nothing():
    # given: the second occurrence is taken
    resource = room()
    user, _ = tenant()
    other, _ = tenant()
    booking_services.booking_create(
        resource=resource, booked_by=other, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11)
    )
    wednesday = MONDAY.replace(day=3)
    booking_services.booking_create(
        resource=resource, booked_by=other, starts_at=at(wednesday, 10), ends_at=at(wednesday, 11)
    )
    client = client_for(user)
    # when
    refused = client.post(reverse("api:booking-series-list"), body(resource), format="json")
    preview = client.post(reverse("api:booking-series-preview"), body(resource), format="json")
    skipped = client.post(
        reverse("api:booking-series-list"), body(resource, on_conflict="skip"), format="json"
    )
    # then
    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "series_conflicts"
    assert [(o["date"], o["code"]) for o in refused.json()["occurrences"] if o["status"] == "conflict"] == [
        ("2027-03-01", "booking_overlap"),
        ("2027-03-03", "booking_overlap"),
    ]
    assert preview.status_code == 200
    assert [o["status"] for o in preview.json()["occurrences"]] == ["conflict", "conflict", "ok", "ok"]
    assert skipped.status_code == 201
    assert skipped.json()["series"]["exdates"] == ["2027-03-01", "2027-03-03"]
    assert BookingSeries.objects.count() == 1  # the refused create and the preview left nothing
    assert Booking.objects.filter(series__isnull=False).count() == 2


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"rrule": "FREQ=WEEKLY"}, "rrule_unbounded"),
        ({"rrule": "FREQ=SECONDLY;COUNT=2"}, "unsupported_rrule"),
        ({"rrule": "FREQ=DAILY;COUNT=500"}, "too_many_occurrences"),
        ({"starts_at_local": "not a time"}, "invalid"),
        ({"on_conflict": "maybe"}, "invalid_choice"),
        ({"duration_minutes": 0}, "min_value"),
    ],
)
def test_bad_input_is_400_with_a_code(fields, code):
    resource = room()
    user, _ = tenant()
    response = client_for(user).post(
        reverse("api:booking-series-list"), body(resource, **fields), format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not BookingSeries.objects.exists()


def test_list_is_scoped_constant_queries_and_another_companys_series_is_404():
    resource = room(policy(is_24x7=True))
    user, company = tenant()
    other, _ = tenant()
    colleague, _ = tenant(company=company, role="member")

    def make(n: int, who, hour: int) -> None:  # type: ignore[no-untyped-def]
        for i in range(n):
            services.series_create(
                resource=resource,
                booked_by=who,
                rrule="FREQ=DAILY;COUNT=2",
                # every other day, so the two-day series of one call do not meet
                starts_at_local=datetime(2027, 3, 1, hour) + timedelta(days=2 * i),  # noqa: DTZ001
                duration_minutes=30,
            )

    make(3, user, 8)
    make(1, other, 9)
    client = client_for(colleague)

    def counted() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("api:booking-series-list"), {"page_size": 100})
        assert response.status_code == 200
        return response.json()["count"], len(ctx.captured_queries)

    count, few = counted()
    assert count == 3
    make(20, user, 10)
    count, many = counted()
    assert count == 23
    assert few == many
    theirs = BookingSeries.objects.get(booked_by=other)
    assert client.get(reverse("api:booking-series-detail", args=[theirs.pk])).status_code == 404
    cancel = client.post(
        reverse("api:booking-series-cancel", args=[theirs.pk]), {"scope": "all"}, format="json"
    )
    assert cancel.status_code == 404
    assert not Booking.objects.filter(series=theirs, status=BookingStatus.CANCELLED).exists()


def test_cancel_and_update_through_the_api():
    resource = room()
    user, _ = tenant()
    client = client_for(user)
    created = client.post(reverse("api:booking-series-list"), body(resource), format="json").json()
    series_id = created["series"]["id"]
    # cancel one occurrence
    cancelled = client.post(
        reverse("api:booking-series-cancel", args=[series_id]),
        {"scope": "this", "occurrence": "2027-03-03", "reason": "Holiday"},
        format="json",
    )
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["series"]["exdates"] == ["2027-03-03"]
    assert len(cancelled.json()["cancelled"]) == 1
    # "this" without the occurrence is a 400
    missing = client.post(
        reverse("api:booking-series-cancel", args=[series_id]), {"scope": "this"}, format="json"
    )
    assert (missing.status_code, missing.json()["code"]) == (400, "required")
    # move the following ones to 14:00: a new series
    moved = client.post(
        reverse("api:booking-series-update", args=[series_id]),
        {"scope": "following", "occurrence": "2027-03-08", "start_time": "14:00"},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    new = moved.json()["series"]
    assert new["id"] != series_id
    assert new["starts_at_local"] == "2027-03-08T14:00:00"
    assert [o["local_start"] for o in moved.json()["occurrences"]] == [
        "2027-03-08T14:00:00",
        "2027-03-10T14:00:00",
    ]
    nothing = client.post(
        reverse("api:booking-series-update", args=[series_id]), {"scope": "all"}, format="json"
    )
    assert (nothing.status_code, nothing.json()["code"]) == (400, "nothing_to_change")


def test_admin_lists_shows_and_cancels_all_future(client, staff_user):
    resource = room()
    user, _ = tenant()
    series, _ = services.series_create(
        resource=resource,
        booked_by=user,
        rrule="FREQ=DAILY;COUNT=3",
        starts_at_local=datetime(2027, 3, 1, 10),  # noqa: DTZ001 (local wall-clock)
        duration_minutes=60,
        now=NOW,
    )
    client.force_login(staff_user)
    assert client.get(reverse("admin:bookings_bookingseries_changelist")).status_code == 200
    page = client.get(reverse("admin:bookings_bookingseries_change", args=[series.pk]))
    assert page.status_code == 200
    assert "2027-03-01 10:00" in page.content.decode()
    response = client.post(
        reverse("admin:bookings_bookingseries_changelist"),
        {"action": "cancel_all_future", "_selected_action": [series.pk]},
    )
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.cancelled_at is not None
    assert set(series.bookings.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
