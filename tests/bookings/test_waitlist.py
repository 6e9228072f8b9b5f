"""The waitlist: join a taken slot; a release offers it to the first in line and holds it."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from bookings.models import Audience, Booking, BookingClaim, BookingStatus, WaitlistEntry, WaitlistStatus
from bookings.services import bookings as services
from bookings.services import waitlist
from bookings.tasks import waitlist_expire_offers_task
from core.exceptions import ActionForbidden
from core.models import TransitionLog
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.bookings.factories import MONDAY, NOW, area_with_desks, at, policy, room, tenant

pytestmark = pytest.mark.django_db

W = WaitlistStatus
START, END = at(MONDAY, 10), at(MONDAY, 11)


@pytest.fixture(autouse=True)
def _friday_before():
    with time_machine.travel(NOW, tick=False):
        yield


def taken(resource, start=START, end=END):  # type: ignore[no-untyped-def]
    holder, _company = tenant()
    return services.booking_create(resource=resource, booked_by=holder, starts_at=start, ends_at=end, now=NOW)


def join(resource, person=None, start=START, end=END, **kw):  # type: ignore[no-untyped-def]
    person = person or tenant()[0]
    return waitlist.waitlist_join(
        resource=resource, person=person, starts_at=start, ends_at=end, now=NOW, **kw
    )


def states(*entries: WaitlistEntry) -> list[str]:
    return [WaitlistEntry.objects.get(pk=e.pk).status for e in entries]


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- joining ------------------------------------------------------------------------------------


def test_join_a_taken_slot_waits_and_is_logged():
    resource = room()
    taken(resource)
    person, company = tenant()
    # when
    entry = join(resource, person, title="Board meeting", attendees=4)
    # then
    entry.refresh_from_db()
    assert (entry.status, entry.company, entry.person, entry.attendees) == (W.WAITING, company, person, 4)
    log = TransitionLog.objects.for_object(entry).get()
    assert (log.action, log.from_state, log.to_state, log.actor) == ("join", "", W.WAITING, person)


def test_join_refuses_a_free_slot_a_repeat_and_someone_who_may_not_book():
    resource = room()
    person, _company = tenant()
    with pytest.raises(ValidationError) as free:
        join(resource, person)
    assert free.value.code == "slot_free"
    # a slot taken only by the buffer of a neighbour is taken too
    buffered = room(policy(buffer_after_minutes=30))
    taken(buffered, at(MONDAY, 8), at(MONDAY, 10))
    assert join(buffered, person, at(MONDAY, 10), at(MONDAY, 11)).status == W.WAITING
    taken(resource)
    join(resource, person)
    with pytest.raises(ValidationError) as again:
        join(resource, person)
    assert again.value.code == "already_waiting"
    staff_only = room(policy(audience=Audience.STAFF))
    taken_by_staff = services.booking_create(
        resource=staff_only, booked_by=UserFactory(is_staff=True), starts_at=START, ends_at=END, now=NOW
    )
    assert taken_by_staff.pk
    with pytest.raises(ValidationError) as refused:
        join(staff_only, person)
    assert refused.value.code == "not_allowed_to_book"
    assert WaitlistEntry.objects.count() == 2


# --- offers -------------------------------------------------------------------------------------


def test_cancel_offers_the_first_in_line_and_holds_the_slot_with_buffers():
    # given: 10-minute buffers; two people wait, first and second
    resource = room(policy(buffer_before_minutes=10, buffer_after_minutes=10, waitlist_offer_minutes=30))
    booking = taken(resource)
    first, second = join(resource), join(resource)
    # when
    services.booking_cancel(booking=booking, actor=booking.booked_by, now=NOW)
    # then: the first is offered for 30 minutes, the second keeps waiting
    assert states(first, second) == [W.OFFERED, W.WAITING]
    first.refresh_from_db()
    assert first.offer_expires_at == NOW + timedelta(minutes=30)
    hold = BookingClaim.objects.get()
    assert (hold.offer, hold.booking, hold.unit) == (first, None, resource)
    assert (hold.starts_at, hold.ends_at) == (START - timedelta(minutes=10), END + timedelta(minutes=10))
    note = Notification.objects.get(recipient=first.person)
    assert note.kind == "bookings.waitlist.offered"
    assert resource.name in note.subject
    assert "2027-03-01 10:00–11:00" in note.body
    log = TransitionLog.objects.for_object(first).get(action="offer")
    assert (log.from_state, log.to_state) == (W.WAITING, W.OFFERED)


def test_the_hold_blocks_anybody_else_with_409_booking_overlap():
    resource = room()
    booking = taken(resource)
    entry = join(resource)
    services.booking_cancel(booking=booking, actor=booking.booked_by, now=NOW)
    assert states(entry) == [W.OFFERED]
    # when: someone else tries to book the held slot
    other, _company = tenant()
    response = client_for(other).post(
        reverse("api:booking-list"),
        {"resource": resource.pk, "starts_at": START.isoformat(), "ends_at": END.isoformat()},
        format="json",
    )
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "booking_overlap"
    assert not Booking.objects.holding().exists()


def test_a_release_offers_every_slot_it_frees_and_not_those_still_taken():
    # given: 10-12 released; people wait for 10-11, 11-12 and 11-13 (13 is still taken by another booking)
    resource = room()
    booking = taken(resource, at(MONDAY, 10), at(MONDAY, 12))
    taken(resource, at(MONDAY, 12), at(MONDAY, 14))
    early = join(resource, start=at(MONDAY, 10), end=at(MONDAY, 11))
    late = join(resource, start=at(MONDAY, 11), end=at(MONDAY, 12))
    spilling = join(resource, start=at(MONDAY, 11), end=at(MONDAY, 13))
    # when
    services.booking_cancel(booking=booking, actor=booking.booked_by, now=NOW)
    # then
    assert states(early, late, spilling) == [W.OFFERED, W.OFFERED, W.WAITING]


def test_a_release_of_a_whole_area_offers_a_desk_inside_it():
    area, desks = area_with_desks(2)
    booking = taken(area)
    entry = join(desks[0])
    services.booking_cancel(booking=booking, actor=booking.booked_by, now=NOW)
    assert states(entry) == [W.OFFERED]


def test_reject_and_no_show_release_to_the_waitlist_too():
    staff = UserFactory(is_staff=True)
    pending_room = room(policy(requires_approval=True))
    pending = taken(pending_room)
    assert pending.status == BookingStatus.PENDING_APPROVAL
    waiting_for_pending = join(pending_room)
    services.booking_reject(booking=pending, actor=staff)
    assert states(waiting_for_pending) == [W.OFFERED]
    # a no-show releases the rest of its time: a later slot of it is offered
    long_room = room()
    long = taken(long_room, at(MONDAY, 10), at(MONDAY, 14))
    waiting_for_rest = join(long_room, start=at(MONDAY, 12), end=at(MONDAY, 13))
    services.booking_mark_no_show(booking=long, actor=staff, now=at(MONDAY, 10, 30))
    assert states(waiting_for_rest) == [W.OFFERED]


# --- accepting ----------------------------------------------------------------------------------


def test_accept_before_expiry_turns_the_hold_into_a_booking():
    resource = room()
    booking = taken(resource)
    entry = join(resource, title="Investor call", attendees=3)
    services.booking_cancel(booking=booking, actor=booking.booked_by, now=NOW)
    # when: 29 minutes later
    accepted = waitlist.waitlist_accept(entry=entry, actor=entry.person, now=NOW + timedelta(minutes=29))
    # then
    assert accepted.status == W.ACCEPTED
    new = accepted.booking
    assert (new.booked_by, new.company, new.title, new.attendees, new.status) == (
        entry.person,
        entry.company,
        "Investor call",
        3,
        BookingStatus.CONFIRMED,
    )
    assert list(BookingClaim.objects.values_list("booking", "offer")) == [(new.pk, None)]
    assert TransitionLog.objects.for_object(entry).filter(action="accept", to_state=W.ACCEPTED).exists()


def test_accept_after_expiry_is_offer_expired_and_only_the_person_may_accept():
    resource = room(policy(waitlist_offer_minutes=30))
    booking = taken(resource)
    entry = join(resource)
    services.booking_cancel(booking=booking, actor=booking.booked_by, now=NOW)
    with pytest.raises(ActionForbidden):
        waitlist.waitlist_accept(entry=entry, actor=tenant()[0], now=NOW)
    with pytest.raises(ValidationError) as late:
        waitlist.waitlist_accept(entry=entry, actor=entry.person, now=NOW + timedelta(minutes=30))
    assert late.value.code == "offer_expired"
    assert states(entry) == [W.OFFERED]
    assert not Booking.objects.holding().exists()
    assert BookingClaim.objects.filter(offer=entry).exists()


def test_leaving_with_an_offer_passes_it_on():
    resource = room()
    booking = taken(resource)
    first, second = join(resource), join(resource)
    services.booking_cancel(booking=booking, actor=booking.booked_by, now=NOW)
    # when
    waitlist.waitlist_leave(entry=first, actor=first.person, now=NOW)
    # then
    assert states(first, second) == [W.LEFT, W.OFFERED]
    assert list(BookingClaim.objects.values_list("offer", flat=True)) == [second.pk]


# --- expiry -------------------------------------------------------------------------------------


def test_expiry_releases_the_hold_and_offers_the_next_and_twice_is_once():
    resource = room(policy(waitlist_offer_minutes=30))
    booking = taken(resource)
    first, second = join(resource), join(resource)
    services.booking_cancel(booking=booking, actor=booking.booked_by, now=NOW)
    # not yet due: nothing happens
    assert waitlist.waitlist_expire_offers(now=NOW + timedelta(minutes=29)) == {
        "expired": 0,
        "offered": 0,
        "lapsed": 0,
    }
    # when: the task runs after the expiry, twice
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        once = waitlist_expire_offers_task()
        twice = waitlist_expire_offers_task()
    # then
    assert once == {"expired": 1, "offered": 1, "lapsed": 0}
    assert twice == {"expired": 0, "offered": 0, "lapsed": 0}
    assert states(first, second) == [W.EXPIRED, W.OFFERED]
    assert list(BookingClaim.objects.values_list("offer", flat=True)) == [second.pk]
    assert TransitionLog.objects.for_object(first).filter(action="expire").count() == 1
    assert Notification.objects.filter(kind="bookings.waitlist.offered").count() == 2
    second.refresh_from_db()
    assert second.offer_expires_at == NOW + timedelta(minutes=61)


def test_an_offer_never_outlives_the_slot_and_waiting_entries_lapse_when_it_begins():
    resource = room(policy(waitlist_offer_minutes=60))
    booking = taken(resource)
    entry = join(resource)
    services.booking_cancel(booking=booking, actor=booking.booked_by, now=START - timedelta(minutes=20))
    entry.refresh_from_db()
    assert entry.offer_expires_at == START
    still_taken = room()
    taken(still_taken)
    waiting = join(still_taken)
    result = waitlist.waitlist_expire_offers(now=START)
    assert result == {"expired": 1, "offered": 0, "lapsed": 1}
    assert states(entry, waiting) == [W.EXPIRED, W.EXPIRED]


# --- API ----------------------------------------------------------------------------------------


def test_api_join_list_accept_and_leave():
    resource = room()
    booking = taken(resource)
    person, company = tenant()
    colleague, _ = tenant(company, role="member")
    client = client_for(person)
    body = {"resource": resource.pk, "starts_at": START.isoformat(), "ends_at": END.isoformat()}
    # join
    created = client.post(reverse("api:waitlist-entry-list"), body, format="json")
    assert created.status_code == 201, created.content
    entry_id = created.json()["id"]
    assert created.json()["status"] == W.WAITING
    # a free slot is a 400 slot_free
    free = client.post(
        reverse("api:waitlist-entry-list"),
        {**body, "starts_at": at(MONDAY, 15).isoformat(), "ends_at": at(MONDAY, 16).isoformat()},
        format="json",
    )
    assert (free.status_code, free.json()["code"]) == (400, "slot_free")
    # the colleague sees it but may not accept it; an outsider does not see it
    assert entry_id in [
        row["id"] for row in client_for(colleague).get(reverse("api:waitlist-entry-list")).json()["results"]
    ]
    outsider = client_for(tenant()[0])
    assert outsider.get(reverse("api:waitlist-entry-detail", args=[entry_id])).status_code == 404
    services.booking_cancel(booking=booking, actor=booking.booked_by)
    assert (
        client_for(colleague).post(reverse("api:waitlist-entry-accept", args=[entry_id])).status_code == 403
    )
    # accept
    accepted = client.post(reverse("api:waitlist-entry-accept", args=[entry_id]))
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == W.ACCEPTED
    assert Booking.objects.get(pk=accepted.json()["booking"]).booked_by == person
    # leaving now is refused
    left = client.post(reverse("api:waitlist-entry-leave", args=[entry_id]))
    assert (left.status_code, left.json()["code"]) == (400, "transition_not_allowed")


def test_api_list_runs_a_constant_number_of_queries():
    person, _company = tenant()
    client = client_for(person)

    def make(n: int) -> None:
        for i in range(n):
            resource = room()
            taken(resource)
            join(resource, person, title=f"#{i}")

    def counted() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("api:waitlist-entry-list"), {"page_size": 100})
        assert response.status_code == 200
        return response.json()["count"], len(ctx.captured_queries)

    make(3)
    count, few = counted()
    assert count == 3
    make(17)
    count, many = counted()
    assert count == 20
    assert few == many


# --- admin --------------------------------------------------------------------------------------


def test_admin_lists_entries_allowances_and_the_ledger_and_removes_an_entry_through_the_service(client):
    resource = room()
    booking = taken(resource)
    first, second = join(resource), join(resource)
    services.booking_cancel(booking=booking, actor=booking.booked_by, now=NOW)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    for name in ("waitlistentry", "creditallowance", "creditentry"):
        assert client.get(reverse(f"admin:bookings_{name}_changelist")).status_code == 200, name
    # when: staff remove the first (offered) entry
    response = client.post(
        reverse("admin:bookings_waitlistentry_changelist"),
        {"action": "remove", "_selected_action": [first.pk]},
    )
    # then: the service ran: it is left, and the offer went to the next in line
    assert response.status_code == 302
    assert states(first, second) == [W.LEFT, W.OFFERED]
    assert TransitionLog.objects.for_object(first).get(action="leave").actor == staff
