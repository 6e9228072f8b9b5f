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

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
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
