"""Incubation: programmes and cohorts, a company's incubation, its mentors and its KPI returns.

The admission and limit rules are configuration on ``Programme`` (a sector may set its
own limit); an incubation ends in graduation, expiry at its limit, or withdrawal.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint
from core.models import TimeStampedModel


class KPIFrequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Programme(TimeStampedModel):
    """An incubation programme and its rules: who may enter, for how long, how often they report."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    max_company_age_months = models.PositiveSmallIntegerField(
        _("maximum company age at entry (months)"),
        default=24,
        help_text=_("A company founded longer ago than this before admission is refused."),
    )
    default_limit_months = models.PositiveSmallIntegerField(
        _("default incubation limit (months)"),
        default=48,
        help_text=_("How long an incubation lasts at most; the company's sector limit overrides it."),
    )
    kpi_frequency = models.CharField(
        _("KPI returns"), max_length=16, choices=KPIFrequency, default=KPIFrequency.QUARTERLY
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name", "pk"]
        constraints = [
            check_constraint(
                condition=Q(default_limit_months__gt=0), name="tenants_programme_limit_positive"
            ),
            check_constraint(
                condition=Q(kpi_frequency__in=KPIFrequency.values),
                name="tenants_programme_kpi_frequency_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Cohort(TimeStampedModel):
    """A group of companies admitted to a programme together."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="cohorts"
    )
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="tenants_cohort_unique_name"),
            check_constraint(
                condition=Q(ends_on__gte=F("starts_on")), name="tenants_cohort_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.name}"


class IncubationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    GRADUATED = "graduated", _("Graduated")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class GraduationBasis(models.TextChoices):
    HIGH_TECH_RECOGNITION = "high_tech_recognition", _("High-tech enterprise recognition")
    INVESTMENT_OVER_5M = "investment_over_5m", _("Cumulative investment over RMB 5 m")
    REVENUE_OVER_10M_TWO_YEARS = (
        "revenue_over_10m_two_years",
        _("Cumulative revenue over RMB 10 m across two years"),
    )
    ACQUISITION_OR_LISTING = "acquisition_or_listing", _("Acquisition or listing")


class IncubationQuerySet(models.QuerySet["Incubation"]):
    def active(self) -> "IncubationQuerySet":
        return self.filter(status=IncubationStatus.ACTIVE)

    def visible_to(self, user) -> "IncubationQuerySet":  # type: ignore[no-untyped-def]
        """Staff see every incubation; a company's people see their company's."""
        if user.is_staff:
            return self
        return self.filter(company__memberships__user=user, company__memberships__is_active=True)


class Incubation(TimeStampedModel):
    """A company's stay in a programme: from admission until graduation, expiry or withdrawal."""

    company = models.ForeignKey(
        "tenants.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="incubations"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="incubations"
    )
    cohort = models.ForeignKey(
        Cohort,
        verbose_name=_("cohort"),
        on_delete=models.PROTECT,
        related_name="incubations",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=IncubationStatus, default=IncubationStatus.ACTIVE
    )
    admitted_on = models.DateField(_("admitted on"))
    limit_on = models.DateField(
        _("limit"), help_text=_("The last day of incubation: admission plus the limit in months.")
    )
    age_override_reason = models.TextField(
        _("age rule override"),
        blank=True,
        help_text=_("Why staff admitted a company older than the programme allows."),
    )
    graduated_on = models.DateField(_("graduated on"), null=True, blank=True)
    graduation_basis = models.CharField(
        _("graduation basis"), max_length=32, choices=GraduationBasis, blank=True
    )
    graduation_evidence = models.TextField(_("graduation evidence"), blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    alert_90_sent_at = models.DateTimeField(_("90-day alert sent at"), null=True, blank=True)
    alert_30_sent_at = models.DateTimeField(_("30-day alert sent at"), null=True, blank=True)

    objects = IncubationQuerySet.as_manager()

    class Meta:
        verbose_name = _("incubation")
        verbose_name_plural = _("incubations")
        ordering = ["-admitted_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(status=IncubationStatus.ACTIVE),
                name="tenants_incubation_one_active",
                violation_error_code="incubation_already_active",
                violation_error_message=_("This company is already in incubation."),
            ),
            check_constraint(
                condition=Q(status__in=IncubationStatus.values), name="tenants_incubation_status_valid"
            ),
            check_constraint(
                condition=Q(limit_on__gt=F("admitted_on")), name="tenants_incubation_limit_after_admission"
            ),
            check_constraint(
                condition=Q(
                    status=IncubationStatus.GRADUATED,
                    graduation_basis__in=GraduationBasis.values,
                    graduated_on__isnull=False,
                )
                | (Q(graduation_basis="", graduated_on__isnull=True) & ~Q(status=IncubationStatus.GRADUATED)),
                name="tenants_incubation_basis_iff_graduated",
                violation_error_message=_(
                    "A graduation needs its basis and date, and only a graduation has them."
                ),
            ),
            check_constraint(
                condition=Q(status=IncubationStatus.ACTIVE, ended_on__isnull=True)
                | (~Q(status=IncubationStatus.ACTIVE) & Q(ended_on__isnull=False)),
                name="tenants_incubation_ended_iff_not_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} · {self.programme}"


class Milestone(TimeStampedModel):
    """A goal agreed with an incubated company, with its due date."""

    incubation = models.ForeignKey(
        Incubation, verbose_name=_("incubation"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class MentorAllocation(TimeStampedModel):
    """A mentor assigned to an incubated company for a period."""

    incubation = models.ForeignKey(
        Incubation,
        verbose_name=_("incubation"),
        on_delete=models.CASCADE,
        related_name="mentor_allocations",
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("mentor allocation")
        verbose_name_plural = _("mentor allocations")
        ordering = ["starts_on", "pk"]
        constraints = [
            check_constraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="tenants_mentorallocation_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.incubation}"


class MentorSession(TimeStampedModel):
    """One meeting held under a mentor allocation."""

    allocation = models.ForeignKey(
        MentorAllocation, verbose_name=_("allocation"), on_delete=models.CASCADE, related_name="sessions"
    )
    held_on = models.DateField(_("held on"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("mentor session")
        verbose_name_plural = _("mentor sessions")
        ordering = ["held_on", "pk"]
        constraints = [
            check_constraint(condition=Q(minutes__gt=0), name="tenants_mentorsession_minutes_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.allocation} · {self.held_on}"


class KPIReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


MONEY_FIGURES = ("revenue", "rd_spend", "funding_raised", "tax_paid")
COUNT_FIGURES = ("headcount", "rd_staff", "patents_filed", "patents_granted", "software_copyrights")
KPI_FIGURES = (*MONEY_FIGURES, *COUNT_FIGURES)


class KPIReturnQuerySet(models.QuerySet["KPIReturn"]):
    def visible_to(self, user) -> "KPIReturnQuerySet":  # type: ignore[no-untyped-def]
        if user.is_staff:
            return self
        return self.filter(
            incubation__company__memberships__user=user,
            incubation__company__memberships__is_active=True,
        )


def _money(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, null=True, blank=True)


def _count(verbose_name: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, null=True, blank=True)


class KPIReturn(TimeStampedModel):
    """A company's figures for one reporting period; locked once staff verify them. Money in CNY."""

    incubation = models.ForeignKey(
        Incubation, verbose_name=_("incubation"), on_delete=models.PROTECT, related_name="kpi_returns"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=16, choices=KPIReturnStatus, default=KPIReturnStatus.REQUESTED
    )
    revenue = _money(_("revenue (CNY)"))
    headcount = _count(_("headcount"))
    rd_staff = _count(_("R&D staff"))
    rd_spend = _money(_("R&D spend (CNY)"))
    patents_filed = _count(_("patents filed"))
    patents_granted = _count(_("patents granted"))
    software_copyrights = _count(_("software copyrights"))
    funding_raised = _money(_("funding raised (CNY)"))
    tax_paid = _money(_("tax paid (CNY)"))
    requested_at = models.DateTimeField(_("requested at"))
    reminded_7_at = models.DateTimeField(_("day-7 reminder sent at"), null=True, blank=True)
    reminded_14_at = models.DateTimeField(_("day-14 reminder sent at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)

    objects = KPIReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI return")
        verbose_name_plural = _("KPI returns")
        ordering = ["-period_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incubation", "period_start"], name="tenants_kpireturn_one_per_period"
            ),
            check_constraint(
                condition=Q(period_end__gte=F("period_start")), name="tenants_kpireturn_period_valid"
            ),
            check_constraint(
                condition=Q(status__in=KPIReturnStatus.values), name="tenants_kpireturn_status_valid"
            ),
            check_constraint(
                condition=Q(rd_staff__isnull=True)
                | Q(headcount__isnull=True)
                | Q(rd_staff__lte=F("headcount")),
                name="tenants_kpireturn_rd_staff_within_headcount",
                violation_error_message=_("R&D staff cannot outnumber the headcount."),
            ),
            *(
                check_constraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": 0}),
                    name=f"tenants_kpireturn_{name}_not_negative",
                )
                for name in MONEY_FIGURES
            ),
            check_constraint(
                condition=Q(status=KPIReturnStatus.VERIFIED, locked_at__isnull=False)
                | (~Q(status=KPIReturnStatus.VERIFIED) & Q(locked_at__isnull=True)),
                name="tenants_kpireturn_locked_iff_verified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incubation.company} · {self.period_start:%Y-%m}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None
