"""Equipment writes: create and update a piece of equipment and keep its bookable resource in step.

Each piece owns a ``bookings.Resource`` of kind ``equipment`` inside the lab's resource, so a
booking of the whole lab holds the lab's equipment too, and a booking of a piece of equipment
keeps the whole lab from being booked over it. It starts with a policy of its own.
"""

from collections.abc import Iterable
from datetime import time
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bookings.models import BookingPolicy, OpeningHours, Resource, ResourceKind
from core.workflow import transition_log
from hardware_labs.models import Consumable, Course, Equipment, EquipmentStatus
from spaces.models import Space, SpaceKind

EQUIPMENT_POLICY = {
    "min_duration_minutes": 30,
    "max_duration_minutes": 10 * 60,
    "slot_minutes": 30,
    "check_in_required": True,
    "check_in_grace_minutes": 30,
    "credits_per_hour": 0,
}
OPEN_HOURS = (time(8, 0), time(20, 0))
EDITABLE = (
    "name",
    "name_zh",
    "kind",
    "make",
    "model_name",
    "serial",
    "hazard_level",
    "status",
    "hourly_rate",
)


def _staff(actor: Any) -> None:
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only staff manage lab equipment."))


def _check_lab(lab: Space) -> None:
    if lab.kind != SpaceKind.LAB:
        raise ValidationError({"lab": ValidationError(_("Equipment stands in a lab."), code="not_a_lab")})


def equipment_policy(*, asset_tag: str) -> BookingPolicy:
    """A policy of the equipment's own: weekdays 08:00–20:00, 30-minute slots, check-in required."""
    policy, created = BookingPolicy.objects.get_or_create(
        name=f"Equipment: {asset_tag}", defaults=EQUIPMENT_POLICY
    )
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(policy=policy, weekday=day, opens_at=OPEN_HOURS[0], closes_at=OPEN_HOURS[1])
            for day in range(5)
        )
    return policy


def _sync_resource(equipment: Equipment, *, policy: BookingPolicy | None = None) -> Resource:
    lab = Space.objects.select_related("floor__building").get(pk=equipment.lab_id)
    resource = equipment.resource or Resource(
        kind=ResourceKind.EQUIPMENT,
        location=lab,
        policy=policy or equipment_policy(asset_tag=equipment.asset_tag),
    )
    resource.campus_id = lab.floor.building.campus_id
    resource.location = lab
    resource.parent = Resource.objects.filter(space=lab).first()
    resource.name = equipment.name
    resource.name_zh = equipment.name_zh
    resource.capacity = 1
    resource.is_active = equipment.is_bookable and lab.is_active
    resource.save()
    return resource


@transaction.atomic
def equipment_create(
    *,
    lab: Space,
    asset_tag: str,
    name: str,
    kind: str,
    actor: Any,
    name_zh: str = "",
    make: str = "",
    model_name: str = "",
    serial: str = "",
    hazard_level: str = "low",
    status: str = EquipmentStatus.AVAILABLE,
    hourly_rate: Decimal = Decimal("0"),
    required_courses: Iterable[Course] = (),
    consumables: Iterable[tuple[str, str]] = (),
    policy: BookingPolicy | None = None,
) -> Equipment:
    """Add a piece of equipment to a lab with its bookable resource (own policy unless one is given)."""
    _staff(actor)
    _check_lab(lab)
    equipment = Equipment(
        lab=lab,
        asset_tag=asset_tag,
        name=name,
        name_zh=name_zh,
        kind=kind,
        make=make,
        model_name=model_name,
        serial=serial,
        hazard_level=hazard_level,
        status=status,
        hourly_rate=hourly_rate,
    )
    equipment.full_clean()
    equipment.resource = _sync_resource(equipment, policy=policy)
    equipment.save()
    equipment.required_courses.set(list(required_courses))
    Consumable.objects.bulk_create(Consumable(equipment=equipment, name=n, unit=u) for n, u in consumables)
    transition_log(obj=equipment, action="create", from_state="", to_state=equipment.status, actor=actor)
    return equipment


@transaction.atomic
def equipment_update(*, equipment: Equipment, actor: Any, **fields: Any) -> Equipment:
    """Change the equipment's details or status; the resource follows (retired or in maintenance:
    not bookable)."""
    _staff(actor)
    unknown = set(fields) - {*EDITABLE, "lab", "required_courses"}
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    locked = Equipment.objects.select_for_update().get(pk=equipment.pk)
    before = locked.status
    courses = fields.pop("required_courses", None)
    for field, value in fields.items():
        setattr(locked, field, value)
    if "lab" in fields:
        _check_lab(locked.lab)
    locked.full_clean()
    locked.resource = _sync_resource(locked)
    locked.save()
    if courses is not None:
        locked.required_courses.set(list(courses))
    if locked.status != before:
        transition_log(obj=locked, action="status", from_state=before, to_state=locked.status, actor=actor)
    return locked


def equipment_set_status(*, equipment: Equipment, status: str, expected: str) -> bool:
    """Move the status from ``expected`` to ``status`` if it still is ``expected`` (check-in/out)."""
    return bool(Equipment.objects.filter(pk=equipment.pk, status=expected).update(status=status))


__all__ = [
    "EquipmentStatus",
    "equipment_create",
    "equipment_policy",
    "equipment_set_status",
    "equipment_update",
]
