"""Availability search: free resources for a range and a resource's free slots of a day."""

from datetime import UTC, date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Audience, Booking
from bookings.selectors import resource_availability, resource_free_slots
from bookings.services import bookings as services
from tests.accounts.factories import UserFactory
from tests.bookings.factories import MONDAY, NOW, area_with_desks, at, policy, room, tenant
from tests.spaces.factories import FeatureFactory, FloorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True)


def book(resource, starts_at, ends_at, by):  # type: ignore[no-untyped-def]
    return services.booking_create(
        resource=resource, booked_by=by, starts_at=starts_at, ends_at=ends_at, now=NOW
    )


def free_ids(**kwargs) -> set[int]:  # type: ignore[no-untyped-def]
    return {r.pk for r in resource_availability(**kwargs)}


def test_availability_half_open_boundaries(staff):
    # given a room booked 10:00–11:00 and an untouched room
    booked, other = room(), room()
    book(booked, at(MONDAY, 10), at(MONDAY, 11), staff)
    # when / then: touching ranges are free, overlapping ones are not
    assert free_ids(starts_at=at(MONDAY, 11), ends_at=at(MONDAY, 12)) == {booked.pk, other.pk}
    assert free_ids(starts_at=at(MONDAY, 9), ends_at=at(MONDAY, 10)) == {booked.pk, other.pk}
    assert free_ids(starts_at=at(MONDAY, 10, 45), ends_at=at(MONDAY, 11, 15)) == {other.pk}
    assert free_ids(starts_at=at(MONDAY, 9), ends_at=at(MONDAY, 12)) == {other.pk}


def test_availability_honours_buffers_of_the_searched_resource(staff):
    # given a room with 30 minutes before and 15 after, booked 10:00–11:00 (holds 09:30–11:15)
    buffered = room(policy(buffer_before_minutes=30, buffer_after_minutes=15))
    book(buffered, at(MONDAY, 10), at(MONDAY, 11), staff)
    # then a booking starting 11:00 would need 10:30 onwards: busy; from 11:45 (holds 11:15–) it is free
    assert buffered.pk not in free_ids(starts_at=at(MONDAY, 11), ends_at=at(MONDAY, 12))
    assert buffered.pk not in free_ids(starts_at=at(MONDAY, 11, 30), ends_at=at(MONDAY, 12))
    assert buffered.pk in free_ids(starts_at=at(MONDAY, 11, 45), ends_at=at(MONDAY, 12, 30))
    # and one ending at 09:15 holds until 09:30: free; ending 09:30 holds until 09:45: busy
    assert buffered.pk in free_ids(starts_at=at(MONDAY, 8, 30), ends_at=at(MONDAY, 9, 15))
    assert buffered.pk not in free_ids(starts_at=at(MONDAY, 8, 30), ends_at=at(MONDAY, 9, 30))


def test_availability_linked_spaces_block_each_other(staff):
    # given a coworking area with two desks, one desk booked
    area, (desk_a, desk_b) = area_with_desks(2)
    book(desk_a, at(MONDAY, 10), at(MONDAY, 11), staff)
    # then the area (which holds the desk) is busy; the other desk is free
    window = {"starts_at": at(MONDAY, 10), "ends_at": at(MONDAY, 11)}
    assert free_ids(**window) & {area.pk, desk_a.pk, desk_b.pk} == {desk_b.pk}
    # when the desk's booking is cancelled and the whole area is booked instead
    services.booking_cancel(booking=Booking.objects.get(), actor=staff, reason="")
    book(area, at(MONDAY, 10), at(MONDAY, 11), staff)
    # then neither desk is free
    assert free_ids(**window) & {area.pk, desk_a.pk, desk_b.pk} == set()


def test_availability_checks_opening_hours_and_holidays_in_local_time():
    # given a room open Mon–Fri 08:00–20:00 (Shanghai) and a 24×7 room
    office, always = room(), room(policy(is_24x7=True))
    # then early morning only the 24×7 room is open, unless opening hours are not asked for
    early = {"starts_at": at(MONDAY, 7), "ends_at": at(MONDAY, 8)}
    assert free_ids(**early) == {always.pk}
    assert free_ids(**early, require_open=False) == {office.pk, always.pk}
    # and a range that runs past closing is not open
    assert free_ids(starts_at=at(MONDAY, 19), ends_at=at(MONDAY, 21)) == {always.pk}
    # and on National Day (a Friday, public holiday) the office is closed all day
    national_day = date(2026, 10, 2)
    assert free_ids(starts_at=at(national_day, 10), ends_at=at(national_day, 11)) == {always.pk}
    # and 10:00 Shanghai expressed in UTC is the same question
    assert free_ids(starts_at=at(MONDAY, 10).astimezone(UTC), ends_at=at(MONDAY, 11)) == {
        office.pk,
        always.pk,
    }


def test_availability_filters():
    # given rooms on two floors of one building, with capacities, kinds and features
    floor = FloorFactory()
    other_floor = FloorFactory(building=floor.building)
    screen = FeatureFactory(code="screen")
    big = room(floor=floor, capacity=12, features=[screen])
    small = room(floor=floor, capacity=4)
    elsewhere = room(floor=other_floor, capacity=12, features=[screen])
    phone = room(floor=floor, kind="phone_room", capacity=1)
    inactive = room(floor=floor)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    window = {"starts_at": at(MONDAY, 10), "ends_at": at(MONDAY, 11)}
    # then
    assert free_ids(**window, floor=floor) == {big.pk, small.pk, phone.pk}
    assert free_ids(**window, building=floor.building) == {big.pk, small.pk, elsewhere.pk, phone.pk}
    assert free_ids(**window, floor=floor, capacity_min=5) == {big.pk}
    assert free_ids(**window, features=["screen"]) == {big.pk, elsewhere.pk}
    assert free_ids(**window, kinds=["phone_room"]) == {phone.pk}
    assert free_ids(**window, campus=big.campus_id) >= {big.pk}


def test_availability_lists_only_what_the_user_may_book():
    # given a staff-only room, a room for one named company and an open room
    user, company = tenant()
    staff_only = room(policy(audience=Audience.STAFF))
    for_company = room(policy(audience=Audience.COMPANIES))
    for_company.policy.companies.add(company)
    for_others = room(policy(audience=Audience.COMPANIES))
    open_room = room()
    window = {"starts_at": at(MONDAY, 10), "ends_at": at(MONDAY, 11)}
    # then the tenant sees the company's room and the open one; staff see all
    assert free_ids(**window, user=user) == {for_company.pk, open_room.pk}
    all_rooms = {staff_only.pk, for_company.pk, for_others.pk, open_room.pk}
    assert free_ids(**window, user=UserFactory(is_staff=True)) == all_rooms
    # and someone without a company sees nothing
    assert free_ids(**window, user=UserFactory()) == set()


def _rooms_with_bookings(n: int, staff) -> None:  # type: ignore[no-untyped-def]
    pol = policy(buffer_after_minutes=15)
    for i in range(n):
        resource = room(pol)
        book(resource, at(MONDAY, 9 + i % 3), at(MONDAY, 10 + i % 3), staff)


def _count_queries(**kwargs) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        found = resource_availability(**kwargs)
    return len(ctx.captured_queries), len(found)


def test_availability_runs_constant_queries(staff):
    # given 3 rooms with bookings
    _rooms_with_bookings(3, staff)
    user, _ = tenant()
    window = {"starts_at": at(MONDAY, 9), "ends_at": at(MONDAY, 10)}
    few, few_found = _count_queries(**window, user=user)
    # when there are 30
    _rooms_with_bookings(27, staff)
    many, many_found = _count_queries(**window, user=user)
    # then the same number of queries, whatever the number of rooms and bookings
    assert (few_found, many_found) == (1, 10)  # 9–10 and, by the buffer, 10–11 are busy
    assert few == many
    assert many <= 7  # pairs, policies, opening hours, claims, memberships, tenancies, the list


def test_free_slots_merge_and_respect_buffers_and_grid(staff):
    # given a room (08:00–20:00, 30-minute grid, 15 after) booked 10:00–11:00 and 14:00–14:30
    resource = room(policy(slot_minutes=30, buffer_after_minutes=15, min_duration_minutes=30))
    book(resource, at(MONDAY, 10), at(MONDAY, 11), staff)
    book(resource, at(MONDAY, 14), at(MONDAY, 14, 30), staff)
    # when
    slots = resource_free_slots(resource=resource, day=MONDAY)
    # then a booking must end by 09:45 before 10:00 (on the grid: 09:30) and may start from 11:15 (11:30)
    assert [(s.starts_at, s.ends_at) for s in slots] == [
        (at(MONDAY, 8), at(MONDAY, 9, 30)),
        (at(MONDAY, 11, 30), at(MONDAY, 13, 30)),
        (at(MONDAY, 15), at(MONDAY, 20)),
    ]


def test_free_slots_touching_bookings_leave_no_gap_and_links_count(staff):
    # given an area with a desk; the desk booked 08:00–12:00, the area 12:00–20:00
    area, (desk,) = area_with_desks(1)
    book(desk, at(MONDAY, 8), at(MONDAY, 12), staff)
    # then the area is free from 12:00 (half-open) and the desk is free after its booking
    assert [(s.starts_at, s.ends_at) for s in resource_free_slots(resource=area, day=MONDAY)] == [
        (at(MONDAY, 12), at(MONDAY, 20))
    ]
    book(area, at(MONDAY, 12), at(MONDAY, 20), staff)
    assert resource_free_slots(resource=desk, day=MONDAY) == []
    assert resource_free_slots(resource=area, day=MONDAY) == []


def test_free_slots_closed_days_and_24x7():
    # given an office room and a 24×7 room
    office, always = room(), room(policy(is_24x7=True))
    saturday = MONDAY + timedelta(days=5)
    # then the office has nothing on Saturday or on a public holiday; the 24×7 room has the whole day
    assert resource_free_slots(resource=office, day=saturday) == []
    assert resource_free_slots(resource=office, day=date(2026, 10, 2)) == []
    (whole_day,) = resource_free_slots(resource=always, day=saturday)
    assert whole_day.starts_at == at(saturday, 0)
    assert whole_day.ends_at == at(saturday + timedelta(days=1), 0)
    assert whole_day.starts_at.timetz().replace(tzinfo=None) == time(0)


def test_free_slots_constant_queries(staff):
    # given a room with 1 booking, then with 5
    resource = room()
    book(resource, at(MONDAY, 8), at(MONDAY, 9), staff)
    resource = type(resource).objects.select_related("campus", "policy").get(pk=resource.pk)
    with CaptureQueriesContext(connection) as few:
        resource_free_slots(resource=resource, day=MONDAY)
    for hour in (10, 12, 14, 16):
        book(resource, at(MONDAY, hour), at(MONDAY, hour + 1), staff)
    resource = type(resource).objects.select_related("campus", "policy").get(pk=resource.pk)
    with CaptureQueriesContext(connection) as many:
        slots = resource_free_slots(resource=resource, day=MONDAY)
    # then
    assert len(slots) == 5
    assert len(few.captured_queries) == len(many.captured_queries) <= 3
