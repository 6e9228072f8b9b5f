"""Access grants: derived from tenancies, bookings and lab qualifications; entered by staff for
staff, visitors and one-off cases. Every write refreshes the allow-list in the same transaction."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from access_control.models import (
    AccessGrant,
    Door,
    DoorKind,
    GrantSchedule,
    GrantSource,
    ResourceAccessPolicy,
)
from access_control.models.policies import DEFAULT_GRACE_MINUTES
from access_control.services import schedules
from access_control.services.sync import entries_refresh
from bookings.models import Booking, BookingStatus
from core.workflow import transition_log
from spaces.models import Campus, Space
from tenants.models import Company, Membership, Tenancy, TenancySpace, TenancyStatus

STAFF_SOURCES = (GrantSource.STAFF, GrantSource.VISITOR, GrantSource.MANUAL)
TENANCY_HOLDS = (TenancyStatus.ACTIVE, TenancyStatus.NOTICE_GIVEN, TenancyStatus.MOVING_OUT)
BOOKING_HOLDS = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)
SYSTEM = "system:access_control"
CLOSED_END = timedelta(seconds=1)


# --- the one upsert every derivation goes through ---------------------------------------------------------


def _revoke(grant: AccessGrant, *, now: datetime, reason: str, actor: Any = None) -> None:
    grant.revoked_at = now
    grant.save(update_fields=["revoked_at", "updated_at"])
    transition_log(
        obj=grant,
        action="revoke",
        from_state="live",
        to_state="revoked",
        actor=actor,
        actor_label="" if getattr(actor, "is_authenticated", False) else SYSTEM,
        reason=reason,
    )


def _set(
    *,
    person_id: int,
    source: str,
    source_key: str,
    door_ids: set[int],
    starts_at: datetime,
    ends_at: datetime | None,
    schedule: str,
    company_id: int | None,
    reason: str,
    now: datetime,
) -> None:
    """Make the live derived grant (person, source, source_key) say this; no doors or no span ends it."""
    live = (
        AccessGrant.objects.select_for_update()
        .filter(person_id=person_id, source=source, source_key=source_key, revoked_at__isnull=True)
        .first()
    )
    if not door_ids or (ends_at is not None and ends_at <= starts_at):
        if live is not None:
            _revoke(live, now=now, reason=reason)
        return
    if live is None:
        live = AccessGrant(person_id=person_id, source=source, source_key=source_key)
    elif (live.starts_at, live.ends_at, live.schedule, live.company_id) == (
        starts_at,
        ends_at,
        schedule,
        company_id,
    ) and set(live.doors.values_list("pk", flat=True)) == door_ids:
        return
    created = live.pk is None
    live.starts_at, live.ends_at, live.schedule, live.company_id, live.reason = (
        starts_at,
        ends_at,
        schedule,
        company_id,
        reason,
    )
    live.full_clean(validate_constraints=False)
    live.save()
    live.doors.set(sorted(door_ids))
    transition_log(
        obj=live,
        action="create" if created else "update",
        from_state="" if created else "live",
        to_state="live",
        actor_label=SYSTEM,
        reason=reason,
        data={
            "doors": sorted(door_ids),
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at and ends_at.isoformat(),
        },
    )


def _revoke_others(
    *, source: str, keys: Q, keep: set[tuple[int, str]], now: datetime, reason: str
) -> set[int]:
    """End the live grants of ``source`` whose key ``keys`` matches and that are not in ``keep``.

    A prefix must end with a separator (``tenancy:7:``), or booking 1 would reach booking 12."""
    ended: set[int] = set()
    for grant in (
        AccessGrant.objects.select_for_update()
        .filter(keys, source=source, revoked_at__isnull=True)
        .order_by("pk")
    ):
        if (grant.person_id, grant.source_key) not in keep:
            _revoke(grant, now=now, reason=reason)
            ended.add(grant.person_id)
    return ended


# --- tenancy --------------------------------------------------------------------------------------------


def tenancy_door_ids(space_ids: Iterable[int]) -> set[int]:
    """The doors of these spaces, and the entry doors of their buildings and floors."""
    space_ids = list(space_ids)
    if not space_ids:
        return set()
    places = list(Space.objects.filter(pk__in=space_ids).values_list("floor_id", "floor__building_id"))
    floors = {f for f, _b in places}
    buildings = {b for _f, b in places}
    return set(
        Door.objects.filter(
            Q(space_id__in=space_ids)
            | Q(space__isnull=True, floor_id__in=floors)
            | Q(
                space__isnull=True,
                floor__isnull=True,
                building_id__in=buildings,
                kind__in=[DoorKind.ENTRY, DoorKind.TURNSTILE],
            )
        ).values_list("pk", flat=True)
    )


def _tenancy_zone(tenancy: Tenancy) -> Any:
    campus = Campus.objects.filter(buildings__floors__spaces__tenancy_spaces__tenancy=tenancy).first()
    return schedules.campus_zone(campus.time_zone if campus else None)


@transaction.atomic
def tenancy_grants_sync(*, tenancy: Tenancy, now: datetime | None = None) -> int:
    """Derive the ``tenancy`` grants of one tenancy: each active member of the company gets, for each
    group of spaces held over the same dates, those spaces' doors plus their building and floor
    entries, from local midnight of the first day to local midnight of the first day not held."""
    now = now or timezone.now()
    tenancy = Tenancy.objects.select_related("company").get(pk=tenancy.pk)
    prefix = f"tenancy:{tenancy.pk}:"
    keep: set[tuple[int, str]] = set()
    people: set[int] = set()
    if tenancy.status in TENANCY_HOLDS:
        people = set(
            Membership.objects.filter(company_id=tenancy.company_id, is_active=True).values_list(
                "user_id", flat=True
            )
        )
        groups: dict[tuple[Any, Any], list[int]] = defaultdict(list)
        for row in TenancySpace.objects.filter(tenancy=tenancy).order_by("pk"):
            end = min(row.held_until, tenancy.ends_on)
            if end > row.starts_on:
                groups[(row.starts_on, end)].append(row.space_id)
        tz = _tenancy_zone(tenancy)
        reason = _("Tenancy of %(company)s") % {"company": tenancy.company}
        for (starts_on, ends_on), space_ids in sorted(groups.items()):
            door_ids = tenancy_door_ids(space_ids)
            key = f"{prefix}{starts_on.isoformat()}:{ends_on.isoformat()}"
            for person_id in sorted(people):
                _set(
                    person_id=person_id,
                    source=GrantSource.TENANCY,
                    source_key=key,
                    door_ids=door_ids,
                    starts_at=schedules.local_midnight(starts_on, tz),
                    ends_at=schedules.local_midnight(ends_on, tz),
                    schedule=tenancy.plan_schedule
                    if tenancy.plan_schedule in GrantSchedule.values
                    else GrantSchedule.ALL_HOURS,
                    company_id=tenancy.company_id,
                    reason=reason,
                    now=now,
                )
                if door_ids:
                    keep.add((person_id, key))
    ended = _revoke_others(
        source=GrantSource.TENANCY,
        keys=Q(source_key__startswith=prefix),
        keep=keep,
        now=now,
        reason=_("The tenancy no longer holds these."),
    )
    return entries_refresh(person_ids=sorted(people | ended), now=now)


@transaction.atomic
def company_grants_sync(*, company: Company, now: datetime | None = None) -> int:
    """Re-derive the grants of every tenancy of the company (its people changed)."""
    ops = 0
    for tenancy in Tenancy.objects.filter(company=company).order_by("pk"):
        ops += tenancy_grants_sync(tenancy=tenancy, now=now)
    return ops


@transaction.atomic
def company_access_refresh(*, company: Company, now: datetime | None = None) -> int:
    """The company's status changed: refresh the entries of everyone holding a grant through it."""
    person_ids = set(
        AccessGrant.objects.filter(company=company, revoked_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    return entries_refresh(person_ids=sorted(person_ids), now=now)


# --- booking --------------------------------------------------------------------------------------------


def booking_grace(resource_id: int) -> tuple[timedelta, timedelta]:
    policy = ResourceAccessPolicy.objects.filter(resource_id=resource_id).first()
    if policy is None:
        return timedelta(minutes=DEFAULT_GRACE_MINUTES), timedelta(minutes=DEFAULT_GRACE_MINUTES)
    return timedelta(minutes=policy.pre_grace_minutes), timedelta(minutes=policy.post_grace_minutes)


def _checked_out_at(booking: Booking) -> datetime | None:
    """When the booker left early, if the booking records it (bookings have no check-out field yet)."""
    return getattr(booking, "checked_out_at", None)


# The doors of a booked space, in one constant statement: every booking written asks (most spaces
# have none), and the ORM spent more time composing the question than the database answering it.
SPACE_DOORS_SQL = "SELECT d.id FROM access_control_door d WHERE d.space_id = %s"


def booking_grants_sync(*, booking: Booking, now: datetime | None = None, new: bool = False) -> int:
    """The booker may open the booked space's doors from the start less the grace to the end plus
    the grace, while the booking is confirmed, checked in or completed; otherwise the grant ends now.

    ``new``: the booking was made in this transaction, so no grant of it exists yet to end.
    """
    key = f"booking:{booking.pk}"
    space_id = booking.resource.space_id
    doors: set[int] = set()
    if space_id is not None:
        with connection.cursor() as cursor:
            cursor.execute(SPACE_DOORS_SQL, [space_id])
            doors = {door_id for (door_id,) in cursor.fetchall()}
    if not doors and (
        new or not AccessGrant.objects.filter(source=GrantSource.BOOKING, source_key=key).exists()
    ):
        return 0  # a space without doors, and no grant of this booking to end: nothing to do
    return _booking_grants_write(booking=booking, key=key, doors=doors, now=now or timezone.now())


@transaction.atomic
def _booking_grants_write(*, booking: Booking, key: str, doors: set[int], now: datetime) -> int:
    booking = Booking.objects.select_related("resource").get(pk=booking.pk)
    door_ids = doors if booking.status in BOOKING_HOLDS else set()
    pre, post = booking_grace(booking.resource_id)
    # [start − pre, end + post] is closed: the last second opens too, so the half-open grant
    # ends one second later (16:15:00 opens, 16:15:01 does not).
    post += CLOSED_END
    ends_at = booking.ends_at + post
    checked_out = _checked_out_at(booking)
    if checked_out is not None:
        ends_at = min(ends_at, checked_out + post)
    _set(
        person_id=booking.booked_by_id,
        source=GrantSource.BOOKING,
        source_key=key,
        door_ids=door_ids,
        starts_at=booking.starts_at - pre,
        ends_at=ends_at,
        schedule=GrantSchedule.ALL_HOURS,
        company_id=booking.company_id,
        reason=_("Booking of %(resource)s") % {"resource": booking.resource},
        now=now,
    )
    ended = _revoke_others(
        source=GrantSource.BOOKING,
        keys=Q(source_key=key),
        keep={(booking.booked_by_id, key)} if door_ids else set(),
        now=now,
        reason=_("The booking no longer gives access."),
    )
    return entries_refresh(person_ids=sorted({booking.booked_by_id} | ended), now=now)


# --- a door added or moved ------------------------------------------------------------------------------


@transaction.atomic
def door_grants_derive(*, door: Door, now: datetime | None = None) -> int:
    """A door was added (or moved): derive again the grants that may now name it, those of the tenancies
    holding space in its building (whose entries and spaces' doors they open) and of the bookings of its
    space that have not ended. Returns the change-log operations written."""
    now = now or timezone.now()
    ops = 0
    tenancies = (
        Tenancy.objects.filter(
            tenancy_spaces__space__floor__building_id=door.building_id,
            status__in=TENANCY_HOLDS,
            ends_on__gt=now.date() - timedelta(days=1),
        )
        .distinct()
        .order_by("pk")
    )
    for tenancy in tenancies:
        ops += tenancy_grants_sync(tenancy=tenancy, now=now)
    if door.space_id is not None:
        bookings = Booking.objects.filter(
            resource__space_id=door.space_id, status__in=BOOKING_HOLDS, ends_at__gt=now - timedelta(days=1)
        ).select_related("resource")
        for booking in bookings.order_by("pk"):
            ops += booking_grants_sync(booking=booking, now=now)
    return ops


# --- lab ------------------------------------------------------------------------------------------------


@transaction.atomic
def lab_grant_set(
    *,
    person: Any,
    doors: Sequence[Door],
    starts_at: datetime,
    ends_at: datetime | None,
    source_key: str,
    reason: str = "",
    now: datetime | None = None,
) -> AccessGrant | None:
    """Record a lab safety qualification for these lab doors (the labs app calls this; no doors or an
    empty span ends it). A lab door opens only with a qualification valid at the moment *and* a grant."""
    now = now or timezone.now()
    _set(
        person_id=person.pk,
        source=GrantSource.LAB,
        source_key=source_key,
        door_ids={d.pk for d in doors},
        starts_at=starts_at,
        ends_at=ends_at,
        schedule=GrantSchedule.ALL_HOURS,
        company_id=None,
        reason=reason,
        now=now,
    )
    entries_refresh(person_ids=[person.pk], now=now)
    return AccessGrant.objects.filter(
        person=person, source=GrantSource.LAB, source_key=source_key, revoked_at__isnull=True
    ).first()


def qualification_grants_sync(*, qualification: Any, now: datetime | None = None) -> AccessGrant | None:
    """A lab safety induction opens its lab's doors (every lab's for a park-wide one) while it is
    valid; an equipment training opens none; revoked, the grant ends."""
    from hardware_labs.selectors import qualification_lab_ids

    lab_ids = qualification_lab_ids(qualification=qualification)
    doors: list[Door] = []
    if qualification.revoked_at is None and lab_ids != []:
        lab_doors = Door.objects.filter(kind=DoorKind.LAB)
        if lab_ids is not None:
            lab_doors = lab_doors.filter(space_id__in=lab_ids)
        doors = list(lab_doors.order_by("pk"))
    if (
        not doors
        and not AccessGrant.objects.filter(
            person_id=qualification.person_id,
            source=GrantSource.LAB,
            source_key=f"qualification:{qualification.pk}",
        ).exists()
    ):
        return None
    return lab_grant_set(
        person=qualification.person,
        doors=doors,
        starts_at=qualification.granted_at,
        ends_at=qualification.expires_at,
        source_key=f"qualification:{qualification.pk}",
        reason=str(qualification.course),
        now=now,
    )


# --- staff-entered grants -------------------------------------------------------------------------------


@transaction.atomic
def grant_create(
    *,
    person: Any,
    doors: Sequence[Door],
    source: str,
    starts_at: datetime,
    ends_at: datetime | None,
    schedule: str = GrantSchedule.ALL_HOURS,
    created_by: Any,
    reason: str = "",
    company: Company | None = None,
) -> AccessGrant:
    """A staff, visitor or manual grant, entered by staff."""
    if not getattr(created_by, "is_staff", False):
        raise PermissionDenied(_("Only staff grant access by hand."))
    if source not in STAFF_SOURCES:
        raise ValidationError(
            {
                "source": ValidationError(
                    _("Grants of this source are derived, not entered."), code="source_derived"
                )
            }
        )
    if not doors:
        raise ValidationError({"doors": ValidationError(_("Name at least one door."), code="required")})
    if not reason.strip():
        raise ValidationError({"reason": ValidationError(_("Say why access is granted."), code="required")})
    grant = AccessGrant(
        person=person,
        company=company,
        source=source,
        starts_at=starts_at,
        ends_at=ends_at,
        schedule=schedule,
        created_by=created_by,
        reason=reason,
    )
    grant.full_clean()
    grant.save()
    grant.doors.set(sorted(d.pk for d in doors))
    transition_log(
        obj=grant,
        action="create",
        from_state="",
        to_state="live",
        actor=created_by,
        reason=reason,
        data={"doors": sorted(d.pk for d in doors)},
    )
    entries_refresh(person_ids=[person.pk])
    return grant


@transaction.atomic
def grant_revoke(
    *, grant: AccessGrant, actor: Any, reason: str = "", now: datetime | None = None
) -> AccessGrant:
    """End a grant at once (any source; a derived grant comes back only if its source changes again)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only staff revoke access grants."))
    now = now or timezone.now()
    locked = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    if locked.revoked_at is not None:
        raise ValidationError(_("This grant has already been revoked."), code="grant_revoked")
    _revoke(locked, now=now, reason=reason, actor=actor)
    entries_refresh(person_ids=[locked.person_id], now=now)
    return locked
