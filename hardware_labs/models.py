"""Hardware pilot labs: equipment, trainings and qualifications, maintenance windows, usage
sessions, incidents and pilot runs. A lab is a ``spaces.Space`` of kind ``lab``."""

from datetime import datetime
from typing import Any, Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint
from core.models import TimeStampedModel
from spaces.models import SpaceKind

LAB_ONLY = {"kind": SpaceKind.LAB}


class OwnOrCompanyQuerySet(models.QuerySet[Any]):
    """Staff see every row; others their own (``person_field``) and their companies' rows."""

    person_field = "person"

    def visible_to(self, user: Any) -> Self:
        if user.is_staff:
            return self
        return self.filter(
            Q(**{self.person_field: user})
            | Q(company__memberships__user=user, company__memberships__is_active=True)
        ).distinct()


# --- equipment ---------------------------------------------------------------------------------


class EquipmentKind(models.TextChoices):
    SMT_LINE = "smt_line", _("SMT line")
    REFLOW_OVEN = "reflow_oven", _("Reflow oven")
    PRINTER_3D = "printer_3d", _("3D printer")
    LASER_CUTTER = "laser_cutter", _("Laser cutter")
    EMC_CHAMBER = "emc_chamber", _("EMC pre-compliance chamber")
    OSCILLOSCOPE = "oscilloscope", _("Oscilloscope")
    ENVIRONMENTAL_CHAMBER = "environmental_chamber", _("Environmental chamber")
    OTHER = "other", _("Other")


class HazardLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class EquipmentStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    IN_USE = "in_use", _("In use")
    MAINTENANCE = "maintenance", _("Maintenance")
    RETIRED = "retired", _("Retired")


class Course(TimeStampedModel):
    """A training course: the lab safety induction or a training on some equipment."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    validity_months = models.PositiveIntegerField(
        _("validity (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    prerequisites = models.ManyToManyField(
        "self", verbose_name=_("prerequisites"), symmetrical=False, related_name="leads_to", blank=True
    )
    is_lab_induction = models.BooleanField(
        _("lab safety induction"),
        default=False,
        help_text=_("Required to book or enter the lab (every lab, or the one named)."),
    )
    lab = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("lab"),
        on_delete=models.PROTECT,
        related_name="induction_courses",
        null=True,
        blank=True,
        limit_choices_to=LAB_ONLY,
        help_text=_("For an induction: the lab it is for; empty for every lab."),
    )

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code", "pk"]
        constraints = [
            check_constraint(
                condition=Q(validity_months__gt=0), name="hardware_labs_course_validity_positive"
            ),
            check_constraint(
                condition=Q(lab__isnull=True) | Q(is_lab_induction=True),
                name="hardware_labs_course_lab_only_for_induction",
                violation_error_message=_("Only an induction course is tied to a lab."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Equipment(TimeStampedModel):
    """A piece of lab equipment, bookable through its own ``bookings.Resource`` (inside the lab's)."""

    lab = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("lab"),
        on_delete=models.PROTECT,
        related_name="equipment",
        limit_choices_to=LAB_ONLY,
    )
    resource = models.OneToOneField(
        "bookings.Resource",
        verbose_name=_("resource"),
        on_delete=models.PROTECT,
        related_name="equipment",
        null=True,
        blank=True,
        editable=False,
    )
    asset_tag = models.SlugField(_("asset tag"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=EquipmentKind)
    make = models.CharField(_("make"), max_length=100, blank=True)
    model_name = models.CharField(_("model"), max_length=100, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    hazard_level = models.CharField(
        _("hazard level"), max_length=16, choices=HazardLevel, default=HazardLevel.LOW
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EquipmentStatus, default=EquipmentStatus.AVAILABLE
    )
    hourly_rate = models.DecimalField(
        _("hourly rate (CNY)"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    required_courses = models.ManyToManyField(
        Course,
        verbose_name=_("required courses"),
        related_name="equipment",
        blank=True,
        help_text=_("Besides the lab's safety induction."),
    )

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        ordering = ["lab", "name", "pk"]
        constraints = [
            check_constraint(
                condition=Q(kind__in=EquipmentKind.values), name="hardware_labs_equipment_kind_valid"
            ),
            check_constraint(
                condition=Q(status__in=EquipmentStatus.values), name="hardware_labs_equipment_status_valid"
            ),
            check_constraint(
                condition=Q(hazard_level__in=HazardLevel.values), name="hardware_labs_equipment_hazard_valid"
            ),
            check_constraint(
                condition=Q(hourly_rate__gte=0), name="hardware_labs_equipment_rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_bookable(self) -> bool:
        return self.status in (EquipmentStatus.AVAILABLE, EquipmentStatus.IN_USE)


class Consumable(models.Model):
    """Something a piece of equipment uses up (solder paste, filament), counted in ``unit``."""

    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), on_delete=models.CASCADE, related_name="consumables"
    )
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, help_text=_("e.g. g, m, ml, sheet"))
    unit_price = models.DecimalField(
        _("unit price (CNY)"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("consumable")
        verbose_name_plural = _("consumables")
        ordering = ["equipment", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["equipment", "name"], name="hardware_labs_consumable_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


# --- trainings and qualifications ---------------------------------------------------------------


class TrainingSession(TimeStampedModel):
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainer"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="training_sessions",
        null=True,
        blank=True,
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), default=10, validators=[MinValueValidator(1)])
    results_recorded_at = models.DateTimeField(
        _("results recorded at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="hardware_labs_session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
            check_constraint(condition=Q(capacity__gt=0), name="hardware_labs_session_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.starts_at:%Y-%m-%d}"


class AttendanceResult(models.TextChoices):
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    ABSENT = "absent", _("Absent")


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(
        _("result"), max_length=16, choices=AttendanceResult, default=AttendanceResult.PENDING
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="hardware_labs_attendance_once"),
            check_constraint(
                condition=Q(result__in=AttendanceResult.values), name="hardware_labs_attendance_result_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


class QualificationQuerySet(models.QuerySet["Qualification"]):
    def live(self) -> Self:
        return self.filter(revoked_at__isnull=True)

    def valid_over(self, starts_at: datetime, ends_at: datetime) -> Self:
        """Live qualifications valid for the whole of [starts_at, ends_at)."""
        return self.live().filter(granted_at__lte=starts_at, expires_at__gte=ends_at)

    def visible_to(self, user: Any) -> Self:
        """Staff: all; others their own and (owners and admins) their companies' people's."""
        if user.is_staff:
            return self
        from tenants.models import Membership

        companies = Membership.objects.managing().filter(user=user).values("company_id")
        people = Membership.objects.active().filter(company_id__in=companies).values("user_id")
        return self.filter(Q(person=user) | Q(person_id__in=people))


class Qualification(TimeStampedModel):
    """A person's qualification in a course: valid from ``granted_at`` until ``expires_at`` (exclusive),
    unless revoked. Renewing moves ``expires_at`` on; there is one live row per person and course."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="lab_qualifications",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="qualifications"
    )
    granted_at = models.DateTimeField(_("granted at"))
    renewed_at = models.DateTimeField(_("renewed at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.SET_NULL,
        related_name="qualifications",
        null=True,
        blank=True,
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    revoke_reason = models.CharField(_("revocation reason"), max_length=500, blank=True)
    reminder_30_sent_at = models.DateTimeField(
        _("30-day reminder sent at"), null=True, blank=True, editable=False
    )
    reminder_7_sent_at = models.DateTimeField(
        _("7-day reminder sent at"), null=True, blank=True, editable=False
    )

    objects = QualificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["person", "course", "-granted_at", "pk"]
        indexes = [models.Index(fields=["expires_at"], name="hardware_labs_qual_expires_idx")]
        constraints = [
            check_constraint(
                condition=Q(expires_at__gt=F("granted_at")), name="hardware_labs_qualification_expires_after"
            ),
            models.UniqueConstraint(
                fields=["person", "course"],
                condition=Q(revoked_at__isnull=True),
                name="hardware_labs_qualification_one_live",
                violation_error_message=_("This person already holds this qualification."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.course}"

    def is_valid_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and self.granted_at <= moment < self.expires_at


# --- maintenance --------------------------------------------------------------------------------


class MaintenanceKind(models.TextChoices):
    PLANNED = "planned", _("Planned")
    EMERGENCY = "emergency", _("Emergency")


class MaintenanceMode(models.TextChoices):
    CANCEL = "cancel", _("Cancel the bookings in the way")
    OFFER_MOVE = "offer_move", _("Cancel them and offer the next free slots")


class MaintenanceWindow(TimeStampedModel):
    """Equipment out of service for [starts_at, ends_at): it holds a ``bookings.ResourceBlock``."""

    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), on_delete=models.PROTECT, related_name="maintenance_windows"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=MaintenanceKind, default=MaintenanceKind.PLANNED
    )
    mode = models.CharField(
        _("bookings in the way"), max_length=16, choices=MaintenanceMode, default=MaintenanceMode.CANCEL
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=500)
    block = models.OneToOneField(
        "bookings.ResourceBlock",
        verbose_name=_("block"),
        on_delete=models.PROTECT,
        related_name="maintenance_window",
        null=True,
        blank=True,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    affected_bookings = models.ManyToManyField(
        "bookings.Booking", verbose_name=_("affected bookings"), related_name="+", blank=True, editable=False
    )
    notices_sent_at = models.DateTimeField(_("notices sent at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        ordering = ["-starts_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="hardware_labs_maintenance_ends_after_start",
                violation_error_message=_("A maintenance window must end after it starts."),
            ),
            check_constraint(
                condition=Q(kind__in=MaintenanceKind.values), name="hardware_labs_maintenance_kind_valid"
            ),
            check_constraint(
                condition=Q(mode__in=MaintenanceMode.values), name="hardware_labs_maintenance_mode_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.equipment} 🔧 {self.starts_at:%Y-%m-%d %H:%M}"


# --- usage --------------------------------------------------------------------------------------


class UsageSession(TimeStampedModel):
    """A person using a piece of equipment, from check-in to check-out."""

    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), on_delete=models.PROTECT, related_name="usage_sessions"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="lab_usage_sessions",
        null=True,
        blank=True,
    )
    booking = models.ForeignKey(
        "bookings.Booking",
        verbose_name=_("booking"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes used"), null=True, blank=True)
    via = models.CharField(_("via"), max_length=16, default="api")
    notes = models.TextField(_("notes"), blank=True)

    objects = OwnOrCompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("usage session")
        verbose_name_plural = _("usage sessions")
        ordering = ["-checked_in_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=F("checked_in_at")),
                name="hardware_labs_usage_out_after_in",
            ),
            models.UniqueConstraint(
                fields=["equipment"],
                condition=Q(checked_out_at__isnull=True),
                name="hardware_labs_usage_one_open_per_equipment",
                violation_error_message=_("Someone is already using this equipment."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.equipment} · {self.person} {self.checked_in_at:%Y-%m-%d %H:%M}"


class ConsumableUse(models.Model):
    session = models.ForeignKey(
        UsageSession,
        verbose_name=_("usage session"),
        on_delete=models.CASCADE,
        related_name="consumables_used",
    )
    consumable = models.ForeignKey(
        Consumable, verbose_name=_("consumable"), on_delete=models.PROTECT, related_name="uses"
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=3, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("consumable used")
        verbose_name_plural = _("consumables used")
        ordering = ["session", "pk"]
        constraints = [
            check_constraint(
                condition=Q(quantity__gt=0), name="hardware_labs_consumableuse_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.consumable.unit} {self.consumable.name}"


class ReportedQuerySet(OwnOrCompanyQuerySet):
    person_field = "reported_by"


class IncidentKind(models.TextChoices):
    DAMAGE = "damage", _("Damage")
    SAFETY = "safety", _("Safety")


class IncidentSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Incident(TimeStampedModel):
    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), on_delete=models.PROTECT, related_name="incidents"
    )
    session = models.ForeignKey(
        UsageSession,
        verbose_name=_("usage session"),
        on_delete=models.SET_NULL,
        related_name="incidents",
        null=True,
        blank=True,
    )
    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="lab_incidents",
        null=True,
        blank=True,
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=IncidentKind)
    severity = models.CharField(_("severity"), max_length=16, choices=IncidentSeverity)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus, default=IncidentStatus.OPEN)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ReportedQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(kind__in=IncidentKind.values), name="hardware_labs_incident_kind_valid"
            ),
            check_constraint(
                condition=Q(severity__in=IncidentSeverity.values),
                name="hardware_labs_incident_severity_valid",
            ),
            check_constraint(
                condition=Q(status__in=IncidentStatus.values), name="hardware_labs_incident_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.equipment}: {self.get_kind_display()} ({self.get_severity_display()})"


# --- pilot runs ---------------------------------------------------------------------------------


class PilotRunStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class PilotRunQuerySet(OwnOrCompanyQuerySet):
    person_field = "requested_by"


class PilotRun(TimeStampedModel):
    """A company's test campaign in a lab: a plan, the equipment and lab time it needs, a safety review."""

    company = models.ForeignKey(
        "tenants.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="pilot_runs"
    )
    lab = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("lab"),
        on_delete=models.PROTECT,
        related_name="pilot_runs",
        limit_choices_to=LAB_ONLY,
    )
    title = models.CharField(_("title"), max_length=200)
    plan = models.TextField(_("plan"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PilotRunStatus, default=PilotRunStatus.REQUESTED
    )
    safety_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("safety reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    safety_notes = models.TextField(_("safety review notes"), blank=True)
    safety_approved = models.BooleanField(_("safety review passed"), default=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = PilotRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("pilot run")
        verbose_name_plural = _("pilot runs")
        ordering = ["-created_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(status__in=PilotRunStatus.values), name="hardware_labs_pilotrun_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PilotRunItem(models.Model):
    """One thing a run needs: a piece of equipment (run by ``operator``) or, without one, lab time."""

    run = models.ForeignKey(
        PilotRun, verbose_name=_("pilot run"), on_delete=models.CASCADE, related_name="items"
    )
    equipment = models.ForeignKey(
        Equipment,
        verbose_name=_("equipment"),
        on_delete=models.PROTECT,
        related_name="pilot_run_items",
        null=True,
        blank=True,
        help_text=_("Empty: time in the whole lab."),
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who books and runs it; must be qualified for the equipment."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    booking = models.OneToOneField(
        "bookings.Booking",
        verbose_name=_("booking"),
        on_delete=models.SET_NULL,
        related_name="pilot_run_item",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        verbose_name = _("pilot run item")
        verbose_name_plural = _("pilot run items")
        ordering = ["run", "starts_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="hardware_labs_pilotrunitem_ends_after_start",
                violation_error_message=_("An item must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        what = self.equipment.name if self.equipment_id else _("Lab time")
        return f"{what} {self.starts_at:%Y-%m-%d %H:%M}"
