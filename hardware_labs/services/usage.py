"""Usage sessions and incidents: check in and out on a piece of equipment, report what went wrong.

Checking in needs the equipment available (not in use, in maintenance or retired), no
maintenance window running and the person's qualifications valid now (as booking does);
the person's booking covering now, if any, is checked in too. The equipment is ``in_use``
while a session is open (one open session per piece, enforced by the database).
"""

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingStatus, CheckInVia
from bookings.services import bookings as booking_services
from core.workflow import transition_log
from hardware_labs.models import (
    Consumable,
    ConsumableUse,
    Equipment,
    EquipmentStatus,
    Incident,
    IncidentStatus,
    UsageSession,
)
from hardware_labs.services import gates
from tenants.models import Company, Membership


def _company_of(person: Any, company: Company | None) -> Company | None:
    if company is not None:
        if (
            not person.is_staff
            and not Membership.objects.active().filter(company=company, user=person).exists()
        ):
            raise PermissionDenied(_("You are not a member of that company."))
        return company
    memberships = list(
        Membership.objects.active().filter(user=person).values_list("company_id", flat=True)[:2]
    )
    return Company.objects.get(pk=memberships[0]) if len(memberships) == 1 else None


@transaction.atomic
def usage_check_in(
    *,
    equipment: Equipment,
    person: Any,
    actor: Any,
    company: Company | None = None,
    via: str = CheckInVia.API,
    now: datetime | None = None,
) -> UsageSession:
    """Start using ``equipment`` (the person, or staff for them)."""
    if not (actor.is_staff or actor.pk == person.pk):
        raise PermissionDenied(_("You may only check yourself in."))
    now = now or timezone.now()
    company = _company_of(person, company)  # a company named must be the person's: refused first
    equipment = (
        Equipment.objects.select_for_update(of=("self",))
        .select_related("resource__campus", "resource__policy")
        .get(pk=equipment.pk)
    )
    if equipment.status != EquipmentStatus.AVAILABLE:
        raise ValidationError(
            _("%(equipment)s is not available (%(status)s).")
            % {"equipment": equipment.name, "status": equipment.get_status_display()},
            code="equipment_unavailable",
        )
    if equipment.resource_id:
        window = gates.maintenance_meeting(
            resource=equipment.resource, starts_at=now, ends_at=now + timedelta(minutes=1)
        )
        if window is not None:
            raise gates.maintenance_error(window, equipment.resource.tzinfo)
    course = gates.missing_course(
        person=person,
        courses=gates.courses_required(equipment=equipment),
        starts_at=now,
        ends_at=now + timedelta(seconds=1),
    )
    if course is not None:
        raise gates.qualification_error(person=person, course=course, ends_at=now)
    booking = (
        Booking.objects.filter(
            resource_id=equipment.resource_id,
            booked_by=person,
            status__in=(BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN),
            starts_at__lte=now + timedelta(minutes=equipment.resource.policy.check_in_opens_minutes)
            if equipment.resource_id
            else now,
            ends_at__gt=now,
        )
        .select_related("resource__policy", "resource__campus")
        .order_by("starts_at")
        .first()
    )
    if booking is not None and booking.status == BookingStatus.CONFIRMED:
        booking = booking_services.booking_check_in(booking=booking, actor=actor, via=via, now=now)
    session = UsageSession(
        equipment=equipment,
        person=person,
        company=booking.company if booking is not None else company,
        booking=booking,
        checked_in_at=now,
        via=via,
    )
    session.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:
        raise ValidationError(_("Someone is already using this equipment."), code="equipment_in_use") from exc
    Equipment.objects.filter(pk=equipment.pk).update(status=EquipmentStatus.IN_USE)
    transition_log(
        obj=session, action="check_in", from_state="", to_state="open", actor=actor, data={"via": via}
    )
    return session


@transaction.atomic
def usage_check_out(
    *,
    session: UsageSession,
    actor: Any,
    consumables: Iterable[tuple[Consumable, Decimal]] = (),
    notes: str = "",
    now: datetime | None = None,
) -> UsageSession:
    """End the session: minutes used (rounded up), consumables used; the equipment is available again."""
    now = now or timezone.now()
    locked = UsageSession.objects.select_for_update().get(pk=session.pk)
    if not (actor.is_staff or actor.pk == locked.person_id):
        raise PermissionDenied(_("You may only check yourself out."))
    if locked.checked_out_at is not None:
        raise ValidationError(_("This session has already ended."), code="session_ended")
    used = list(consumables)
    for consumable, quantity in used:
        if consumable.equipment_id != locked.equipment_id:
            raise ValidationError(
                {
                    "consumables": ValidationError(
                        _("%(name)s is not used by this equipment.") % {"name": consumable.name},
                        code="invalid",
                    )
                }
            )
        if quantity <= 0:
            raise ValidationError(
                {"consumables": ValidationError(_("Quantities must be positive."), code="invalid")}
            )
    locked.checked_out_at = max(now, locked.checked_in_at)
    locked.minutes = math.ceil((locked.checked_out_at - locked.checked_in_at).total_seconds() / 60)
    if notes:
        locked.notes = notes
    locked.save()
    ConsumableUse.objects.bulk_create(
        ConsumableUse(session=locked, consumable=c, quantity=q) for c, q in used
    )
    Equipment.objects.filter(pk=locked.equipment_id, status=EquipmentStatus.IN_USE).update(
        status=EquipmentStatus.AVAILABLE
    )
    transition_log(
        obj=locked,
        action="check_out",
        from_state="open",
        to_state="closed",
        actor=actor,
        data={"minutes": locked.minutes},
    )
    return locked


@transaction.atomic
def incident_report(
    *,
    equipment: Equipment,
    reported_by: Any,
    kind: str,
    severity: str,
    description: str,
    session: UsageSession | None = None,
) -> Incident:
    """Report damage or a safety incident on a piece of equipment (a user or staff)."""
    if session is not None and session.equipment_id != equipment.pk:
        raise ValidationError(
            {"session": ValidationError(_("That session is on other equipment."), code="invalid")}
        )
    company = session.company if session is not None else _company_of(reported_by, None)
    incident = Incident(
        equipment=equipment,
        session=session,
        company=company,
        reported_by=reported_by,
        kind=kind,
        severity=severity,
        description=description,
    )
    incident.full_clean()
    incident.save()
    transition_log(obj=incident, action="report", from_state="", to_state=incident.status, actor=reported_by)
    return incident


@transaction.atomic
def incident_resolve(
    *, incident: Incident, actor: Any, resolution: str, now: datetime | None = None
) -> Incident:
    if not actor.is_staff:
        raise PermissionDenied(_("Only staff resolve incidents."))
    if not resolution.strip():
        raise ValidationError({"resolution": ValidationError(_("Say how it was resolved."), code="required")})
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.status == IncidentStatus.RESOLVED:
        raise ValidationError(_("This incident is already resolved."), code="already_resolved")
    locked.status = IncidentStatus.RESOLVED
    locked.resolution = resolution.strip()
    locked.resolved_at = now or timezone.now()
    locked.save()
    transition_log(
        obj=locked,
        action="resolve",
        from_state=IncidentStatus.OPEN,
        to_state=IncidentStatus.RESOLVED,
        actor=actor,
        reason=resolution,
    )
    return locked
