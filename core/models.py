from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint


class TimeStampedModel(models.Model):
    """Abstract base: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, editable=False)

    class Meta:
        abstract = True


class TransitionLogQuerySet(models.QuerySet["TransitionLog"]):
    def for_object(self, obj: models.Model) -> "TransitionLogQuerySet":
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=obj.pk,
        )


class TransitionLog(models.Model):
    """One state change of any workflow object: who, when, from what, to what, and why.

    Time-in-stage, SLA compliance and audit reports are queries over these rows.
    """

    # indexed by (content_type, object_id, created_at) below
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from state"), max_length=32, blank=True)
    to_state = models.CharField(_("to state"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who acted when it was not a person: "system", "device:<key id>", "task:<name>".
    actor_label = models.CharField(_("actor label"), max_length=128, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = TransitionLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "created_at"],
                name="core_translog_subject_idx",
            )
        ]
        constraints = [
            check_constraint(condition=~models.Q(to_state=""), name="core_transitionlog_to_state_set"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model}#{self.object_id}: {self.from_state or '∅'} → {self.to_state}"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (day off)")
    WORKDAY = "workday", _("Working day")


class CalendarDay(TimeStampedModel):
    """A staff override of the China working-day calendar for one date.

    ``holiday`` makes the date a day off even if it is a weekday; ``workday`` makes it a
    working day (a make-up workday, 调休) even if it is a weekend, or cancels a holiday the
    ``holidays`` package lists. An override always wins over the package: staff add one
    when the State Council publishes next year's schedule before the package catches up,
    or for a park-specific closure. ``core.calendar`` reads these rows.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarDayKind)
    name = models.CharField(
        _("name"), max_length=200, help_text=_("E.g. “Spring Festival” or “Make-up workday”.")
    )
    name_zh = models.CharField(
        _("Chinese name"), max_length=200, blank=True, help_text=_("E.g. “春节” or “调休上班”.")
    )
    note = models.TextField(
        _("note"), blank=True, help_text=_("Why the override exists, e.g. the notice it follows.")
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            check_constraint(
                condition=models.Q(kind__in=CalendarDayKind.values), name="core_calendarday_kind_valid"
            ),
            check_constraint(condition=~models.Q(name=""), name="core_calendarday_name_set"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}: {self.name}"
