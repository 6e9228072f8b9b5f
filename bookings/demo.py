"""Demo bookings on the demo campus: policies, resources, hot-desk pools, and the demo companies' bookings.

``manage.py seed_demo`` calls ``demo_seed(scale=..., stdout=...)`` after ``spaces`` and ``tenants``
(INSTALLED_APPS order). The campus's spaces are bulk-created, so no ``post_save`` made their
resources: they are made here, in bulk, with the demo policies (and a resource that already sat on a
default policy is moved to its demo one). Policies, resources and pools are brought up to date and
written only where they differ, in a fixed number of queries whatever the scale.

The bookings are told through the booking services, as the founders and staff would make them, so
the rules hold and the transition log is written: confirmed ones over the coming two weeks, one
awaiting approval, one cancelled, one checked in today, one completed and one no-show on the last
working day. Where the story needs the past, it passes the services an earlier ``now``. Like the
tenants stories, the bookings are told once: if any of them exists, a second run writes nothing.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bookings.models import (
    Audience,
    Booking,
    BookingPolicy,
    CheckInVia,
    OpeningHours,
    Resource,
    ResourceKind,
    ResourcePool,
)
from bookings.services import bookings as services
from bookings.services.resources import space_fields
from core.calendar import working_calendar
from spaces.models import BOOKABLE_KINDS, BuildingKind, Campus, Space, SpaceKind
from tenants.models import Membership

CAMPUS_CODE = "etown"  # spaces.demo.CAMPUS["code"]
STAFF_EMAIL = "staff@etown.example"  # spaces.demo's staff login

WEEKDAYS = range(5)
EVERY_DAY = range(7)


@dataclass(frozen=True)
class PolicyPlan:
    name: str
    fields: dict[str, Any]
    hours: tuple[tuple[int, time, time], ...] = ()  # (weekday, opens, closes)


def _hours(days: range, opens: time, closes: time) -> tuple[tuple[int, time, time], ...]:
    return tuple((day, opens, closes) for day in days)


ROOMS = PolicyPlan(
    "Demo: meeting rooms",
    {
        "min_duration_minutes": 30,
        "max_duration_minutes": 4 * 60,
        "slot_minutes": 15,
        "check_in_required": True,
        "credits_per_hour": Decimal("1"),
    },
    _hours(WEEKDAYS, time(8), time(20)),
)
PHONE_ROOMS = PolicyPlan(
    "Demo: phone rooms",
    {
        "min_duration_minutes": 15,
        "max_duration_minutes": 2 * 60,
        "slot_minutes": 15,
        "check_in_required": False,
        "credits_per_hour": Decimal("0.5"),
    },
    _hours(WEEKDAYS, time(8), time(20)),
)
DESKS = PolicyPlan(
    "Demo: hot desks",
    {
        "min_duration_minutes": 60,
        "max_duration_minutes": 12 * 60,
        "slot_minutes": 30,
        "horizon_days": 14,
        "check_in_required": True,
        "check_in_opens_minutes": 30,
        "check_in_grace_minutes": 30,
        "credits_per_hour": Decimal("0.25"),
    },
    (*_hours(WEEKDAYS, time(7), time(22)), (5, time(9), time(18))),
)
HALLS = PolicyPlan(
    "Demo: event hall",
    {
        "min_duration_minutes": 60,
        "max_duration_minutes": 12 * 60,
        "slot_minutes": 30,
        "lead_minutes": 24 * 60,
        "requires_approval": True,
        "buffer_before_minutes": 60,
        "buffer_after_minutes": 30,
        "cancel_cutoff_minutes": 48 * 60,
        "check_in_required": False,
        "credits_per_hour": Decimal("8"),
    },
    _hours(EVERY_DAY, time(8), time(22)),
)
LABS = PolicyPlan(
    "Demo: labs 24×7",
    {
        "is_24x7": True,
        "min_duration_minutes": 60,
        "max_duration_minutes": 12 * 60,
        "slot_minutes": 30,
        "check_in_required": True,
        "audience": Audience.TENANTS,
        "credits_per_hour": Decimal("2"),
    },
)
POLICIES = (ROOMS, PHONE_ROOMS, DESKS, HALLS, LABS)
POLICY_FOR_KIND = {
    SpaceKind.BOARDROOM: ROOMS,
    SpaceKind.PHONE_ROOM: PHONE_ROOMS,
    SpaceKind.HOT_DESK: DESKS,
    SpaceKind.DEDICATED_DESK: DESKS,
    SpaceKind.COWORKING_AREA: HALLS,
    SpaceKind.EVENT_HALL: HALLS,
    SpaceKind.LAB: LABS,
}

# The stories' bookings carry these titles; finding one means the stories were told.
TITLES = {
    "investor": "Investor update",
    "supplier": "Call with a supplier",
    "desk": "Desk day",
    "review": "Sprint review",
    "emc": "EMC pre-scan",
    "all_hands": "Quarterly all-hands",
    "launch": "Product launch",
    "handover": "Office handover meeting",
    "reliability": "Reliability test run",
    "board": "Board meeting",
    "no_show": "Soldering day",
}
OWNERS = {
    "Deep Robotics": "li.wei@deeprobotics.example",
    "SensorLab": "anna.schmidt@sensorlab.example",
    "Ginkgo Precision": "chen.jing@ginkgoprecision.example",
    "Polaris Chips": "wang.lei@polarischips.example",
}


class Output(Protocol):
    def write(self, msg: str = "", style_func: Any = None, ending: str | None = None) -> None: ...


# -- policies, resources, pools ----------------------------------------------------------------------


def _sync_policies() -> tuple[dict[str, BookingPolicy], int]:
    """The demo policies and their opening hours, written where they differ; (by name, rows written)."""
    existing = {
        p.name: p
        for p in BookingPolicy.objects.filter(name__in=[p.name for p in POLICIES]).prefetch_related(
            "opening_hours"
        )
    }
    written = 0
    policies = {}
    for plan in POLICIES:
        policy = existing.get(plan.name)
        if policy is None:
            policy = BookingPolicy(name=plan.name, **plan.fields)
            policy.full_clean()
            policy.save()
            written += 1
            have: set[tuple[int, time, time]] = set()
        else:
            changed = [k for k, v in plan.fields.items() if getattr(policy, k) != v]
            if changed:
                for k in changed:
                    setattr(policy, k, plan.fields[k])
                policy.full_clean()
                policy.save()
                written += 1
            have = {(h.weekday, h.opens_at, h.closes_at) for h in policy.opening_hours.all()}
        if have != set(plan.hours):
            OpeningHours.objects.filter(policy=policy).delete()
            OpeningHours.objects.bulk_create(
                OpeningHours(policy=policy, weekday=d, opens_at=o, closes_at=c) for d, o, c in plan.hours
            )
            written += len(plan.hours) + len(have)
        policies[plan.name] = policy
    return policies, written


def _sync_resources(campus: Campus, policies: dict[str, BookingPolicy]) -> int:
    """Resources for the campus's bookable spaces that have none (bulk-made spaces skip the receiver)."""
    missing = list(
        Space.objects.filter(
            floor__building__campus=campus,
            is_bookable=True,
            is_active=True,
            kind__in=BOOKABLE_KINDS,
            resource__isnull=True,
        ).order_by("pk")
    )
    Resource.objects.bulk_create(
        Resource(
            campus=campus,
            space=space,
            location=space,
            **space_fields(space),
            policy=policies[POLICY_FOR_KIND[space.kind].name],
        )
        for space in missing
    )
    # Containment, as resource_sync_for_space keeps it: inside the resource of the space's parent.
    orphans = [
        Resource(pk=pk, parent_id=parent_id)
        for pk, parent_id in Resource.objects.filter(
            campus=campus, parent__isnull=True, space__parent__resource__isnull=False
        ).values_list("pk", "space__parent__resource")
    ]
    Resource.objects.bulk_update(orphans, ["parent"])
    # Resources that started on a default policy (made before this demo) take their demo one.
    on_default = [
        Resource(pk=pk, policy=policies[POLICY_FOR_KIND[kind].name])
        for pk, kind in Resource.objects.filter(
            campus=campus, space__isnull=False, policy__name__startswith="Default: "
        ).values_list("pk", "kind")
        if kind in POLICY_FOR_KIND
    ]
    Resource.objects.bulk_update(on_default, ["policy"])
    return len(missing) + len(orphans) + len(on_default)


def _sync_pools(campus: Campus) -> int:
    """A pool of the hot desks on each coworking floor ("any hot desk on CW1 2F")."""
    wanted: dict[str, dict[str, Any]] = {}
    members: dict[str, set[int]] = defaultdict(set)
    for pk, building, label in Resource.objects.filter(
        campus=campus,
        kind=ResourceKind.HOT_DESK,
        is_active=True,
        location__floor__building__kind=BuildingKind.COWORKING,
    ).values_list("pk", "location__floor__building__code", "location__floor__label"):
        code = f"{building}-{label}-hot-desks".lower()
        wanted[code] = {
            "name": f"Any hot desk on {building} {label}",
            "name_zh": f"{building} {label}任意流动工位",
            "is_active": True,
        }
        members[code].add(pk)
    pools = {p.code: p for p in ResourcePool.objects.filter(campus=campus, code__in=wanted)}
    written = 0
    for code, values in sorted(wanted.items()):
        pool = pools.get(code)
        if pool is None:
            pools[code] = ResourcePool.objects.create(campus=campus, code=code, **values)
            written += 1
        elif any(getattr(pool, k) != v for k, v in values.items()):
            ResourcePool.objects.filter(pk=pool.pk).update(**values)
            written += 1
    Link = ResourcePool.members.through
    have: dict[int, set[int]] = defaultdict(set)
    for pool_id, resource_id in Link.objects.filter(resourcepool__in=pools.values()).values_list(
        "resourcepool_id", "resource_id"
    ):
        have[pool_id].add(resource_id)
    add, drop = [], []
    for code, pool in pools.items():
        add += [Link(resourcepool_id=pool.pk, resource_id=r) for r in members[code] - have[pool.pk]]
        drop += [(pool.pk, r) for r in have[pool.pk] - members[code]]
    Link.objects.bulk_create(add)
    for pool_id, resource_id in drop:
        Link.objects.filter(resourcepool_id=pool_id, resource_id=resource_id).delete()
    return written + len(add) + len(drop)


# -- the bookings ---------------------------------------------------------------------------------------


@dataclass
class Ctx:
    campus: Campus
    staff: User
    owners: dict[str, tuple[User, Any]]  # company name → (owner, company)
    resources: dict[str, Resource]  # space code → resource
    now: datetime
    today: date
    working_days: list[date]  # the next ten working days after today
    last_working_day: date

    def at(self, day: date, hh: int, mm: int = 0) -> datetime:
        return datetime.combine(day, time(hh, mm), tzinfo=self.campus.tzinfo)

    def book(
        self, company: str, code: str, title: str, starts_at: datetime, ends_at: datetime, **kw: Any
    ) -> Booking:
        owner, company_row = self.owners[company]
        return services.booking_create(
            resource=self.resources[code],
            booked_by=owner,
            company=company_row,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            **kw,
        )


def _context(campus: Campus) -> Ctx:
    memberships = {
        m.company.name: (m.user, m.company)
        for m in Membership.objects.filter(
            company__name__in=OWNERS, user__email__in=OWNERS.values(), role="owner", is_active=True
        ).select_related("user", "company")
    }
    missing = sorted(set(OWNERS) - memberships.keys())
    if missing:
        raise LookupError(f"No demo companies {missing} with their owners: tenants' demo seed runs first.")
    tz = campus.tzinfo
    now = timezone.now()
    today = timezone.localdate(now, timezone=tz)
    calendar = working_calendar()
    days, day = [], today
    while len(days) < 10:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            days.append(day)
    last = today - timedelta(days=1)
    while not calendar.is_working_day(last):
        last -= timedelta(days=1)
    resources = {
        r.space.code: r
        for r in Resource.objects.filter(campus=campus, space__isnull=False).select_related(
            "space", "campus", "policy"
        )
    }
    return Ctx(
        campus=campus,
        staff=User.objects.get(email=STAFF_EMAIL),
        owners=memberships,
        resources=resources,
        now=now,
        today=today,
        working_days=days,
        last_working_day=last,
    )


def _hot_desk_pool(ctx: Ctx) -> ResourcePool:
    return (
        ResourcePool.objects.filter(campus=ctx.campus, code__endswith="-hot-desks").order_by("code").first()
    )  # type: ignore[return-value]


def _stories(ctx: Ctx) -> list[Booking]:
    d = ctx.working_days
    made: list[Booking] = []
    book: Callable[..., Booking] = ctx.book
    # Confirmed, over the coming two weeks
    made.append(
        book(
            "Deep Robotics",
            "CW1-2F-BR2",
            TITLES["investor"],
            ctx.at(d[0], 10),
            ctx.at(d[0], 11, 30),
            attendees=8,
        )
    )
    made.append(
        book("Deep Robotics", "CW1-2F-PH1", TITLES["supplier"], ctx.at(d[1], 14), ctx.at(d[1], 14, 30))
    )
    owner, company = ctx.owners["SensorLab"]
    made.append(
        services.booking_create_from_pool(
            pool=_hot_desk_pool(ctx),
            booked_by=owner,
            company=company,
            title=TITLES["desk"],
            starts_at=ctx.at(d[2], 9),
            ends_at=ctx.at(d[2], 17),
        )
    )
    made.append(
        book("SensorLab", "CW1-3F-BR1", TITLES["review"], ctx.at(d[3], 15), ctx.at(d[3], 16), attendees=6)
    )
    made.append(
        book("SensorLab", "L1-1F-EMC", TITLES["emc"], ctx.at(d[4], 19), ctx.at(d[4], 23), attendees=2)
    )
    # The event hall needs approval: one approved by staff, one still waiting
    all_hands = book(
        "Ginkgo Precision",
        "CW1-1F-EVT",
        TITLES["all_hands"],
        ctx.at(d[5], 14),
        ctx.at(d[5], 17),
        attendees=60,
    )
    made.append(services.booking_approve(booking=all_hands, actor=ctx.staff, reason="Catering arranged."))
    made.append(
        book(
            "Ginkgo Precision",
            "CW1-1F-EVT",
            TITLES["launch"],
            ctx.at(d[8], 14),
            ctx.at(d[8], 18),
            attendees=100,
        )
    )
    # Cancelled by the company
    owner, _company = ctx.owners["Polaris Chips"]
    handover = book(
        "Polaris Chips", "CW1-4F-BR2", TITLES["handover"], ctx.at(d[6], 9), ctx.at(d[6], 10), attendees=4
    )
    made.append(services.booking_cancel(booking=handover, actor=owner, reason="Moved to a call."))
    # Checked in today in a 24×7 lab: booked earlier, for the half hour under way and the next 90 minutes
    local_now = timezone.localtime(ctx.now, ctx.campus.tzinfo)
    start = local_now.replace(minute=local_now.minute // 30 * 30, second=0, microsecond=0)
    run = book(
        "Ginkgo Precision",
        "L1-1F-ENV",
        TITLES["reliability"],
        start,
        start + timedelta(hours=2),
        attendees=2,
        now=start - timedelta(hours=1),
    )
    owner, _company = ctx.owners["Ginkgo Precision"]
    made.append(services.booking_check_in(booking=run, actor=owner, via=CheckInVia.PORTAL, now=ctx.now))
    # The last working day: one held and completed, one not claimed (released as a no-show)
    past = ctx.last_working_day
    board = book(
        "Deep Robotics",
        "CW1-2F-BR1",
        TITLES["board"],
        ctx.at(past, 10),
        ctx.at(past, 11),
        attendees=5,
        now=ctx.at(past, 8),
    )
    made.append(services.booking_complete(booking=board, actor=ctx.staff))
    unclaimed = book(
        "SensorLab", "CW1-2F-A01", TITLES["no_show"], ctx.at(past, 9), ctx.at(past, 12), now=ctx.at(past, 7)
    )
    made.append(services.booking_mark_no_show(booking=unclaimed, actor=None, now=ctx.at(past, 9, 30)))
    return made


@transaction.atomic
def demo_seed(*, scale: int, stdout: Output) -> None:
    """Seed the demo policies, resources, pools and bookings (``scale`` grows resources and pools only)."""
    campus = Campus.objects.filter(code=CAMPUS_CODE).first()
    if campus is None:
        raise LookupError(f"No demo campus “{CAMPUS_CODE}”: spaces' demo seed runs first.")
    policies, written = _sync_policies()
    written += _sync_resources(campus, policies)
    written += _sync_pools(campus)
    told = not Booking.objects.filter(resource__campus=campus, title__in=TITLES.values()).exists()
    if told:
        made = _stories(_context(campus))
        written += len(made)
        by_status = defaultdict(int)
        for booking in made:
            by_status[booking.status] += 1
        detail = ", ".join(f"{status} {n}" for status, n in sorted(by_status.items()))
        stories = f"{len(made)} bookings told ({detail})"
    else:
        stories = "bookings already there"
    stdout.write(
        f"Demo bookings: {stories}; policies, resources and pools up to date; rows written: {written:,}."
    )


__all__ = ["demo_seed"]
