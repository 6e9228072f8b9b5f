"""Sites (the unit of sync), doors bound to spaces, and the devices that drive them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint
from core.models import TimeStampedModel


class Site(TimeStampedModel):
    """The unit of allow-list sync: a building or a campus zone. ``version`` only grows.

    Every change that affects who may open a door on the site writes ``SiteChange`` rows
    and bumps ``version`` in the same transaction (the site row is locked to do it).
    """

    campus = models.ForeignKey(
        "spaces.Campus", verbose_name=_("campus"), on_delete=models.PROTECT, related_name="access_sites"
    )
    building = models.ForeignKey(
        "spaces.Building",
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="access_sites",
        null=True,
        blank=True,
    )
    zone = models.ForeignKey(
        "spaces.Zone",
        verbose_name=_("zone"),
        on_delete=models.PROTECT,
        related_name="access_sites",
        null=True,
        blank=True,
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    version = models.BigIntegerField(_("allow-list version"), default=0, editable=False)
    log_floor = models.BigIntegerField(
        _("oldest version in the change log"),
        default=0,
        editable=False,
        help_text=_("Deltas since an older version answer 410: the device fetches the snapshot."),
    )
    pepper_id = models.CharField(
        _("pepper id"),
        max_length=32,
        default="p1",
        help_text=_("Names the key credentials are hashed with in allow-lists; change it to rotate."),
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["campus", "code", "pk"]
        constraints = [
            check_constraint(
                condition=~(Q(building__isnull=False) & Q(zone__isnull=False)),
                name="access_control_site_building_or_zone",
                violation_error_message=_("A site is a building or a zone, not both."),
            ),
            check_constraint(condition=Q(version__gte=0), name="access_control_site_version_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class DoorKind(models.TextChoices):
    ENTRY = "entry", _("Entry")
    ROOM = "room", _("Room")
    LAB = "lab", _("Lab")
    TURNSTILE = "turnstile", _("Turnstile")


class Door(TimeStampedModel):
    """A logical entry bound to one space: a lobby, a floor, a suite, a boardroom, a lab."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="doors")
    space = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("space"),
        on_delete=models.PROTECT,
        related_name="doors",
        null=True,
        blank=True,
        help_text=_("The space behind the door; empty for a building or floor entry."),
    )
    building = models.ForeignKey(
        "spaces.Building", verbose_name=_("building"), on_delete=models.PROTECT, related_name="doors"
    )
    floor = models.ForeignKey(
        "spaces.Floor",
        verbose_name=_("floor"),
        on_delete=models.PROTECT,
        related_name="doors",
        null=True,
        blank=True,
        help_text=_("For a floor entry: the floor it opens. Empty for a building entry."),
    )
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=DoorKind)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    unlock_ms = models.PositiveIntegerField(_("unlock time (ms)"), default=5000)
    # As the door's device last reported it in a heartbeat (unknown until one does).
    is_locked = models.BooleanField(_("locked"), null=True, blank=True, editable=False)
    is_open = models.BooleanField(_("open"), null=True, blank=True, editable=False)
    state_reported_at = models.DateTimeField(_("state reported at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("door")
        verbose_name_plural = _("doors")
        ordering = ["site", "code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="access_control_door_code_unique"),
            check_constraint(condition=Q(kind__in=DoorKind.values), name="access_control_door_kind_valid"),
            check_constraint(
                condition=Q(unlock_ms__gte=500, unlock_ms__lte=60_000),
                name="access_control_door_unlock_ms_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Device(TimeStampedModel):
    """A door controller, turnstile, reader or site gateway.

    The device's 32-byte secret is derived from the server's master key and ``key_id``
    (``access_control.crypto``), so no secret is stored; rotating the key gives a new
    ``key_id``. ``previous_key_id`` keeps working until ``previous_key_expires_at``.
    """

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(_("name"), max_length=200)
    key_id = models.CharField(_("key id"), max_length=64, unique=True)
    previous_key_id = models.CharField(_("previous key id"), max_length=64, blank=True)
    previous_key_expires_at = models.DateTimeField(_("previous key expires at"), null=True, blank=True)
    doors = models.ManyToManyField(Door, verbose_name=_("doors"), related_name="devices", blank=True)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    firmware = models.CharField(_("firmware"), max_length=64, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    reported_version = models.BigIntegerField(_("reported allow-list version"), null=True, blank=True)
    queue_depth = models.PositiveIntegerField(_("event queue depth"), null=True, blank=True)
    is_online = models.BooleanField(_("online"), default=False)
    offline_since = models.DateTimeField(_("offline since"), null=True, blank=True)
    offline_notified_at = models.DateTimeField(_("offline notice sent at"), null=True, blank=True)
    last_seq = models.BigIntegerField(_("last event sequence"), null=True, blank=True)
    seq_gaps = models.JSONField(
        _("missing event sequences"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("Ranges [first, last] below the last sequence that the device has not uploaded."),
    )

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["site", "name", "pk"]

    def __str__(self) -> str:
        return self.name
