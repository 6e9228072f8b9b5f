"""What can be booked (resources), the rules for booking them (policies) and pools of alike resources."""

import zoneinfo
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint
from core.models import TimeStampedModel
from spaces.models import SpaceKind
from tenants.models import AgreementKind


class ResourceKind(models.TextChoices):
    HOT_DESK = SpaceKind.HOT_DESK.value, SpaceKind.HOT_DESK.label
    DEDICATED_DESK = SpaceKind.DEDICATED_DESK.value, SpaceKind.DEDICATED_DESK.label
    BOARDROOM = SpaceKind.BOARDROOM.value, SpaceKind.BOARDROOM.label
    PHONE_ROOM = SpaceKind.PHONE_ROOM.value, SpaceKind.PHONE_ROOM.label
    EVENT_HALL = SpaceKind.EVENT_HALL.value, SpaceKind.EVENT_HALL.label
    COWORKING_AREA = SpaceKind.COWORKING_AREA.value, SpaceKind.COWORKING_AREA.label
    LAB = SpaceKind.LAB.value, SpaceKind.LAB.label
    EQUIPMENT = "equipment", _("Equipment")


class Audience(models.TextChoices):
    STAFF = "staff", _("Staff only")
    TENANTS = "tenants", _("Any tenant company")
    PLANS = "plans", _("Tenants on given plans")
    COMPANIES = "companies", _("Given companies")


def validate_plans(value: Any) -> None:
    if not isinstance(value, list) or any(v not in AgreementKind.values for v in value):
        raise ValidationError(
            _("Plans must be a list of: %(kinds)s.") % {"kinds": ", ".join(AgreementKind.values)},
            code="invalid_plans",
        )


MINUTES = [MinValueValidator(0), MaxValueValidator(7 * 24 * 60)]


class BookingPolicy(TimeStampedModel):
    """The rules for booking a resource: when, for how long, how far ahead, by whom, at what cost.

    Times are wall-clock times in the campus's zone. Unless ``is_24x7``, the resource
    is closed on China's public holidays and open on make-up workdays as on a weekday.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_24x7 = models.BooleanField(_("open 24×7"), default=False)
    min_duration_minutes = models.PositiveIntegerField(_("minimum duration (minutes)"), default=15)
    max_duration_minutes = models.PositiveIntegerField(_("maximum duration (minutes)"), default=8 * 60)
    slot_minutes = models.PositiveIntegerField(
        _("slot granularity (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("Starts and ends fall on multiples of this many minutes past midnight, local time."),
    )
    lead_minutes = models.PositiveIntegerField(
        _("lead time (minutes)"), default=0, validators=MINUTES, help_text=_("Book at least this long ahead.")
    )
    horizon_days = models.PositiveIntegerField(
        _("booking horizon (days)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(3 * 366)],
        help_text=_("Book at most this many days ahead."),
    )
    buffer_before_minutes = models.PositiveIntegerField(
        _("buffer before (minutes)"), default=0, validators=MINUTES
    )
    buffer_after_minutes = models.PositiveIntegerField(
        _("buffer after (minutes)"), default=0, validators=MINUTES
    )
    requires_approval = models.BooleanField(_("requires approval"), default=False)
    audience = models.CharField(_("who may book"), max_length=16, choices=Audience, default=Audience.TENANTS)
    plans = models.JSONField(
        _("plans"),
        default=list,
        blank=True,
        validators=[validate_plans],
        help_text=_("With “tenants on given plans”: the agreement kinds whose active tenancies qualify."),
    )
    companies = models.ManyToManyField(
        "tenants.Company", verbose_name=_("companies"), related_name="booking_policies", blank=True
    )
    cancel_cutoff_minutes = models.PositiveIntegerField(
        _("cancellation cut-off (minutes)"),
        default=2 * 60,
        validators=MINUTES,
        help_text=_("Cancelled at least this long before the start, the credits are refunded."),
    )
    credits_per_hour = models.DecimalField(
        _("credits per hour"),
        max_digits=8,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
        help_text=_("What an hour costs against the company's monthly allowance; 1 counts hours."),
    )
    check_in_required = models.BooleanField(
        _("check-in required"),
        default=True,
        help_text=_("Unclaimed bookings are released after the grace period."),
    )
    check_in_opens_minutes = models.PositiveIntegerField(
        _("check-in opens (minutes before start)"), default=15, validators=MINUTES
    )
    check_in_grace_minutes = models.PositiveIntegerField(
        _("check-in grace (minutes)"), default=15, validators=MINUTES
    )
    waitlist_offer_minutes = models.PositiveIntegerField(
        _("waitlist offer holds for (minutes)"), default=30, validators=[MinValueValidator(1), *MINUTES]
    )

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")
        ordering = ["name", "pk"]
        constraints = [
            check_constraint(
                condition=Q(min_duration_minutes__gt=0), name="bookings_bookingpolicy_min_duration_positive"
            ),
            check_constraint(
                condition=Q(max_duration_minutes__gte=F("min_duration_minutes")),
                name="bookings_bookingpolicy_max_not_below_min",
                violation_error_message=_("The maximum duration cannot be below the minimum."),
            ),
            check_constraint(condition=Q(slot_minutes__gt=0), name="bookings_bookingpolicy_slot_positive"),
            check_constraint(condition=Q(horizon_days__gt=0), name="bookings_bookingpolicy_horizon_positive"),
            check_constraint(
                condition=Q(audience__in=Audience.values), name="bookings_bookingpolicy_audience_valid"
            ),
            check_constraint(
                condition=Q(credits_per_hour__gte=0), name="bookings_bookingpolicy_credits_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One opening interval of a policy on a weekday, in local time. A weekday may have several."""

    policy = models.ForeignKey(
        BookingPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["policy", "weekday", "opens_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="bookings_openinghours_weekday_valid"
            ),
            check_constraint(
                condition=Q(closes_at__gt=F("opens_at")) | Q(closes_at="00:00"),
                name="bookings_openinghours_closes_after_opens",
                violation_error_message=_("Closing time must be after opening time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class ResourceQuerySet(models.QuerySet["Resource"]):
    def active(self) -> "ResourceQuerySet":
        return self.filter(is_active=True)


class Resource(TimeStampedModel):
    """Something bookable: a space (boardroom, desk, hall, lab) or, from the labs app, a piece of equipment.

    A space's resource mirrors the space's containment: ``parent`` is the resource of
    the space it sits in (a desk's coworking area, a room's hall or combined room).
    Booking a resource holds it and every resource inside it, so a whole and its
    parts block each other.
    """

    campus = models.ForeignKey(
        "spaces.Campus", verbose_name=_("campus"), on_delete=models.PROTECT, related_name="resources"
    )
    location = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("location"),
        on_delete=models.CASCADE,
        related_name="located_resources",
        help_text=_("The space this resource is, or the lab it stands in."),
    )
    space = models.OneToOneField(
        "spaces.Space",
        verbose_name=_("space"),
        on_delete=models.CASCADE,
        related_name="resource",
        null=True,
        blank=True,
        help_text=_("Set when the resource is the space itself."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("inside"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ResourceKind)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=1, validators=[MinValueValidator(1)])
    policy = models.ForeignKey(
        BookingPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="resources"
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["campus", "location", "kind", "pk"]
        indexes = [models.Index(fields=["kind", "is_active"], name="bookings_resource_kind_idx")]
        constraints = [
            check_constraint(condition=Q(kind__in=ResourceKind.values), name="bookings_resource_kind_valid"),
            check_constraint(condition=Q(capacity__gt=0), name="bookings_resource_capacity_positive"),
            check_constraint(
                condition=Q(space__isnull=True) | Q(space=F("location")),
                name="bookings_resource_space_is_location",
            ),
            check_constraint(condition=~Q(parent=F("pk")), name="bookings_resource_not_inside_itself"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return self.campus.tzinfo


class ResourcePool(TimeStampedModel):
    """A named group of interchangeable resources ("any hot desk on 12F"): a booking takes one free member."""

    campus = models.ForeignKey(
        "spaces.Campus", verbose_name=_("campus"), on_delete=models.PROTECT, related_name="resource_pools"
    )
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    members = models.ManyToManyField(Resource, verbose_name=_("members"), related_name="pools")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("resource pool")
        verbose_name_plural = _("resource pools")
        ordering = ["campus", "code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "code"], name="bookings_resourcepool_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


__all__ = [
    "Audience",
    "BookingPolicy",
    "OpeningHours",
    "Resource",
    "ResourceKind",
    "ResourcePool",
    "Weekday",
]
