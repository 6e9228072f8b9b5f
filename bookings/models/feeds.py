"""iCalendar feeds: a person's, a company's or a resource's bookings at a secret, revocable URL."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint
from core.models import TimeStampedModel


class FeedScope(models.TextChoices):
    PERSON = "person", _("My bookings")
    COMPANY = "company", _("My company's bookings")
    RESOURCE = "resource", _("A resource's busy times")


class CalendarFeedQuerySet(models.QuerySet["CalendarFeed"]):
    def live(self) -> "CalendarFeedQuerySet":
        return self.filter(revoked_at=None)


class CalendarFeed(TimeStampedModel):
    """A subscribable iCalendar URL. Only a SHA-256 hash of its token is stored; the URL is shown once.

    A person feed lists the owner's bookings, a company feed the company's (while the
    owner is an active member), a resource feed the resource's busy blocks with no
    personal details.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    scope = models.CharField(_("scope"), max_length=16, choices=FeedScope)
    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        null=True,
        blank=True,
    )
    resource = models.ForeignKey(
        "bookings.Resource",
        verbose_name=_("resource"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        null=True,
        blank=True,
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_fetched_at = models.DateTimeField(_("last fetched at"), null=True, blank=True, editable=False)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at", "-pk"]
        constraints = [
            check_constraint(
                condition=Q(scope__in=FeedScope.values), name="bookings_calendarfeed_scope_valid"
            ),
            check_constraint(
                condition=Q(scope=FeedScope.PERSON, company__isnull=True, resource__isnull=True)
                | Q(scope=FeedScope.COMPANY, company__isnull=False, resource__isnull=True)
                | Q(scope=FeedScope.RESOURCE, company__isnull=True, resource__isnull=False),
                name="bookings_calendarfeed_scope_target",
                violation_error_message=_("A company feed names a company, a resource feed a resource."),
            ),
        ]

    def __str__(self) -> str:
        target = self.company or self.resource or self.owner
        return f"{self.get_scope_display()}: {target}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


__all__ = ["CalendarFeed", "FeedScope"]
