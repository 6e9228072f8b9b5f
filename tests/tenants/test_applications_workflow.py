"""Every (state, action) and (role, action) pair of the application workflow."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from core.exceptions import ActionForbidden
from core.models import TransitionLog
from tenants.models import (
    Application,
    ApplicationFounder,
    ApplicationStatus,
    Company,
    DocumentKind,
    MoreInfoRequest,
    ReviewAssignment,
)
from tenants.services import applications as services
from tests.accounts.factories import UserFactory
from tests.tenants.factories_applications import application_in, lead_user, pdf_file

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def _pending_reviewer(app: Application) -> Any:
    return app.reviews.get(submitted_at=None).reviewer


# action → (call(app, actor), {source state: resulting state})
ACTIONS: dict[str, tuple[Callable[[Application, Any], Any], dict[str, str]]] = {
    "update_draft": (
        lambda app, actor: services.application_update_draft(application=app, actor=actor, team_size=9),
        {S.DRAFT: S.DRAFT, S.MORE_INFO: S.MORE_INFO},
    ),
    "add_document": (
        lambda app, actor: services.application_document_add(
            application=app, actor=actor, kind=DocumentKind.LICENCE, file=pdf_file("licence.pdf")
        ),
        {S.DRAFT: S.DRAFT, S.MORE_INFO: S.MORE_INFO},
    ),
    "submit": (
        lambda app, actor: services.application_submit(application=app, actor=actor),
        {S.DRAFT: S.SUBMITTED},
    ),
    "start_screening": (
        lambda app, actor: services.application_start_screening(application=app, actor=actor),
        {S.SUBMITTED: S.SCREENING},
    ),
    "screen": (
        lambda app, actor: services.application_screen(application=app, actor=actor),
        {S.SCREENING: S.IN_REVIEW},
    ),
    "request_more_info": (
        lambda app, actor: services.application_request_more_info(
            application=app, actor=actor, question="Send the licence."
        ),
        {S.SCREENING: S.MORE_INFO, S.IN_REVIEW: S.MORE_INFO},
    ),
    "resubmit": (
        lambda app, actor: services.application_resubmit(application=app, actor=actor, answer="Attached."),
        {S.MORE_INFO: S.SCREENING},  # application_in() asks from screening
    ),
    "assign_reviewer": (
        lambda app, actor: services.application_assign_reviewer(
            application=app, actor=actor, reviewer=UserFactory()
        ),
        {
            S.SUBMITTED: S.SUBMITTED,
            S.SCREENING: S.SCREENING,
            S.MORE_INFO: S.MORE_INFO,
            S.IN_REVIEW: S.IN_REVIEW,
        },
    ),
    "review": (
        lambda app, actor: services.application_review(
            application=app, actor=actor, recommendation="approve", score=7
        ),
        {S.IN_REVIEW: S.IN_REVIEW},
    ),
    "approve": (
        lambda app, actor: services.application_decide(application=app, actor=actor, decision="approve"),
        {S.IN_REVIEW: S.APPROVED},
    ),
    "reject": (
        lambda app, actor: services.application_decide(
            application=app, actor=actor, decision="reject", note="Not a fit."
        ),
        {S.IN_REVIEW: S.REJECTED},
    ),
    "start_onboarding": (
        lambda app, actor: services.application_start_onboarding(application=app, actor=actor),
        {S.APPROVED: S.ONBOARDING},
    ),
    "complete": (
        lambda app, actor: services.application_complete(application=app, actor=actor),
        {S.ONBOARDING: S.DONE},
    ),
    "withdraw": (
        lambda app, actor: services.application_withdraw(
            application=app, actor=actor, reason="Changed plans"
        ),
        dict.fromkeys((S.DRAFT, S.SUBMITTED, S.SCREENING, S.MORE_INFO, S.IN_REVIEW), S.WITHDRAWN),
    ),
}

# Who may perform each action (roles as in ``_actor``).
ALLOWED_ROLES = {
    "update_draft": {"applicant"},
    "add_document": {"applicant", "staff", "lead"},
    "submit": {"applicant"},
    "start_screening": {"staff", "lead"},
    "screen": {"staff", "lead"},
    "request_more_info": {"staff", "lead"},
    "resubmit": {"applicant"},
    "assign_reviewer": {"staff", "lead"},
    "review": {"reviewer_assigned"},
    "approve": {"lead"},
    "reject": {"lead"},
    "start_onboarding": {"staff", "lead"},
    "complete": {"staff", "lead"},
    "withdraw": {"applicant", "staff", "lead"},
}
ROLES = [
    "applicant",
    "other_founder",
    "reviewer_assigned",
    "reviewer_unassigned",
    "staff",
    "lead",
    "anonymous",
]


def _actor(role: str, app: Application) -> Any:
    if role == "applicant":
        return app.applicant
    if role == "other_founder":
        founder = UserFactory()
        ApplicationFounder.objects.create(application=app, name="Co-founder", email=founder.email)
        return founder
    if role == "reviewer_assigned":
        pending = app.reviews.filter(submitted_at=None).first()
        if pending is None:
            return ReviewAssignment.objects.create(application=app, reviewer=UserFactory()).reviewer
        return pending.reviewer
    if role == "reviewer_unassigned":
        return UserFactory()
    if role == "staff":
        return UserFactory(is_staff=True)
    if role == "lead":
        return lead_user()
    return AnonymousUser()


def _default_actor(action: str, app: Application) -> Any:
    if action == "review":
        return _actor("reviewer_assigned", app)
    role = "applicant" if "applicant" in ALLOWED_ROLES[action] else "lead"
    return _actor(role, app)


def _snapshot(app: Application) -> tuple:
    fresh = Application.objects.get(pk=app.pk)
    return (
        {f.attname: getattr(fresh, f.attname) for f in Application._meta.concrete_fields},
        TransitionLog.objects.count(),
        list(fresh.founders.values()),
        list(fresh.documents.values()),
        list(fresh.reviews.values()),
        list(MoreInfoRequest.objects.filter(application=fresh).values()),
        Company.objects.count(),
    )


STATE_ACTION_PAIRS = [(state, action) for state in S.values for action in ACTIONS]


@pytest.mark.parametrize(("state", "action"), STATE_ACTION_PAIRS)
def test_every_action_in_every_state_moves_as_declared_or_is_refused(state, action):
    # given
    app = application_in(state)
    call, moves = ACTIONS[action]
    actor = _default_actor(action, app)
    before = _snapshot(app)
    # when / then
    if state in moves:
        call(app, actor)
        app.refresh_from_db()
        assert app.status == moves[state]
    else:
        with pytest.raises(ValidationError) as exc:
            call(app, actor)
        assert exc.value.code == "transition_not_allowed"
        assert _snapshot(app) == before


ROLE_ACTION_PAIRS = [(role, action) for action in ACTIONS for role in ROLES]


@pytest.mark.parametrize(("role", "action"), ROLE_ACTION_PAIRS)
def test_every_role_may_perform_only_its_actions(role, action):
    # given: the application in the first state the action applies to
    call, moves = ACTIONS[action]
    state = next(iter(moves))
    app = application_in(state)
    actor = _actor(role, app)
    before = _snapshot(app)
    # when / then
    if role in ALLOWED_ROLES[action]:
        call(app, actor)
        app.refresh_from_db()
        assert app.status == moves[state]
    else:
        with pytest.raises(ActionForbidden) as exc:
            call(app, actor)
        assert exc.value.code == "actor_not_allowed"
        assert _snapshot(app) == before


def test_the_applications_lead_decides_without_being_in_the_leads_group():
    # given
    lead = UserFactory(is_staff=True)
    app = application_in(S.IN_REVIEW, lead=lead)
    # when
    decided = services.application_decide(application=app, actor=lead, decision="reject", note="Too early.")
    # then
    assert decided.status == S.REJECTED
    assert decided.decision_note == "Too early."


def test_approve_needs_a_submitted_review_and_changes_nothing_without_one():
    # given
    app = application_in(S.IN_REVIEW)
    app.reviews.filter(submitted_at__isnull=False).delete()
    before = _snapshot(app)
    # when
    with pytest.raises(ValidationError) as exc:
        services.application_decide(application=app, actor=lead_user(), decision="approve")
    # then
    assert exc.value.code == "review_required"
    assert _snapshot(app) == before


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (
            lambda app, lead: services.application_decide(application=app, actor=lead, decision="reject"),
            "decision_note_required",
        ),
        (
            lambda app, lead: services.application_decide(application=app, actor=lead, decision="maybe"),
            "invalid_choice",
        ),
        (
            lambda app, lead: services.application_request_more_info(
                application=app, actor=lead, question=" "
            ),
            "question_required",
        ),
        (
            lambda app, lead: services.application_review(
                application=app, actor=_pending_reviewer(app), recommendation="approve", score=11
            ),
            "tenants_reviewassignment_score_range",
        ),
        (
            lambda app, lead: services.application_review(
                application=app, actor=_pending_reviewer(app), recommendation="yes", score=5
            ),
            "invalid_choice",
        ),
        (
            lambda app, lead: services.application_assign_reviewer(
                application=app, actor=lead, reviewer=_pending_reviewer(app)
            ),
            "reviewer_assigned",
        ),
        (
            lambda app, lead: services.application_assign_reviewer(
                application=app, actor=lead, reviewer=app.applicant
            ),
            "reviewer_conflict",
        ),
    ],
)
def test_bad_commands_are_refused_with_a_code_and_change_nothing(call, code):
    # given
    app = application_in(S.IN_REVIEW)
    lead = lead_user()
    before = _snapshot(app)
    # when
    with pytest.raises(ValidationError) as exc:
        call(app, lead)
    # then
    codes = (
        [e.code for errors in exc.value.error_dict.values() for e in errors]
        if hasattr(exc.value, "error_dict")
        else [exc.value.code]
    )
    assert code in codes
    assert _snapshot(app) == before


def test_resubmit_needs_an_answer_and_returns_to_review_when_asked_from_review():
    # given
    app = application_in(S.MORE_INFO, return_status=S.IN_REVIEW)
    before = _snapshot(app)
    # when
    with pytest.raises(ValidationError) as exc:
        services.application_resubmit(application=app, actor=app.applicant, answer="")
    # then
    assert exc.value.error_dict["answer"][0].code == "answer_required"
    assert _snapshot(app) == before
    # when
    resubmitted = services.application_resubmit(application=app, actor=app.applicant, answer="Here it is.")
    # then
    assert (resubmitted.status, resubmitted.more_info_return_status) == (S.IN_REVIEW, "")
    request = MoreInfoRequest.objects.get(application=app)
    assert (request.answer, request.answered_by) == ("Here it is.", app.applicant)
