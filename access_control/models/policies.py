"""How a bookable resource's booking turns into door access."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint
from core.models import TimeStampedModel

DEFAULT_GRACE_MINUTES = 15


class ResourceAccessPolicy(TimeStampedModel):
    """Grace around a booking of one resource: its doors open ``pre_grace`` before the start and
    stay open ``post_grace`` after the end. Resources without a row use 15 minutes each side."""

    resource = models.OneToOneField(
        "bookings.Resource",
        verbose_name=_("resource"),
        on_delete=models.CASCADE,
        related_name="access_policy",
    )
    pre_grace_minutes = models.PositiveIntegerField(
        _("grace before the start (minutes)"),
        default=DEFAULT_GRACE_MINUTES,
        validators=[MaxValueValidator(240)],
    )
    post_grace_minutes = models.PositiveIntegerField(
        _("grace after the end (minutes)"), default=DEFAULT_GRACE_MINUTES, validators=[MaxValueValidator(240)]
    )

    class Meta:
        verbose_name = _("resource access policy")
        verbose_name_plural = _("resource access policies")
        ordering = ["resource", "pk"]
        constraints = [
            check_constraint(
                condition=Q(pre_grace_minutes__lte=240, post_grace_minutes__lte=240),
                name="access_control_resourceaccesspolicy_grace_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} (−{self.pre_grace_minutes}/+{self.post_grace_minutes} min)"
