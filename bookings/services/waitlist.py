"""The waitlist: join for a taken slot; a release offers it to the first in line, holding it for them.

An offer holds the slot with ``BookingClaim`` rows (``offer=entry``, the same footprint and
buffers as a booking), so nobody else can book it meanwhile (``booking_overlap``). The
person accepts before ``offer_expires_at`` (a booking is made in the same transaction) or the
beat task expires the offer and offers the slot to the next in line. Every state change
writes a transition log row; changes are conditional updates, so a repeat does nothing.
"""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Resource, WaitlistEntry, WaitlistStatus
from bookings.services import bookings as booking_services
from bookings.services import claims, rules
from core.exceptions import ActionForbidden
from core.workflow import transition_log
from notifications.services import notify
from tenants.models import Company

W = WaitlistStatus
OPEN = (W.WAITING, W.OFFERED)
# Buffers are at most 7 days (the policy validators): waiting entries this near a released range
# may have been blocked by it.
MAX_BUFFER = timedelta(days=7)


def _blocked(entry: WaitlistEntry) -> tuple[datetime, datetime]:
    policy = entry.resource.policy
    return entry.starts_at - policy.buffer_before, entry.ends_at + policy.buffer_after


def _may_act(actor: Any, entry: WaitlistEntry) -> None:
    if not (actor.is_staff or actor.pk == entry.person_id):
        raise ActionForbidden(_("Only the person waiting may do this."), code="actor_not_allowed")


def _locked(entry: WaitlistEntry) -> WaitlistEntry:
    return (
        WaitlistEntry.objects.select_for_update()
        .select_related("resource__policy", "resource__campus")
        .get(pk=entry.pk)
    )


@transaction.atomic
def waitlist_join(
    *,
    resource: Resource,
    person: Any,
    starts_at: datetime,
    ends_at: datetime,
    company: Company | None = None,
    title: str = "",
    attendees: int = 1,
    now: datetime | None = None,
) -> WaitlistEntry:
    """Wait for a slot that is taken now; the person must be allowed to book it.

    A free slot is refused with ``slot_free`` (book it instead); joining twice for the same
    slot is ``already_waiting``.
    """
    now = now or timezone.now()
    company = booking_services.booking_company(user=person, company=company)
    if not resource.is_active:
        raise ValidationError(
            _("%(resource)s cannot be booked now.") % {"resource": resource}, code="resource_inactive"
        )
    rules.check_times(
        resource=resource, starts_at=starts_at, ends_at=ends_at, now=now, is_staff=person.is_staff
    )
    rules.check_capacity(resource=resource, attendees=attendees)
    rules.check_audience(
        resource=resource,
        company=company,
        is_staff=person.is_staff,
        on=starts_at.astimezone(resource.tzinfo).date(),
    )
    policy = resource.policy
    if not claims.conflicting_claims(
        unit_ids=claims.footprint_ids(resource),
        starts_at=starts_at - policy.buffer_before,
        ends_at=ends_at + policy.buffer_after,
    ).exists():
        raise ValidationError(_("This slot is free: book it instead."), code="slot_free")
    already = ValidationError(_("You are already on the waitlist for this slot."), code="already_waiting")
    if WaitlistEntry.objects.filter(
        resource=resource, person=person, starts_at=starts_at, ends_at=ends_at, status__in=OPEN
    ).exists():
        raise already
    entry = WaitlistEntry(
        resource=resource,
        company=company,
        person=person,
        title=title,
        attendees=attendees,
        starts_at=starts_at,
        ends_at=ends_at,
        status=W.WAITING,
    )
    entry.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # a concurrent join of the same person for the same slot
        raise already from exc
    transition_log(obj=entry, action="join", from_state="", to_state=W.WAITING, actor=person)
    return entry


@transaction.atomic
def waitlist_leave(*, entry: WaitlistEntry, actor: Any, now: datetime | None = None) -> WaitlistEntry:
    """Leave the waitlist. Leaving with an open offer frees the held slot for the next in line."""
    now = now or timezone.now()
    locked = _locked(entry)
    _may_act(actor, locked)
    if locked.status not in OPEN:
        raise ValidationError(
            _("Cannot leave: the state is “%(state)s”.") % {"state": locked.status},
            code="transition_not_allowed",
        )
    previous = locked.status
    locked.status = W.LEFT
    locked.save(update_fields=["status", "updated_at"])
    transition_log(obj=locked, action="leave", from_state=previous, to_state=W.LEFT, actor=actor)
    if previous == W.OFFERED:
        claims.claims_release(offer=locked)
        blocked_from, blocked_until = _blocked(locked)
        waitlist_offer_next(resource=locked.resource, starts_at=blocked_from, ends_at=blocked_until, now=now)
    return locked


def _offer(entry: WaitlistEntry, *, now: datetime) -> bool:
    """Offer ``entry`` its slot if it is still waiting and the slot can be held; else change nothing."""
    policy = entry.resource.policy
    expires = min(now + timedelta(minutes=policy.waitlist_offer_minutes), entry.starts_at)
    blocked_from, blocked_until = _blocked(entry)
    try:
        with transaction.atomic():
            if not WaitlistEntry.objects.filter(pk=entry.pk, status=W.WAITING).update(
                status=W.OFFERED, offered_at=now, offer_expires_at=expires, updated_at=now
            ):
                return False  # somebody else moved it on
            claims.claims_write(
                resource=entry.resource,
                starts_at=blocked_from,
                ends_at=blocked_until,
                offer=entry,
            )
    except ValidationError as exc:
        if exc.code == "booking_overlap":
            return False  # still taken (in part): it keeps waiting
        raise
    entry.status, entry.offered_at, entry.offer_expires_at = W.OFFERED, now, expires
    transition_log(
        obj=entry,
        action="offer",
        from_state=W.WAITING,
        to_state=W.OFFERED,
        data={"offer_expires_at": expires.isoformat()},
    )
    tz = entry.resource.tzinfo
    notify(
        recipient=entry.person,
        kind="bookings.waitlist.offered",
        context={
            "entry": entry,
            "resource": entry.resource,
            "starts": entry.starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "ends": entry.ends_at.astimezone(tz).strftime("%H:%M"),
            "expires": expires.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        },
        subject_obj=entry,
        dedupe_key=f"bookings.waitlist.offered:{entry.pk}",
    )
    return True


@transaction.atomic
def waitlist_offer_next(
    *, resource: Resource, starts_at: datetime, ends_at: datetime, now: datetime
) -> list[WaitlistEntry]:
    """After [starts_at, ends_at) of ``resource`` was released: offer their slots to the waiting
    entries (on the resource, the resources inside it, or the one it is inside) whose slot is now
    entirely free, first come first served. Entries whose slot is still taken keep waiting.
    Returns the entries offered."""
    related = {*claims.footprint_ids(resource)}
    if resource.parent_id is not None:
        related.add(resource.parent_id)
    candidates = (
        WaitlistEntry.objects.filter(
            resource_id__in=related,
            status=W.WAITING,
            starts_at__gt=now,
            starts_at__lt=ends_at + MAX_BUFFER,
            ends_at__gt=starts_at - MAX_BUFFER,
        )
        .select_related("resource__policy", "resource__campus", "person")
        .order_by("created_at", "pk")
    )
    return [entry for entry in candidates if _offer(entry, now=now)]


@transaction.atomic
def waitlist_accept(*, entry: WaitlistEntry, actor: Any, now: datetime | None = None) -> WaitlistEntry:
    """Take up an offer before it expires: the hold becomes a booking (``entry.booking``), in one
    transaction. After the expiry: ``offer_expired``."""
    now = now or timezone.now()
    locked = _locked(entry)
    _may_act(actor, locked)
    if locked.status == W.EXPIRED or (locked.status == W.OFFERED and now >= locked.offer_expires_at):
        raise ValidationError(_("This offer has expired."), code="offer_expired")
    if locked.status != W.OFFERED:
        raise ValidationError(
            _("Cannot accept: the state is “%(state)s”.") % {"state": locked.status},
            code="transition_not_allowed",
        )
    claims.claims_release(offer=locked)
    booking = booking_services.booking_create(
        resource=locked.resource,
        booked_by=locked.person,
        company=locked.company,
        starts_at=locked.starts_at,
        ends_at=locked.ends_at,
        title=locked.title,
        attendees=locked.attendees,
        now=now,
    )
    locked.status = W.ACCEPTED
    locked.booking = booking
    locked.save(update_fields=["status", "booking", "updated_at"])
    transition_log(
        obj=locked,
        action="accept",
        from_state=W.OFFERED,
        to_state=W.ACCEPTED,
        actor=actor,
        data={"booking": booking.pk},
    )
    return locked


@transaction.atomic
def waitlist_expire_offers(*, now: datetime) -> dict[str, int]:
    """Expire lapsed offers (the hold is released and the slot offered to the next in line) and
    entries still waiting when their slot has begun. Running it again changes nothing."""
    expired = reoffered = lapsed = 0
    due = (
        WaitlistEntry.objects.filter(status=W.OFFERED, offer_expires_at__lte=now)
        .select_related("resource__policy", "resource__campus")
        .order_by("offer_expires_at", "pk")
    )
    for entry in due:
        if not WaitlistEntry.objects.filter(pk=entry.pk, status=W.OFFERED, offer_expires_at__lte=now).update(
            status=W.EXPIRED, updated_at=now
        ):
            continue  # accepted or left meanwhile
        expired += 1
        claims.claims_release(offer=entry)
        transition_log(obj=entry, action="expire", from_state=W.OFFERED, to_state=W.EXPIRED)
        blocked_from, blocked_until = _blocked(entry)
        reoffered += len(
            waitlist_offer_next(
                resource=entry.resource, starts_at=blocked_from, ends_at=blocked_until, now=now
            )
        )
    for entry in WaitlistEntry.objects.filter(status=W.WAITING, starts_at__lte=now).order_by("pk"):
        if WaitlistEntry.objects.filter(pk=entry.pk, status=W.WAITING).update(
            status=W.EXPIRED, updated_at=now
        ):
            lapsed += 1
            transition_log(
                obj=entry,
                action="expire",
                from_state=W.WAITING,
                to_state=W.EXPIRED,
                reason=_("The slot has begun."),
            )
    return {"expired": expired, "offered": reoffered, "lapsed": lapsed}


__all__ = [
    "waitlist_accept",
    "waitlist_expire_offers",
    "waitlist_join",
    "waitlist_leave",
    "waitlist_offer_next",
]
