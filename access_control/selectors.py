"""Reads about a person's access: which doors their live grants open at a moment."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from access_control.models import AccessGrant, Credential, Door, GrantSchedule
from access_control.services import schedules
from core.calendar import WorkingCalendar, working_calendar


@dataclass(frozen=True)
class DoorAccess:
    """A door the person may open now, by which grant (its source) and until when (None: open-ended)."""

    door: Door
    source: str
    source_label: str
    until: datetime | None


def person_credentials(*, person: Any) -> list[Credential]:
    """The person's credentials (kind, label, status, validity; never the identifier), one query."""
    return list(Credential.objects.filter(person=person).defer("identifier").order_by("status", "kind", "pk"))


def person_doors_now(
    *, person: Any, now: datetime | None = None, calendar: WorkingCalendar | None = None
) -> list[DoorAccess]:
    """The enabled doors the person's grants open at ``now`` (span and schedule), by door name.

    A door reached through several grants is listed once, with the grant that lasts longest.
    Deny overrides decided at the door (a suspended credential, a lockdown) are not applied here:
    the credentials list shows their status. Two queries (grants, their doors with site and
    campus), plus the working calendar's overrides when a grant keeps business hours.
    """
    now = now or timezone.now()
    grants = (
        AccessGrant.objects.filter(person=person, revoked_at=None, starts_at__lte=now)
        .filter(Q(ends_at=None) | Q(ends_at__gt=now))
        .prefetch_related(
            Prefetch(
                "doors",
                queryset=Door.objects.filter(is_enabled=True).select_related("site__campus", "building"),
            )
        )
        .order_by("pk")
    )
    best: dict[int, DoorAccess] = {}
    for grant in grants:
        for door in grant.doors.all():
            if grant.schedule != GrantSchedule.ALL_HOURS:
                calendar = calendar or working_calendar()
                if not schedules.schedule_contains(
                    schedule=grant.schedule,
                    starts_at=grant.starts_at,
                    ends_at=grant.ends_at,
                    at=now,
                    tz=schedules.campus_zone(door.site.campus.time_zone),
                    calendar=calendar,
                ):
                    continue
            current = best.get(door.pk)
            if current is None or (
                current.until is not None and (grant.ends_at is None or grant.ends_at > current.until)
            ):
                best[door.pk] = DoorAccess(
                    door=door,
                    source=grant.source,
                    source_label=str(grant.get_source_display()),
                    until=grant.ends_at,
                )
    return sorted(best.values(), key=lambda a: (a.door.name, a.door.pk))


__all__ = ["DoorAccess", "person_credentials", "person_doors_now"]
