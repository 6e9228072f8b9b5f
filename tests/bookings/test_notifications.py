"""What bookings tell people: confirmation (with the .ics invitation), pending, approval and rejection,
cancellation (with METHOD:CANCEL), each once, to the right people, in the campus's local time."""

from datetime import datetime

import pytest
from django.core import mail
from icalendar import Calendar

from bookings.models import Booking
from bookings.services import bookings as services
from bookings.services.notifications import booking_notify
from notifications import tasks as notification_tasks
from notifications.models import Notification
from tenants.models import MemberRole
from tests.accounts.factories import UserFactory
from tests.bookings.factories import MONDAY, NOW, SHANGHAI, at, policy, room, tenant

pytestmark = pytest.mark.django_db


def book(resource, user, **kw):  # type: ignore[no-untyped-def]
    return services.booking_create(
        resource=resource, booked_by=user, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11), now=NOW, **kw
    )


def sent(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("pk"))


def email_of(notification: Notification):  # type: ignore[no-untyped-def]
    """Run the e-mail task twice (a retry): one message goes out; return it."""
    before = len(mail.outbox)
    notification_tasks.notification_email_send_task(notification.pk)
    notification_tasks.notification_email_send_task(notification.pk)
    assert len(mail.outbox) == before + 1
    return mail.outbox[-1]


def ics_of(message) -> Calendar:  # type: ignore[no-untyped-def]
    (attachment,) = message.attachments
    filename, content, mimetype = attachment
    assert filename.endswith(".ics")
    assert mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def test_confirmation_is_sent_once_with_an_ics_invitation_in_the_campus_zone():
    # given
    resource = room()
    user, _company = tenant()
    # when
    booking = book(resource, user, title="Board meeting")
    booking_notify(booking=booking, event="confirmed")  # a retried hook: the dedupe key holds
    # then: one notification, to the booker, with the local (Shanghai) time
    (confirmation,) = sent("bookings.confirmed")
    assert confirmation.recipient == user
    assert confirmation.object_id == booking.pk
    assert "10:00" in confirmation.subject
    assert "2027-03-01" in confirmation.subject
    assert "Asia/Shanghai" in confirmation.body
    # and the e-mail carries a valid invitation
    message = email_of(confirmation)
    assert message.to == [user.email]
    cal = ics_of(message)
    assert cal["METHOD"] == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("DTSTART") == at(MONDAY, 10)
    assert event.decoded("DTSTART").utcoffset() == SHANGHAI.utcoffset(datetime(2027, 3, 1))  # noqa: DTZ001
    assert event.decoded("DTEND") == at(MONDAY, 11)
    assert str(event["SUMMARY"]) == "Board meeting"
    assert event["SEQUENCE"] == 0
    assert str(event["UID"]).startswith(f"booking-{booking.pk}@")
    assert str(event["ATTENDEE"]) == f"mailto:{user.email}"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert 'Content-Type: text/calendar; method="REQUEST"' in message.message().as_string()


def test_approval_flow_tells_the_booker_pending_then_confirmed():
    # given: a policy that needs approval
    resource = room(policy(requires_approval=True))
    user, _ = tenant()
    staff = UserFactory(is_staff=True)
    # when
    booking = book(resource, user)
    services.booking_approve(booking=booking, actor=staff)
    # then
    assert [n.recipient for n in sent("bookings.pending")] == [user]
    assert [n.recipient for n in sent("bookings.confirmed")] == [user]
    assert ics_of(email_of(sent("bookings.confirmed")[0]))["METHOD"] == "REQUEST"
    assert email_of(sent("bookings.pending")[0]).attachments == []


def test_rejection_tells_the_booker_with_the_reason():
    # given
    resource = room(policy(requires_approval=True))
    user, _ = tenant()
    booking = book(resource, user)
    # when
    services.booking_reject(booking=booking, actor=UserFactory(is_staff=True), reason="Room under repair")
    # then
    (rejection,) = sent("bookings.rejected")
    assert rejection.recipient == user
    assert "Room under repair" in rejection.body
    assert sent("bookings.confirmed") == []


def test_cancellation_by_the_booker_tells_only_the_booker_with_method_cancel():
    # given: a company with an owner, an admin and the booking member
    _owner, company = tenant()
    tenant(company, role=MemberRole.ADMIN)
    member, _ = tenant(company, role=MemberRole.MEMBER)
    booking = book(room(), member)
    # when
    services.booking_cancel(booking=booking, actor=member, now=NOW)
    # then
    (cancellation,) = sent("bookings.cancelled")
    assert cancellation.recipient == member
    cal = ics_of(email_of(cancellation))
    (invite,) = ics_of(email_of(sent("bookings.confirmed")[0])).walk("VEVENT")
    (event,) = cal.walk("VEVENT")
    assert cal["METHOD"] == "CANCEL"
    assert str(event["UID"]) == str(invite["UID"])
    assert event["SEQUENCE"] == 1
    assert str(event["STATUS"]) == "CANCELLED"


def test_cancellation_by_someone_else_also_tells_the_companys_owner_and_admins():
    # given
    owner, company = tenant()
    admin, _ = tenant(company, role=MemberRole.ADMIN)
    member, _ = tenant(company, role=MemberRole.MEMBER)
    bystander, _ = tenant(company, role=MemberRole.MEMBER)
    booking = book(room(), member)
    # when: the owner cancels the member's booking
    services.booking_cancel(booking=booking, actor=owner, reason="Double booked", now=NOW)
    # then: booker, owner and admin hear once each; only the booker's e-mail carries the CANCEL
    notices = {n.recipient: n for n in sent("bookings.cancelled")}
    assert set(notices) == {member, owner, admin}
    assert bystander not in notices
    assert ics_of(email_of(notices[member]))["METHOD"] == "CANCEL"
    assert email_of(notices[owner]).attachments == []
    assert owner.get_full_name() in notices[member].body
    assert "Double booked" in notices[admin].body


def test_cancellation_by_staff_tells_the_booker_and_the_company():
    # given: a member's booking
    owner, company = tenant()
    member, _ = tenant(company, role=MemberRole.MEMBER)
    booking = book(room(), member)
    staff = UserFactory(is_staff=True)
    # when
    services.booking_cancel(booking=booking, actor=staff, now=NOW)
    # then: the booker and the owner hear, saying the campus team cancelled; staff get nothing
    notices = {n.recipient: n for n in sent("bookings.cancelled")}
    assert set(notices) == {member, owner}
    assert "campus team" in notices[member].body
    assert "campus team" in notices[owner].body


def test_notifications_are_written_in_the_same_transaction_as_the_change():
    # given: a create refused by the policy
    resource = room(policy(max_duration_minutes=30))
    user, _ = tenant()
    # when
    with pytest.raises(Exception):  # noqa: B017,PT011
        book(resource, user)
    # then: no booking, no notification
    assert not Booking.objects.exists()
    assert not Notification.objects.filter(kind__startswith="bookings.").exists()
