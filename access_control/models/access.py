"""Credentials, access grants, the materialised allow-list with its per-site change log, events, lockdowns
and device commands."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from access_control.models.sites import Device, Door, Site
from core.db import check_constraint
from core.models import TimeStampedModel


class CredentialKind(models.TextChoices):
    CARD = "card", _("Card")
    PIN = "pin", _("PIN")
    QR = "qr", _("Mobile / QR")


class CredentialStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class Credential(TimeStampedModel):
    """A card, PIN or mobile/QR credential of one person.

    ``identifier`` is the normalised card UID, PIN or QR seed. It never leaves the server:
    allow-lists and events carry a per-site peppered HMAC of it (``access_control.crypto``),
    and the API and admin show only ``label`` (e.g. the last four characters of a card).
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="credentials",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=CredentialKind)
    identifier = models.CharField(_("identifier"), max_length=128, editable=False)
    label = models.CharField(_("label"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CredentialStatus, default=CredentialStatus.ACTIVE
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["person", "kind", "pk"]
        indexes = [models.Index(fields=["kind", "identifier"], name="access_credential_lookup_idx")]
        constraints = [
            check_constraint(
                condition=Q(kind__in=CredentialKind.values), name="access_control_credential_kind_valid"
            ),
            check_constraint(
                condition=Q(status__in=CredentialStatus.values), name="access_control_credential_status_valid"
            ),
            check_constraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="access_control_credential_valid_range",
            ),
            models.UniqueConstraint(
                fields=["kind", "identifier"],
                condition=~Q(status="revoked"),
                name="access_control_credential_unique_live",
                violation_error_message=_("This identifier is already issued to someone."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}".strip()


class GrantSource(models.TextChoices):
    TENANCY = "tenancy", _("Tenancy")
    BOOKING = "booking", _("Booking")
    LAB = "lab", _("Lab qualification")
    STAFF = "staff", _("Staff")
    VISITOR = "visitor", _("Visitor")
    MANUAL = "manual", _("Manual")


class GrantSchedule(models.TextChoices):
    ALL_HOURS = "24x7", _("24×7")
    BUSINESS_HOURS = "business_hours", _("Business hours")


class AccessGrant(TimeStampedModel):
    """One person may open some doors in [starts_at, ends_at) on a schedule, for a reason (``source``).

    Derived from tenancies, bookings and lab qualifications (``source_key`` names the
    source row, e.g. ``booking:42``, so re-deriving updates rather than duplicates);
    staff, visitor and manual grants are entered by staff. Ending a grant sets
    ``revoked_at``; rows are kept for the audit trail.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="access_grants",
    )
    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="access_grants",
        null=True,
        blank=True,
    )
    source = models.CharField(_("source"), max_length=16, choices=GrantSource)
    source_key = models.CharField(_("source key"), max_length=64, blank=True)
    doors = models.ManyToManyField(Door, verbose_name=_("doors"), related_name="grants")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    schedule = models.CharField(
        _("schedule"), max_length=16, choices=GrantSchedule, default=GrantSchedule.ALL_HOURS
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        ordering = ["person", "starts_at", "pk"]
        indexes = [models.Index(fields=["source", "source_key"], name="access_grant_source_idx")]
        constraints = [
            check_constraint(
                condition=Q(source__in=GrantSource.values), name="access_control_grant_source_valid"
            ),
            check_constraint(
                condition=Q(schedule__in=GrantSchedule.values), name="access_control_grant_schedule_valid"
            ),
            check_constraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="access_control_grant_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["person", "source", "source_key"],
                condition=~Q(source_key="") & Q(revoked_at__isnull=True),
                name="access_control_grant_one_live_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_source_display()}"


class AllowlistEntry(models.Model):
    """The current allow-list line for one credential on one site: what a snapshot serves.

    Kept equal to what the grants imply by ``access_control.services.sync``, which writes
    a ``SiteChange`` for every difference in the same transaction.
    """

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="entries")
    h = models.CharField(_("credential hash"), max_length=64)
    credential = models.ForeignKey(
        Credential, verbose_name=_("credential"), on_delete=models.CASCADE, related_name="allowlist_entries"
    )
    doors = models.JSONField(_("doors"), default=list)
    windows = models.JSONField(_("windows"), default=list)
    flags = models.JSONField(_("flags"), default=list)
    version = models.BigIntegerField(_("version"))

    class Meta:
        verbose_name = _("allow-list entry")
        verbose_name_plural = _("allow-list entries")
        ordering = ["site", "h"]
        constraints = [models.UniqueConstraint(fields=["site", "h"], name="access_control_entry_unique")]

    def __str__(self) -> str:
        return f"{self.site_id}:{self.h[:12]}"


class ChangeOp(models.TextChoices):
    UPSERT = "upsert", _("Upsert")
    DELETE = "delete", _("Delete")


class SiteChange(models.Model):
    """One step of a site's ordered allow-list change log: version ``v`` upserts or deletes entry ``h``."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="changes")
    v = models.BigIntegerField(_("version"))
    op = models.CharField(_("operation"), max_length=8, choices=ChangeOp)
    h = models.CharField(_("credential hash"), max_length=64)
    entry = models.JSONField(_("entry"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("site change")
        verbose_name_plural = _("site changes")
        ordering = ["site", "v"]
        constraints = [
            models.UniqueConstraint(fields=["site", "v"], name="access_control_sitechange_version_unique"),
            check_constraint(condition=Q(op__in=ChangeOp.values), name="access_control_sitechange_op_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}@{self.v} {self.op}"


class AccessEvent(models.Model):
    """What happened at a door: an uploaded device event or a server decision; stored once per event id."""

    device = models.ForeignKey(
        Device,
        verbose_name=_("device"),
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
    )
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="events")
    door = models.ForeignKey(
        Door, verbose_name=_("door"), on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    device_event_id = models.CharField(_("device event id"), max_length=64, blank=True)
    seq = models.BigIntegerField(_("sequence"), null=True, blank=True)
    type = models.CharField(_("type"), max_length=32)
    decision = models.CharField(_("decision"), max_length=8, blank=True)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=32, blank=True)
    h = models.CharField(_("credential hash"), max_length=64, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="access_events",
        null=True,
        blank=True,
    )
    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="access_events",
        null=True,
        blank=True,
    )
    grant = models.ForeignKey(
        AccessGrant,
        verbose_name=_("grant"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    allowlist_version = models.BigIntegerField(_("allow-list version"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    clock_suspect = models.BooleanField(_("clock suspect"), default=False)
    payload = models.JSONField(_("payload"), default=dict, blank=True)

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["door", "occurred_at"], name="access_event_door_idx"),
            models.Index(fields=["person", "occurred_at"], name="access_event_person_idx"),
            models.Index(fields=["occurred_at", "id"], name="access_event_time_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "device_event_id"],
                condition=~Q(device_event_id=""),
                name="access_control_event_once_per_device",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class Lockdown(TimeStampedModel):
    """A site or building locked down: every decision denies (reason ``lockdown``) until it ends."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="lockdowns")
    building = models.ForeignKey(
        "spaces.Building",
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="lockdowns",
        null=True,
        blank=True,
    )
    started_at = models.DateTimeField(_("started at"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    end_reason = models.CharField(_("reason for ending"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("lockdown")
        verbose_name_plural = _("lockdowns")
        ordering = ["-started_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="access_control_lockdown_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.started_at:%Y-%m-%d %H:%M}"


class CommandType(models.TextChoices):
    UNLOCK = "unlock", _("Unlock")


class CommandStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    EXECUTED = "executed", _("Executed")
    EXPIRED = "expired", _("Expired")


class DeviceCommand(TimeStampedModel):
    """A device command (remote unlock), delivered on the next heartbeat, never after ``expires_at``."""

    device = models.ForeignKey(
        Device, verbose_name=_("device"), on_delete=models.PROTECT, related_name="commands"
    )
    door = models.ForeignKey(Door, verbose_name=_("door"), on_delete=models.PROTECT, related_name="commands")
    type = models.CharField(_("type"), max_length=16, choices=CommandType, default=CommandType.UNLOCK)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=5000)
    status = models.CharField(
        _("status"), max_length=16, choices=CommandStatus, default=CommandStatus.PENDING
    )
    expires_at = models.DateTimeField(_("expires at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, blank=True)
    request_hash = models.CharField(_("request hash"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("device command")
        verbose_name_plural = _("device commands")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="access_control_command_idempotency_key_unique",
            ),
            check_constraint(
                condition=Q(status__in=CommandStatus.values), name="access_control_command_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.door} ({self.status})"
