"""The beat tasks: no-shows released after exactly the grace, ended bookings completed, reminders once;
each run twice has a single effect. Repeat no-shows counted per person and company."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import tasks
from bookings.models import Booking, BookingClaim, BookingStatus
from bookings.selectors.no_shows import no_show_counts
from bookings.services import bookings as services
from config.celery import app as celery_app
from core.models import TransitionLog
from notifications.models import Notification
from tenants.models import MemberRole
from tests.bookings.factories import MONDAY, NOW, at, policy, room, tenant

pytestmark = pytest.mark.django_db


def book(resource, user, start=None, end=None, **kw):  # type: ignore[no-untyped-def]
    return services.booking_create(
        resource=resource,
        booked_by=user,
        starts_at=start or at(MONDAY, 10),
        ends_at=end or at(MONDAY, 11),
        now=NOW,
        **kw,
    )


def actions(booking: Booking) -> list[str]:
    return list(TransitionLog.objects.for_object(booking).order_by("pk").values_list("action", flat=True))


def test_no_show_is_released_at_exactly_the_grace_and_once():
    # given: a 10:00 booking with check-in required and 15 minutes' grace
    resource = room(policy(check_in_required=True, check_in_grace_minutes=15))
    user, _company = tenant()
    booking = book(resource, user)
    # when: the task runs one second before the grace is over
    with time_machine.travel(at(MONDAY, 10, 14) + timedelta(seconds=59), tick=False):
        early = tasks.booking_no_shows_release_task()
    # then: nothing is released
    assert early == 0
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    # when: it runs at 10:15:00, and again
    with time_machine.travel(at(MONDAY, 10, 15), tick=False):
        first = tasks.booking_no_shows_release_task()
        second = tasks.booking_no_shows_release_task()
    # then: released once, its time freed, logged and told once
    booking.refresh_from_db()
    assert (first, second) == (1, 0)
    assert booking.status == BookingStatus.NO_SHOW
    assert booking.released_at == at(MONDAY, 10, 15)
    assert not BookingClaim.objects.filter(booking=booking).exists()
    assert actions(booking) == ["create", "mark_no_show"]
    assert list(Notification.objects.filter(kind="bookings.no_show").values_list("recipient", flat=True)) == [
        user.pk
    ]


def test_no_show_release_respects_each_policys_grace():
    # given: a 30-minute grace
    resource = room(policy(check_in_required=True, check_in_grace_minutes=30))
    user, _ = tenant()
    booking = book(resource, user)
    # when
    with time_machine.travel(at(MONDAY, 10, 20), tick=False):
        at_20 = tasks.booking_no_shows_release_task()
    with time_machine.travel(at(MONDAY, 10, 30), tick=False):
        at_30 = tasks.booking_no_shows_release_task()
    # then
    assert (at_20, at_30) == (0, 1)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.NO_SHOW


def test_checked_in_and_check_in_free_bookings_are_not_released():
    # given: one checked-in booking, one on a policy without check-in
    user, _ = tenant()
    checked = book(room(policy(check_in_required=True)), user)
    services.booking_check_in(booking=checked, actor=user, now=at(MONDAY, 10, 5))
    free = book(room(policy(check_in_required=False)), user)
    # when
    with time_machine.travel(at(MONDAY, 10, 45), tick=False):
        released = tasks.booking_no_shows_release_task()
    # then
    assert released == 0
    assert Booking.objects.get(pk=checked.pk).status == BookingStatus.CHECKED_IN
    assert Booking.objects.get(pk=free.pk).status == BookingStatus.CONFIRMED


def test_ended_bookings_are_completed_once():
    # given: a checked-in booking, a check-in-free confirmed one, a cancelled one, all 10:00–11:00
    user, _ = tenant()
    checked = book(room(policy(check_in_required=True)), user)
    services.booking_check_in(booking=checked, actor=user, now=at(MONDAY, 10))
    free = book(room(policy(check_in_required=False)), user)
    cancelled = book(room(), user)
    services.booking_cancel(booking=cancelled, actor=user, now=NOW)
    # when: before the end, at the end, and again
    with time_machine.travel(at(MONDAY, 10, 59), tick=False):
        before = tasks.bookings_complete_ended_task()
    with time_machine.travel(at(MONDAY, 11), tick=False):
        at_end = tasks.bookings_complete_ended_task()
        again = tasks.bookings_complete_ended_task()
    # then
    assert (before, at_end, again) == (0, 2, 0)
    assert Booking.objects.get(pk=checked.pk).status == BookingStatus.COMPLETED
    assert Booking.objects.get(pk=free.pk).status == BookingStatus.COMPLETED
    assert Booking.objects.get(pk=cancelled.pk).status == BookingStatus.CANCELLED
    assert actions(free) == ["create", "complete"]


def test_reminder_is_sent_once_before_the_start(settings):
    # given: reminders 30 minutes ahead
    settings.BOOKINGS_REMINDER_MINUTES = 30
    user, _ = tenant()
    booking = book(room(), user)
    other = book(room(), user)
    services.booking_cancel(booking=other, actor=user, now=NOW)
    # when
    with time_machine.travel(at(MONDAY, 9, 29), tick=False):
        early = tasks.booking_reminders_send_task()
    with time_machine.travel(at(MONDAY, 9, 30), tick=False):
        due = tasks.booking_reminders_send_task()
    with time_machine.travel(at(MONDAY, 9, 31), tick=False):
        again = tasks.booking_reminders_send_task()
    # then: one reminder, to the booker, with the campus's local time
    assert (early, due, again) == (0, 1, 0)
    booking.refresh_from_db()
    assert booking.reminder_sent_at == at(MONDAY, 9, 30)
    reminder = Notification.objects.get(kind="bookings.reminder")
    assert reminder.recipient == user
    assert reminder.object_id == booking.pk
    assert "10:00" in reminder.subject


def test_beat_schedule_runs_the_booking_tasks():
    # given
    registered = set(celery_app.tasks)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    # then: each booking task is scheduled under its real name
    for task in (
        tasks.booking_no_shows_release_task,
        tasks.bookings_complete_ended_task,
        tasks.booking_reminders_send_task,
    ):
        assert task.name in scheduled
        assert task.name in registered


# --- repeat no-shows ------------------------------------------------------------------------------


def _no_shows(resource, user, n, company=None):  # type: ignore[no-untyped-def]
    for i in range(n):
        booking = book(resource, user, at(MONDAY, 10 + i), at(MONDAY, 10 + i, 30), company=company)
        services.booking_mark_no_show(booking=booking, now=at(MONDAY, 10 + i, 15))


def test_no_show_counts_per_person_and_company(django_assert_num_queries):
    # given: two people of one company and one of another
    resource = room(policy(check_in_required=True))
    alice, acme = tenant()
    bob, _ = tenant(acme, role=MemberRole.MEMBER)
    carol, other = tenant()
    _no_shows(resource, alice, 3)
    _no_shows(room(policy(check_in_required=True)), bob, 1)
    _no_shows(room(policy(check_in_required=True)), carol, 2)
    # when
    with django_assert_num_queries(2):
        counts = no_show_counts(since=at(MONDAY, 0))
    # then
    assert [(row["user"], row["no_shows"]) for row in counts["people"]] == [
        (alice.pk, 3),
        (carol.pk, 2),
        (bob.pk, 1),
    ]
    assert [(row["company"], row["no_shows"]) for row in counts["companies"]] == [(acme.pk, 4), (other.pk, 2)]
    assert no_show_counts(since=at(MONDAY, 11, 59)) == {
        "people": [{"user": alice.pk, "email": alice.email, "name": alice.get_full_name(), "no_shows": 1}],
        "companies": [{"company": acme.pk, "name": acme.name, "no_shows": 1}],
    }


def _stats_queries(client, url) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"since": at(MONDAY, 0).isoformat()})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_no_show_stats_endpoint_is_staff_only_with_constant_queries(api_client, staff_user):
    # given
    user, _company = tenant()
    _no_shows(room(policy(check_in_required=True)), user, 3)
    url = reverse("api:no-show-stat-list")
    # when: a tenant asks
    api_client.force_authenticate(user)
    refused = api_client.get(url)
    # then
    assert refused.status_code == 403
    # when: staff ask, with 3 people and then with 20
    api_client.force_authenticate(staff_user)
    few = _stats_queries(api_client, url)
    for _ in range(17):
        _no_shows(room(policy(check_in_required=True)), tenant()[0], 1)
    many = _stats_queries(api_client, url)
    body = api_client.get(url, {"since": at(MONDAY, 0).isoformat()}).json()
    # then
    assert few == many
    assert len(body["people"]) == 18
    assert body["people"][0] == {
        "user": user.pk,
        "email": user.email,
        "name": user.get_full_name(),
        "no_shows": 3,
    }
    assert api_client.get(url, {"since": "not a date"}).status_code == 400
