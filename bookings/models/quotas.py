"""Monthly credit allowances per resource kind (per plan, or overriding for one company) and the ledger.

A company's allowance for a kind in a month is its company override if it has one, else the
LARGEST of the plan allowances of the agreement kinds of its current tenancies in that month.
Plans describe a level of service, not stackable add-ons: summing would give a company with a
lease and a lab-access agreement its boardroom hours twice. Staff who want more for one
company set an override. A kind no row applies to is not metered for that company (who may
book at all is the policy's audience, not the quota); a row with 0 meters it at nothing.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models.resources import ResourceKind
from core.db import check_constraint
from core.models import TimeStampedModel
from tenants.models import AgreementKind


class CreditAllowance(TimeStampedModel):
    """Credits a month for one resource kind: for every company on a plan, or for one company."""

    plan = models.CharField(
        _("plan"),
        max_length=16,
        choices=AgreementKind,
        blank=True,
        help_text=_("The agreement kind this allowance is for; leave empty for a company override."),
    )
    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="credit_allowances",
        null=True,
        blank=True,
        help_text=_("Set to override the plan allowances for this one company."),
    )
    resource_kind = models.CharField(_("resource kind"), max_length=32, choices=ResourceKind)
    credits_per_month = models.DecimalField(
        _("credits per month"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("credit allowance")
        verbose_name_plural = _("credit allowances")
        ordering = ["resource_kind", "plan", "company", "pk"]
        constraints = [
            check_constraint(
                condition=(Q(company__isnull=True) & ~Q(plan="")) | (Q(company__isnull=False) & Q(plan="")),
                name="bookings_creditallowance_plan_or_company",
                violation_error_message=_("Give either a plan or a company, not both."),
            ),
            check_constraint(
                condition=Q(plan="") | Q(plan__in=AgreementKind.values),
                name="bookings_creditallowance_plan_valid",
            ),
            check_constraint(
                condition=Q(resource_kind__in=ResourceKind.values),
                name="bookings_creditallowance_kind_valid",
            ),
            check_constraint(
                condition=Q(credits_per_month__gte=0), name="bookings_creditallowance_credits_not_negative"
            ),
            models.UniqueConstraint(
                fields=["plan", "resource_kind"],
                condition=Q(company__isnull=True),
                name="bookings_creditallowance_plan_kind_unique",
                violation_error_message=_("This plan already has an allowance for this kind."),
            ),
            models.UniqueConstraint(
                fields=["company", "resource_kind"],
                condition=Q(company__isnull=False),
                name="bookings_creditallowance_company_kind_unique",
                violation_error_message=_("This company already has an allowance for this kind."),
            ),
        ]

    def __str__(self) -> str:
        who = self.company if self.company_id else self.get_plan_display()
        return f"{who}: {self.credits_per_month} × {self.get_resource_kind_display()}"


class CreditReason(models.TextChoices):
    CHARGE = "charge", _("Charge")
    REFUND = "refund", _("Refund")


class CreditEntry(models.Model):
    """One movement of a company's credits for a resource kind in a month: + charged, − refunded.

    Rows are written once by the services and never changed; the month's usage is their sum.
    """

    company = models.ForeignKey(
        "tenants.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="credit_entries"
    )
    resource_kind = models.CharField(_("resource kind"), max_length=32, choices=ResourceKind)
    month = models.DateField(
        _("month"), help_text=_("The first day of the month, in the campus's local time.")
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    booking = models.ForeignKey(
        "bookings.Booking",
        verbose_name=_("booking"),
        on_delete=models.PROTECT,
        related_name="credit_entries",
        null=True,
        blank=True,
    )
    reason = models.CharField(_("reason"), max_length=16, choices=CreditReason)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, editable=False)

    class Meta:
        verbose_name = _("credit entry")
        verbose_name_plural = _("credit entries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["company", "month", "resource_kind"], name="bookings_creditentry_month_idx")
        ]
        constraints = [
            check_constraint(
                condition=Q(reason__in=CreditReason.values), name="bookings_creditentry_reason_valid"
            ),
            check_constraint(
                condition=Q(resource_kind__in=ResourceKind.values), name="bookings_creditentry_kind_valid"
            ),
            check_constraint(
                condition=(Q(reason=CreditReason.CHARGE) & Q(amount__gte=0))
                | (Q(reason=CreditReason.REFUND) & Q(amount__lte=0)),
                name="bookings_creditentry_sign_matches_reason",
            ),
            # a booking is charged at most once and refunded at most once
            models.UniqueConstraint(
                fields=["booking", "reason"],
                condition=Q(booking__isnull=False),
                name="bookings_creditentry_once_per_booking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.month:%Y-%m} {self.resource_kind} {self.amount:+}"


__all__ = ["CreditAllowance", "CreditEntry", "CreditReason"]
