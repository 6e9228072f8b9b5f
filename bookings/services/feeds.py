"""Calendar feeds: create one (the token is returned once; only its hash is kept), revoke it, render it."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingStatus, CalendarFeed, FeedScope, Resource
from bookings.services import ical
from core.exceptions import ActionForbidden
from tenants.models import Company, Membership

S = BookingStatus
# What a feed shows: holding bookings and those that took place, from this long ago on.
FEED_PAST = timedelta(days=30)
FEED_MAX_EVENTS = 2000
FEED_STATUSES = (S.PENDING_APPROVAL, S.CONFIRMED, S.CHECKED_IN, S.COMPLETED)
BUSY_STATUSES = (S.PENDING_APPROVAL, S.CONFIRMED, S.CHECKED_IN, S.COMPLETED)


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(
    *, owner: Any, scope: str, company: Company | None = None, resource: Resource | None = None
) -> tuple[CalendarFeed, str]:
    """A new feed for ``owner``; returns it and its token (not stored, so shown only now).

    A company feed needs the owner to be an active member of the company (or staff);
    a resource feed shows busy times only, so anyone signed in may have one.
    """
    if scope == FeedScope.COMPANY:
        if company is None:
            raise ValidationError({"company": ValidationError(_("Say which company."), code="required")})
        if (
            not owner.is_staff
            and not Membership.objects.active().filter(company=company, user=owner).exists()
        ):
            raise ActionForbidden(_("You are not a member of that company."), code="not_a_member")
    if scope == FeedScope.RESOURCE and resource is None:
        raise ValidationError({"resource": ValidationError(_("Say which resource."), code="required")})
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        owner=owner,
        scope=scope,
        company=company if scope == FeedScope.COMPANY else None,
        resource=resource if scope == FeedScope.RESOURCE else None,
        token_hash=feed_token_hash(token),
    )
    feed.full_clean()
    feed.save()
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, feed: CalendarFeed, actor: Any, now: datetime | None = None) -> CalendarFeed:
    """Stop the feed's URL for good (its owner, or staff for a leaked URL); again keeps the first time."""
    if feed.owner_id != actor.pk and not actor.is_staff:
        raise ActionForbidden(_("This feed belongs to someone else."), code="not_owner")
    now = now or timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk, revoked_at=None).update(revoked_at=now, updated_at=now)
    feed.refresh_from_db(fields=["revoked_at", "updated_at"])
    return feed


def calendar_feed_for_token(*, token: str) -> CalendarFeed | None:
    """The live feed of ``token``, or None (unknown, revoked, or its owner may no longer see it)."""
    feed = (
        CalendarFeed.objects.live()
        .select_related("owner", "company", "resource__campus")
        .filter(token_hash=feed_token_hash(token))
        .first()
    )
    if feed is None or not feed.owner.is_active:
        return None
    if (
        feed.scope == FeedScope.COMPANY
        and not feed.owner.is_staff
        and not Membership.objects.active().filter(company_id=feed.company_id, user=feed.owner).exists()
    ):
        return None
    return feed


def calendar_feed_render(*, feed: CalendarFeed, now: datetime | None = None) -> bytes:
    """The feed as an RFC 5545 calendar, in one query for its bookings; records the fetch."""
    now = now or timezone.now()
    bookings = Booking.objects.filter(ends_at__gte=now - FEED_PAST).select_related("resource__campus")
    if feed.scope == FeedScope.PERSON:
        bookings = bookings.filter(booked_by=feed.owner, status__in=FEED_STATUSES)
        name = _("My bookings")
    elif feed.scope == FeedScope.COMPANY:
        bookings = bookings.filter(company=feed.company, status__in=FEED_STATUSES)
        name = _("Bookings of %(company)s") % {"company": feed.company.name}  # type: ignore[union-attr]
    else:
        bookings = bookings.filter(resource=feed.resource, status__in=BUSY_STATUSES)
        name = feed.resource.name  # type: ignore[union-attr]
    body = ical.feed_ics(
        name=name,
        bookings=bookings.order_by("starts_at", "pk")[:FEED_MAX_EVENTS],
        private=feed.scope == FeedScope.RESOURCE,
        now=now,
    )
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    return body
