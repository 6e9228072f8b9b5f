"""Admission applications: intake, eligibility, tracks, review and decision.

Every state change goes through ``_perform`` (the one place SLA clocks will be
started, paused, resumed and stopped); non-state actions that are still audited
(assigning a reviewer, a review) go through ``_log_action``. Each service locks the
application row, checks the state first (``transition_not_allowed``) and then the actor
(``actor_not_allowed``), so a refused command changes nothing. Notifications are sent
after commit.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import ActionForbidden
from core.workflow import Transition, Workflow, transition_log
from notifications.services import notify
from tenants.models import (
    Application,
    ApplicationDocument,
    ApplicationFounder,
    ApplicationStatus,
    Company,
    EligibilityRule,
    EligibilityRuleKind,
    ExpeditedCriterion,
    ExpeditedCriterionKind,
    MoreInfoRequest,
    Recommendation,
    ReviewAssignment,
    Sector,
    Track,
)
from tenants.models.applications import EDITABLE_STATUSES, OPEN_STATUSES
from tenants.services.companies import company_create, person_get_or_create
from tenants.services.sla import (
    sla_clock_pause,
    sla_clock_resume,
    sla_clock_start,
    sla_clock_stop,
    sla_clocks_stop_open,
)

Actor = User | AnonymousUser
S = ApplicationStatus

ADMISSIONS_LEADS_GROUP = "Admissions leads"

# The intake fields the applicant fills in and may change while the application is editable.
INTAKE_FIELDS = (
    "applicant_name",
    "applicant_phone",
    "applicant_language",
    "company_name",
    "company_name_zh",
    "sector",
    "founded_on",
    "team_size",
    "funding_stage",
    "is_returnee_founded",
    "is_high_tech",
    "requested_space",
    "requested_desks",
    "requested_start_on",
    "summary",
)


# --- who is who ---------------------------------------------------------------------------------------


def _is_signed_in(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def is_applicant(actor: Any, application: Application) -> bool:
    """The account that applied, or the account with the applicant's e-mail address."""
    if not _is_signed_in(actor):
        return False
    if application.applicant_id is not None:
        return bool(application.applicant_id == actor.pk)
    return bool(actor.email) and actor.email.lower() == application.applicant_email.lower()


def is_staff(actor: Any, application: Application | None = None) -> bool:
    return _is_signed_in(actor) and bool(actor.is_staff)


def is_admissions_lead(actor: Any, application: Application) -> bool:
    """The application's lead, or a staff member of the "Admissions leads" group."""
    if not is_staff(actor):
        return False
    if actor.is_superuser or application.lead_id == actor.pk:
        return True
    return bool(actor.groups.filter(name=ADMISSIONS_LEADS_GROUP).exists())


def is_applicant_or_staff(actor: Any, application: Application) -> bool:
    return is_staff(actor) or is_applicant(actor, application)


# --- the workflow -------------------------------------------------------------------------------------

APPLICATION_WORKFLOW = Workflow(
    transitions=[
        Transition("submit", (S.DRAFT,), S.SUBMITTED, is_applicant),
        Transition("start_screening", (S.SUBMITTED,), S.SCREENING, is_staff),
        Transition("screen_pass", (S.SCREENING,), S.IN_REVIEW, is_staff),
        Transition("screen_reject", (S.SCREENING,), S.REJECTED, is_staff),
        Transition("request_more_info", (S.SCREENING, S.IN_REVIEW), S.MORE_INFO, is_staff),
        Transition("resubmit_to_screening", (S.MORE_INFO,), S.SCREENING, is_applicant),
        Transition("resubmit_to_review", (S.MORE_INFO,), S.IN_REVIEW, is_applicant),
        Transition("approve", (S.IN_REVIEW,), S.APPROVED, is_admissions_lead),
        Transition("reject", (S.IN_REVIEW,), S.REJECTED, is_admissions_lead),
        Transition("start_onboarding", (S.APPROVED,), S.ONBOARDING, is_staff),
        Transition("complete", (S.ONBOARDING,), S.DONE, is_staff),
        Transition("withdraw", tuple(OPEN_STATUSES), S.WITHDRAWN, is_applicant_or_staff),
    ]
)


def _perform(
    application: Application,
    *,
    action: str,
    actor: Actor,
    reason: str = "",
    data: dict[str, Any] | None = None,
    apply: Callable[[Application], None] | None = None,
) -> Application:
    """Every state change of an application passes here, and so do its SLA clocks.

    ``Workflow.perform`` locks the row, checks state then actor, applies, saves and logs;
    then the clocks follow the new state in the same transaction (``_sla_follow``).
    """
    at = timezone.now()
    performed = APPLICATION_WORKFLOW.perform(
        application, action=action, actor=actor, reason=reason, data=data, apply=apply
    )
    _sla_follow(performed, action=action, at=at)
    return performed


# --- SLA clocks ---------------------------------------------------------------------------------------

# The steps of an application's clocks (policies: subject type "application").
SLA_SCREENING = "screening"  # submitted → screening done
SLA_DECISION = "decision"  # in review → decided
SLA_AGREEMENT_SENT = "agreement_sent"  # approved → the first agreement sent to the company
SLA_WAITING_FOR_APPLICANT = "waiting for the applicant"
FINAL_STATUSES = (S.REJECTED, S.WITHDRAWN, S.DONE)
# The clock that more_info pauses, by the state the question came from.
SLA_STEP_BY_MORE_INFO_SOURCE = {S.SCREENING: SLA_SCREENING, S.IN_REVIEW: SLA_DECISION}


def _sla_follow(application: Application, *, action: str, at: datetime) -> None:
    """Start, pause, resume or stop the application's clocks after ``action`` (same transaction).

    submit starts "screening"; the screening outcome stops it; entering in_review starts
    "decision"; the decision stops it; approving starts "agreement_sent" (``agreement_send``
    stops it); more_info pauses the running clock and the answer resumes it; a final state
    stops whatever is still open. The clock's track is the application's, its assignee the lead.
    """
    track, lead = application.track, application.lead

    def start(step: str) -> None:
        sla_clock_start(subject=application, step=step, track=track, assignee=lead, at=at)

    if action == "submit":
        start(SLA_SCREENING)
    elif action in ("screen_pass", "screen_reject"):
        sla_clock_stop(subject=application, step=SLA_SCREENING, at=at)
    elif action in ("approve", "reject"):
        sla_clock_stop(subject=application, step=SLA_DECISION, at=at)
    elif action == "request_more_info":
        step = SLA_STEP_BY_MORE_INFO_SOURCE[S(application.more_info_return_status)]
        sla_clock_pause(subject=application, step=step, at=at, reason=SLA_WAITING_FOR_APPLICANT)
    elif action in ("resubmit_to_screening", "resubmit_to_review"):
        step = SLA_SCREENING if action == "resubmit_to_screening" else SLA_DECISION
        sla_clock_resume(subject=application, step=step, at=at)
    if application.status == S.IN_REVIEW:
        start(SLA_DECISION)  # a no-op when the decision clock is already open (back from more_info)
    if action == "approve":
        start(SLA_AGREEMENT_SENT)
    if application.status in FINAL_STATUSES:
        sla_clocks_stop_open(subject=application, at=at)


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _refuse_state(application: Application, action: str) -> ValidationError:
    return ValidationError(
        _("Cannot %(action)s: the state is “%(state)s”.")
        % {"action": action.replace("_", " "), "state": application.status},
        code="transition_not_allowed",
    )


def _refuse_actor(action: str) -> ActionForbidden:
    return ActionForbidden(
        _("You may not %(action)s this.") % {"action": action.replace("_", " ")}, code="actor_not_allowed"
    )


def _log_action(
    application: Application,
    *,
    action: str,
    actor: Actor,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Audit an action that does not change the state (from and to are the current state)."""
    transition_log(
        obj=application,
        action=action,
        from_state=application.status,
        to_state=application.status,
        actor=actor,
        reason=reason,
        data=data,
    )


def _require_text(value: str, *, field: str, code: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: ValidationError(message, code=code)})
    return value


# --- notifications ------------------------------------------------------------------------------------


def _applicant_recipient(application: Application) -> User:
    if application.applicant is not None:
        return application.applicant
    user, _created = person_get_or_create(
        email=application.applicant_email,
        full_name=application.applicant_name,
        preferred_language=application.applicant_language,
    )
    return user


def _notify_applicant_on_commit(
    application: Application,
    *,
    event: str,
    context: Mapping[str, Any] | None = None,
    dedupe_key: str = "",
    link: str = "",
) -> None:
    pk = application.pk

    def send() -> None:
        fresh = Application.objects.select_related("applicant", "sector", "company").get(pk=pk)
        notify(
            recipient=_applicant_recipient(fresh),
            kind=f"tenants.applications.{event}",
            context={"application": fresh, **(context or {})},
            subject_obj=fresh,
            dedupe_key=dedupe_key,
            link=link,
        )

    transaction.on_commit(send)


# --- eligibility and track ----------------------------------------------------------------------------


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months


def _rule_message(rule: EligibilityRule, language: str, default: str, **values: Any) -> str:
    template = rule.message_zh if language.startswith("zh") and rule.message_zh else rule.message
    if not template:
        return default
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a staff typo in the placeholders
        return default


def application_eligibility(*, application: Application, today: date | None = None) -> list[dict[str, Any]]:
    """Each active rule's verdict: ``{rule, passed, reason}``, in the applicant's language."""
    today = today or timezone.localdate()
    results = []
    documents = set(application.documents.values_list("kind", flat=True))
    with translation.override(application.applicant_language):
        for rule in EligibilityRule.objects.filter(is_active=True).order_by("kind"):
            p = rule.parameter or {}
            passed, reason = True, ""
            if rule.kind == EligibilityRuleKind.MAX_COMPANY_AGE_MONTHS:
                limit = int(p.get("months", 24))
                if application.founded_on is not None:
                    age = _months_between(application.founded_on, today)
                    passed = age <= limit
                    reason = _rule_message(
                        rule,
                        application.applicant_language,
                        _(
                            "The company was founded %(actual)s months ago; the park admits companies "
                            "at most %(limit)s months old."
                        )
                        % {"actual": age, "limit": limit},
                        actual=age,
                        limit=limit,
                    )
                if passed:
                    reason = _("The company is at most %(limit)s months old.") % {"limit": limit}
            elif rule.kind == EligibilityRuleKind.MIN_TEAM_SIZE:
                limit = int(p.get("min", 1))
                passed = application.team_size >= limit
                reason = (
                    _("The team has at least %(limit)s people.") % {"limit": limit}
                    if passed
                    else _rule_message(
                        rule,
                        application.applicant_language,
                        _("The team has %(actual)s people; at least %(limit)s are needed.")
                        % {"actual": application.team_size, "limit": limit},
                        actual=application.team_size,
                        limit=limit,
                    )
                )
            elif rule.kind == EligibilityRuleKind.SECTOR_ALLOWED:
                allowed = list(p.get("sectors") or [])
                code = application.sector.code
                passed = not allowed or code in allowed
                reason = (
                    _("The park admits this sector.")
                    if passed
                    else _rule_message(
                        rule,
                        application.applicant_language,
                        _("The sector “%(actual)s” is not among those the park admits.") % {"actual": code},
                        actual=code,
                        limit=", ".join(allowed),
                    )
                )
            elif rule.kind == EligibilityRuleKind.DOCUMENTS_REQUIRED:
                missing = [k for k in p.get("kinds") or [] if k not in documents]
                passed = not missing
                reason = (
                    _("The required documents are supplied.")
                    if passed
                    else _rule_message(
                        rule,
                        application.applicant_language,
                        _("Missing documents: %(actual)s.") % {"actual": ", ".join(missing)},
                        actual=", ".join(missing),
                        limit=", ".join(p.get("kinds") or []),
                    )
                )
            results.append({"rule": rule.kind, "passed": passed, "reason": str(reason)})
    return results


def application_track(*, application: Application, founders: Iterable[ApplicationFounder] = ()) -> str:
    """Expedited when any active criterion matches, else standard."""
    return _track_by_criteria(
        returnee=application.is_returnee_founded or any(f.is_returnee for f in founders),
        high_tech=application.is_high_tech,
        priority_sector=application.sector.is_priority,
    )


def company_track(*, company: Company) -> str:
    """The track of a company's requests to the park, by the same active criteria as applications."""
    return _track_by_criteria(
        returnee=company.is_returnee_founded,
        high_tech=company.is_high_tech,
        priority_sector=company.sector is not None and company.sector.is_priority,
    )


def _track_by_criteria(*, returnee: bool, high_tech: bool, priority_sector: bool) -> str:
    kinds = set(ExpeditedCriterion.objects.filter(is_active=True).values_list("kind", flat=True))
    if (
        (ExpeditedCriterionKind.RETURNEE_FOUNDED in kinds and returnee)
        or (ExpeditedCriterionKind.HIGH_TECH in kinds and high_tech)
        or (ExpeditedCriterionKind.PRIORITY_SECTOR in kinds and priority_sector)
    ):
        return Track.EXPEDITED
    return Track.STANDARD


# --- intake -------------------------------------------------------------------------------------------


def _replace_founders(application: Application, founders: Iterable[Mapping[str, Any]] | None) -> None:
    if founders is None:
        return
    rows = [
        ApplicationFounder(
            application=application,
            name=f.get("name", ""),
            email=f.get("email", ""),
            title=f.get("title", ""),
            is_returnee=bool(f.get("is_returnee", False)),
        )
        for f in founders
    ]
    for row in rows:
        row.full_clean(exclude=["application"])
    application.founders.all().delete()
    ApplicationFounder.objects.bulk_create(rows)


@transaction.atomic
def application_create_draft(
    *,
    actor: Actor,
    applicant_email: str,
    applicant_name: str,
    company_name: str,
    sector: Sector,
    founders: Iterable[Mapping[str, Any]] | None = None,
    **intake: Any,
) -> Application:
    """Start an application; a signed-in non-staff actor becomes its applicant account."""
    unknown = set(intake) - set(INTAKE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown intake fields: {sorted(unknown)}")
    applicant = actor if _is_signed_in(actor) and not actor.is_staff else None
    application = Application(
        applicant=applicant,
        applicant_email=User.objects.normalize_email(applicant_email).strip().lower(),
        applicant_name=applicant_name,
        company_name=company_name,
        sector=sector,
        **intake,
    )
    if applicant is not None and not intake.get("applicant_language"):
        application.applicant_language = applicant.preferred_language
    application.full_clean()
    application.save()
    _replace_founders(application, founders)
    transition_log(obj=application, action="create", from_state="", to_state=application.status, actor=actor)
    return application


@transaction.atomic
def application_update_draft(
    *,
    application: Application,
    actor: Actor,
    founders: Iterable[Mapping[str, Any]] | None = None,
    **changes: Any,
) -> Application:
    """Change the intake while the application is a draft or more information is requested."""
    unknown = set(changes) - set(INTAKE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown intake fields: {sorted(unknown)}")
    locked = _lock(application)
    if locked.status not in EDITABLE_STATUSES:
        raise _refuse_state(locked, "update")
    if not is_applicant(actor, locked):
        raise _refuse_actor("update")
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    _replace_founders(locked, founders)
    return locked


@transaction.atomic
def application_document_add(
    *, application: Application, actor: Actor, kind: str, file: UploadedFile
) -> ApplicationDocument:
    """Attach a document while the application is editable (the applicant, or staff on their behalf)."""
    locked = _lock(application)
    if locked.status not in EDITABLE_STATUSES:
        raise _refuse_state(locked, "add_document")
    if not is_applicant_or_staff(actor, locked):
        raise _refuse_actor("add a document to")
    document = ApplicationDocument(
        application=locked, kind=kind, file=file, uploaded_by=actor if _is_signed_in(actor) else None
    )
    document.full_clean()
    document.save()
    return document


# --- the workflow commands ----------------------------------------------------------------------------


@transaction.atomic
def application_submit(*, application: Application, actor: Actor) -> Application:
    """The applicant submits: eligibility is run and the track assigned (draft → submitted)."""
    locked = _lock(application)
    eligibility = application_eligibility(application=locked)
    passed = all(r["passed"] for r in eligibility)
    track = application_track(application=locked, founders=locked.founders.all())

    def apply(app: Application) -> None:
        app.submitted_at = timezone.now()
        app.eligibility, app.eligibility_passed, app.track = eligibility, passed, track

    submitted = _perform(
        locked, action="submit", actor=actor, data={"track": track, "eligible": passed}, apply=apply
    )
    _notify_applicant_on_commit(
        submitted, event="submitted", dedupe_key=f"application-{submitted.pk}-submitted"
    )
    return submitted


@transaction.atomic
def application_start_screening(*, application: Application, actor: Actor, reason: str = "") -> Application:
    """Staff pick the application up (submitted → screening)."""
    return _perform(application, action="start_screening", actor=actor, reason=reason)


@transaction.atomic
def application_screen(*, application: Application, actor: Actor, override_reason: str = "") -> Application:
    """Screening → in_review when eligible (or overridden with a reason), else → rejected with the reasons."""
    locked = _lock(application)
    if locked.status != S.SCREENING:
        raise _refuse_state(locked, "screen")
    if not is_staff(actor):
        raise _refuse_actor("screen")
    eligibility = application_eligibility(application=locked)
    passed = all(r["passed"] for r in eligibility)
    override_reason = (override_reason or "").strip()
    failed = [r["reason"] for r in eligibility if not r["passed"]]

    def apply(app: Application) -> None:
        app.eligibility = eligibility
        app.eligibility_passed = passed
        if not passed and override_reason:
            app.eligibility_override_reason = override_reason
            app.eligibility_overridden_by = actor  # type: ignore[assignment]
        if not passed and not override_reason:
            app.decided_at = timezone.now()
            app.decision_note = "\n".join(failed)

    if passed or override_reason:
        return _perform(
            locked,
            action="screen_pass",
            actor=actor,
            reason=override_reason,
            data={"eligible": passed, "overridden": not passed},
            apply=apply,
        )
    rejected = _perform(
        locked,
        action="screen_reject",
        actor=actor,
        reason="\n".join(failed),
        data={"eligible": False, "failed": [r["rule"] for r in eligibility if not r["passed"]]},
        apply=apply,
    )
    _notify_applicant_on_commit(rejected, event="rejected", context={"reasons": failed})
    return rejected


@transaction.atomic
def application_request_more_info(*, application: Application, actor: Actor, question: str) -> Application:
    """Staff ask the applicant a question (screening | in_review → more_info); the answer returns there."""
    question = _require_text(
        question, field="question", code="question_required", message=_("Say what information is needed.")
    )
    locked = _lock(application)
    source = locked.status

    def apply(app: Application) -> None:
        app.more_info_return_status = source
        request = MoreInfoRequest(
            application=app, question=question, requested_by=actor, requested_at=timezone.now()
        )
        request.full_clean(exclude=["application", "requested_by"], validate_constraints=False)
        request.save()

    locked = _perform(locked, action="request_more_info", actor=actor, reason=question, apply=apply)
    _notify_applicant_on_commit(locked, event="more_info_requested", context={"question": question})
    return locked


@transaction.atomic
def application_resubmit(*, application: Application, actor: Actor, answer: str) -> Application:
    """The applicant answers the open question (more_info → the state it came from)."""
    locked = _lock(application)
    action = (
        "resubmit_to_review" if locked.more_info_return_status == S.IN_REVIEW else "resubmit_to_screening"
    )
    if locked.status == S.MORE_INFO and is_applicant(actor, locked):
        answer = _require_text(
            answer,
            field="answer",
            code="answer_required",
            message=_("Answer the question before resubmitting."),
        )

    def apply(app: Application) -> None:
        app.more_info_return_status = ""
        _assess_eligibility_only(app)
        request = app.more_info_requests.filter(answered_at=None).select_for_update().first()
        if request is not None:
            request.answer = answer
            request.answered_at = timezone.now()
            request.answered_by = actor  # type: ignore[assignment]
            request.save(update_fields=["answer", "answered_at", "answered_by"])

    return _perform(locked, action=action, actor=actor, reason=answer, apply=apply)


def _assess_eligibility_only(application: Application) -> None:
    # The intake may have changed while more information was asked for; the track stays as submitted.
    application.eligibility = application_eligibility(application=application)
    application.eligibility_passed = all(r["passed"] for r in application.eligibility)


@transaction.atomic
def application_assign_reviewer(
    *, application: Application, actor: Actor, reviewer: User, reason: str = ""
) -> ReviewAssignment:
    """Staff assign a reviewer (not a state change, but logged)."""
    locked = _lock(application)
    if locked.status not in (S.SUBMITTED, S.SCREENING, S.MORE_INFO, S.IN_REVIEW):
        raise _refuse_state(locked, "assign_reviewer")
    if not is_staff(actor):
        raise _refuse_actor("assign a reviewer to")
    if not reviewer.is_active:
        raise ValidationError(
            {"reviewer": ValidationError(_("This person's account is inactive."), code="reviewer_inactive")}
        )
    if is_applicant(reviewer, locked):
        raise ValidationError(
            {"reviewer": ValidationError(_("Applicants cannot review themselves."), code="reviewer_conflict")}
        )
    if locked.reviews.filter(reviewer=reviewer).exists():
        raise ValidationError(
            {"reviewer": ValidationError(_("This reviewer is already assigned."), code="reviewer_assigned")}
        )
    assignment = ReviewAssignment(application=locked, reviewer=reviewer, assigned_by=actor)  # type: ignore[misc]
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError as exc:  # a concurrent assignment of the same reviewer
        raise ValidationError(
            {"reviewer": ValidationError(_("This reviewer is already assigned."), code="reviewer_assigned")}
        ) from exc
    _log_action(locked, action="assign_reviewer", actor=actor, reason=reason, data={"reviewer": reviewer.pk})
    return assignment


@transaction.atomic
def application_review(
    *, application: Application, actor: Actor, recommendation: str, score: int, comment: str = ""
) -> ReviewAssignment:
    """The assigned reviewer records a recommendation and a score (1–10), only while in review."""
    locked = _lock(application)
    if locked.status != S.IN_REVIEW:
        raise _refuse_state(locked, "review")
    assignment = (
        locked.reviews.select_for_update().filter(reviewer=actor).first() if _is_signed_in(actor) else None
    )
    if assignment is None:
        raise _refuse_actor("review")
    if recommendation not in Recommendation.values:
        raise ValidationError(
            {
                "recommendation": ValidationError(
                    _("Choose approve, reject or abstain."), code="invalid_choice"
                )
            }
        )
    assignment.recommendation = recommendation
    assignment.score = score
    assignment.comment = comment
    assignment.submitted_at = timezone.now()
    assignment.full_clean(exclude=["application", "reviewer"])
    assignment.save()
    _log_action(
        locked,
        action="review",
        actor=actor,
        reason=comment,
        data={"recommendation": recommendation, "score": score},
    )
    return assignment


@transaction.atomic
def application_decide(
    *, application: Application, actor: Actor, decision: str, note: str = ""
) -> Application:
    """The lead decides (in_review → approved | rejected). Approving creates the company and its owner."""
    if decision not in ("approve", "reject"):
        raise ValidationError(
            {"decision": ValidationError(_("Decide approve or reject."), code="invalid_choice")}
        )
    locked = _lock(application)
    if locked.status != S.IN_REVIEW:
        raise _refuse_state(locked, decision)
    if not is_admissions_lead(actor, locked):
        raise _refuse_actor(decision)
    note = (note or "").strip()
    if decision == "reject" and not note:
        raise ValidationError(
            {
                "note": ValidationError(
                    _("Say why the application is rejected."), code="decision_note_required"
                )
            }
        )
    if decision == "approve" and not locked.reviews.filter(submitted_at__isnull=False).exists():
        raise ValidationError(
            _("At least one submitted review is needed to approve."), code="review_required"
        )

    def apply(app: Application) -> None:
        app.decided_at = timezone.now()
        app.decision_note = note
        if decision == "approve":
            app.company = _admit(app, actor=actor)

    decided = _perform(locked, action=decision, actor=actor, reason=note, apply=apply)
    event = "approved" if decision == "approve" else "rejected"
    _notify_applicant_on_commit(
        decided,
        event=event,
        context={"reasons": [note] if note else []},
        dedupe_key=f"application-{decided.pk}-{event}",
        # The approval is the owner's invitation to the portal: its link opens the company home
        # (through the sign-in page for someone signed out).
        link=reverse("portal:home") if decision == "approve" else "",
    )
    return decided


def _admit(application: Application, *, actor: Actor) -> Any:
    """Create the company and its owner's account (once: approving happens once per application)."""
    if application.applicant is not None:
        owner = application.applicant
    else:
        owner, _created = person_get_or_create(
            email=application.applicant_email,
            full_name=application.applicant_name,
            preferred_language=application.applicant_language,
        )
    return company_create(
        name=application.company_name,
        name_zh=application.company_name_zh,
        owner=owner,
        actor=actor if _is_signed_in(actor) else None,
        sector=application.sector,
        founded_on=application.founded_on,
        is_high_tech=application.is_high_tech,
        is_returnee_founded=application.is_returnee_founded
        or application.founders.filter(is_returnee=True).exists(),
    )


@transaction.atomic
def application_start_onboarding(*, application: Application, actor: Actor, reason: str = "") -> Application:
    """Staff start onboarding the admitted company (approved → onboarding)."""
    return _perform(application, action="start_onboarding", actor=actor, reason=reason)


@transaction.atomic
def application_complete(*, application: Application, actor: Actor, reason: str = "") -> Application:
    """Onboarding is finished (onboarding → done)."""
    return _perform(application, action="complete", actor=actor, reason=reason)


@transaction.atomic
def application_withdraw(*, application: Application, actor: Actor, reason: str = "") -> Application:
    """The applicant or staff withdraw an open application (→ withdrawn)."""

    def apply(app: Application) -> None:
        app.more_info_return_status = ""

    return _perform(application, action="withdraw", actor=actor, reason=reason, apply=apply)
