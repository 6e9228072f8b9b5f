"""Portal booking pages: find, day view, book, series, list, cancel, check in, waitlist."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking, BookingSeries, BookingStatus, WaitlistEntry, WaitlistStatus
from bookings.services.bookings import booking_cancel, booking_create
from portal.views.book import training_link
from tests.bookings.factories import tenant
from tests.portal.a11y import assert_accessible
from tests.portal.book_world import MONDAY, at, make_world

pytestmark = pytest.mark.django_db


def signed_in(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def book_body(**fields):  # type: ignore[no-untyped-def]
    body = {"day": MONDAY.isoformat(), "starts": "10:00", "ends": "11:00", "title": "Standup", "attendees": 4}
    body.update(fields)
    return body


# --- find -----------------------------------------------------------------------------------------


def test_search_lists_free_rooms_and_leaves_out_taken_ones(client, world):
    # given: the boardroom is taken 10:00-11:00 on Monday
    booking_create(
        resource=world.boardroom,
        booked_by=world.founder,
        company=world.company,
        starts_at=at(MONDAY, 10),
        ends_at=at(MONDAY, 11),
    )
    signed_in(client, world.founder)
    # when
    taken = client.get(reverse("portal:book"), {"day": MONDAY, "starts": "10:00", "ends": "11:00"})
    free = client.get(reverse("portal:book"), {"day": MONDAY, "starts": "11:00", "ends": "12:00"})
    # then
    assert "Boardroom Orion" not in taken.content.decode()
    assert "Phone booth 1" in taken.content.decode()
    assert "Boardroom Orion" in free.content.decode()
    assert_accessible(free)


def test_search_filters_by_capacity_kind_and_feature(client, world):
    signed_in(client, world.founder)
    base = {"day": MONDAY, "starts": "11:00", "ends": "12:00"}
    big = client.get(reverse("portal:book"), {**base, "capacity": 5}).content.decode()
    phones = client.get(reverse("portal:book"), {**base, "kind": "phone_room"}).content.decode()
    projector = client.get(reverse("portal:book"), {**base, "features": "projector"}).content.decode()
    assert "Boardroom Orion" in big
    assert "Phone booth 1" not in big
    assert "Phone booth 1" in phones
    assert "Boardroom Orion" not in phones
    assert "Boardroom Orion" in projector
    assert "Phone booth 1" not in projector


def test_search_htmx_request_gets_the_results_partial_only(client, world):
    signed_in(client, world.founder)
    response = client.get(
        reverse("portal:book"), {"day": MONDAY, "starts": "11:00", "ends": "12:00"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "Boardroom Orion" in page
    assert "<html" not in page
    assert "<form" not in page


def test_search_shows_field_errors_in_chinese_and_keeps_what_was_typed(client, world):
    signed_in(client, world.founder)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("portal:book"), {"day": "not-a-date", "starts": "11:00", "ends": "10:00"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="not-a-date"' in page
    assert "有效" in page  # Django's "Enter a valid date." in Chinese
    assert 'lang="zh-hans"' in page


def test_search_runs_the_same_number_of_queries_for_more_results(client, world):
    signed_in(client, world.founder)
    params = {"day": MONDAY, "starts": "11:00", "ends": "12:00"}

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("portal:book"), params).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(4):
        make_world()  # more rooms on more floors, in more buildings, with features
    assert count() == few


def test_search_page_without_a_company_leads_home(client, user):
    signed_in(client, user)
    response = client.get(reverse("portal:book"))
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


# --- a resource's day and booking it ---------------------------------------------------------------


def test_day_view_shows_free_slots_around_a_booking(client, world):
    booking_create(
        resource=world.boardroom,
        booked_by=world.founder,
        company=world.company,
        starts_at=at(MONDAY, 10),
        ends_at=at(MONDAY, 11),
    )
    signed_in(client, world.founder)
    response = client.get(reverse("portal:resource-day", args=[world.boardroom.pk]), {"day": MONDAY})
    page = response.content.decode()
    assert "08:00–10:00" in page
    assert "11:00–20:00" in page
    assert_accessible(response)


def test_book_a_room_redirects_to_the_booking_and_records_it(client, world):
    signed_in(client, world.founder)
    response = client.post(reverse("portal:resource-day", args=[world.boardroom.pk]), book_body())
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal:booking-detail", args=[booking.pk])
    assert booking.company == world.company
    assert booking.booked_by == world.founder
    assert booking.starts_at == at(MONDAY, 10)
    assert booking.attendees == 4
    detail = client.get(response.url)
    assert "Booked: S" in detail.content.decode()
    assert_accessible(detail)


def test_book_overlap_shows_the_error_keeps_input_and_offers_the_waitlist(client, world):
    # given: someone of another company holds the slot
    other, _other_company = tenant()
    booking_create(
        resource=world.boardroom, booked_by=other, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11)
    )
    signed_in(client, world.founder)
    # when
    response = client.post(
        reverse("portal:resource-day", args=[world.boardroom.pk]), book_body(title="Board meeting")
    )
    # then: nothing written, the error shown, typed values kept, the waitlist offered
    page = response.content.decode()
    assert response.status_code == 200
    assert Booking.objects.count() == 1
    assert "already booked for that time" in page
    assert 'value="Board meeting"' in page
    assert reverse("portal:waitlist-join", args=[world.boardroom.pk]) in page
    assert_accessible(response)
    # and joining the waitlist from there works
    joined = client.post(
        reverse("portal:waitlist-join", args=[world.boardroom.pk]), book_body(title="Board meeting")
    )
    assert joined.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.person, entry.company, entry.status) == (
        world.founder,
        world.company,
        WaitlistStatus.WAITING,
    )


def test_book_outside_opening_hours_is_a_form_error_in_chinese(client, world):
    signed_in(client, world.founder)
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        reverse("portal:resource-day", args=[world.boardroom.pk]), book_body(starts="21:00", ends="22:00")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert not Booking.objects.exists()
    assert 'value="21:00"' in page
    assert "form-errors" in page
    assert "not open for the whole of that time" not in page  # translated, not English


def test_book_bad_input_shows_field_errors(client, world):
    signed_in(client, world.founder)
    response = client.post(
        reverse("portal:resource-day", args=[world.boardroom.pk]), book_body(ends="09:00", attendees=0)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "End after the start." in page
    assert 'id="id_attendees_errors"' in page
    assert not Booking.objects.exists()


def test_an_inactive_or_unknown_resource_is_404(client, world):
    world.phone_room.is_active = False
    world.phone_room.save(update_fields=["is_active"])
    signed_in(client, world.founder)
    assert client.get(reverse("portal:resource-day", args=[world.phone_room.pk])).status_code == 404
    assert client.get(reverse("portal:resource-day", args=[999_999])).status_code == 404


def test_qualification_missing_links_the_training_when_the_error_names_a_course():
    class Course:
        pk = 7

        def __str__(self) -> str:
            return "Reflow oven safety"

        def get_absolute_url(self) -> str:
            return "/portal/labs/trainings/7/"

    error = ValidationError(
        "You need the training.", code="qualification_missing", params={"course": Course()}
    )
    assert training_link(error) == {"url": "/portal/labs/trainings/7/", "name": "Reflow oven safety"}
    no_course = ValidationError("You need it.", code="qualification_missing", params={})
    assert training_link(no_course) is None
    assert training_link(ValidationError("x", code="booking_overlap")) is None


# --- a series -----------------------------------------------------------------------------------------


def series_body(**fields):  # type: ignore[no-untyped-def]
    body = {
        "day": MONDAY.isoformat(),
        "starts": "10:00",
        "ends": "11:00",
        "frequency": "WEEKLY",
        "weekdays": ["MO"],
        "interval": 1,
        "count": 3,
        "until": "",
        "title": "Weekly sync",
        "attendees": 2,
        "on_conflict": "abort",
    }
    body.update(fields)
    return body


def test_series_preview_writes_nothing_and_shows_each_date(client, world):
    signed_in(client, world.founder)
    url = reverse("portal:series-create", args=[world.boardroom.pk])
    response = client.post(url, {**series_body(), "preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert not Booking.objects.exists()
    assert not BookingSeries.objects.exists()
    for day in ("2027-03-01", "2027-03-08", "2027-03-15"):
        assert day in page
    assert_accessible(response)


def test_series_abort_on_a_taken_date_books_nothing_and_names_the_date(client, world):
    other, _company = tenant()
    booking_create(
        resource=world.boardroom,
        booked_by=other,
        starts_at=at(MONDAY + timedelta(days=7), 10),
        ends_at=at(MONDAY + timedelta(days=7), 11),
    )
    signed_in(client, world.founder)
    url = reverse("portal:series-create", args=[world.boardroom.pk])
    response = client.post(url, {**series_body(), "book": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert Booking.objects.count() == 1
    assert not BookingSeries.objects.exists()
    assert "2027-03-08" in page
    assert "conflict" in page
    # then skipping the taken date books the others
    response = client.post(url, {**series_body(on_conflict="skip"), "book": "1"})
    assert response.status_code == 302
    series = BookingSeries.objects.get()
    assert series.rrule.startswith("FREQ=WEEKLY;BYDAY=MO;COUNT=3")
    assert series.exdates == ["2027-03-08"]
    assert Booking.objects.filter(series=series).count() == 2


def test_series_monthly_with_an_end_date_builds_the_rule(client, world):
    signed_in(client, world.founder)
    url = reverse("portal:series-create", args=[world.boardroom.pk])
    response = client.post(
        url, {**series_body(frequency="MONTHLY", weekdays=[], count="", until="2027-04-30"), "book": "1"}
    )
    assert response.status_code == 302
    series = BookingSeries.objects.get()
    assert series.rrule.startswith("FREQ=MONTHLY;BYMONTHDAY=1;UNTIL=20270430")
    assert Booking.objects.filter(series=series).count() == 2  # 1 March, 1 April


def test_series_needs_an_end(client, world):
    signed_in(client, world.founder)
    url = reverse("portal:series-create", args=[world.boardroom.pk])
    response = client.post(url, {**series_body(count="", until=""), "book": "1"})
    assert response.status_code == 200
    assert "Give the number of times or the last date." in response.content.decode()
    assert not BookingSeries.objects.exists()


# --- lists, cancel, check in ----------------------------------------------------------------------


def make_bookings(resource, user, company, n, first_hour=8):  # type: ignore[no-untyped-def]
    return [
        booking_create(
            resource=resource,
            booked_by=user,
            company=company,
            starts_at=at(MONDAY + timedelta(days=i // 6), first_hour + 2 * (i % 6)),
            ends_at=at(MONDAY + timedelta(days=i // 6), first_hour + 2 * (i % 6) + 1),
        )
        for i in range(n)
    ]


def test_booking_list_shows_mine_and_the_company_in_constant_queries(client, world):
    colleague, _ = tenant(company=world.company, role="member")
    signed_in(client, world.founder)
    url = reverse("portal:booking-list")

    def count(params: dict[str, str]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params)
            assert response.status_code == 200
        return len(ctx.captured_queries)

    make_bookings(world.boardroom, world.founder, world.company, 2)
    make_bookings(world.phone_room, colleague, world.company, 1)
    few_mine, few_company = count({"scope": "mine"}), count({"scope": "company"})
    make_bookings(world.boardroom, world.founder, world.company, 6, first_hour=9)
    make_bookings(world.phone_room, colleague, world.company, 6, first_hour=9)
    assert count({"scope": "mine"}) == few_mine
    assert count({"scope": "company"}) == few_company
    mine = client.get(url, {"scope": "mine"})
    company = client.get(url, {"scope": "company"}).content.decode()
    assert mine.content.decode().count("Phone booth 1") == 0
    assert company.count("Phone booth 1") >= 7
    assert_accessible(mine)


def test_another_company_sees_none_of_the_bookings_and_gets_404_on_them(client, world):
    (booking,) = make_bookings(world.boardroom, world.founder, world.company, 1)
    outsider, _ = tenant()
    signed_in(client, outsider)
    assert (
        "Boardroom Orion"
        not in client.get(reverse("portal:booking-list"), {"scope": "company"}).content.decode()
    )
    assert client.get(reverse("portal:booking-detail", args=[booking.pk])).status_code == 404
    assert client.post(reverse("portal:booking-cancel", args=[booking.pk])).status_code == 404
    assert client.post(reverse("portal:booking-check-in", args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_cancel_from_the_list(client, world):
    (booking,) = make_bookings(world.boardroom, world.founder, world.company, 1)
    signed_in(client, world.founder)
    list_url = reverse("portal:booking-list") + "?scope=mine"
    response = client.post(reverse("portal:booking-cancel", args=[booking.pk]), {"next": list_url})
    assert response.status_code == 302
    assert response.url == list_url
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert "Cancelled: S" in client.get(list_url).content.decode()


def test_a_plain_member_may_not_cancel_a_colleagues_booking(client, world):
    (booking,) = make_bookings(world.boardroom, world.founder, world.company, 1)
    member, _ = tenant(company=world.company, role="member")
    signed_in(client, member)
    page = client.get(reverse("portal:booking-detail", args=[booking.pk])).content.decode()
    assert reverse("portal:booking-cancel", args=[booking.pk]) not in page
    response = client.post(reverse("portal:booking-cancel", args=[booking.pk]), follow=True)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "message error" in response.content.decode()


def test_check_in_opens_shortly_before_the_start(client, world, clock):
    (booking,) = make_bookings(world.boardroom, world.founder, world.company, 1)  # Monday 08:00
    signed_in(client, world.founder)
    url = reverse("portal:booking-check-in", args=[booking.pk])
    early = client.post(url, follow=True)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "Check-in opens at 07:45" in early.content.decode()
    clock.move_to(at(MONDAY, 7, 50))
    assert (
        reverse("portal:booking-check-in", args=[booking.pk])
        in client.get(reverse("portal:booking-detail", args=[booking.pk])).content.decode()
    )
    client.post(url)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CHECKED_IN
    assert booking.checked_in_via == "portal"


# --- the waitlist ------------------------------------------------------------------------------------


def test_waitlist_offer_can_be_accepted_from_the_portal(client, world):
    other, _company = tenant()
    taken = booking_create(
        resource=world.boardroom, booked_by=other, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11)
    )
    signed_in(client, world.founder)
    client.post(reverse("portal:waitlist-join", args=[world.boardroom.pk]), book_body())
    booking_cancel(booking=taken, actor=other)  # the slot is offered to the founder
    entry = WaitlistEntry.objects.get()
    assert entry.status == WaitlistStatus.OFFERED
    page = client.get(reverse("portal:waitlist"))
    assert reverse("portal:waitlist-accept", args=[entry.pk]) in page.content.decode()
    assert_accessible(page)
    response = client.post(reverse("portal:waitlist-accept", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.ACCEPTED
    assert response.url == reverse("portal:booking-detail", args=[entry.booking_id])
    assert entry.booking.company == world.company


def test_waitlist_entries_of_others_are_404_and_the_list_is_constant(client, world):
    other, _other_company = tenant()
    taken = booking_create(
        resource=world.boardroom, booked_by=world.founder, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11)
    )
    signed_in(client, other)
    client.post(reverse("portal:waitlist-join", args=[world.boardroom.pk]), book_body())
    entry = WaitlistEntry.objects.get()
    signed_in(client, world.founder)
    assert client.post(reverse("portal:waitlist-leave", args=[entry.pk])).status_code == 404
    assert taken.pk

    signed_in(client, other)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("portal:waitlist")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for hour in (12, 14, 16):
        booking_create(
            resource=world.boardroom,
            booked_by=world.founder,
            starts_at=at(MONDAY, hour),
            ends_at=at(MONDAY, hour + 1),
        )
        client.post(
            reverse("portal:waitlist-join", args=[world.boardroom.pk]),
            book_body(starts=f"{hour}:00", ends=f"{hour + 1}:00"),
        )
    assert WaitlistEntry.objects.filter(person=other).count() == 4
    assert count() == few
