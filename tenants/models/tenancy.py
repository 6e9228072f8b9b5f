"""Agreements, tenancies, their checklists and deposits, and incentive grants.

An executed ``Agreement`` becomes a ``Tenancy``: the spaces it holds from when to
when (``TenancySpace``). No space is held by two tenancies on overlapping dates: on
PostgreSQL an exclusion constraint enforces it; on SQLite (no exclusion constraints,
write transactions serialised by ``BEGIN IMMEDIATE``) the service checks inside its
transaction before inserting.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.db import DateRange, PostgresExclusionConstraint, check_constraint
from core.models import TimeStampedModel

NON_NEGATIVE = MinValueValidator(Decimal("0"))


# --- agreements ---------------------------------------------------------------------------------------


class AgreementKind(models.TextChoices):
    LEASE = "lease", _("Lease")
    MEMBERSHIP = "membership", _("Membership (coworking)")
    INCUBATION = "incubation", _("Incubation")
    LAB_ACCESS = "lab_access", _("Lab access")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    SIGNED = "signed", _("Signed")
    EXECUTED = "executed", _("Executed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    VOIDED = "voided", _("Voided")


class PlanSchedule(models.TextChoices):
    ALL_HOURS = "24x7", _("24×7")
    BUSINESS_HOURS = "business_hours", _("Business hours")


class CompanyScopedQuerySet(models.QuerySet[Any]):
    company_path = "company"

    def visible_to(self, user: Any) -> "CompanyScopedQuerySet":
        """Staff see all; a company's active members see only their company's rows."""
        if user.is_staff:
            return self
        return self.filter(
            **{
                f"{self.company_path}__memberships__user": user,
                f"{self.company_path}__memberships__is_active": True,
            }
        )


class Agreement(TimeStampedModel):
    """The terms a company is offered and signs: spaces, dates, rent, deposit, free months, schedule."""

    company = models.ForeignKey(
        "tenants.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="agreements"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AgreementKind)
    status = models.CharField(
        _("status"), max_length=16, choices=AgreementStatus, default=AgreementStatus.DRAFT
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("The first day no longer covered."))
    monthly_rent = models.DecimalField(
        _("monthly rent (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[NON_NEGATIVE],
    )
    deposit = models.DecimalField(
        _("deposit (CNY)"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[NON_NEGATIVE]
    )
    free_rent_months = models.PositiveSmallIntegerField(_("free-rent months"), default=0)
    plan_schedule = models.CharField(
        _("plan schedule"), max_length=16, choices=PlanSchedule, default=PlanSchedule.ALL_HOURS
    )
    access_cards = models.PositiveSmallIntegerField(_("access cards to issue"), default=0)
    includes_lab_access = models.BooleanField(_("includes lab access"), default=False)
    uses_park_domicile = models.BooleanField(
        _("registers at the park's address"),
        default=False,
        help_text=_("The company uses the park's address as its registered domicile."),
    )
    spaces = models.ManyToManyField(
        "spaces.Space", verbose_name=_("spaces"), through="AgreementSpace", related_name="agreements"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("An agreement not signed by then expires.")
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = CompanyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-starts_on", "pk"]
        constraints = [
            check_constraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="tenants_agreement_ends_after_start",
                violation_error_message=_("An agreement ends after it starts."),
            ),
            check_constraint(
                condition=Q(monthly_rent__gte=0, deposit__gte=0), name="tenants_agreement_money_non_negative"
            ),
            check_constraint(condition=Q(kind__in=AgreementKind.values), name="tenants_agreement_kind_valid"),
            check_constraint(
                condition=Q(status__in=AgreementStatus.values), name="tenants_agreement_status_valid"
            ),
            check_constraint(
                condition=Q(plan_schedule__in=PlanSchedule.values), name="tenants_agreement_schedule_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.company} {self.starts_on}–{self.ends_on}"


class AgreementSpace(models.Model):
    """A space an agreement lets."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="agreement_spaces"
    )
    space = models.ForeignKey(
        "spaces.Space", verbose_name=_("space"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("agreement space")
        verbose_name_plural = _("agreement spaces")
        ordering = ["agreement", "space"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "space"], name="tenants_agreementspace_unique"),
        ]

    def __str__(self) -> str:
        return str(self.space)


# --- tenancies ----------------------------------------------------------------------------------------


class TenancyStatus(models.TextChoices):
    PENDING_MOVE_IN = "pending_move_in", _("Pending move-in")
    ACTIVE = "active", _("Active")
    NOTICE_GIVEN = "notice_given", _("Notice given")
    MOVING_OUT = "moving_out", _("Moving out")
    CLOSED = "closed", _("Closed")


class Tenancy(TimeStampedModel):
    """Which spaces a company holds, from when to when: what occupancy reports read."""

    company = models.ForeignKey(
        "tenants.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="tenancies"
    )
    agreement = models.OneToOneField(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="tenancy"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TenancyStatus, default=TenancyStatus.PENDING_MOVE_IN
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("The first day no longer held."))
    plan_schedule = models.CharField(_("plan schedule"), max_length=16, choices=PlanSchedule)
    moved_in_at = models.DateTimeField(_("moved in at"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = CompanyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        ordering = ["-starts_on", "pk"]
        constraints = [
            check_constraint(
                condition=Q(ends_on__gte=F("starts_on")), name="tenants_tenancy_ends_not_before_start"
            ),
            check_constraint(
                condition=Q(status__in=TenancyStatus.values), name="tenants_tenancy_status_valid"
            ),
            check_constraint(
                condition=Q(status=TenancyStatus.CLOSED, closed_on__isnull=False)
                | (~Q(status=TenancyStatus.CLOSED) & Q(closed_on__isnull=True)),
                name="tenants_tenancy_closed_on_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.starts_on}–{self.ends_on}"


class TenancySpaceQuerySet(models.QuerySet["TenancySpace"]):
    def held_on(self, day: Any) -> "TenancySpaceQuerySet":
        """Rows whose half-open range [starts_on, released_on or ends_on) contains ``day``."""
        return self.filter(starts_on__lte=day).filter(
            Q(released_on__gt=day) | Q(released_on__isnull=True, ends_on__gt=day)
        )

    def overlapping(self, starts_on: Any, ends_on: Any) -> "TenancySpaceQuerySet":
        """Rows whose held range overlaps [starts_on, ends_on); an empty range overlaps nothing."""
        return (
            self.annotate(held_to=Coalesce("released_on", "ends_on"))
            .filter(starts_on__lt=ends_on, held_to__gt=starts_on)
            .filter(held_to__gt=F("starts_on"))
        )


class TenancySpace(models.Model):
    """A space held by a tenancy for the half-open range [starts_on, released_on or ends_on)."""

    tenancy = models.ForeignKey(
        Tenancy, verbose_name=_("tenancy"), on_delete=models.CASCADE, related_name="tenancy_spaces"
    )
    space = models.ForeignKey(
        "spaces.Space", verbose_name=_("space"), on_delete=models.PROTECT, related_name="tenancy_spaces"
    )
    company = models.ForeignKey(
        "tenants.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    released_on = models.DateField(
        _("released on"),
        null=True,
        blank=True,
        help_text=_("Given back early (a downgrade or an early end)."),
    )

    objects = TenancySpaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("tenancy space")
        verbose_name_plural = _("tenancy spaces")
        ordering = ["tenancy", "space", "pk"]
        constraints = [
            check_constraint(
                condition=Q(ends_on__gt=F("starts_on")), name="tenants_tenancyspace_ends_after_start"
            ),
            check_constraint(
                condition=Q(released_on__isnull=True)
                | Q(released_on__gte=F("starts_on"), released_on__lte=F("ends_on")),
                name="tenants_tenancyspace_released_within_range",
            ),
            models.UniqueConstraint(fields=["tenancy", "space"], name="tenants_tenancyspace_unique"),
            PostgresExclusionConstraint(
                name="tenants_tenancyspace_no_overlap",
                expressions=[
                    ("space", RangeOperators.EQUAL),
                    (
                        DateRange("starts_on", Coalesce("released_on", "ends_on"), Value("[)")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_code="tenancy_overlap",
                violation_error_message=_("This space is already let to another company for these dates."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.space} ({self.starts_on}–{self.released_on or self.ends_on})"

    @property
    def held_until(self) -> Any:
        return self.released_on or self.ends_on


# --- checklists ---------------------------------------------------------------------------------------


class ChecklistKind(models.TextChoices):
    MOVE_IN = "move_in", _("Move-in")
    MOVE_OUT = "move_out", _("Move-out")
    DOWNGRADE = "downgrade", _("Downgrade")


class Checklist(TimeStampedModel):
    """The tasks of a move-in, move-out or downgrade, generated from what was given or given back."""

    tenancy = models.ForeignKey(
        Tenancy, verbose_name=_("tenancy"), on_delete=models.CASCADE, related_name="checklists"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChecklistKind)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["tenancy", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenancy", "kind"],
                condition=Q(kind__in=[ChecklistKind.MOVE_IN, ChecklistKind.MOVE_OUT]),
                name="tenants_checklist_one_move_in_and_out",
            ),
            check_constraint(condition=Q(kind__in=ChecklistKind.values), name="tenants_checklist_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.tenancy}"


class ChecklistItem(models.Model):
    """One task of a checklist; ``code`` says what it is (``issue_card_2``, ``return_key_17``)."""

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.SlugField(_("code"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    title_zh = models.CharField(_("Chinese title"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["checklist", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="tenants_checklistitem_unique_code"),
        ]

    def __str__(self) -> str:
        return self.title


# --- deposits -----------------------------------------------------------------------------------------


class DepositStatus(models.TextChoices):
    HELD = "held", _("Held")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    FORFEITED = "forfeited", _("Forfeited")


class DepositQuerySet(CompanyScopedQuerySet):
    company_path = "agreement__company"


class Deposit(TimeStampedModel):
    """The deposit an agreement asks for, held during the tenancy and settled at its end."""

    agreement = models.OneToOneField(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="deposit_record"
    )
    tenancy = models.OneToOneField(
        Tenancy,
        verbose_name=_("tenancy"),
        on_delete=models.PROTECT,
        related_name="deposit",
        null=True,
        blank=True,
    )
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=12, decimal_places=2, validators=[NON_NEGATIVE]
    )
    status = models.CharField(_("status"), max_length=24, choices=DepositStatus, default=DepositStatus.HELD)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    settled_amount = models.DecimalField(
        _("refunded amount (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    objects = DepositQuerySet.as_manager()

    class Meta:
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")
        ordering = ["-created_at", "pk"]
        constraints = [
            check_constraint(condition=Q(amount__gt=0), name="tenants_deposit_amount_positive"),
            check_constraint(
                condition=Q(status__in=DepositStatus.values), name="tenants_deposit_status_valid"
            ),
            check_constraint(
                condition=Q(status=DepositStatus.HELD, settled_on__isnull=True, settled_amount__isnull=True)
                | (
                    ~Q(status=DepositStatus.HELD)
                    & Q(settled_on__isnull=False, settled_amount__gte=0, settled_amount__lte=F("amount"))
                ),
                name="tenants_deposit_settled_iff_not_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} CNY ({self.get_status_display()})"


# --- incentives ---------------------------------------------------------------------------------------


class IncentiveKind(models.TextChoices):
    FREE_RENT = "free_rent", _("Free rent")
    RENT_SUBSIDY = "rent_subsidy", _("Rent subsidy")
    CASH_SUBSIDY = "cash_subsidy", _("Cash subsidy")


class IncentiveStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CLAWED_BACK = "clawed_back", _("Clawed back")
    CANCELLED = "cancelled", _("Cancelled")


class IncentiveGrant(TimeStampedModel):
    """A free-rent period, rent subsidy or cash subsidy granted to a company."""

    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="incentive_grants",
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="incentive_grants",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=IncentiveKind)
    amount = models.DecimalField(
        _("amount (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[NON_NEGATIVE]
    )
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    incubation_only = models.BooleanField(
        _("incubation only"), default=False, help_text=_("Ends when the company leaves incubation.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=IncentiveStatus, default=IncentiveStatus.PROPOSED
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = CompanyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("incentive grant")
        verbose_name_plural = _("incentive grants")
        ordering = ["-created_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(amount__gt=0) | Q(months__gt=0),
                name="tenants_incentivegrant_amount_or_months",
                violation_error_message=_("Give an amount, a number of months, or both."),
            ),
            check_constraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="tenants_incentivegrant_amount_non_negative",
            ),
            check_constraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gt=F("starts_on")),
                name="tenants_incentivegrant_ends_after_start",
            ),
            check_constraint(
                condition=Q(kind__in=IncentiveKind.values), name="tenants_incentivegrant_kind_valid"
            ),
            check_constraint(
                condition=Q(status__in=IncentiveStatus.values), name="tenants_incentivegrant_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.company}"
