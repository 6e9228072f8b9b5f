"""Bookings, their recurring series, the claims that make overlaps impossible, and waitlists."""

from datetime import datetime
from typing import Any, Self

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import F, Q, Value
from django.utils.translation import gettext_lazy as _

from core.db import PostgresExclusionConstraint, TsTzRange, check_constraint
from core.models import TimeStampedModel


class BookingStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    REJECTED = "rejected", _("Rejected")


# A booking in one of these states holds its time (and has claims).
HOLDING_STATUSES = (BookingStatus.PENDING_APPROVAL, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)


class CheckInVia(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    DEVICE = "device", _("Door device")
    STAFF = "staff", _("Staff")


class OwnOrCompanyQuerySet(models.QuerySet[Any]):
    """Rows of a person, made for a company: ``visible_to`` shows staff everything and others
    their own rows and those of companies they are active members of."""

    person_field = "booked_by"

    def visible_to(self, user: Any) -> Self:
        if user.is_staff:
            return self
        return self.filter(
            Q(**{self.person_field: user})
            | Q(company__memberships__user=user, company__memberships__is_active=True)
        ).distinct()


class BookingQuerySet(OwnOrCompanyQuerySet):
    def holding(self) -> Self:
        return self.filter(status__in=HOLDING_STATUSES)


class WaitlistEntryQuerySet(OwnOrCompanyQuerySet):
    person_field = "person"


class BookingClaimQuerySet(models.QuerySet["BookingClaim"]):
    def meeting(self, starts_at: datetime, ends_at: datetime) -> Self:
        """Claims whose half-open [starts_at, ends_at) meets the given half-open range.

        On PostgreSQL the test is written on ``tstzrange(starts_at, ends_at, '[)')``, so the
        planner can use the GiST indexes on that expression (the exclusion constraint's and
        ``bookings_claim_span_gist``); elsewhere it is a pair of comparisons.
        """
        if connection.vendor == "postgresql":
            return self.annotate(span=TsTzRange("starts_at", "ends_at", Value("[)"))).filter(
                span__overlap=DateTimeTZRange(starts_at, ends_at, "[)")
            )
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class BookingSeries(TimeStampedModel):
    """A recurring booking: an RFC 5545 rule over local wall-clock times; each occurrence is a ``Booking``."""

    resource = models.ForeignKey(
        "bookings.Resource", verbose_name=_("resource"), on_delete=models.PROTECT, related_name="series"
    )
    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="booking_series",
        null=True,
        blank=True,
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("booked by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    rrule = models.CharField(
        _("recurrence rule"),
        max_length=500,
        help_text=_("RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"),
    )
    starts_at_local = models.DateTimeField(
        _("first start (local wall-clock time)"),
        help_text=_("Stored as a naive local time; every occurrence starts at this wall-clock time."),
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), validators=[MinValueValidator(1)])
    time_zone = models.CharField(_("time zone"), max_length=64)
    exdates = models.JSONField(
        _("excluded dates"), default=list, blank=True, help_text=_("Local dates (YYYY-MM-DD) left out.")
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    objects = OwnOrCompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking series")
        verbose_name_plural = _("booking series")
        ordering = ["-created_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(duration_minutes__gt=0), name="bookings_bookingseries_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.resource} {self.rrule}"


class Booking(TimeStampedModel):
    """A reservation of one resource for the half-open interval [starts_at, ends_at).

    ``blocked_from``/``blocked_until`` add the policy's buffers; the resource and
    everything inside it are held for that wider range through ``BookingClaim`` rows.
    """

    # No single-column indexes on resource and company: (resource, starts_at) and
    # (company, starts_at) below lead with them, and every booking written pays for each index.
    resource = models.ForeignKey(
        "bookings.Resource",
        verbose_name=_("resource"),
        on_delete=models.PROTECT,
        related_name="bookings",
        db_index=False,
    )
    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="bookings",
        null=True,
        blank=True,
        help_text=_("Empty for the park's own bookings."),
        db_index=False,
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    series = models.ForeignKey(
        BookingSeries,
        verbose_name=_("series"),
        on_delete=models.PROTECT,
        related_name="bookings",
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    attendees = models.PositiveIntegerField(
        _("attendees"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    blocked_from = models.DateTimeField(_("blocked from"), help_text=_("The start less the buffer before."))
    blocked_until = models.DateTimeField(_("blocked until"), help_text=_("The end plus the buffer after."))
    status = models.CharField(
        _("status"), max_length=16, choices=BookingStatus, default=BookingStatus.CONFIRMED
    )
    credits = models.DecimalField(
        _("credits charged"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_via = models.CharField(_("checked in via"), max_length=16, choices=CheckInVia, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    released_at = models.DateTimeField(
        _("released at"),
        null=True,
        blank=True,
        help_text=_("When the time was given back (cancelled or no-show)."),
    )
    confirmation_sent_at = models.DateTimeField(
        _("confirmation sent at"), null=True, blank=True, editable=False
    )
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True, editable=False)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["resource", "starts_at"], name="bookings_booking_resource_idx"),
            models.Index(fields=["status", "starts_at"], name="bookings_booking_status_idx"),
            models.Index(fields=["company", "starts_at"], name="bookings_booking_company_idx"),
        ]
        constraints = [
            check_constraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="bookings_booking_ends_after_start",
                violation_error_message=_("A booking must end after it starts."),
            ),
            check_constraint(
                condition=Q(blocked_from__lte=F("starts_at"), blocked_until__gte=F("ends_at")),
                name="bookings_booking_blocked_covers_booking",
            ),
            check_constraint(
                condition=Q(status__in=BookingStatus.values), name="bookings_booking_status_valid"
            ),
            check_constraint(condition=Q(credits__gte=0), name="bookings_booking_credits_not_negative"),
            check_constraint(
                condition=Q(checked_in_at__isnull=True) | ~Q(checked_in_via=""),
                name="bookings_booking_check_in_has_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_holding(self) -> bool:
        return self.status in HOLDING_STATUSES


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    LEFT = "left", _("Left")


class WaitlistEntry(TimeStampedModel):
    """A person waiting for a taken slot. A release offers it to the first in line for a while."""

    resource = models.ForeignKey(
        "bookings.Resource", verbose_name=_("resource"), on_delete=models.PROTECT, related_name="waitlist"
    )
    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
        null=True,
        blank=True,
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    attendees = models.PositiveIntegerField(_("attendees"), default=1, validators=[MinValueValidator(1)])
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=16, choices=WaitlistStatus, default=WaitlistStatus.WAITING
    )
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    booking = models.OneToOneField(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.PROTECT,
        related_name="waitlist_entry",
        null=True,
        blank=True,
    )

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["resource", "starts_at", "created_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(ends_at__gt=F("starts_at")), name="bookings_waitlistentry_ends_after_start"
            ),
            check_constraint(
                condition=Q(status__in=WaitlistStatus.values), name="bookings_waitlistentry_status_valid"
            ),
            check_constraint(
                condition=~Q(status=WaitlistStatus.OFFERED) | Q(offer_expires_at__isnull=False),
                name="bookings_waitlistentry_offer_expires",
            ),
            models.UniqueConstraint(
                fields=["resource", "person", "starts_at", "ends_at"],
                condition=Q(status__in=["waiting", "offered"]),
                name="bookings_waitlistentry_once_per_slot",
                violation_error_message=_("You are already on the waitlist for this slot."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ⏳ {self.resource} {self.starts_at:%Y-%m-%d %H:%M}"


class ResourceBlock(TimeStampedModel):
    """A resource taken out of booking for [starts_at, ends_at): maintenance, an inspection.

    Like a booking it holds the resource and everything inside it through ``BookingClaim``
    rows, so the same exclusion constraint keeps bookings off it and the availability search
    sees it as busy. Higher apps (the labs' maintenance windows) own their blocks.
    """

    resource = models.ForeignKey(
        "bookings.Resource", verbose_name=_("resource"), on_delete=models.PROTECT, related_name="blocks"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("resource block")
        verbose_name_plural = _("resource blocks")
        ordering = ["resource", "starts_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="bookings_resourceblock_ends_after_start",
                violation_error_message=_("A block must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} ⛔ {self.starts_at:%Y-%m-%d %H:%M}"


class BookingClaim(models.Model):
    """One resource (``unit``) held for [starts_at, ends_at) by a booking, a waitlist offer or a block.

    A booking claims its resource and every resource inside it, over the time
    widened by the buffers. On PostgreSQL an exclusion constraint forbids two claims
    on one unit that overlap (half-open: one ending at 10:00 and one starting at
    10:00 do not); on SQLite, where write transactions are serialised, the service
    checks inside its transaction. Claims are deleted when their booking stops
    holding time (cancelled, rejected, no-show) or the offer lapses.
    """

    unit = models.ForeignKey(  # indexed by (unit, starts_at, ends_at) below
        "bookings.Resource",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="claims",
        db_index=False,
    )
    booking = models.ForeignKey(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.CASCADE,
        related_name="claims",
        null=True,
        blank=True,
    )
    offer = models.ForeignKey(
        WaitlistEntry,
        verbose_name=_("waitlist offer"),
        on_delete=models.CASCADE,
        related_name="claims",
        null=True,
        blank=True,
    )
    block = models.ForeignKey(
        ResourceBlock,
        verbose_name=_("block"),
        on_delete=models.CASCADE,
        related_name="claims",
        null=True,
        blank=True,
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    objects = BookingClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking claim")
        verbose_name_plural = _("booking claims")
        ordering = ["unit", "starts_at", "pk"]
        # On PostgreSQL, migration 0002 adds a GiST index on tstzrange(starts_at, ends_at, '[)') alone
        # (bookings_claim_span_gist) for the availability search; it is not declared here because
        # Django would build it on SQLite too.
        indexes = [models.Index(fields=["unit", "starts_at", "ends_at"], name="bookings_claim_unit_time_idx")]
        constraints = [
            check_constraint(
                condition=Q(ends_at__gt=F("starts_at")), name="bookings_bookingclaim_ends_after_start"
            ),
            check_constraint(
                condition=Q(booking__isnull=False, offer__isnull=True, block__isnull=True)
                | Q(booking__isnull=True, offer__isnull=False, block__isnull=True)
                | Q(booking__isnull=True, offer__isnull=True, block__isnull=False),
                name="bookings_bookingclaim_one_holder",
            ),
            PostgresExclusionConstraint(
                name="bookings_bookingclaim_no_overlap",
                expressions=[
                    ("unit", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at", Value("[)")), RangeOperators.OVERLAPS),
                ],
                violation_error_code="booking_overlap",
                violation_error_message=_("This resource is already booked for that time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} [{self.starts_at:%Y-%m-%d %H:%M}, {self.ends_at:%H:%M})"
