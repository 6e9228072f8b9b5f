"""Resources for bookable spaces and the default policies they start with."""

from datetime import time

from django.db import transaction

from bookings.models import BookingPolicy, OpeningHours, Resource, ResourceKind
from spaces.models import BOOKABLE_KINDS, Space, SpaceKind

# Policy name → (is_24x7, (opens, closes) on weekdays Mon–Fri, defaults for the other fields)
DEFAULT_POLICIES: dict[str, dict[str, object]] = {
    "rooms": {"min_duration_minutes": 15, "max_duration_minutes": 8 * 60, "slot_minutes": 15},
    "desks": {"min_duration_minutes": 60, "max_duration_minutes": 12 * 60, "slot_minutes": 30},
    "halls": {
        "min_duration_minutes": 60,
        "max_duration_minutes": 12 * 60,
        "slot_minutes": 30,
        "requires_approval": True,
        "buffer_before_minutes": 30,
        "buffer_after_minutes": 30,
        "cancel_cutoff_minutes": 48 * 60,
    },
    "labs": {"min_duration_minutes": 60, "max_duration_minutes": 10 * 60, "slot_minutes": 30},
}
POLICY_FOR_KIND = {
    SpaceKind.BOARDROOM: "rooms",
    SpaceKind.PHONE_ROOM: "rooms",
    SpaceKind.HOT_DESK: "desks",
    SpaceKind.DEDICATED_DESK: "desks",
    SpaceKind.COWORKING_AREA: "halls",
    SpaceKind.EVENT_HALL: "halls",
    SpaceKind.LAB: "labs",
}
WORKDAY_HOURS = (time(8, 0), time(20, 0))


def default_policy(kind: str) -> BookingPolicy:
    """The shared starting policy for a kind of space: weekdays 08:00–20:00, closed on holidays."""
    key = POLICY_FOR_KIND.get(kind, "rooms")
    policy, created = BookingPolicy.objects.get_or_create(
        name=f"Default: {key}", defaults=DEFAULT_POLICIES[key]
    )
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(policy=policy, weekday=day, opens_at=WORKDAY_HOURS[0], closes_at=WORKDAY_HOURS[1])
            for day in range(5)
        )
    return policy


def space_fields(space: Space) -> dict[str, object]:
    """What a space's resource takes from the space: kind, name and capacity."""
    return {
        "kind": space.kind if space.kind in ResourceKind.values else ResourceKind.BOARDROOM,
        "name": f"{space.code} {space.name}",
        "name_zh": f"{space.code} {space.name_zh}" if space.name_zh else "",
        "capacity": space.capacity,
    }


@transaction.atomic
def resource_sync_for_space(*, space: Space) -> Resource | None:
    """Create or update the resource of a bookable space; deactivate it when the space stops being bookable.

    Name, capacity, campus and containment follow the space; the policy, once set, is the staff's.
    """
    resource = Resource.objects.filter(space=space).first()
    bookable = space.is_bookable and space.is_active and space.kind in BOOKABLE_KINDS
    if resource is None and not bookable:
        return None
    parent = Resource.objects.filter(space_id=space.parent_id).first() if space.parent_id else None
    campus_id = space.floor.building.campus_id
    if resource is None:
        resource = Resource(space=space, location=space, policy=default_policy(space.kind))
    resource.campus_id = campus_id
    resource.parent = parent
    for field, value in space_fields(space).items():
        setattr(resource, field, value)
    resource.is_active = bookable
    resource.save()
    if space.kind not in (SpaceKind.HOT_DESK, SpaceKind.DEDICATED_DESK):
        # spaces inside this one that were made bookable first now learn their parent
        Resource.objects.filter(space__parent=space).exclude(parent=resource).update(parent=resource)
    return resource
