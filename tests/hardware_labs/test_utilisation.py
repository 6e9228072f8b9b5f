"""Must hold: utilisation figures match a hand-computed example; constant queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from bookings.services import bookings as booking_services
from hardware_labs.models import UsageSession
from hardware_labs.selectors import lab_utilisation
from hardware_labs.services import maintenance
from tests.bookings.factories import NOW, at, tenant
from tests.hardware_labs.factories import equipment, qualify, staff

pytestmark = pytest.mark.django_db
MARCH = date(2027, 3, 1)  # Monday 1 March 2027: 23 weekdays, no public holiday, no make-up workday


def _day(n: int) -> date:
    return date(2027, 3, n)


def _book(resource, person, company, day, start, end, status=BookingStatus.CONFIRMED):  # type: ignore[no-untyped-def]
    booking = booking_services.booking_create(
        resource=resource,
        booked_by=person,
        company=company,
        starts_at=at(day, start),
        ends_at=at(day, end),
        now=NOW,
    )
    if status != BookingStatus.CONFIRMED:
        Booking.objects.filter(pk=booking.pk).update(status=status)
    return booking


def _example(world):  # type: ignore[no-untyped-def]
    """The hand-computed month of the oven (open Mon-Fri 08:00-20:00)."""
    other, other_company = tenant()
    qualify(world.founder, world.induction, world.training)
    qualify(other, world.induction, world.training)
    admin = staff()
    oven = world.oven.resource
    # maintenance: Wed 3rd 08:00-12:00 (4 h open), Fri 5th 18:00 - Mon 8th 09:00 (2 h + 1 h open)
    for start, end in ((at(_day(3), 8), at(_day(3), 12)), (at(_day(5), 18), at(_day(8), 9))):
        maintenance.maintenance_window_create(
            equipment=world.oven, starts_at=start, ends_at=end, reason="Service", actor=admin, now=NOW
        )
    # bookings: the founder's company 2 h (completed) + 3 h (no-show); the other company 4 h
    _book(oven, world.founder, world.company, _day(1), 10, 12, BookingStatus.COMPLETED)
    _book(oven, world.founder, world.company, _day(2), 10, 13, BookingStatus.NO_SHOW)
    _book(oven, other, other_company, _day(4), 14, 18, BookingStatus.COMPLETED)
    # not counted: cancelled, and February
    _book(oven, other, other_company, _day(9), 10, 12, BookingStatus.CANCELLED)
    _book(oven, other, other_company, date(2027, 2, 26), 15, 17, BookingStatus.COMPLETED)
    # use: 1 h 45 min and 3 h 30 min
    UsageSession.objects.create(
        equipment=world.oven,
        person=world.founder,
        company=world.company,
        checked_in_at=at(_day(1), 10, 5),
        checked_out_at=at(_day(1), 11, 50),
        minutes=105,
    )
    UsageSession.objects.create(
        equipment=world.oven,
        person=other,
        company=other_company,
        checked_in_at=at(_day(4), 14),
        checked_out_at=at(_day(4), 17, 30),
        minutes=210,
    )
    return other_company


def test_utilisation_matches_the_hand_computed_example(world):
    # given
    other_company = _example(world)
    # when
    rows = lab_utilisation(month=MARCH, lab=world.lab)
    # then: 23 weekdays × 12 h = 276 h open; less 4 + 2 + 1 h of maintenance = 269 h
    by_key = {(r.resource, r.company): r for r in rows}
    total = by_key[(world.oven.resource_id, None)]
    assert (total.available_hours, total.booked_hours, total.used_hours, total.no_shows) == (
        Decimal("269.00"),
        Decimal("9.00"),
        Decimal("5.25"),
        1,
    )
    ours = by_key[(world.oven.resource_id, world.company.pk)]
    assert (ours.booked_hours, ours.used_hours, ours.no_shows) == (Decimal("5.00"), Decimal("1.75"), 1)
    theirs = by_key[(world.oven.resource_id, other_company.pk)]
    assert (theirs.booked_hours, theirs.used_hours, theirs.no_shows) == (Decimal("4.00"), Decimal("3.50"), 0)
    assert theirs.company_name == other_company.name
    lab_row = by_key[(world.lab_resource.pk, None)]
    assert (lab_row.available_hours, lab_row.booked_hours) == (Decimal("276.00"), Decimal("0.00"))
    # and for one company only
    only = lab_utilisation(month=MARCH, lab=world.lab, company=other_company)
    assert {(r.resource, r.company) for r in only} == {
        (world.oven.resource_id, other_company.pk),
        (world.lab_resource.pk, other_company.pk),
    }


def test_utilisation_api_is_staff_only_and_runs_constant_queries(api_client, world):
    # given
    _example(world)
    url = reverse("api:lab-utilisation-list")
    api_client.force_authenticate(world.founder)
    assert api_client.get(url, {"month": "2027-03"}).status_code == 403
    api_client.force_authenticate(staff())
    # when
    with CaptureQueriesContext(connection) as few:
        response = api_client.get(url, {"month": "2027-03"})
    for n in range(3):
        equipment(world.lab, courses=(world.training,), tag=f"more-{n}")
    with CaptureQueriesContext(connection) as more:
        bigger = api_client.get(url, {"month": "2027-03"})
    # then
    assert response.status_code == 200
    oven = next(
        r for r in response.json() if r["resource"] == world.oven.resource_id and r["company"] is None
    )
    assert (oven["available_hours"], oven["booked_hours"], oven["used_hours"], oven["no_shows"]) == (
        "269.00",
        "9.00",
        "5.25",
        1,
    )
    assert len(bigger.json()) == len(response.json()) + 3
    assert len(more) == len(few)


def test_a_month_with_a_holiday_has_fewer_available_hours(world):
    # October 2027: National Day holidays close the weekdays 1, 4-7 October
    rows = lab_utilisation(month=date(2027, 10, 1), lab=world.lab)
    oven = next(r for r in rows if r.resource == world.oven.resource_id)
    assert oven.available_hours < Decimal(21 * 12)
    assert timedelta(hours=float(oven.available_hours)).total_seconds() % 3600 == 0
