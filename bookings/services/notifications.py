"""What bookings tell people, and when: called by the booking services right after a state change.

Each message has a dedupe key per booking and event, so a retried task or a second
run notifies nobody twice. ``notify()`` writes the row in the caller's transaction
and e-mails after commit. Confirmations carry the ``.ics`` invitation (METHOD:REQUEST),
the booker's cancellation the matching METHOD:CANCEL (see ``booking_ics_attachments``).
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from bookings.models import Booking
from bookings.services import ical
from notifications import attachments
from notifications.models import Notification
from notifications.services import notify, notify_many
from tenants.models import Membership

# event → notification kind (templates/notifications/bookings/<event>/)
KINDS = {
    "confirmed": "bookings.confirmed",
    "pending": "bookings.pending",
    "rejected": "bookings.rejected",
    "reminder": "bookings.reminder",
    "cancelled": "bookings.cancelled",
    "no_show": "bookings.no_show",
}


def _context(booking: Booking, **extra: Any) -> dict[str, Any]:
    tz = booking.resource.tzinfo
    # Naive wall-clock times of the campus: the template filters would turn aware ones into UTC.
    return {
        "booking": booking,
        "resource": booking.resource,
        "starts": timezone.localtime(booking.starts_at, tz).replace(tzinfo=None),
        "ends": timezone.localtime(booking.ends_at, tz).replace(tzinfo=None),
        "time_zone": str(tz),
        **extra,
    }


def _company_managers(booking: Booking) -> list[Any]:
    if booking.company_id is None:
        return []
    return [
        m.user
        for m in Membership.objects.managing()
        .filter(company_id=booking.company_id)
        .select_related("user")
        .order_by("pk")
    ]


def booking_notify(
    *, booking: Booking, event: str, actor: Any = None, reason: str = "", created: bool = False
) -> list[Notification]:
    """Tell the people concerned that ``booking`` was ``event`` (a ``KINDS`` key), once per booking and event.

    The booker always hears; a cancellation is also told to the company's owner and
    admins when someone other than the booker (or staff) cancelled. ``created``: the
    booking was made in this transaction, so its keys are fresh.
    """
    kind = KINDS[event]
    context = _context(booking, actor=actor, reason=reason)
    dedupe_key = f"booking:{booking.pk}:{event}"
    sent = [
        notify(
            recipient=booking.booked_by,
            kind=kind,
            context={**context, "is_booker": True},
            subject_obj=booking,
            dedupe_key=dedupe_key,
            fresh_key=created,
        )
    ]
    if event == "cancelled" and actor is not None and (actor.is_staff or actor.pk != booking.booked_by_id):
        others = [u for u in _company_managers(booking) if u.pk != booking.booked_by_id]
        sent += notify_many(
            recipients=others,
            kind=kind,
            context={**context, "is_booker": False},
            subject_obj=booking,
            dedupe_key=dedupe_key,
        )
    return sent


# --- the .ics attachments ---------------------------------------------------------------------------


def booking_ics_attachments(notification: Notification) -> list[attachments.Attachment]:
    """The invitation on a confirmation; the cancellation of it on the booker's cancellation notice."""
    if notification.content_type_id != ContentType.objects.get_for_model(Booking).pk:
        return []
    booking = (
        Booking.objects.select_related("resource__campus", "booked_by")
        .filter(pk=notification.object_id)
        .first()
    )
    if booking is None:
        return []
    if notification.kind == KINDS["confirmed"]:
        return [("invite.ics", ical.booking_invitation_ics(booking), "text/calendar; method=REQUEST")]
    if notification.kind == KINDS["cancelled"] and notification.recipient_id == booking.booked_by_id:
        return [
            (
                "cancel.ics",
                ical.booking_invitation_ics(booking, cancelled=True),
                "text/calendar; method=CANCEL",
            )
        ]
    return []


def register_attachments() -> None:
    """Wired in ``BookingsConfig.ready()``."""
    attachments.register(KINDS["confirmed"], booking_ics_attachments)
    attachments.register(KINDS["cancelled"], booking_ics_attachments)
