"""Registration cases and the service-request ledger.

Every state change of a registration step goes through ``registration_step_update``,
of a case through ``registration_case_open`` / ``_complete`` / ``_cancel``, and of a
service request through one ``service_request_<verb>`` function each. They also run
the SLA clocks, in the same transaction: a case's "registration_precheck" clock starts
when it opens, pauses while any step waits on the applicant, resumes when the ball is
back with the park and stops when the name declaration first leaves the park's hands
(submitted); a request's "first_response" clock stops at its first response. A step's
``authority_seconds`` holds the time spent waiting for the authority, which is not
counted against the park.

Lock order (to avoid deadlocks): case, then step, then company.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import ActionForbidden
from core.workflow import Transition, Workflow, transition_log
from notifications.services import notify
from spaces.models import Campus
from tenants.models import (
    Company,
    MemberRole,
    Membership,
    RegistrationCase,
    RegistrationCaseStatus,
    RegistrationStep,
    RegistrationStepKind,
    RegistrationStepStatus,
    ServiceRequest,
    ServiceRequestStatus,
    Track,
    WaitingOn,
)
from tenants.models.registration import (
    STEP_DATA_REQUIRED_WHEN_DONE,
    STEP_FINISHED,
    STEP_ORDER,
    WAITING_ON_BY_STATUS,
    step_data_clean,
)
from tenants.services.applications import company_track
from tenants.services.sla import (
    sla_clock_pause,
    sla_clock_resume,
    sla_clock_start,
    sla_clock_stop,
    sla_clocks_stop_open,
)


def _is_staff(actor: Any, obj: Any) -> bool:
    return bool(getattr(actor, "is_staff", False))


def _is_staff_or_requester(actor: Any, obj: ServiceRequest) -> bool:
    return _is_staff(actor, obj) or actor.pk == obj.requested_by_id


def _require_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_staff:
        raise ActionForbidden(_("Only park staff may do this."), code="staff_only")


def _require_reason(reason: str, message: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": ValidationError(message, code="reason_required")})


def _company_owner(company_id: int) -> User | None:
    membership = (
        Membership.objects.filter(company_id=company_id, role=MemberRole.OWNER, is_active=True)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


# --- registration cases ---------------------------------------------------------------------------------

S = RegistrationStepStatus

STEP_WORKFLOW = Workflow(
    [
        Transition("start", (S.NOT_STARTED,), S.PREPARING),
        Transition("submit", (S.PREPARING,), S.SUBMITTED),
        Transition("await_authority", (S.SUBMITTED,), S.WAITING_AUTHORITY),
        Transition("request_correction", (S.WAITING_AUTHORITY,), S.NEEDS_CORRECTION),
        Transition("correct", (S.NEEDS_CORRECTION,), S.PREPARING),
        Transition("complete", (S.WAITING_AUTHORITY,), S.DONE),
        Transition(
            "mark_not_applicable",
            (S.NOT_STARTED, S.PREPARING, S.SUBMITTED, S.WAITING_AUTHORITY, S.NEEDS_CORRECTION),
            S.NOT_APPLICABLE,
            allowed=_is_staff,
        ),
        Transition("reopen", STEP_FINISHED, S.PREPARING, allowed=_is_staff),
    ]
)

CASE_WORKFLOW = Workflow(
    [
        Transition("complete", (RegistrationCaseStatus.OPEN,), RegistrationCaseStatus.COMPLETED),
        Transition(
            "cancel", (RegistrationCaseStatus.OPEN,), RegistrationCaseStatus.CANCELLED, allowed=_is_staff
        ),
    ]
)


def registration_step_action(*, current: str, target: str) -> str:
    """The workflow action that moves a step from ``current`` to ``target``; refused if there is none."""
    if target not in S.values:
        raise ValidationError(
            {
                "status": ValidationError(
                    _("Unknown step status “%(status)s”.") % {"status": target}, code="invalid_choice"
                )
            }
        )
    for action in STEP_WORKFLOW.actions:
        t = STEP_WORKFLOW.transition(action)
        if t.target == target and current in t.sources:
            return action
    raise ValidationError(
        _("A step cannot go from “%(current)s” to “%(target)s”.") % {"current": current, "target": target},
        code="transition_not_allowed",
    )


@transaction.atomic
def registration_case_open(
    *,
    company: Company,
    track: str = Track.STANDARD,
    officer: User | None = None,
    actor: User | None,
    notes: str = "",
) -> RegistrationCase:
    """Open a case with its nine steps, all not started and waiting on the park."""
    _require_staff(actor)
    locked_company = Company.objects.select_for_update().get(pk=company.pk)
    if not locked_company.is_active:
        raise ValidationError(
            _("Only an active company can have a registration case."), code="company_not_active"
        )
    if officer is not None and not officer.is_staff:
        raise ValidationError(
            {
                "officer": ValidationError(
                    _("The officer is a member of the park's staff."), code="officer_not_staff"
                )
            }
        )
    case = RegistrationCase(company=locked_company, track=track, officer=officer, notes=notes)
    case.full_clean()  # includes "one open case per company"
    already_open = ValidationError(
        _("This company already has an open registration case."), code="registration_case_open"
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:  # a concurrent open won the race
        raise already_open from exc
    RegistrationStep.objects.bulk_create(
        RegistrationStep(case=case, kind=kind, order=STEP_ORDER[kind], waiting_on=WaitingOn.PARK)
        for kind in RegistrationStepKind.values
    )
    transition_log(obj=case, action="open", from_state="", to_state=case.status, actor=actor)
    sla_clock_start(
        subject=case, step=SLA_PRECHECK, track=case.track, assignee=case.officer, at=case.opened_at
    )
    return case


# The park's pre-check of a case: from opening until the name declaration is first submitted.
SLA_PRECHECK = "registration_precheck"
SLA_WAITING_FOR_APPLICANT = "waiting for the applicant"
# The name declaration in these states has left the park's hands: the pre-check is done.
PRECHECK_DONE_STATUSES = (S.SUBMITTED, S.WAITING_AUTHORITY, S.DONE, S.NOT_APPLICABLE)


def _registration_precheck_follow(*, case: RegistrationCase, step: RegistrationStep) -> None:
    """Stop, pause or resume the case's pre-check clock after ``step`` changed (no-op once stopped)."""
    if step.kind == RegistrationStepKind.NAME_DECLARATION and step.status in PRECHECK_DONE_STATUSES:
        sla_clock_stop(subject=case, step=SLA_PRECHECK)
    elif case.steps.filter(waiting_on=WaitingOn.APPLICANT).exists():
        sla_clock_pause(subject=case, step=SLA_PRECHECK, reason=SLA_WAITING_FOR_APPLICANT)
    else:
        sla_clock_resume(subject=case, step=SLA_PRECHECK)


def _registration_uscc_check(*, company_id: int, code: str) -> None:
    if Company.objects.filter(uscc=code).exclude(pk=company_id).exists():
        raise ValidationError(
            {
                "data": ValidationError(
                    _("Another company already has the unified social credit code %(code)s.")
                    % {"code": code},
                    code="uscc_taken",
                )
            }
        )


def _registration_uscc_record(*, company_id: int, code: str, actor: User | None) -> None:
    """Write the licence's code to the company (locked), refusing one another company holds."""
    company = Company.objects.select_for_update().get(pk=company_id)
    if company.uscc == code:
        return
    if company.uscc:
        raise ValidationError(
            {
                "data": ValidationError(
                    _(
                        "The company is recorded with the code %(current)s, not %(code)s; "
                        "correct the company first."
                    )
                    % {"current": company.uscc, "code": code},
                    code="company_uscc_differs",
                )
            }
        )
    _registration_uscc_check(company_id=company.pk, code=code)
    company.uscc = code
    company.full_clean()
    try:
        with transaction.atomic():
            company.save(update_fields=["uscc", "updated_at"])
    except IntegrityError as exc:  # another company took the code after the check
        raise ValidationError(
            {"data": ValidationError(_("Another company already has this code."), code="uscc_taken")}
        ) from exc
    transition_log(
        obj=company,
        action="record_uscc",
        from_state=company.status,
        to_state=company.status,
        actor=actor,
        data={"uscc": code},
    )


@transaction.atomic
def registration_step_update(
    *,
    step: RegistrationStep,
    status: str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    external_reference: str | None = None,
    waiting_on: str | None = None,
    reason: str = "",
) -> RegistrationStep:
    """Move a step to ``status`` (or, with the same status, record facts); keep who waits and authority time.

    ``data`` is merged into the step's recorded facts and validated for its kind.
    ``waiting_on`` chooses between the park and the applicant while preparing (park by
    default); every other state fixes it. Completing the business licence writes its
    code to the company. The case completes when every step is done or not applicable.
    """
    case = RegistrationCase.objects.select_for_update().get(pk=step.case_id)
    if case.status != RegistrationCaseStatus.OPEN:
        raise ValidationError(
            _("The registration case is %(status)s; its steps no longer change.")
            % {"status": case.get_status_display()},
            code="registration_case_closed",
        )
    locked = RegistrationStep.objects.select_for_update().get(pk=step.pk)
    current = locked.status
    if status == current:
        if locked.is_finished:
            raise ValidationError(
                _("A finished step is reopened by staff before it changes."), code="step_finished"
            )
        action = "update"
    else:
        action = registration_step_action(current=current, target=status)
    if action == "reopen":
        _require_reason(reason, _("Say why the step is reopened."))

    allowed = WAITING_ON_BY_STATUS[status]
    if waiting_on is None:
        waiting_on = locked.waiting_on if action == "update" else allowed[0]
    if waiting_on not in allowed:
        raise ValidationError(
            {
                "waiting_on": ValidationError(
                    _("While %(status)s, the step waits on: %(allowed)s.")
                    % {"status": status, "allowed": ", ".join(a or "-" for a in allowed)},
                    code="waiting_on_invalid",
                )
            }
        )

    def apply(s: RegistrationStep) -> None:
        now = timezone.now()
        if data is not None:
            s.data = {**s.data, **data}
        if external_reference is not None:
            s.external_reference = external_reference.strip()
        s.data = step_data_clean(kind=s.kind, data=s.data)  # validated and normalised
        if s.authority_since is not None and status != S.WAITING_AUTHORITY:
            s.authority_seconds += max(0, int((now - s.authority_since).total_seconds()))
            s.authority_since = None
        if status == S.WAITING_AUTHORITY and s.authority_since is None:
            s.authority_since = now
        s.waiting_on = waiting_on
        if status == S.PREPARING and s.started_at is None:
            s.started_at = now
        if action == "submit":
            s.submitted_at = now
        if status == S.DONE:
            missing = [k for k in STEP_DATA_REQUIRED_WHEN_DONE.get(s.kind, ()) if not s.data.get(k)]
            if missing:
                raise ValidationError(
                    {
                        "data": ValidationError(
                            _("Record %(fields)s before the step is done.") % {"fields": ", ".join(missing)},
                            code="step_data_required",
                        )
                    }
                )
            s.completed_at = now
        elif action == "reopen":
            s.completed_at = None

    log_data = {"waiting_on": waiting_on}
    if action == "update":
        apply(locked)
        locked.full_clean()
        locked.save()
        transition_log(
            obj=locked,
            action=action,
            from_state=current,
            to_state=current,
            actor=actor,
            reason=reason,
            data=log_data,
        )
    else:
        locked = STEP_WORKFLOW.perform(
            locked, action=action, actor=actor, reason=reason, data=log_data, apply=apply
        )

    uscc = locked.data.get("uscc") if locked.kind == RegistrationStepKind.BUSINESS_LICENCE else None
    if uscc:
        if locked.status == S.DONE:
            _registration_uscc_record(company_id=case.company_id, code=uscc, actor=actor)
        else:
            _registration_uscc_check(company_id=case.company_id, code=uscc)

    _registration_precheck_follow(case=case, step=locked)
    if locked.status == S.NEEDS_CORRECTION:
        owner = _company_owner(case.company_id)
        if owner is not None:
            notify(
                recipient=owner,
                kind="tenants.registration.needs_correction",
                context={"step": locked, "case": case, "company": case.company, "reason": reason},
                subject_obj=case,
            )
    if locked.is_finished and not case.steps.exclude(status__in=STEP_FINISHED).exists():
        registration_case_complete(case=case, actor=actor, reason=_("Every step is done or not applicable."))
    return locked


@transaction.atomic
def registration_case_complete(
    *, case: RegistrationCase, actor: User | None, reason: str = ""
) -> RegistrationCase:
    """Close the case as completed; every step must be done or not applicable."""
    if case.steps.exclude(status__in=STEP_FINISHED).exists():
        raise ValidationError(
            _("Every step must be done or not applicable before the case completes."),
            code="registration_steps_unfinished",
        )

    def apply(c: RegistrationCase) -> None:
        c.closed_at = timezone.now()

    locked = CASE_WORKFLOW.perform(case, action="complete", actor=actor, reason=reason, apply=apply)
    sla_clocks_stop_open(subject=locked, at=locked.closed_at)
    owner = _company_owner(locked.company_id)
    if owner is not None:
        notify(
            recipient=owner,
            kind="tenants.registration.case_completed",
            context={"case": locked, "company": locked.company},
            subject_obj=locked,
            dedupe_key=f"tenants.registration.case_completed:{locked.pk}",
        )
    return locked


@transaction.atomic
def registration_case_cancel(*, case: RegistrationCase, actor: User | None, reason: str) -> RegistrationCase:
    """Cancel an open case (staff, with a reason); its steps stay as they were, for the record."""
    _require_reason(reason, _("Say why the registration case is cancelled."))

    def apply(c: RegistrationCase) -> None:
        c.closed_at = timezone.now()
        for s in c.steps.select_for_update().filter(authority_since__isnull=False):
            # the authority wait ends with the case; the time so far stays recorded
            s.authority_seconds = s.authority_seconds_at(c.closed_at)
            s.authority_since = None
            s.save(update_fields=["authority_seconds", "authority_since", "updated_at"])

    cancelled = CASE_WORKFLOW.perform(case, action="cancel", actor=actor, reason=reason, apply=apply)
    sla_clocks_stop_open(subject=cancelled, at=cancelled.closed_at)
    return cancelled


# --- service requests ------------------------------------------------------------------------------------

R = ServiceRequestStatus

SERVICE_REQUEST_WORKFLOW = Workflow(
    [
        Transition("acknowledge", (R.OPEN,), R.ACKNOWLEDGED, allowed=_is_staff),
        Transition("start", (R.OPEN, R.ACKNOWLEDGED), R.IN_PROGRESS, allowed=_is_staff),
        Transition("resolve", (R.OPEN, R.ACKNOWLEDGED, R.IN_PROGRESS), R.RESOLVED, allowed=_is_staff),
        Transition("close", (R.RESOLVED,), R.CLOSED, allowed=_is_staff_or_requester),
        Transition(
            "cancel", (R.OPEN, R.ACKNOWLEDGED, R.IN_PROGRESS), R.CANCELLED, allowed=_is_staff_or_requester
        ),
    ]
)


@transaction.atomic
def service_request_create(
    *,
    company: Company,
    requested_by: User,
    subject: str,
    category: str,
    description: str = "",
    campus: Campus | None = None,
) -> ServiceRequest:
    """Record a request of the company to the park; its people (or staff on their behalf) make it."""
    if (
        not requested_by.is_staff
        and not Membership.objects.filter(company=company, user=requested_by, is_active=True).exists()
    ):
        raise ActionForbidden(
            _("Only the company's people make requests in its name."), code="not_company_member"
        )
    service_request = ServiceRequest(
        company=company,
        requested_by=requested_by,
        subject=subject.strip(),
        category=category,
        description=description,
        campus=campus,
        track=company_track(company=company),
    )
    service_request.full_clean()
    service_request.save()
    transition_log(
        obj=service_request,
        action="create",
        from_state="",
        to_state=service_request.status,
        actor=requested_by,
    )
    sla_clock_start(
        subject=service_request,
        step=SLA_FIRST_RESPONSE,
        track=service_request.track,
        at=service_request.created_at,
    )
    return service_request


# The park's first response to a request: acknowledged, started or resolved, whichever comes first.
SLA_FIRST_RESPONSE = "first_response"


def _service_request_move(
    *,
    service_request: ServiceRequest,
    action: str,
    actor: User | None,
    reason: str = "",
    assignee: User | None = None,
    satisfaction: int | None = None,
) -> ServiceRequest:
    def apply(r: ServiceRequest) -> None:
        now = timezone.now()
        if action in ("acknowledge", "start", "resolve"):
            if r.first_response_at is None:  # the first response counts once
                r.first_response_at = now
            if assignee is not None:
                r.assignee = assignee
            elif r.assignee_id is None and actor is not None and actor.is_staff:
                r.assignee = actor
        if action == "resolve":
            r.resolved_at = now
        if action == "close":
            r.closed_at = now
            if satisfaction is not None:
                r.satisfaction = satisfaction

    if assignee is not None and not assignee.is_staff:
        raise ValidationError(
            {
                "assignee": ValidationError(
                    _("Requests are assigned to park staff."), code="assignee_not_staff"
                )
            }
        )
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValidationError(
            {"satisfaction": ValidationError(_("Rate from 1 to 5."), code="satisfaction_range")}
        )
    moved = SERVICE_REQUEST_WORKFLOW.perform(
        service_request, action=action, actor=actor, reason=reason, apply=apply
    )
    if action in ("acknowledge", "start", "resolve", "cancel"):
        # The first response (or the requester withdrawing) ends the clock; later moves find none open.
        sla_clock_stop(subject=moved, step=SLA_FIRST_RESPONSE, at=moved.first_response_at or timezone.now())
    return moved


def _service_request_notify(service_request: ServiceRequest, event: str) -> None:
    notify(
        recipient=service_request.requested_by,
        kind=f"tenants.registration.request_{event}",
        context={"service_request": service_request, "company": service_request.company},
        subject_obj=service_request,
        dedupe_key=f"tenants.registration.request_{event}:{service_request.pk}",
    )


@transaction.atomic
def service_request_acknowledge(
    *, service_request: ServiceRequest, actor: User | None, assignee: User | None = None, reason: str = ""
) -> ServiceRequest:
    """The park's first response: the request is seen and assigned (to the actor if no one)."""
    locked = _service_request_move(
        service_request=service_request, action="acknowledge", actor=actor, reason=reason, assignee=assignee
    )
    _service_request_notify(locked, "acknowledged")
    return locked


@transaction.atomic
def service_request_start(
    *, service_request: ServiceRequest, actor: User | None, assignee: User | None = None, reason: str = ""
) -> ServiceRequest:
    return _service_request_move(
        service_request=service_request, action="start", actor=actor, reason=reason, assignee=assignee
    )


@transaction.atomic
def service_request_resolve(
    *, service_request: ServiceRequest, actor: User | None, reason: str = ""
) -> ServiceRequest:
    locked = _service_request_move(
        service_request=service_request, action="resolve", actor=actor, reason=reason
    )
    _service_request_notify(locked, "resolved")
    return locked


@transaction.atomic
def service_request_close(
    *, service_request: ServiceRequest, actor: User | None, satisfaction: int | None = None, reason: str = ""
) -> ServiceRequest:
    """Close a resolved request (staff, or the requester confirming), optionally rated 1–5."""
    return _service_request_move(
        service_request=service_request, action="close", actor=actor, reason=reason, satisfaction=satisfaction
    )


@transaction.atomic
def service_request_cancel(
    *, service_request: ServiceRequest, actor: User | None, reason: str = ""
) -> ServiceRequest:
    """Withdraw a request the park has not resolved (the requester, or staff)."""
    return _service_request_move(service_request=service_request, action="cancel", actor=actor, reason=reason)
