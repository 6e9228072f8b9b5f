"""Bench data made with the ORM: a campus, buildings, floors, bookable spaces and their resources, tenants."""

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from bookings.models import BookingPolicy, OpeningHours, Resource
from spaces.models import Building, Campus, Feature, Floor, Space, SpaceKind
from tenants.demo import demo_uscc
from tenants.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Company,
    MemberRole,
    Membership,
    Tenancy,
    TenancyStatus,
)

PASSWORD = "bench-password-1"  # noqa: S105 (a throwaway database)


def campus(code: str = "bench") -> Campus:
    return Campus.objects.create(code=code, name=f"Bench Park {code}", time_zone="Asia/Shanghai")


def policy(name: str, **fields: object) -> BookingPolicy:
    fields = {
        "check_in_required": False,
        "horizon_days": 3 * 366,
        "max_duration_minutes": 8 * 60,
        **fields,
    }
    pol = BookingPolicy.objects.create(name=name, **fields)
    if not pol.is_24x7:
        OpeningHours.objects.bulk_create(
            OpeningHours(policy=pol, weekday=d, opens_at=time(8), closes_at=time(22)) for d in range(5)
        )
    return pol


@dataclass
class Floors:
    resources: list[Resource]
    areas: list[Resource]  # coworking areas (each holds desks)
    desks: list[Resource]
    rooms: list[Resource]


def floors(
    camp: Campus, *, buildings: int, floors_each: int, desks: int, rooms: int, policies: list[BookingPolicy]
) -> Floors:
    """Per floor: one coworking area with ``desks`` hot desks inside, and ``rooms`` meeting rooms.

    Spaces are bulk-created (no post_save receiver), so their resources are too, with
    ``parent`` mirroring the space's containment as ``resource_sync_for_space`` does.
    """
    screen, _ = Feature.objects.get_or_create(code="screen", defaults={"name": "Screen"})
    floor_rows = []
    for b in range(buildings):
        building = Building.objects.create(
            campus=camp,
            code=f"b{b + 1}",
            name=f"Building {b + 1}",
            kind="coworking",
            floors_above_ground=max(floors_each, 1),
            gross_area_m2=Decimal(20000),
        )
        floor_rows += Floor.objects.bulk_create(
            Floor(building=building, number=n, label=f"{n}F", area_m2=Decimal(1000))
            for n in range(1, floors_each + 1)
        )
    areas = Space.objects.bulk_create(
        Space(
            floor=f,
            code="A",
            name=f"{f} coworking",
            kind=SpaceKind.COWORKING_AREA,
            capacity=desks,
            area_m2=Decimal(400),
            is_bookable=True,
        )
        for f in floor_rows
    )
    children = Space.objects.bulk_create(
        Space(
            floor=a.floor,
            parent=a,
            code=f"D{d + 1}",
            name=f"{a.floor} desk {d + 1}",
            kind=SpaceKind.HOT_DESK,
            capacity=1,
            area_m2=Decimal(4),
            is_bookable=True,
        )
        for a in areas
        for d in range(desks)
    )
    room_spaces = Space.objects.bulk_create(
        Space(
            floor=f,
            code=f"R{r + 1}",
            name=f"{f} room {r + 1}",
            kind=SpaceKind.PHONE_ROOM if r % 3 == 0 else SpaceKind.BOARDROOM,
            capacity=2 if r % 3 == 0 else 4 + 2 * (r % 5),
            area_m2=Decimal(20),
            is_bookable=True,
        )
        for f in floor_rows
        for r in range(rooms)
    )
    Space.features.through.objects.bulk_create(
        Space.features.through(space_id=s.pk, feature_id=screen.pk) for s in room_spaces[::2]
    )

    def resource(space: Space, i: int, parent: Resource | None = None) -> Resource:
        return Resource(
            campus=camp,
            location=space,
            space=space,
            parent=parent,
            kind=space.kind,
            name=space.name,
            capacity=space.capacity,
            policy=policies[i % len(policies)],
        )

    area_res = Resource.objects.bulk_create(resource(s, i) for i, s in enumerate(areas))
    by_area = {r.space_id: r for r in area_res}
    desk_res = Resource.objects.bulk_create(
        resource(s, i, by_area[s.parent_id]) for i, s in enumerate(children)
    )
    room_res = Resource.objects.bulk_create(resource(s, i) for i, s in enumerate(room_spaces))
    return Floors(resources=[*area_res, *desk_res, *room_res], areas=area_res, desks=desk_res, rooms=room_res)


def tenant_user(n: int):  # type: ignore[no-untyped-def]
    """A founder of a company with a current membership plan; password ``PASSWORD``."""
    from accounts.models import User

    company = Company.objects.create(name=f"Bench {n}", name_zh=f"基准{n}", uscc=demo_uscc(f"8{n:08d}"))
    agreement = Agreement.objects.create(
        company=company,
        kind=AgreementKind.MEMBERSHIP,
        status=AgreementStatus.EXECUTED,
        starts_on=date(2020, 1, 1),
        ends_on=date(2040, 1, 1),
        monthly_rent=Decimal(1000),
    )
    Tenancy.objects.create(
        company=company,
        agreement=agreement,
        status=TenancyStatus.ACTIVE,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        plan_schedule="24x7",
    )
    user = User.objects.create_user(email=f"bench{n}@example.com", password=PASSWORD)
    Membership.objects.create(company=company, user=user, role=MemberRole.OWNER)
    return user
