"""RFC 5545 iCalendar for bookings: the invitation attached to confirmations and the subscribable feeds.

Times are written in the campus's zone with a ``TZID`` and the matching ``VTIMEZONE``
(``Calendar.add_missing_timezones``), so calendar apps show the wall-clock time of
the campus. A booking's ``UID`` is stable, so an update or cancellation replaces the
event the person already has.
"""

from collections.abc import Iterable
from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from bookings.models import Booking, BookingStatus

PRODID = "-//Campus//Bookings//EN"

# SEQUENCE of a booking's invitation: bookings are not rescheduled, so the only
# revision is the cancellation (RFC 5546: a CANCEL carries a higher SEQUENCE).
SEQUENCE_CONFIRMED = 0
SEQUENCE_CANCELLED = 1

_STATUS = {
    BookingStatus.PENDING_APPROVAL: "TENTATIVE",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.REJECTED: "CANCELLED",
    BookingStatus.NO_SHOW: "CANCELLED",
}


def _uid_domain() -> str:
    return urlsplit(getattr(settings, "SITE_URL", "")).hostname or "campus.localhost"


def booking_uid(booking: Booking) -> str:
    """The event's UID: the same for every message and feed about this booking."""
    return f"booking-{booking.pk}@{_uid_domain()}"


def _location(booking: Booking) -> str:
    return f"{booking.resource.name}, {booking.resource.campus.name}"


def booking_event(
    booking: Booking, *, private: bool = False, sequence: int = 0, now: datetime | None = None
) -> Event:
    """One VEVENT for ``booking``; ``private`` leaves out everything but the busy time ("Busy")."""
    tz = booking.resource.tzinfo
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", booking.starts_at.astimezone(tz))
    event.add("dtend", booking.ends_at.astimezone(tz))
    event.add("sequence", sequence)
    event.add("transp", "OPAQUE")
    if private:
        event.add("summary", _("Busy"))
        event.add("class", "PRIVATE")
        return event
    event.add("summary", booking.title or booking.resource.name)
    event.add("location", _location(booking))
    event.add("status", _STATUS.get(booking.status, "CONFIRMED"))
    return event


def _calendar(method: str = "") -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def booking_invitation_ics(
    booking: Booking, *, cancelled: bool = False, now: datetime | None = None
) -> bytes:
    """The ``.ics`` for the booker: ``METHOD:REQUEST`` on confirmation, ``METHOD:CANCEL`` on cancellation."""
    cal = _calendar("CANCEL" if cancelled else "REQUEST")
    event = booking_event(booking, sequence=SEQUENCE_CANCELLED if cancelled else SEQUENCE_CONFIRMED, now=now)
    if cancelled:
        event["status"] = "CANCELLED"
    organizer = vCalAddress(f"mailto:{_organizer_email()}")
    organizer.params["cn"] = vText(_("Campus bookings"))
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.booked_by.email}")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _organizer_email() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@campus.localhost"


def feed_ics(*, name: str, bookings: Iterable[Booking], private: bool, now: datetime | None = None) -> bytes:
    """A subscribable calendar of ``bookings`` (no METHOD: it is published, not sent)."""
    now = now or timezone.now()
    cal = _calendar()
    cal.add("x-wr-calname", name)
    for booking in bookings:
        cal.add_component(
            booking_event(
                booking,
                private=private,
                sequence=SEQUENCE_CANCELLED if booking.status == BookingStatus.CANCELLED else 0,
                now=now,
            )
        )
    cal.add_missing_timezones()
    return cal.to_ical()
