"""Expedited registration: the park's one-stop service, and the ledger of service requests.

A ``RegistrationCase`` follows one company through the nine government steps of
setting up (one ``RegistrationStep`` row each, in order). Each step records who the
ball is with (``waiting_on``) and how long it sat with the authority, so that the
SLA engine can stop the park's clock while the applicant or the authority holds it.

The ``ServiceRequest`` ledger holds every request a company makes of the park; its
response and completion rates are what the park reports.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from core.db import check_constraint
from core.models import TimeStampedModel
from tenants.models.sla import Track, sla_queue_annotate
from tenants.validators import validate_uscc


class RegistrationCaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationCaseQuerySet(models.QuerySet["RegistrationCase"]):
    def visible_to(self, user: Any) -> "RegistrationCaseQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(
            company__in=models.Subquery(user.memberships.filter(is_active=True).values("company_id"))
        )

    def queue_order(self) -> "RegistrationCaseQuerySet":
        """Open cases first, expedited before standard, then the pre-check clock due first (paused
        or stopped last), then the oldest. Annotates ``queue_closed``, ``sla_track_rank``, ``sla_due_at``."""
        return sla_queue_annotate(
            self.annotate(
                queue_closed=models.Case(
                    models.When(status=RegistrationCaseStatus.OPEN, then=0),
                    default=1,
                    output_field=models.IntegerField(),
                )
            )
        ).order_by(*REGISTRATION_CASE_QUEUE_ORDERING)  # type: ignore[return-value]


# Over ``RegistrationCaseQuerySet.queue_order()``'s annotations.
REGISTRATION_CASE_QUEUE_ORDERING = [
    "queue_closed",
    "sla_track_rank",
    F("sla_due_at").asc(nulls_last=True),
    "opened_at",
    "pk",
]


class RegistrationCase(TimeStampedModel):
    """The park registering one company: one row per government step, opened and closed by staff."""

    # The SLA policy of its clock ("registration_precheck").
    SLA_SUBJECT_TYPE = "registration_case"

    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="registration_cases",
    )
    track = models.CharField(_("track"), max_length=16, choices=Track, default=Track.STANDARD)
    status = models.CharField(
        _("status"), max_length=16, choices=RegistrationCaseStatus, default=RegistrationCaseStatus.OPEN
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
        help_text=_("The park's staff member who runs the case."),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = RegistrationCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration case")
        verbose_name_plural = _("registration cases")
        ordering = ["-opened_at", "pk"]
        constraints = [
            check_constraint(
                condition=Q(status__in=RegistrationCaseStatus.values),
                name="tenants_registrationcase_status_valid",
            ),
            check_constraint(
                condition=Q(track__in=Track.values), name="tenants_registrationcase_track_valid"
            ),
            check_constraint(
                condition=Q(status=RegistrationCaseStatus.OPEN, closed_at__isnull=True)
                | (~Q(status=RegistrationCaseStatus.OPEN) & Q(closed_at__isnull=False)),
                name="tenants_registrationcase_closed_iff_not_open",
            ),
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(status=RegistrationCaseStatus.OPEN),
                name="tenants_registrationcase_one_open_per_company",
                violation_error_code="registration_case_open",
                violation_error_message=_("This company already has an open registration case."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_track_display()}, {self.get_status_display()})"


class RegistrationStepKind(models.TextChoices):
    """The government steps of setting up a company, in the order they are taken."""

    NAME_DECLARATION = "name_declaration", _("Name declaration")
    DOMICILE_PROOF = "domicile_proof", _("Domicile proof")
    ESTABLISHMENT_FILING = "establishment_filing", _("Establishment filing")
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    SEALS = "seals", _("Seals")
    TAX_REGISTRATION = "tax_registration", _("Tax registration and invoicing")
    BANK_ACCOUNT = "bank_account", _("Basic bank account")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance and housing fund")
    POST_SETUP_FILINGS = "post_setup_filings", _("Post-setup filings")


STEP_ORDER: dict[str, int] = {kind: i for i, kind in enumerate(RegistrationStepKind.values, start=1)}


class RegistrationStepStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PREPARING = "preparing", _("Preparing")
    SUBMITTED = "submitted", _("Submitted")
    WAITING_AUTHORITY = "waiting_authority", _("Waiting for the authority")
    NEEDS_CORRECTION = "needs_correction", _("Needs correction")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


STEP_FINISHED = (RegistrationStepStatus.DONE, RegistrationStepStatus.NOT_APPLICABLE)


class WaitingOn(models.TextChoices):
    PARK = "park", _("The park")
    APPLICANT = "applicant", _("The applicant")
    AUTHORITY = "authority", _("The authority")


# Who holds the ball in each step state ("" for a finished step: nobody).
WAITING_ON_BY_STATUS: dict[str, tuple[str, ...]] = {
    RegistrationStepStatus.NOT_STARTED: (WaitingOn.PARK,),
    RegistrationStepStatus.PREPARING: (WaitingOn.PARK, WaitingOn.APPLICANT),
    RegistrationStepStatus.SUBMITTED: (WaitingOn.AUTHORITY,),
    RegistrationStepStatus.WAITING_AUTHORITY: (WaitingOn.AUTHORITY,),
    RegistrationStepStatus.NEEDS_CORRECTION: (WaitingOn.APPLICANT,),
    RegistrationStepStatus.DONE: ("",),
    RegistrationStepStatus.NOT_APPLICABLE: ("",),
}


# --- step data: the facts the park records per kind ---------------------------------------------------

STR, STR_LIST, DATE, DATE_LIST, BOOL = "str", "str_list", "date", "date_list", "bool"

STEP_DATA_FIELDS: dict[str, dict[str, str]] = {
    RegistrationStepKind.NAME_DECLARATION: {"candidate_names": STR_LIST, "approved_name": STR},
    RegistrationStepKind.DOMICILE_PROOF: {"kind": STR},
    RegistrationStepKind.ESTABLISHMENT_FILING: {"submission_number": STR, "correction_notices": STR_LIST},
    RegistrationStepKind.BUSINESS_LICENCE: {"uscc": STR, "issued_on": DATE},
    RegistrationStepKind.SEALS: {"seal_record": STR},
    RegistrationStepKind.TAX_REGISTRATION: {"status": STR},
    RegistrationStepKind.BANK_ACCOUNT: {"opened_on": DATE},
    RegistrationStepKind.SOCIAL_INSURANCE: {"done": BOOL},
    RegistrationStepKind.POST_SETUP_FILINGS: {"due_dates": DATE_LIST},
}

# What must be recorded before a step may be done.
STEP_DATA_REQUIRED_WHEN_DONE: dict[str, tuple[str, ...]] = {
    RegistrationStepKind.NAME_DECLARATION: ("approved_name",),
    RegistrationStepKind.DOMICILE_PROOF: ("kind",),
    RegistrationStepKind.BUSINESS_LICENCE: ("uscc",),
    RegistrationStepKind.BANK_ACCOUNT: ("opened_on",),
}

DOMICILE_PROOF_KINDS = ("lease", "park_domicile_letter")


def _is_date(value: Any) -> bool:
    try:
        return isinstance(value, str) and parse_date(value) is not None
    except ValueError:  # well-formed but impossible, e.g. 2025-02-30
        return False


def _value_ok(kind: str, value: Any) -> bool:
    if kind == STR:
        return isinstance(value, str)
    if kind == STR_LIST:
        return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    if kind == DATE:
        return _is_date(value)
    if kind == DATE_LIST:
        return isinstance(value, list) and all(_is_date(v) for v in value)
    return isinstance(value, bool)


def step_data_clean(*, kind: str, data: Any) -> dict[str, Any]:
    """``data`` checked against the facts recorded for ``kind``; returns it normalised.

    Raises ``ValidationError`` on the ``data`` field with codes ``step_data_invalid``,
    ``step_data_unknown_key``, ``domicile_proof_kind`` or the USCC validator's codes.
    """

    def refuse(message: str, code: str, **params: Any) -> ValidationError:
        return ValidationError({"data": ValidationError(message, code=code, params=params)})

    if not isinstance(data, dict):
        raise refuse(_("Step data is an object of named facts."), "step_data_invalid")
    fields = STEP_DATA_FIELDS[kind]
    cleaned = dict(data)
    for key, value in data.items():
        if key not in fields:
            raise refuse(
                _("“%(key)s” is not recorded for this step; expected one of: %(expected)s."),
                "step_data_unknown_key",
                key=key,
                expected=", ".join(fields),
            )
        if value is None:
            continue
        if not _value_ok(fields[key], value):
            expected = {
                STR: _("text"),
                STR_LIST: _("a list of non-empty texts"),
                DATE: _("a date (YYYY-MM-DD)"),
                DATE_LIST: _("a list of dates (YYYY-MM-DD)"),
                BOOL: _("true or false"),
            }[fields[key]]
            raise refuse(
                _("“%(key)s” must be %(expected)s."), "step_data_invalid", key=key, expected=expected
            )
    if kind == RegistrationStepKind.DOMICILE_PROOF and cleaned.get("kind") not in (
        None,
        *DOMICILE_PROOF_KINDS,
    ):
        raise refuse(
            _("The domicile proof is a lease or a park domicile letter."),
            "domicile_proof_kind",
        )
    if kind == RegistrationStepKind.BUSINESS_LICENCE and cleaned.get("uscc"):
        code = cleaned["uscc"].strip().upper()
        try:
            validate_uscc(code)
        except ValidationError as exc:
            raise ValidationError({"data": exc}) from exc
        cleaned["uscc"] = code
    return cleaned


class RegistrationStep(TimeStampedModel):
    """One government step of a registration case: its state, who waits on whom, and what it produced."""

    case = models.ForeignKey(
        RegistrationCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=32, choices=RegistrationStepKind)
    order = models.PositiveSmallIntegerField(_("order"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RegistrationStepStatus,
        default=RegistrationStepStatus.NOT_STARTED,
    )
    waiting_on = models.CharField(
        _("waiting on"), max_length=16, choices=WaitingOn, default=WaitingOn.PARK, blank=True
    )
    external_reference = models.CharField(
        _("external reference"),
        max_length=100,
        blank=True,
        help_text=_("The authority's number for the filing or application."),
    )
    output_document = models.FileField(
        _("output document"),
        upload_to="tenants/registration/%Y/%m/",
        blank=True,
        help_text=_("What the step produced: the licence scan, the domicile letter, …"),
    )
    data = models.JSONField(_("recorded facts"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    authority_seconds = models.PositiveBigIntegerField(
        _("seconds with the authority"),
        default=0,
        help_text=_("Time spent waiting for the authority: not counted against the park's SLA."),
    )
    authority_since = models.DateTimeField(_("with the authority since"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration step")
        verbose_name_plural = _("registration steps")
        ordering = ["case", "order"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="tenants_registrationstep_unique_kind"),
            models.UniqueConstraint(fields=["case", "order"], name="tenants_registrationstep_unique_order"),
            check_constraint(
                condition=Q(kind__in=RegistrationStepKind.values), name="tenants_registrationstep_kind_valid"
            ),
            check_constraint(
                condition=Q(order__gte=1, order__lte=len(STEP_ORDER)),
                name="tenants_registrationstep_order_valid",
            ),
            check_constraint(
                condition=models.Q.create(
                    [
                        Q(status=status, waiting_on__in=allowed)
                        for status, allowed in WAITING_ON_BY_STATUS.items()
                    ],
                    connector=Q.OR,
                ),
                name="tenants_registrationstep_waiting_on_matches_status",
            ),
            # a running authority wait only while waiting for it (a cancelled case stops the clock)
            check_constraint(
                condition=Q(authority_since__isnull=True)
                | Q(status=RegistrationStepStatus.WAITING_AUTHORITY),
                name="tenants_registrationstep_authority_since_only_when_waiting",
            ),
            check_constraint(
                condition=~Q(status=RegistrationStepStatus.DONE) | Q(completed_at__isnull=False),
                name="tenants_registrationstep_done_has_completed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_status_display()}"

    def clean(self) -> None:
        super().clean()
        if self.kind in STEP_DATA_FIELDS:
            self.data = step_data_clean(kind=self.kind, data=self.data)

    def authority_seconds_at(self, moment: dt.datetime | None = None) -> int:
        """Seconds with the authority so far, counting a wait still running at ``moment``."""
        total = self.authority_seconds
        if self.authority_since is not None:
            moment = moment or timezone.now()
            total += max(0, int((moment - self.authority_since).total_seconds()))
        return total

    @property
    def is_finished(self) -> bool:
        return self.status in STEP_FINISHED


# --- service requests ----------------------------------------------------------------------------------


class ServiceRequestCategory(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    FACILITIES = "facilities", _("Facilities")
    IT_NETWORK = "it_network", _("IT and network")
    ACCESS_CARD = "access_card", _("Access cards")
    MAIL = "mail", _("Mail")
    EVENTS = "events", _("Events")
    FINANCE = "finance", _("Finance")
    OTHER = "other", _("Other")


class ServiceRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


SERVICE_REQUEST_ACTIVE = (
    ServiceRequestStatus.OPEN,
    ServiceRequestStatus.ACKNOWLEDGED,
    ServiceRequestStatus.IN_PROGRESS,
)
SERVICE_REQUEST_RESPONDED = (
    ServiceRequestStatus.ACKNOWLEDGED,
    ServiceRequestStatus.IN_PROGRESS,
    ServiceRequestStatus.RESOLVED,
    ServiceRequestStatus.CLOSED,
)


class ServiceRequestQuerySet(models.QuerySet["ServiceRequest"]):
    def visible_to(self, user: Any) -> "ServiceRequestQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(
            company__in=models.Subquery(user.memberships.filter(is_active=True).values("company_id"))
        )

    def queue_order(self) -> "ServiceRequestQuerySet":
        """Requests still with the park first, expedited before standard, then the first-response
        clock due first (answered ones last), then the oldest. Annotates ``queue_closed``,
        ``sla_track_rank`` and ``sla_due_at``."""
        return sla_queue_annotate(
            self.annotate(
                queue_closed=models.Case(
                    models.When(status__in=SERVICE_REQUEST_ACTIVE, then=0),
                    default=1,
                    output_field=models.IntegerField(),
                )
            )
        ).order_by(*SERVICE_REQUEST_QUEUE_ORDERING)  # type: ignore[return-value]


# Over ``ServiceRequestQuerySet.queue_order()``'s annotations.
SERVICE_REQUEST_QUEUE_ORDERING = [
    "queue_closed",
    "sla_track_rank",
    F("sla_due_at").asc(nulls_last=True),
    "created_at",
    "pk",
]


class ServiceRequest(TimeStampedModel):
    """Anything a company asks of the park, from a broken lamp to a bank introduction."""

    # The SLA policy of its clock ("first_response").
    SLA_SUBJECT_TYPE = "service_request"

    company = models.ForeignKey(
        "tenants.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    campus = models.ForeignKey(
        "spaces.Campus",
        verbose_name=_("campus"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The campus the request is about, when there is one."),
    )
    category = models.CharField(
        _("category"), max_length=16, choices=ServiceRequestCategory, default=ServiceRequestCategory.OTHER
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ServiceRequestStatus, default=ServiceRequestStatus.OPEN
    )
    track = models.CharField(
        _("track"),
        max_length=16,
        choices=Track,
        default=Track.STANDARD,
        help_text=_(
            "Expedited when the company meets an active expedited-track criterion (set on creation)."
        ),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        help_text=_("The requester's rating, 1 (poor) to 5 (excellent)."),
    )

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="tenants_sr_status_created")]
        constraints = [
            check_constraint(condition=~Q(subject=""), name="tenants_servicerequest_subject_set"),
            check_constraint(
                condition=Q(status__in=ServiceRequestStatus.values),
                name="tenants_servicerequest_status_valid",
            ),
            check_constraint(condition=Q(track__in=Track.values), name="tenants_servicerequest_track_valid"),
            check_constraint(
                condition=Q(category__in=ServiceRequestCategory.values),
                name="tenants_servicerequest_category_valid",
            ),
            check_constraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="tenants_servicerequest_satisfaction_range",
            ),
            check_constraint(
                condition=~Q(status__in=SERVICE_REQUEST_RESPONDED) | Q(first_response_at__isnull=False),
                name="tenants_servicerequest_responded_has_first_response",
            ),
            check_constraint(
                condition=~Q(status__in=[ServiceRequestStatus.RESOLVED, ServiceRequestStatus.CLOSED])
                | Q(resolved_at__isnull=False),
                name="tenants_servicerequest_resolved_has_resolved_at",
            ),
            check_constraint(
                condition=Q(status=ServiceRequestStatus.CLOSED, closed_at__isnull=False)
                | (~Q(status=ServiceRequestStatus.CLOSED) & Q(closed_at__isnull=True)),
                name="tenants_servicerequest_closed_iff_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.company})"
