"""The campus model: campus → zone → building → floor → space.

Invariants that must always hold are database constraints (positive capacities and
areas, codes unique within their parent, a kind's required fields); ``clean()``
adds the checks that span rows (a zone of the same campus, a floor within the
building's floors, a desk inside a coworking area on its own floor).
"""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint
from core.models import TimeStampedModel
from spaces.querysets import SpaceQuerySet

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters, digits, dots, dashes and underscores, starting with a letter or digit."),
    code="invalid_code",
)


POSITIVE_AREA = MinValueValidator(Decimal("0.01"))
# Domain bounds (the tallest towers have ~160 floors). Explicit bounds also keep the API schema
# the same on every database (Django otherwise derives them from the connection).
MAX_FLOORS = 300
MAX_BASEMENTS = 20
MAX_CAPACITY = 100_000


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone."),
            code="invalid_time_zone",
            params={"value": value},
        )


class ZoneKind(models.TextChoices):
    OFFICE_TOWERS = "office_towers", _("Office towers")
    OFFICE_COMPOUND = "office_compound", _("Office compound")
    COWORKING = "coworking", _("Coworking")
    LAB_DISTRICT = "lab_district", _("Lab district")


class BuildingKind(models.TextChoices):
    TOWER = "tower", _("Office tower")
    COMPOUND_BUILDING = "compound_building", _("Compound building")
    COWORKING = "coworking", _("Coworking building")
    LAB_BUILDING = "lab_building", _("Lab building")


class SpaceKind(models.TextChoices):
    OFFICE_SUITE = "office_suite", _("Office suite")
    COWORKING_AREA = "coworking_area", _("Coworking area")
    HOT_DESK = "hot_desk", _("Hot desk")
    DEDICATED_DESK = "dedicated_desk", _("Dedicated desk")
    BOARDROOM = "boardroom", _("Boardroom")
    PHONE_ROOM = "phone_room", _("Phone room")
    EVENT_HALL = "event_hall", _("Event hall")
    LAB = "lab", _("Lab")
    AMENITY = "amenity", _("Amenity")


DESK_KINDS = (SpaceKind.HOT_DESK, SpaceKind.DEDICATED_DESK)
# Kinds a person books by the hour; the rest are let (suites) or shared (amenities).
BOOKABLE_KINDS = (
    SpaceKind.HOT_DESK,
    SpaceKind.DEDICATED_DESK,
    SpaceKind.BOARDROOM,
    SpaceKind.PHONE_ROOM,
    SpaceKind.EVENT_HALL,
    SpaceKind.LAB,
    SpaceKind.COWORKING_AREA,
)


class AmenityKind(models.TextChoices):
    CAFETERIA = "cafeteria", _("Cafeteria")
    COFFEE_SHOP = "coffee_shop", _("Coffee shop")
    PATIO = "patio", _("Patio")
    GREEN = "green", _("Green")
    KITCHEN = "kitchen", _("Kitchen")
    LOUNGE = "lounge", _("Lounge")
    GYM = "gym", _("Gym")
    MAIL_ROOM = "mail_room", _("Mail room")


class Campus(TimeStampedModel):
    """A park run by the operator; the root of the campus model."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    address_zh = models.CharField(_("Chinese address"), max_length=300, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.CAMPUS_DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
        help_text=_("Local times (opening hours, schedules) on this campus are shown in this zone."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("campus")
        verbose_name_plural = _("campuses")
        ordering = ["name", "pk"]
        constraints = [
            check_constraint(condition=~Q(name=""), name="spaces_campus_name_set"),
            check_constraint(condition=~Q(time_zone=""), name="spaces_campus_time_zone_set"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Zone(TimeStampedModel):
    """An optional grouping of buildings on a campus: the towers, the compound, the labs."""

    campus = models.ForeignKey(
        Campus, verbose_name=_("campus"), on_delete=models.PROTECT, related_name="zones"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=ZoneKind)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["campus", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "code"], name="spaces_zone_code_unique_in_campus"),
            check_constraint(condition=Q(kind__in=ZoneKind.values), name="spaces_zone_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.campus} › {self.name}"


class Building(TimeStampedModel):
    """A building on a campus: a tower, a single-company compound building, coworking or labs."""

    campus = models.ForeignKey(
        Campus,
        verbose_name=_("campus"),
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("zone"),
        on_delete=models.PROTECT,
        related_name="buildings",
        null=True,
        blank=True,
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=BuildingKind)
    floors_above_ground = models.PositiveSmallIntegerField(
        _("floors above ground"), default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_FLOORS)]
    )
    floors_below_ground = models.PositiveSmallIntegerField(
        _("floors below ground"), default=0, validators=[MaxValueValidator(MAX_BASEMENTS)]
    )
    gross_area_m2 = models.DecimalField(
        _("gross area (m²)"), max_digits=10, decimal_places=2, validators=[POSITIVE_AREA]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["campus", "code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "code"], name="spaces_building_code_unique_in_campus"),
            check_constraint(
                condition=Q(kind__in=BuildingKind.values),
                name="spaces_building_kind_valid",
            ),
            check_constraint(
                condition=Q(floors_above_ground__gte=1),
                name="spaces_building_has_floor_above_ground",
            ),
            check_constraint(
                condition=Q(floors_below_ground__gte=0),
                name="spaces_building_floors_below_ge_0",
            ),
            check_constraint(
                condition=Q(gross_area_m2__gt=0),
                name="spaces_building_gross_area_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.zone_id and self.campus_id and self.zone.campus_id != self.campus_id:
            raise ValidationError(
                {
                    "zone": ValidationError(
                        _("The zone belongs to another campus."),
                        code="zone_campus_mismatch",
                    )
                }
            )


class Floor(TimeStampedModel):
    """A storey of a building. Floor 1 is the ground floor; basements are negative (B1 = -1)."""

    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="floors",
    )
    number = models.SmallIntegerField(
        _("number"),
        validators=[MinValueValidator(-MAX_BASEMENTS), MaxValueValidator(MAX_FLOORS)],
        help_text=_("1 is the ground floor; -1 is B1."),
    )
    label = models.CharField(_("label"), max_length=16, help_text=_("As signed in the lift: 12F, B1, M."))
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=10, decimal_places=2, validators=[POSITIVE_AREA])

    class Meta:
        verbose_name = _("floor")
        verbose_name_plural = _("floors")
        ordering = ["building", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "number"],
                name="spaces_floor_number_unique_in_building",
            ),
            models.UniqueConstraint(
                fields=["building", "label"],
                name="spaces_floor_label_unique_in_building",
            ),
            check_constraint(condition=~Q(number=0), name="spaces_floor_number_not_zero"),
            check_constraint(condition=Q(area_m2__gt=0), name="spaces_floor_area_positive"),
            check_constraint(condition=~Q(label=""), name="spaces_floor_label_set"),
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.label}"

    def clean(self) -> None:
        super().clean()
        if self.building_id and self.number is not None:
            b = self.building
            if self.number > b.floors_above_ground or self.number < -b.floors_below_ground:
                raise ValidationError(
                    {
                        "number": ValidationError(
                            _("The building has floors %(low)s to %(high)s.")
                            % {
                                "low": -b.floors_below_ground or 1,
                                "high": b.floors_above_ground,
                            },
                            code="floor_out_of_building",
                        )
                    }
                )


class Feature(models.Model):
    """Something a space offers that people search for: projector, video conferencing, whiteboard."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Space(TimeStampedModel):
    """A room, area or desk on a floor: let to companies, booked by the hour, or shared.

    ``parent`` links a desk to its coworking area, or a room to the hall that
    contains it; bookings use the link so that the whole and its parts block each other.
    """

    floor = models.ForeignKey(Floor, verbose_name=_("floor"), on_delete=models.PROTECT, related_name="spaces")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("inside"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
        help_text=_("The coworking area a desk belongs to, or the hall a room is part of."),
    )
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=SpaceKind)
    amenity_kind = models.CharField(_("amenity kind"), max_length=32, choices=AmenityKind, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
        help_text=_("People it seats or holds."),
    )
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=9, decimal_places=2, validators=[POSITIVE_AREA])
    features = models.ManyToManyField(Feature, verbose_name=_("features"), related_name="spaces", blank=True)
    description = models.TextField(_("description"), blank=True)
    is_bookable = models.BooleanField(_("bookable"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["floor", "code", "pk"]
        indexes = [
            models.Index(
                fields=["kind", "is_bookable", "is_active"],
                name="spaces_space_kind_bookable_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["floor", "code"], name="spaces_space_code_unique_in_floor"),
            check_constraint(condition=Q(kind__in=SpaceKind.values), name="spaces_space_kind_valid"),
            check_constraint(condition=Q(capacity__gt=0), name="spaces_space_capacity_positive"),
            check_constraint(condition=Q(area_m2__gt=0), name="spaces_space_area_positive"),
            check_constraint(
                condition=(Q(kind=SpaceKind.AMENITY) & ~Q(amenity_kind=""))
                | (~Q(kind=SpaceKind.AMENITY) & Q(amenity_kind="")),
                name="spaces_space_amenity_kind_iff_amenity",
                violation_error_message=_("An amenity needs an amenity kind; other spaces have none."),
            ),
            check_constraint(
                condition=~Q(kind__in=DESK_KINDS) | Q(capacity=1),
                name="spaces_space_desk_seats_one",
                violation_error_message=_("A desk seats one person."),
            ),
            check_constraint(
                condition=~Q(kind__in=DESK_KINDS) | Q(parent__isnull=False),
                name="spaces_space_desk_has_area",
                violation_error_message=_("A desk must belong to a coworking area."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None or self.floor_id is None:
            return
        parent = self.parent
        if parent.pk is not None and parent.pk == self.pk:
            raise ValidationError(
                {"parent": ValidationError(_("A space cannot be inside itself."), code="parent_is_self")}
            )
        if parent.floor_id != self.floor_id:
            raise ValidationError(
                {
                    "parent": ValidationError(
                        _("The containing space must be on the same floor."),
                        code="parent_other_floor",
                    )
                }
            )
        if self.kind in DESK_KINDS and parent.kind != SpaceKind.COWORKING_AREA:
            raise ValidationError(
                {
                    "parent": ValidationError(
                        _("A desk must belong to a coworking area."),
                        code="desk_parent_not_coworking",
                    )
                }
            )
        if parent.parent_id is not None:
            raise ValidationError(
                {
                    "parent": ValidationError(
                        _("Spaces nest one level deep: the containing space is itself inside another."),
                        code="parent_nested",
                    )
                }
            )

    @property
    def building(self) -> Building:
        return self.floor.building

    @property
    def campus(self) -> Campus:
        return self.floor.building.campus
