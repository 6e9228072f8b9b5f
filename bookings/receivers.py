"""Keep each bookable space's resource in step with the space, and a person's bookings with their
membership (wired in ``BookingsConfig.ready``)."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from spaces.models import Space
from tenants.signals import membership_changed


@receiver(post_save, sender=Space, dispatch_uid="bookings_space_resource_sync")
def space_saved(sender: Any, instance: Space, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from bookings.services.resources import resource_sync_for_space

    resource_sync_for_space(space=instance)


def membership_ended_bookings_cancel(sender: Any, *, membership: Any, **kwargs: Any) -> None:
    """Someone left a company: their bookings for it that have not started are cancelled, each with
    the usual cancellation notice (and its .ics) to them. Runs inside the ending transaction."""
    if membership.is_active:
        return
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from bookings.models import Booking, BookingStatus
    from bookings.services.bookings import booking_cancel

    now = timezone.now()
    reason = _("%(person)s no longer belongs to %(company)s.") % {
        "person": membership.user,
        "company": membership.company,
    }
    future = Booking.objects.filter(
        company_id=membership.company_id,
        booked_by_id=membership.user_id,
        status__in=(BookingStatus.PENDING_APPROVAL, BookingStatus.CONFIRMED),
        starts_at__gt=now,
    ).order_by("pk")  # locked one by one in pk order, as every other writer does
    for booking in future:
        booking_cancel(booking=booking, actor=None, reason=reason, now=now)


membership_changed.connect(membership_ended_bookings_cancel, dispatch_uid="bookings_membership_ended")
