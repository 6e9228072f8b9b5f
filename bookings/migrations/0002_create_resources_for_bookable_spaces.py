"""Give every existing bookable, active space of a bookable kind its resource.

New and changed spaces get theirs from the ``post_save`` receiver (``bookings.services.resources``);
this backfills databases that had spaces before bookings existed. Self-contained on purpose: it
copies the default policies as they were when it was written, and uses the historical models.
"""

from datetime import time

from django.db import migrations

BOOKABLE_KINDS = (
    "hot_desk",
    "dedicated_desk",
    "boardroom",
    "phone_room",
    "event_hall",
    "lab",
    "coworking_area",
)
DESK_KINDS = ("hot_desk", "dedicated_desk")
DEFAULT_POLICIES = {
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
    "boardroom": "rooms",
    "phone_room": "rooms",
    "hot_desk": "desks",
    "dedicated_desk": "desks",
    "coworking_area": "halls",
    "event_hall": "halls",
    "lab": "labs",
}
WORKDAY_HOURS = (time(8, 0), time(20, 0))


def create_resources(apps, schema_editor):  # type: ignore[no-untyped-def]
    Space = apps.get_model("spaces", "Space")
    Resource = apps.get_model("bookings", "Resource")
    BookingPolicy = apps.get_model("bookings", "BookingPolicy")
    OpeningHours = apps.get_model("bookings", "OpeningHours")

    spaces = list(
        Space.objects.filter(is_bookable=True, is_active=True, kind__in=BOOKABLE_KINDS, resource__isnull=True)
        .select_related("floor__building")
        .order_by("pk")
    )
    if not spaces:
        return
    policies = {}

    def policy_for(kind):  # type: ignore[no-untyped-def]
        key = POLICY_FOR_KIND.get(kind, "rooms")
        if key not in policies:
            policy, created = BookingPolicy.objects.get_or_create(
                name=f"Default: {key}", defaults=DEFAULT_POLICIES[key]
            )
            if created:
                OpeningHours.objects.bulk_create(
                    OpeningHours(policy=policy, weekday=day, opens_at=WORKDAY_HOURS[0], closes_at=WORKDAY_HOURS[1])
                    for day in range(5)
                )
            policies[key] = policy
        return policies[key]

    Resource.objects.bulk_create(
        Resource(
            space=space,
            location=space,
            campus_id=space.floor.building.campus_id,
            kind=space.kind,
            name=f"{space.code} {space.name}",
            name_zh=f"{space.code} {space.name_zh}" if space.name_zh else "",
            capacity=space.capacity,
            policy=policy_for(space.kind),
            is_active=True,
        )
        for space in spaces
    )
    # containment: a resource sits inside the resource of its space's parent (desks in areas, rooms in halls)
    by_space = dict(Resource.objects.filter(space__isnull=False).values_list("space_id", "pk"))
    for resource in Resource.objects.filter(space__parent__isnull=False, parent__isnull=True).select_related(
        "space"
    ):
        parent_id = by_space.get(resource.space.parent_id)
        if parent_id is not None:
            resource.parent_id = parent_id
            resource.save(update_fields=["parent"])


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_create_bookings"),
        ("spaces", "0002_bound_floor_and_capacity_values"),
    ]

    operations = [migrations.RunPython(create_resources, migrations.RunPython.noop)]
