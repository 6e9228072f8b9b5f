"""The online decision: may this credential open this door at this moment, and why (not).

Kept to a handful of single-table, indexed queries (no joins): the credential, the person,
running lockdowns, the person's live grants that name the door, and (only when a grant has
one) the companies' status. Deny overrides win over any grant.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from access_control import crypto
from access_control.models import (
    AccessGrant,
    Credential,
    CredentialStatus,
    Door,
    DoorKind,
    GrantSource,
    Lockdown,
    Site,
)
from access_control.services import schedules
from accounts.models import User
from core.calendar import WorkingCalendar
from spaces.models import Campus
from tenants.models import Company, CompanyStatus

ALLOW, DENY = "allow", "deny"


@dataclass(frozen=True)
class Decision:
    decision: str
    reason: str
    grant_id: int | None = None
    person_id: int | None = None
    person_display: str = ""
    unlock_ms: int = 0
    credential_id: int | None = None
    company_id: int | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW


def person_display(full_name: str, email: str) -> str:
    """``Li Wei`` → ``Li W.``; a single name stays as it is; no name: the e-mail's local part."""
    parts = full_name.split()
    if not parts:
        return email.split("@")[0]
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} {parts[-1][0]}."


def _door_zone(door: Door):  # type: ignore[no-untyped-def]
    site = door._state.fields_cache.get("site")
    campus_id = (
        site.campus_id
        if site is not None
        else Site.objects.values_list("campus_id", flat=True).get(pk=door.site_id)
    )
    time_zone = Campus.objects.values_list("time_zone", flat=True).filter(pk=campus_id).first()
    return schedules.campus_zone(time_zone)


def _credential(kind: str, identifier: str) -> Credential | None:
    """The live credential with this identifier, else the latest revoked one (to say it is inactive)."""
    rows = list(
        Credential.objects.filter(kind=kind, identifier=identifier)
        .order_by()  # the default ordering (by person) would join the users table
        .only("pk", "person_id", "status", "valid_from", "valid_until")[:5]
    )
    if not rows:
        return None
    return min(rows, key=lambda c: (c.status == CredentialStatus.REVOKED, -c.pk))


def decide(*, door: Door, kind: str, uid: str, at: datetime) -> Decision:
    """Decide a tap of credential (``kind``, ``uid``) on ``door`` at ``at``."""
    credential = _credential(kind, crypto.normalise_uid(uid))
    if credential is None:
        return Decision(DENY, "unknown_credential")
    person = User.objects.filter(pk=credential.person_id).values("is_active", "full_name", "email").first()
    base = {
        "person_id": credential.person_id,
        "person_display": person_display(person["full_name"], person["email"]) if person else "",
        "credential_id": credential.pk,
    }
    if (
        credential.status != CredentialStatus.ACTIVE
        or at < credential.valid_from
        or (credential.valid_until is not None and at >= credential.valid_until)
    ):
        return Decision(DENY, "credential_inactive", **base)
    if not person or not person["is_active"]:
        return Decision(DENY, "person_suspended", **base)
    if not door.is_enabled:
        return Decision(DENY, "door_disabled", **base)
    if Lockdown.objects.filter(
        Q(site_id=door.site_id, building__isnull=True) | Q(building_id=door.building_id),
        ended_at__isnull=True,
        started_at__lte=at,
    ).exists():
        return Decision(DENY, "lockdown", **base)

    # The person's live grants naming the door: a semi-join (IN subquery), no JOIN.
    on_door = AccessGrant.doors.through.objects.filter(door_id=door.pk).values("accessgrant_id")
    candidates = list(
        AccessGrant.objects.filter(person_id=credential.person_id, revoked_at__isnull=True, pk__in=on_door)
        .order_by("pk")  # not the default ordering (by person), which would join the users table
        .only("pk", "company_id", "source", "starts_at", "ends_at", "schedule")
    )
    ordinary = [g for g in candidates if g.source != GrantSource.LAB]
    lab = [g for g in candidates if g.source == GrantSource.LAB]
    if not ordinary:
        return Decision(DENY, "no_grant_for_door", **base)
    company_ids = {g.company_id for g in candidates if g.company_id}
    if company_ids:
        suspended = set(
            Company.objects.filter(pk__in=company_ids)
            .exclude(status=CompanyStatus.ACTIVE)
            .values_list("pk", flat=True)
        )
        if suspended:
            company_of = (
                next(g.company_id for g in ordinary if g.company_id in suspended)
                if any(g.company_id in suspended for g in ordinary)
                else None
            )
            ordinary = [g for g in ordinary if g.company_id not in suspended]
            lab = [g for g in lab if g.company_id not in suspended]
            if not ordinary:
                return Decision(DENY, "company_suspended", company_id=company_of, **base)

    tz = _door_zone(door) if any(g.schedule != "24x7" for g in ordinary + lab) else None
    calendar = WorkingCalendar() if tz is not None else None

    def valid(grant: AccessGrant) -> bool:
        return schedules.schedule_contains(
            schedule=grant.schedule,
            starts_at=grant.starts_at,
            ends_at=grant.ends_at,
            at=at,
            tz=tz,  # type: ignore[arg-type]
            calendar=calendar,  # type: ignore[arg-type]
        )

    allowing = [g for g in ordinary if valid(g)]
    if not allowing:
        if all(g.source == GrantSource.BOOKING for g in ordinary):
            if any(at < g.starts_at for g in ordinary):
                return Decision(DENY, "booking_not_started", **base)
            return Decision(DENY, "booking_ended", **base)
        return Decision(DENY, "outside_schedule", **base)
    if door.kind == DoorKind.LAB and not any(valid(g) for g in lab):
        return Decision(DENY, "qualification_missing", **base)
    # the most specific reason first: a booking, then a tenancy, then the rest
    order = [
        GrantSource.BOOKING,
        GrantSource.TENANCY,
        GrantSource.STAFF,
        GrantSource.VISITOR,
        GrantSource.MANUAL,
    ]
    grant = min(allowing, key=lambda g: (order.index(g.source) if g.source in order else 99, g.pk))
    return Decision(
        ALLOW,
        grant.source,
        grant_id=grant.pk,
        unlock_ms=door.unlock_ms,
        company_id=grant.company_id,
        **base,
    )
