from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from bookings.models import Booking, BookingClaim, BookingStatus, CheckInVia, ResourcePool
from bookings.services.bookings import booking_create
from core.models import TransitionLog
from tests.bookings.factories import MONDAY, NOW, area_with_desks, at, policy, room, tenant
from tests.spaces.factories import FloorFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:bookings_booking_changelist"
DAY = "admin:bookings_booking_day"


@pytest.fixture
def admin_client(client, staff_user):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    return client


@pytest.fixture(autouse=True)
def _at_now():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def _book(resource, user, company, hh: int, *, day=MONDAY, hours: int = 1, **kw):  # type: ignore[no-untyped-def]
    return booking_create(
        resource=resource,
        booked_by=user,
        company=company,
        starts_at=at(day, hh),
        ends_at=at(day, hh + hours),
        now=NOW,
        **kw,
    )


def _logs(booking: Booking) -> list[tuple[str, str, str]]:
    return list(
        TransitionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Booking), object_id=str(booking.pk)
        )
        .order_by("pk")
        .values_list("action", "to_state", "reason")
    )


def _rooms_with_bookings(n: int):  # type: ignore[no-untyped-def]
    """``n`` bookings on rooms of one floor, 08:00–20:00 slots across rooms."""
    pol = policy()
    floor = FloorFactory()
    user, company = tenant()
    rooms = [room(pol, floor=floor) for _ in range((n + 11) // 12)]
    for i in range(n):
        _book(rooms[i // 12], user, company, 8 + i % 12, title=f"Meeting {i}")
    return floor.building


# -- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["bookingpolicy", "resource", "resourcepool", "booking"])
def test_changelists_and_add_pages_open(admin_client, model):
    # given
    user, company = tenant()
    resource = room()
    booking = _book(resource, user, company, 10)
    pool = ResourcePool.objects.create(campus=resource.campus, code="rooms", name="Any room")
    pool.members.add(resource)
    objects = {
        "bookingpolicy": resource.policy,
        "resource": resource,
        "resourcepool": pool,
        "booking": booking,
    }
    # when
    changelist = admin_client.get(reverse(f"admin:bookings_{model}_changelist"))
    add = admin_client.get(reverse(f"admin:bookings_{model}_add"))
    change = admin_client.get(reverse(f"admin:bookings_{model}_change", args=[objects[model].pk]))
    # then
    assert (changelist.status_code, add.status_code, change.status_code) == (200, 200, 200)


def test_booking_changelist_shows_local_times_and_filters_and_searches(admin_client):
    # given
    user, company = tenant()
    resource = room()
    _book(resource, user, company, 10, title="Board meeting")
    url = reverse(CHANGELIST)
    # when
    page = admin_client.get(url)
    by_building = admin_client.get(
        url, {"resource__location__floor__building__id__exact": resource.location.floor.building_id}
    )
    by_kind = admin_client.get(url, {"resource__kind": "event_hall"})
    by_mail = admin_client.get(url, {"q": user.email})
    # then
    assertContains(page, "2027-03-01 <span title='Asia/Shanghai'>10:00</span>", html=False)
    assertContains(page, "11:00")
    assertContains(by_building, "Board meeting")
    assertNotContains(by_kind, "Board meeting")
    assertContains(by_mail, "Board meeting")


def test_approval_queue_lists_pending_bookings_soonest_first(admin_client):
    # given
    hall = room(policy(requires_approval=True), kind="event_hall", capacity=50)
    user, company = tenant()
    later = _book(hall, user, company, 15, title="Later launch")
    sooner = _book(hall, user, company, 9, title="Sooner launch")
    _book(room(), user, company, 9, title="Plain meeting")
    # when
    response = admin_client.get(reverse(CHANGELIST), {"queue": "approval"})
    # then
    assert [b.pk for b in response.context["cl"].result_list] == [sooner.pk, later.pk]
    assert {sooner.status, later.status} == {BookingStatus.PENDING_APPROVAL}


def test_booking_changelist_runs_constant_queries(admin_client):
    # given
    _rooms_with_bookings(5)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(reverse(CHANGELIST)).status_code == 200
    _rooms_with_bookings(45)
    # when
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(reverse(CHANGELIST))
    # then
    assert response.context["cl"].result_count == 50
    assert len(many) == len(few)


# -- actions -------------------------------------------------------------------------------------


def test_approve_action_confirms_and_logs(admin_client, staff_user):
    # given
    hall = room(policy(requires_approval=True), kind="event_hall", capacity=50)
    user, company = tenant()
    booking = _book(hall, user, company, 10)
    # when
    response = admin_client.post(reverse(CHANGELIST), {"action": "approve", "_selected_action": [booking.pk]})
    # then
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert _logs(booking)[-1] == ("approve", BookingStatus.CONFIRMED, "")
    assert TransitionLog.objects.filter(action="approve", actor=staff_user).count() == 1


@pytest.mark.parametrize(
    ("action", "status"), [("reject", BookingStatus.REJECTED), ("cancel", BookingStatus.CANCELLED)]
)
def test_reject_and_cancel_ask_for_a_reason_then_release_the_time(admin_client, action, status):
    # given
    hall = room(policy(requires_approval=True), kind="event_hall", capacity=50)
    user, company = tenant()
    booking = _book(hall, user, company, 10)
    url = reverse(CHANGELIST)
    # when
    form = admin_client.post(url, {"action": action, "_selected_action": [booking.pk]})
    no_reason = admin_client.post(url, {"action": action, "_selected_action": [booking.pk], "apply": "1"})
    done = admin_client.post(
        url,
        {"action": action, "_selected_action": [booking.pk], "apply": "1", "reason": "Hall closed for works"},
    )
    # then
    assert form.status_code == 200
    assertContains(form, 'name="reason"')
    assert no_reason.status_code == 200  # the form again, with the error
    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == status
    assert _logs(booking)[-1] == (action, status, "Hall closed for works")
    assert not BookingClaim.objects.filter(booking=booking).exists()


def test_a_refused_action_reports_the_error_and_changes_nothing(admin_client):
    # given: a confirmed booking cannot be approved; a pending one can
    user, company = tenant()
    confirmed = _book(room(), user, company, 10)
    hall = room(policy(requires_approval=True), kind="event_hall", capacity=50)
    pending = _book(hall, user, company, 10)
    # when
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "approve", "_selected_action": [confirmed.pk, pending.pk]},
        follow=True,
    )
    # then
    texts = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert (
        "error",
        f"{confirmed.resource} 2027-03-01 10:00: Cannot approve: the state is “confirmed”.",
    ) in texts
    assert ("success", "1 done.") in texts
    confirmed.refresh_from_db()
    assert confirmed.status == BookingStatus.CONFIRMED
    assert [a for a, *_ in _logs(confirmed)] == ["create"]


def test_check_in_action_checks_in_via_staff_when_the_window_is_open(admin_client):
    # given
    user, company = tenant()
    resource = room()
    early = _book(resource, user, company, 10)
    url = reverse(CHANGELIST)
    # when: too early, then during the booking
    admin_client.post(url, {"action": "check_in", "_selected_action": [early.pk]})
    early.refresh_from_db()
    status_too_early = early.status
    with time_machine.travel(at(MONDAY, 10, 5), tick=False):
        admin_client.post(url, {"action": "check_in", "_selected_action": [early.pk]})
    # then
    early.refresh_from_db()
    assert status_too_early == BookingStatus.CONFIRMED
    assert (early.status, early.checked_in_via) == (BookingStatus.CHECKED_IN, CheckInVia.STAFF)


def test_mark_no_show_action_releases_the_time(admin_client):
    # given
    user, company = tenant()
    booking = _book(room(), user, company, 10)
    # when
    with time_machine.travel(at(MONDAY, 10, 30), tick=False):
        admin_client.post(reverse(CHANGELIST), {"action": "mark_no_show", "_selected_action": [booking.pk]})
    # then
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW
    assert booking.released_at is not None
    assert not booking.claims.exists()
    assert _logs(booking)[-1][:2] == ("mark_no_show", BookingStatus.NO_SHOW)


def test_bookings_cannot_be_deleted_in_the_admin(admin_client):
    # given
    user, company = tenant()
    booking = _book(room(), user, company, 10)
    # when
    response = admin_client.get(reverse("admin:bookings_booking_delete", args=[booking.pk]))
    # then
    assert response.status_code == 403
    assert Booking.objects.filter(pk=booking.pk).exists()


# -- booking on behalf of a company --------------------------------------------------------------


def _add_body(resource, company, start: str, end: str, **extra):  # type: ignore[no-untyped-def]
    return {
        "resource": resource.pk,
        "company": company.pk,
        "title": "Investor pitch",
        "attendees": 4,
        "starts_at_0": MONDAY.isoformat(),
        "starts_at_1": start,
        "ends_at_0": MONDAY.isoformat(),
        "ends_at_1": end,
        **extra,
    }


def test_staff_book_on_behalf_of_a_company_in_the_campus_local_time(admin_client, staff_user):
    # given
    _user, company = tenant()
    resource = room(capacity=8)
    # when
    response = admin_client.post(
        reverse("admin:bookings_booking_add"), _add_body(resource, company, "14:00", "15:30")
    )
    # then
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.starts_at, booking.ends_at) == (at(MONDAY, 14), at(MONDAY, 15, 30))
    assert (booking.company, booking.booked_by, booking.status) == (
        company,
        staff_user,
        BookingStatus.CONFIRMED,
    )
    assert booking.claims.count() == 1
    assert _logs(booking) == [("create", BookingStatus.CONFIRMED, "")]


def test_admin_booking_shows_the_services_refusal_on_the_form(admin_client):
    # given: the room is taken 14:00–15:00
    user, company = tenant()
    resource = room(capacity=8)
    _book(resource, user, company, 14)
    url = reverse("admin:bookings_booking_add")
    # when
    clash = admin_client.post(url, _add_body(resource, company, "14:30", "15:30"))
    closed = admin_client.post(url, _add_body(resource, company, "20:00", "21:00"))
    # then
    assert clash.status_code == closed.status_code == 200
    assertContains(clash, "already booked")
    assertContains(closed, "is not open for the whole of that time")
    assert Booking.objects.count() == 1


# -- resources -----------------------------------------------------------------------------------


def test_resource_policy_is_editable_and_space_fields_follow_the_space(admin_client):
    # given
    resource = room()
    other = policy(name="Premium rooms")
    # when
    page = admin_client.get(reverse("admin:bookings_resource_change", args=[resource.pk]))
    response = admin_client.post(
        reverse("admin:bookings_resource_change", args=[resource.pk]),
        {"policy": other.pk, "is_active": "on", "name": "Renamed"},
    )
    # then
    assertContains(page, reverse("admin:spaces_space_change", args=[resource.space_id]))
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.policy == other
    assert resource.name != "Renamed"


def test_pool_admin_lists_member_counts(admin_client):
    # given
    area, desks = area_with_desks(3)
    pool = ResourcePool.objects.create(campus=area.campus, code="desks-12f", name="Any hot desk on 12F")
    pool.members.set(desks)
    # when
    response = admin_client.get(reverse("admin:bookings_resourcepool_changelist"))
    # then
    assert response.context["cl"].result_list[0].member_total == 3


# -- day view ------------------------------------------------------------------------------------


def test_day_view_draws_bookings_closed_times_and_held_desks(admin_client):
    # given: the area is booked 09:00–11:00; a desk in it 14:00–15:00; open 08:00–20:00
    area, desks = area_with_desks(2)
    user, company = tenant()
    _book(area, user, company, 9, hours=2, title="Team offsite")
    _book(desks[0], user, company, 14, title="Desk day")
    building = area.location.floor.building
    # when
    response = admin_client.get(reverse(DAY), {"building": building.pk, "date": MONDAY.isoformat()})
    # then
    assert response.status_code == 200
    floors = response.context["floors"]
    rows = {row.resource.pk: row for group in floors for row in group.rows}
    assert set(rows) == {area.pk, *(d.pk for d in desks)}
    cells = response.context["cells"]
    assert (cells[0]["label"], cells[-1]["label"], len(cells)) == ("07:00", "21:30", 30)
    [block] = rows[area.pk].bookings
    assert block.label == "Team offsite"
    assert (round(block.left, 2), round(block.width, 2)) == (
        round(120 / 900 * 100, 2),
        round(120 / 900 * 100, 2),
    )
    assert "status-confirmed" in block.css
    # closed 07:00–08:00 and 20:00–22:00
    assert [(round(s.left, 2), round(s.width, 2)) for s in rows[area.pk].closed] == [
        (0.0, round(60 / 900 * 100, 2)),
        (round(780 / 900 * 100, 2), round(120 / 900 * 100, 2)),
    ]
    assert len(rows[desks[1].pk].held) == 1  # held by the area's booking
    assert len(rows[desks[0].pk].held) == 1
    assert len(rows[desks[0].pk].bookings) == 1
    assertContains(response, "Team offsite")
    assertContains(
        response,
        reverse(DAY) + f"?building={building.pk}&amp;date={(MONDAY + timedelta(days=1)).isoformat()}",
    )


def test_day_view_shades_a_public_holiday_closed(admin_client):
    # given: 2027-05-03 is a Labour Day holiday in China
    area, _desks = area_with_desks(1)
    # when
    response = admin_client.get(
        reverse(DAY), {"building": area.location.floor.building_id, "date": "2027-05-03"}
    )
    # then
    assert response.context["is_holiday"]
    row = response.context["floors"][0].rows[0]
    assert [(s.left, s.width) for s in row.closed] == [(0.0, 100.0)]


def test_day_view_without_parameters_shows_today_in_the_first_building(admin_client):
    # given
    resource = room()
    # when
    response = admin_client.get(reverse(DAY), {"date": "not-a-date"})
    # then
    assert response.status_code == 200
    assert response.context["building"] == resource.location.floor.building
    assert response.context["day"] == NOW.date()


def test_day_view_runs_constant_queries(admin_client):
    # given
    building = _rooms_with_bookings(5)
    url = reverse(DAY)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url, {"building": building.pk, "date": MONDAY.isoformat()})
    big = _rooms_with_bookings(50)
    # when
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url, {"building": big.pk, "date": MONDAY.isoformat()})
    # then
    assert response.context["booking_count"] == 50
    assert len(many) == len(few)


def test_day_view_needs_staff(client, user):
    # given
    client.force_login(user)
    # when
    response = client.get(reverse(DAY))
    # then
    assert response.status_code == 302  # to the admin login
