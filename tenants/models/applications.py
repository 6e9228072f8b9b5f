"""Admission applications: does the park admit this startup?

An ``Application`` moves through ``tenants.services.applications.APPLICATION_WORKFLOW``;
its intake, founders, documents, reviews and more-info requests hang off it. Which
applications are eligible and which take the expedited track is configured by staff in
``EligibilityRule`` and ``ExpeditedCriterion`` rows.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from core.db import check_constraint
from core.models import TimeStampedModel
from tenants.models.sla import Track, sla_queue_annotate


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    MORE_INFO = "more_info", _("More information requested")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ONBOARDING = "onboarding", _("Onboarding")
    DONE = "done", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The applicant may still withdraw; staff still have work to do.
OPEN_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SCREENING,
    ApplicationStatus.MORE_INFO,
    ApplicationStatus.IN_REVIEW,
)
DECIDED_STATUSES = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.ONBOARDING,
    ApplicationStatus.DONE,
)
ADMITTED_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.ONBOARDING, ApplicationStatus.DONE)
# Where a more-info request may come from, and so where the answer returns to.
MORE_INFO_SOURCES = (ApplicationStatus.SCREENING, ApplicationStatus.IN_REVIEW)
# The applicant edits the intake only in these states.
EDITABLE_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.MORE_INFO)


class FundingStage(models.TextChoices):
    BOOTSTRAPPED = "bootstrapped", _("Bootstrapped")
    ANGEL = "angel", _("Angel")
    SEED = "seed", _("Seed")
    SERIES_A = "series_a", _("Series A")
    SERIES_B_PLUS = "series_b_plus", _("Series B or later")


class RequestedSpace(models.TextChoices):
    COWORKING_DESKS = "coworking_desks", _("Coworking desks")
    OFFICE_SUITE = "office_suite", _("Office suite")
    COMPOUND_BUILDING = "compound_building", _("Compound building")
    LAB_ACCESS = "lab_access", _("Lab access")


class ApplicationQuerySet(models.QuerySet["Application"]):
    def open(self) -> "ApplicationQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def queue(self) -> "ApplicationQuerySet":
        """The staff queue: expedited first, then the open SLA clock due first (paused or none last),
        then the oldest submission. Annotates ``sla_track_rank`` and ``sla_due_at``."""
        return sla_queue_annotate(self).order_by(*APPLICATION_QUEUE_ORDERING)  # type: ignore[return-value]

    def visible_to(self, user: Any) -> "ApplicationQuerySet":
        """Staff see every application; an applicant their own; a reviewer those assigned to them.

        "Their own", as ``is_applicant`` says: the account that applied, or, for an application
        no account has made (staff entered it), the account with the applicant's e-mail. An
        e-mail alone never shows another account's application.
        """
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_staff:
            return self
        assigned = ReviewAssignment.objects.filter(application=OuterRef("pk"), reviewer=user)
        unclaimed_by_email = Q(applicant__isnull=True, applicant_email__iexact=user.email)
        return self.filter(Q(applicant=user) | unclaimed_by_email | Q(Exists(assigned)))


# Over ``ApplicationQuerySet.queue()``'s annotations.
APPLICATION_QUEUE_ORDERING = [
    F("sla_track_rank").asc(),
    F("sla_due_at").asc(nulls_last=True),
    F("submitted_at").asc(nulls_last=True),
    "pk",
]


class Application(TimeStampedModel):
    """A startup's application for admission to the park, from draft to decision and onboarding."""

    # The SLA policies of its clocks ("screening", "decision", "agreement_sent").
    SLA_SUBJECT_TYPE = "application"

    # --- the applicant -------------------------------------------------------------------------------
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        help_text=_("Set when the applicant applied while signed in."),
    )
    applicant_email = models.EmailField(_("applicant e-mail"))
    applicant_name = models.CharField(_("applicant name"), max_length=150)
    applicant_phone = models.CharField(_("applicant phone"), max_length=32, blank=True)
    applicant_language = models.CharField(
        _("applicant language"), max_length=8, choices=Language, default=Language.ENGLISH
    )

    # --- intake ----------------------------------------------------------------------------------------
    company_name = models.CharField(_("company name"), max_length=200)
    company_name_zh = models.CharField(_("Chinese company name"), max_length=200, blank=True)
    sector = models.ForeignKey(
        "tenants.Sector", verbose_name=_("sector"), on_delete=models.PROTECT, related_name="applications"
    )
    founded_on = models.DateField(
        _("founded on"), null=True, blank=True, help_text=_("Leave empty if the company is not yet founded.")
    )
    team_size = models.PositiveSmallIntegerField(_("team size"), default=1)
    funding_stage = models.CharField(
        _("funding stage"), max_length=16, choices=FundingStage, default=FundingStage.BOOTSTRAPPED
    )
    is_returnee_founded = models.BooleanField(_("returnee-founded"), default=False)
    is_high_tech = models.BooleanField(_("high-tech enterprise"), default=False)
    requested_space = models.CharField(
        _("requested space"), max_length=24, choices=RequestedSpace, default=RequestedSpace.COWORKING_DESKS
    )
    requested_desks = models.PositiveSmallIntegerField(_("requested desks"), default=0)
    requested_start_on = models.DateField(_("requested start"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    # --- workflow --------------------------------------------------------------------------------------
    track = models.CharField(_("track"), max_length=16, choices=Track, default=Track.STANDARD)
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus, default=ApplicationStatus.DRAFT
    )
    more_info_return_status = models.CharField(
        _("returns to"),
        max_length=16,
        choices=ApplicationStatus,
        blank=True,
        help_text=_("While more information is requested: the state the answer returns to."),
    )
    eligibility = models.JSONField(
        _("eligibility"), default=list, blank=True, help_text=_("Each rule: {rule, passed, reason}.")
    )
    eligibility_passed = models.BooleanField(_("eligible"), null=True, blank=True)
    eligibility_override_reason = models.TextField(_("eligibility override reason"), blank=True)
    eligibility_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eligibility overridden by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_applications",
        limit_choices_to={"is_staff": True},
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["status", "track", "submitted_at"], name="tenants_app_queue_idx")]
        constraints = [
            check_constraint(condition=Q(team_size__gte=1), name="tenants_application_team_size_min"),
            check_constraint(condition=Q(requested_desks__gte=0), name="tenants_application_desks_min"),
            check_constraint(
                condition=Q(status__in=ApplicationStatus.values), name="tenants_application_status_valid"
            ),
            check_constraint(condition=Q(track__in=Track.values), name="tenants_application_track_valid"),
            check_constraint(
                condition=Q(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
                | Q(submitted_at__isnull=False),
                name="tenants_application_submitted_has_time",
            ),
            check_constraint(
                condition=~Q(status__in=DECIDED_STATUSES) | Q(decided_at__isnull=False),
                name="tenants_application_decided_has_time",
            ),
            check_constraint(
                condition=~Q(status__in=ADMITTED_STATUSES) | Q(company__isnull=False),
                name="tenants_application_admitted_has_company",
            ),
            check_constraint(
                condition=Q(status=ApplicationStatus.MORE_INFO, more_info_return_status__in=MORE_INFO_SOURCES)
                | (~Q(status=ApplicationStatus.MORE_INFO) & Q(more_info_return_status="")),
                name="tenants_application_more_info_returns",
            ),
            check_constraint(
                condition=Q(eligibility_overridden_by__isnull=True) | ~Q(eligibility_override_reason=""),
                name="tenants_application_override_has_reason",
            ),
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(company__isnull=False),
                name="tenants_application_one_per_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class ApplicationFounder(models.Model):
    """A founder named on an application; returnee founders may qualify it for the expedited track."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="founders"
    )
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"), blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    is_returnee = models.BooleanField(
        _("returnee"), default=False, help_text=_("Returned from study or work abroad (海归).")
    )

    class Meta:
        verbose_name = _("founder")
        verbose_name_plural = _("founders")
        ordering = ["application", "pk"]
        constraints = [check_constraint(condition=~Q(name=""), name="tenants_applicationfounder_name_set")]

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    BUSINESS_PLAN = "business_plan", _("Business plan")
    LICENCE = "licence", _("Business licence")
    ID = "id", _("Identity document")
    OTHER = "other", _("Other")


DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# Extension → the file signatures its content must start with.
DOCUMENT_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),  # an Office Open XML document is a ZIP archive
}


def validate_document_file(file: Any) -> None:
    """Allow PDF, PNG, JPEG and DOCX up to 10 MB; the content must match the extension."""
    size = getattr(file, "size", None) or 0
    if size == 0:
        raise ValidationError(_("The file is empty."), code="document_empty")
    if size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": DOCUMENT_MAX_BYTES // (1024 * 1024)},
            code="document_too_large",
        )
    extension = Path(getattr(file, "name", "") or "").suffix.lower().lstrip(".")
    if extension not in DOCUMENT_SIGNATURES:
        raise ValidationError(
            _("Upload a PDF, PNG, JPEG or Word (.docx) file."), code="document_type_not_allowed"
        )
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(8)
    file.seek(position)
    if not any(head.startswith(signature) for signature in DOCUMENT_SIGNATURES[extension]):
        raise ValidationError(
            _("The file's content is not a .%(extension)s file.") % {"extension": extension},
            code="document_type_mismatch",
        )


def _document_upload_to(document: "ApplicationDocument", filename: str) -> str:
    return f"applications/{document.application_id}/{Path(filename).name}"


class ApplicationDocument(TimeStampedModel):
    """A document attached to an application (business plan, licence, IDs)."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind)
    file = models.FileField(_("file"), upload_to=_document_upload_to, validators=[validate_document_file])
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["application", "kind", "pk"]
        constraints = [
            check_constraint(
                condition=Q(kind__in=DocumentKind.values), name="tenants_applicationdocument_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {Path(self.file.name).name}"


class Recommendation(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    ABSTAIN = "abstain", _("Abstain")


class ReviewAssignment(TimeStampedModel):
    """A reviewer assigned to an application, and once submitted their recommendation and score."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="review_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recommendation = models.CharField(_("recommendation"), max_length=8, choices=Recommendation, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True, help_text=_("1 to 10."))
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["application", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"],
                name="tenants_reviewassignment_unique_reviewer",
                violation_error_message=_("This reviewer is already assigned."),
            ),
            check_constraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=10),
                name="tenants_reviewassignment_score_range",
                violation_error_message=_("A score is from 1 to 10."),
            ),
            check_constraint(
                condition=Q(submitted_at__isnull=True, recommendation="", score__isnull=True)
                | (Q(submitted_at__isnull=False, score__isnull=False) & ~Q(recommendation="")),
                name="tenants_reviewassignment_submitted_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.application.company_name}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class MoreInfoRequest(models.Model):
    """A question staff put to the applicant, and the applicant's answer."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="more_info_requests",
    )
    question = models.TextField(_("question"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("more-information request")
        verbose_name_plural = _("more-information requests")
        ordering = ["application", "requested_at", "pk"]
        constraints = [
            check_constraint(condition=~Q(question=""), name="tenants_moreinforequest_question_set"),
            check_constraint(
                condition=Q(answered_at__isnull=True, answer="")
                | (Q(answered_at__isnull=False) & ~Q(answer="")),
                name="tenants_moreinforequest_answered_complete",
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(answered_at__isnull=True),
                name="tenants_moreinforequest_one_open",
            ),
        ]

    def __str__(self) -> str:
        return self.question[:60]


class EligibilityRuleKind(models.TextChoices):
    MAX_COMPANY_AGE_MONTHS = "max_company_age_months", _("Company at most N months old")
    MIN_TEAM_SIZE = "min_team_size", _("Team of at least N people")
    SECTOR_ALLOWED = "sector_allowed", _("Sector among those admitted")
    DOCUMENTS_REQUIRED = "documents_required", _("Documents supplied")


# The parameter key each kind reads, and its default.
ELIGIBILITY_DEFAULT_PARAMETERS: dict[str, dict[str, Any]] = {
    EligibilityRuleKind.MAX_COMPANY_AGE_MONTHS: {"months": 24},
    EligibilityRuleKind.MIN_TEAM_SIZE: {"min": 1},
    EligibilityRuleKind.SECTOR_ALLOWED: {"sectors": []},  # empty: every sector
    EligibilityRuleKind.DOCUMENTS_REQUIRED: {"kinds": [DocumentKind.BUSINESS_PLAN.value]},
}


def _parameter_error(message: str) -> ValidationError:
    return ValidationError({"parameter": ValidationError(message, code="parameter_invalid")})


class EligibilityRule(TimeStampedModel):
    """A screening rule staff configure. Each active rule passes or fails an application with a reason.

    ``message`` / ``message_zh`` are what the applicant reads when the rule fails; they may use
    ``{limit}`` and ``{actual}``. Left blank, a built-in sentence is used.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=EligibilityRuleKind, unique=True)
    parameter = models.JSONField(
        _("parameter"),
        default=dict,
        blank=True,
        help_text=_(
            'max_company_age_months: {"months": 24}; min_team_size: {"min": 1}; sector_allowed: '
            '{"sectors": ["ai"]} (empty: all); documents_required: {"kinds": ["business_plan"]}.'
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    message = models.CharField(_("message when failed"), max_length=300, blank=True)
    message_zh = models.CharField(_("Chinese message when failed"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["kind"]
        constraints = [
            check_constraint(
                condition=Q(kind__in=EligibilityRuleKind.values), name="tenants_eligibilityrule_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        super().clean()
        expected = ELIGIBILITY_DEFAULT_PARAMETERS.get(self.kind)
        if expected is None:
            return
        if not isinstance(self.parameter, dict) or set(self.parameter) != set(expected):
            raise _parameter_error(_("Expected keys: %(keys)s.") % {"keys": ", ".join(sorted(expected))})
        for key, default in expected.items():
            value = self.parameter[key]
            if isinstance(default, int) and (not isinstance(value, int) or value < 0):
                raise _parameter_error(_("“%(key)s” must be a whole number.") % {"key": key})
            if isinstance(default, list) and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise _parameter_error(_("“%(key)s” must be a list of codes.") % {"key": key})


class ExpeditedCriterionKind(models.TextChoices):
    RETURNEE_FOUNDED = "returnee_founded", _("Returnee-founded")
    HIGH_TECH = "high_tech", _("High-tech enterprise")
    PRIORITY_SECTOR = "priority_sector", _("Park-priority sector")


class ExpeditedCriterion(TimeStampedModel):
    """A criterion for the expedited track: an application meeting any active one is expedited."""

    kind = models.CharField(_("kind"), max_length=32, choices=ExpeditedCriterionKind, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("expedited-track criterion")
        verbose_name_plural = _("expedited-track criteria")
        ordering = ["kind"]
        constraints = [
            check_constraint(
                condition=Q(kind__in=ExpeditedCriterionKind.values),
                name="tenants_expeditedcriterion_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
