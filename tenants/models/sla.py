"""SLA engine: policies (budget per subject type, step and track) and clocks that run against them.

A clock measures *working* time on the China calendar (``core.calendar``): it starts when a step
starts, pauses while the ball is in someone else's court, resumes with the remaining budget and
stops when the step is done. Any model instance can be a clock's subject (generic relation).
"""

from datetime import datetime
from typing import Any, Self

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint
from core.models import TimeStampedModel


class Track(models.TextChoices):
    """How fast the park promises to act: expedited comes first in every staff queue."""

    STANDARD = "standard", _("Standard")
    EXPEDITED = "expedited", _("Expedited")


class SLAOutcome(models.TextChoices):
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


class SLALevel(models.TextChoices):
    """The alert levels of a running clock, by the share of its budget consumed."""

    WARNING = "warning", _("Warning (75 %)")
    BREACH = "breach", _("Breach (100 %)")
    ESCALATION = "escalation", _("Escalation (150 %)")


# Expedited first: the rank to order staff queues by (lower comes first).
TRACK_RANK = Case(When(track=Track.EXPEDITED, then=Value(0)), default=Value(1), output_field=IntegerField())


class SLAPolicyQuerySet(models.QuerySet["SLAPolicy"]):
    def active(self) -> Self:
        return self.filter(is_active=True)


class SLAPolicy(TimeStampedModel):
    """How long the park may take over one step of one kind of object on one track.

    The budget is either whole working days (``0``: by the end of the same working day) or
    hours of elapsed time on working days. Staff edit these rows; a running clock keeps the
    budget it started with.
    """

    subject_type = models.CharField(
        _("subject type"),
        max_length=50,
        help_text=_("What the clock runs on, e.g. “application”, “registration_case”, “service_request”."),
    )
    step = models.CharField(_("step"), max_length=50, help_text=_("e.g. “screening”, “decision”."))
    track = models.CharField(_("track"), max_length=16, choices=Track, default=Track.STANDARD)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    budget_working_days = models.PositiveSmallIntegerField(
        _("budget (working days)"),
        null=True,
        blank=True,
        help_text=_("0 means by the end of the same working day. Leave empty for an hours budget."),
    )
    budget_hours = models.DecimalField(
        _("budget (hours)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Hours of elapsed time on working days. Leave empty for a working-days budget."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = SLAPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["subject_type", "step", "track"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "step", "track"],
                name="tenants_slapolicy_unique_step_track",
                violation_error_message=_("There is already a policy for this step and track."),
            ),
            check_constraint(
                condition=Q(budget_working_days__isnull=False, budget_hours__isnull=True)
                | Q(budget_working_days__isnull=True, budget_hours__isnull=False),
                name="tenants_slapolicy_one_budget",
                violation_error_message=_("Set either a budget in working days or one in hours, not both."),
            ),
            check_constraint(
                condition=Q(budget_hours__isnull=True) | Q(budget_hours__gt=0),
                name="tenants_slapolicy_hours_positive",
            ),
            check_constraint(condition=Q(track__in=Track.values), name="tenants_slapolicy_track_valid"),
            check_constraint(condition=~Q(subject_type="") & ~Q(step=""), name="tenants_slapolicy_keys_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_track_display()})"


class SLAClockQuerySet(models.QuerySet["SLAClock"]):
    def open(self) -> Self:
        return self.filter(stopped_at__isnull=True)

    def stopped(self) -> Self:
        return self.filter(stopped_at__isnull=False)

    def running(self) -> Self:
        return self.filter(stopped_at__isnull=True, running_since__isnull=False)

    def paused(self) -> Self:
        return self.filter(stopped_at__isnull=True, running_since__isnull=True)

    def for_subject(self, subject: models.Model) -> Self:
        return self.filter(content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk)

    def of_model(self, model: type[models.Model]) -> Self:
        """Clocks on rows of ``model``, matched by a join (no content-type lookup, so no extra query)."""
        opts = model._meta
        return self.filter(content_type__app_label=opts.app_label, content_type__model=opts.model_name)

    def of_type(self, subject_type: str) -> Self:
        return self.filter(policy__subject_type=subject_type)

    def overdue(self, now: datetime) -> Self:
        """Open clocks past their due time, or paused with their budget already used up."""
        return self.open().filter(
            Q(due_at__lte=now) | Q(due_at__isnull=True, consumed_seconds__gte=F("budget_seconds"))
        )

    def due_soon(self, now: datetime, until: datetime) -> Self:
        """Running clocks not yet due that fall due by ``until``."""
        return self.running().filter(due_at__gt=now, due_at__lte=until)

    def level_reached(self, level: str) -> Self:
        field = {
            SLALevel.WARNING: "warned_at",
            SLALevel.BREACH: "breached_at",
            SLALevel.ESCALATION: "escalated_at",
        }[SLALevel(level)]
        return self.filter(**{f"{field}__isnull": False})

    def in_queue_order(self) -> Self:
        """Expedited first, then the earliest due; paused clocks (no due time) last."""
        return self.annotate(sla_track_rank=TRACK_RANK).order_by(
            "sla_track_rank", F("due_at").asc(nulls_last=True), "pk"
        )


def sla_queue_annotate(
    queryset: QuerySet[Any], *, step: str | None = None, track_field: str = "track"
) -> QuerySet[Any]:
    """Annotate any subject queryset for a staff queue and order it: expedited first, then due.

    Adds ``sla_track_rank`` (0 expedited, 1 otherwise, from the subject's ``track_field``) and
    ``sla_due_at`` (the due time of the subject's open clock, for ``step`` if given; ``None`` when
    paused or no clock runs), and orders by those, paused or clock-less rows last::

        Application.objects.filter(state="screening").pipe(sla_queue_annotate)  # or call it
    """
    clocks = SLAClock.objects.open().of_model(queryset.model).filter(object_id=OuterRef("pk"))
    if step is not None:
        clocks = clocks.filter(step=step)
    return queryset.annotate(
        sla_track_rank=Case(
            When(**{track_field: Track.EXPEDITED}, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        sla_due_at=Subquery(clocks.order_by(F("due_at").asc(nulls_last=True)).values("due_at")[:1]),
    ).order_by("sla_track_rank", F("sla_due_at").asc(nulls_last=True), "pk")


class SLAClock(TimeStampedModel):
    """One step's clock on one subject: working time consumed against the policy's budget.

    Running: ``running_since`` and ``due_at`` set. Paused: both null (``consumed_seconds`` holds
    the working time used so far). Stopped: ``stopped_at`` and ``outcome`` set. The alert
    markers (``warned_at`` 75 %, ``breached_at`` 100 %, ``escalated_at`` 150 %) are each set
    once, by the sweep run that sends that level.
    """

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("subject type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("subject id"), db_index=True)
    subject = GenericForeignKey("content_type", "object_id")
    policy = models.ForeignKey(
        SLAPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="clocks"
    )
    step = models.CharField(_("step"), max_length=50)
    track = models.CharField(_("track"), max_length=16, choices=Track, default=Track.STANDARD)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sla_clocks",
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", help_text=_("Working days are local here.")
    )
    started_at = models.DateTimeField(_("started at"))
    budget_seconds = models.PositiveBigIntegerField(_("budget (working seconds)"))
    consumed_seconds = models.PositiveBigIntegerField(
        _("consumed (working seconds)"), default=0, help_text=_("Working time used before the current run.")
    )
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    paused_reason = models.CharField(_("pause reason"), max_length=200, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=SLAOutcome, blank=True)
    warned_at = models.DateTimeField(_("warned at (75 %)"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at (100 %)"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at (150 %)"), null=True, blank=True)
    reminders_sent = models.PositiveIntegerField(_("reminders sent"), default=0)

    objects = SLAClockQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="tenants_slaclock_subject_idx"),
            models.Index(
                fields=["id"],
                condition=Q(stopped_at__isnull=True, running_since__isnull=False, escalated_at__isnull=True),
                name="tenants_slaclock_sweep_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "step"],
                condition=Q(stopped_at__isnull=True),
                name="tenants_slaclock_one_open_per_step",
                violation_error_code="sla_clock_already_open",
                violation_error_message=_("This step already has an open clock."),
            ),
            check_constraint(
                # Running ⇔ due time known; a stopped clock keeps its last due time for reports.
                condition=Q(stopped_at__isnull=False)
                | Q(running_since__isnull=True, due_at__isnull=True)
                | Q(running_since__isnull=False, due_at__isnull=False),
                name="tenants_slaclock_running_has_due",
            ),
            check_constraint(
                condition=Q(stopped_at__isnull=True) | Q(running_since__isnull=True),
                name="tenants_slaclock_stopped_not_running",
            ),
            check_constraint(
                condition=Q(stopped_at__isnull=True, outcome="")
                | Q(stopped_at__isnull=False, outcome__in=SLAOutcome.values),
                name="tenants_slaclock_outcome_when_stopped",
            ),
            check_constraint(
                condition=Q(paused_reason="") | Q(running_since__isnull=True, stopped_at__isnull=True),
                name="tenants_slaclock_reason_only_paused",
            ),
            check_constraint(
                condition=(Q(breached_at__isnull=True) | Q(warned_at__isnull=False))
                & (Q(escalated_at__isnull=True) | Q(breached_at__isnull=False)),
                name="tenants_slaclock_levels_in_order",
            ),
            check_constraint(
                condition=Q(stopped_at__isnull=True) | Q(stopped_at__gte=F("started_at")),
                name="tenants_slaclock_stops_after_start",
            ),
            check_constraint(condition=Q(track__in=Track.values), name="tenants_slaclock_track_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.step} · {self.content_type_id}:{self.object_id}"

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None

    @property
    def is_paused(self) -> bool:
        return self.stopped_at is None and self.running_since is None

    @property
    def state(self) -> str:
        if self.stopped_at is not None:
            return "stopped"
        return "paused" if self.running_since is None else "running"
