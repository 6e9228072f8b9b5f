"""Maintenance windows: equipment out of service for a while, planned or in an emergency.

Creating a window cancels the bookings in its way (of the equipment, and of its lab, whose
bookings hold the equipment too) with reason “maintenance”, then blocks the equipment with a
``bookings.ResourceBlock`` (claims: the exclusion constraint keeps every later booking off it;
the booking check ``maintenance`` says why). With ``offer_move`` the notice also offers the
equipment's next free slots. The notices go out after commit, once per window, however
often the task runs.
"""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import BookingStatus
from bookings.selectors import resource_free_slots
from bookings.services import blocks
from bookings.services import bookings as booking_services
from core.enqueue import enqueue_on_commit
from core.workflow import transition_log
from hardware_labs.models import Equipment, MaintenanceKind, MaintenanceMode, MaintenanceWindow
from notifications.services import notify

SLOTS_OFFERED = 3
SLOT_SEARCH_DAYS = 14


def _staff(actor: Any) -> None:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only staff plan maintenance."))


@transaction.atomic
def maintenance_window_create(
    *,
    equipment: Equipment,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    actor: Any,
    kind: str = MaintenanceKind.PLANNED,
    mode: str = MaintenanceMode.CANCEL,
    now: datetime | None = None,
) -> MaintenanceWindow:
    """Take ``equipment`` out of service for [starts_at, ends_at); handle the bookings in the way."""
    _staff(actor)
    now = now or timezone.now()
    if equipment.resource_id is None:
        raise ValidationError(_("This equipment has no bookable resource."), code="no_resource")
    window = MaintenanceWindow(
        equipment=equipment,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        kind=kind,
        mode=mode,
        created_by=actor,
    )
    window.full_clean()
    if ends_at <= now:
        raise ValidationError(_("This time has already passed."), code="in_past")
    window.save()
    resource = equipment.resource
    in_the_way = list(blocks.bookings_in_the_way(resource=resource, starts_at=starts_at, ends_at=ends_at))
    in_use = [b for b in in_the_way if b.status == BookingStatus.CHECKED_IN]
    if in_use:
        raise ValidationError(
            _("%(resource)s is in use by a checked-in booking; check it out first.")
            % {"resource": in_use[0].resource},
            code="equipment_in_use",
        )
    cancel_reason = _("Maintenance: %(reason)s") % {"reason": reason}
    for booking in in_the_way:
        booking_services.booking_cancel(booking=booking, actor=actor, reason=cancel_reason, now=now)
    window.affected_bookings.set(in_the_way)
    window.block = blocks.block_create(
        resource=resource, starts_at=starts_at, ends_at=ends_at, reason=cancel_reason, actor=actor, now=now
    )
    window.save(update_fields=["block", "updated_at"])
    transition_log(
        obj=window,
        action="create",
        from_state="",
        to_state="planned",
        actor=actor,
        reason=reason,
        data={"cancelled_bookings": [b.pk for b in in_the_way], "mode": mode},
    )
    if in_the_way:
        from hardware_labs import tasks

        enqueue_on_commit(tasks.maintenance_notices_send_task, window.pk)
    return window


@transaction.atomic
def maintenance_window_cancel(
    *, window: MaintenanceWindow, actor: Any, now: datetime | None = None
) -> MaintenanceWindow:
    """Call off the window: the equipment's time is bookable again (cancelled bookings stay cancelled)."""
    _staff(actor)
    now = now or timezone.now()
    locked = MaintenanceWindow.objects.select_for_update().get(pk=window.pk)
    if locked.cancelled_at is not None:
        return locked
    locked.cancelled_at = now
    locked.save(update_fields=["cancelled_at", "updated_at"])
    if locked.block_id:
        blocks.block_release(block=locked.block, now=now)
    transition_log(obj=locked, action="cancel", from_state="planned", to_state="cancelled", actor=actor)
    return locked


def next_free_slots(*, window: MaintenanceWindow, limit: int = SLOTS_OFFERED) -> list[dict[str, Any]]:
    """The equipment's first free slots after the window (local times), for the move offer."""
    resource = window.equipment.resource
    tz = resource.tzinfo
    day = timezone.localtime(window.ends_at, tz).date()
    found: list[dict[str, Any]] = []
    for offset in range(SLOT_SEARCH_DAYS):
        for slot in resource_free_slots(resource=resource, day=day + timedelta(days=offset)):
            if slot.ends_at <= window.ends_at:
                continue
            start = max(slot.starts_at, window.ends_at)
            found.append(
                {
                    "starts": timezone.localtime(start, tz).replace(tzinfo=None),
                    "ends": timezone.localtime(slot.ends_at, tz).replace(tzinfo=None),
                }
            )
            if len(found) >= limit:
                return found
    return found


def maintenance_notices_send(*, window: MaintenanceWindow, now: datetime | None = None) -> int:
    """Tell the people whose bookings the window cancelled; once per window (claimed by
    ``notices_sent_at``)."""
    now = now or timezone.now()
    with transaction.atomic():
        if not MaintenanceWindow.objects.filter(pk=window.pk, notices_sent_at__isnull=True).update(
            notices_sent_at=now
        ):
            return 0
        window = MaintenanceWindow.objects.select_related(
            "equipment__resource__campus", "equipment__resource__policy"
        ).get(pk=window.pk)
        tz = window.equipment.resource.tzinfo
        slots = next_free_slots(window=window) if window.mode == MaintenanceMode.OFFER_MOVE else []
        sent = 0
        for booking in window.affected_bookings.select_related("booked_by", "resource").order_by("pk"):
            notify(
                recipient=booking.booked_by,
                kind="hardware_labs.maintenance",
                context={
                    "window": window,
                    "equipment": window.equipment,
                    "resource": booking.resource,
                    "booking_starts": timezone.localtime(booking.starts_at, tz).replace(tzinfo=None),
                    "starts": timezone.localtime(window.starts_at, tz).replace(tzinfo=None),
                    "ends": timezone.localtime(window.ends_at, tz).replace(tzinfo=None),
                    "slots": slots,
                    "time_zone": str(tz),
                },
                subject_obj=window,
                dedupe_key=f"maintenance:{window.pk}:booking:{booking.pk}",
            )
            sent += 1
        return sent
