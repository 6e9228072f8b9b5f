from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import TransitionLog
from notifications.models import Notification
from tenants.models import (
    Application,
    ApplicationStatus,
    Company,
    EligibilityRule,
    ExpeditedCriterion,
    MemberRole,
    Membership,
    Track,
)
from tenants.services import applications as services
from tests.accounts.factories import UserFactory
from tests.tenants.factories import SectorFactory
from tests.tenants.factories_applications import (
    ApplicationFactory,
    DocumentFactory,
    FounderFactory,
    application_in,
    lead_user,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def _months_ago(months: int):  # type: ignore[no-untyped-def]
    return timezone.localdate() - timedelta(days=int(months * 30.5) + 2)


# --- eligibility ----------------------------------------------------------------------------------------


def test_eligibility_explains_each_rule_and_fails_a_company_founded_30_months_ago():
    # given
    app = ApplicationFactory(founded_on=_months_ago(30))
    DocumentFactory(application=app)
    # when
    results = {r["rule"]: r for r in services.application_eligibility(application=app)}
    # then
    assert set(results) == {"documents_required", "max_company_age_months", "min_team_size", "sector_allowed"}
    assert results["max_company_age_months"]["passed"] is False
    assert results["max_company_age_months"]["reason"] == (
        "The company was founded 30 months ago; the park admits companies at most 24 months old."
    )
    assert all(results[r]["passed"] for r in ("documents_required", "min_team_size", "sector_allowed"))


def test_eligibility_reads_in_chinese_for_a_chinese_applicant():
    app = ApplicationFactory(founded_on=_months_ago(30), applicant_language="zh-hans")
    results = {r["rule"]: r for r in services.application_eligibility(application=app)}
    assert (
        results["max_company_age_months"]["reason"]
        == "公司成立已 30 个月；园区仅接收成立不超过 24 个月的公司。"
    )
    assert results["documents_required"]["reason"] == "缺少材料：business_plan。"


def test_a_not_yet_founded_company_passes_the_age_rule_and_rules_follow_staff_configuration():
    # given
    sector = SectorFactory(code="biotech")
    app = ApplicationFactory(founded_on=None, team_size=2, sector=sector)
    EligibilityRule.objects.filter(kind="min_team_size").update(parameter={"min": 3})
    EligibilityRule.objects.filter(kind="sector_allowed").update(parameter={"sectors": ["ai"]})
    EligibilityRule.objects.filter(kind="documents_required").update(is_active=False)
    # when
    results = {r["rule"]: r for r in services.application_eligibility(application=app)}
    # then
    assert results["max_company_age_months"]["passed"] is True
    assert results["min_team_size"] == {
        "rule": "min_team_size",
        "passed": False,
        "reason": "The team has 2 people; at least 3 are needed.",
    }
    assert results["sector_allowed"]["reason"] == "The sector “biotech” is not among those the park admits."
    assert "documents_required" not in results


def test_screening_an_ineligible_application_rejects_it_with_the_reasons():
    # given
    app = application_in(S.SCREENING, founded_on=_months_ago(30))
    staff = UserFactory(is_staff=True)
    # when
    screened = services.application_screen(application=app, actor=staff)
    # then
    assert screened.status == S.REJECTED
    assert screened.eligibility_passed is False
    assert "30 months ago" in screened.decision_note
    log = TransitionLog.objects.for_object(app).get()
    assert (log.action, log.from_state, log.to_state, log.actor) == (
        "screen_reject",
        "screening",
        "rejected",
        staff,
    )
    assert "30 months ago" in log.reason


def test_an_override_with_a_reason_passes_screening_and_is_recorded():
    # given
    app = application_in(S.SCREENING, founded_on=_months_ago(30))
    staff = UserFactory(is_staff=True)
    # when
    screened = services.application_screen(
        application=app, actor=staff, override_reason="Re-founded as a spin-off last year."
    )
    # then
    assert screened.status == S.IN_REVIEW
    assert screened.eligibility_passed is False
    assert screened.eligibility_override_reason == "Re-founded as a spin-off last year."
    assert screened.eligibility_overridden_by == staff
    log = TransitionLog.objects.for_object(app).get()
    assert (log.reason, log.data) == (
        "Re-founded as a spin-off last year.",
        {"eligible": False, "overridden": True},
    )


# --- tracks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "track"),
    [
        (lambda app: None, Track.STANDARD),
        (lambda app: FounderFactory(application=app, is_returnee=True), Track.EXPEDITED),
        (
            lambda app: Application.objects.filter(pk=app.pk).update(is_returnee_founded=True),
            Track.EXPEDITED,
        ),
        (
            lambda app: Application.objects.filter(pk=app.pk).update(is_high_tech=True),
            Track.EXPEDITED,
        ),
        (
            lambda app: type(app.sector).objects.filter(pk=app.sector_id).update(is_priority=True),
            Track.EXPEDITED,
        ),
        (
            lambda app: (
                Application.objects.filter(pk=app.pk).update(is_high_tech=True),
                ExpeditedCriterion.objects.filter(kind="high_tech").update(is_active=False),
            ),
            Track.STANDARD,
        ),
    ],
)
def test_submit_assigns_the_track_by_the_active_criteria(setup, track):
    # given
    app = application_in(S.DRAFT)
    setup(app)
    # when
    submitted = services.application_submit(application=app, actor=app.applicant)
    # then
    assert submitted.track == track
    assert TransitionLog.objects.for_object(app).get().data["track"] == track


# --- the whole way ------------------------------------------------------------------------------------


@pytest.mark.parametrize("expedited", [False, True])
def test_an_application_walks_through_every_state(expedited, django_capture_on_commit_callbacks, mocker):
    mocker.patch("notifications.tasks.notification_email_send_task.delay")
    # given
    applicant = UserFactory(email="lin@example.com", full_name="Lin Wei")
    staff, lead, reviewer = UserFactory(is_staff=True), lead_user(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_create_draft(
            actor=applicant,
            applicant_email="Lin@Example.com",
            applicant_name="Lin Wei",
            company_name="Deep Drone",
            company_name_zh="深度无人机",
            sector=SectorFactory(),
            founded_on=_months_ago(6),
            team_size=5,
            is_high_tech=expedited,
            founders=[{"name": "Lin Wei", "email": "lin@example.com", "is_returnee": False}],
        )
        DocumentFactory(application=app)
        steps = [
            (services.application_submit, applicant, {}),
            (services.application_start_screening, staff, {}),
            (services.application_request_more_info, staff, {"question": "Send the team CVs."}),
            (services.application_resubmit, applicant, {"answer": "CVs attached."}),
            (services.application_screen, staff, {}),
            (services.application_assign_reviewer, staff, {"reviewer": reviewer}),
            (services.application_request_more_info, staff, {"question": "Which lab?"}),
            (services.application_resubmit, applicant, {"answer": "The drone lab."}),
            (services.application_review, reviewer, {"recommendation": "approve", "score": 9}),
            (services.application_decide, lead, {"decision": "approve", "note": "Strong team."}),
            (services.application_start_onboarding, staff, {}),
            (services.application_complete, staff, {}),
        ]
        # when
        for service, actor, kwargs in steps:
            service(application=app, actor=actor, **kwargs)
    # then
    app.refresh_from_db()
    assert app.status == S.DONE
    assert app.track == (Track.EXPEDITED if expedited else Track.STANDARD)
    logs = [
        (log.action, log.from_state, log.to_state, log.actor, log.reason)
        for log in TransitionLog.objects.for_object(app).order_by("pk")
    ]
    assert logs == [
        ("create", "", "draft", applicant, ""),
        ("submit", "draft", "submitted", applicant, ""),
        ("start_screening", "submitted", "screening", staff, ""),
        ("request_more_info", "screening", "more_info", staff, "Send the team CVs."),
        ("resubmit_to_screening", "more_info", "screening", applicant, "CVs attached."),
        ("screen_pass", "screening", "in_review", staff, ""),
        ("assign_reviewer", "in_review", "in_review", staff, ""),
        ("request_more_info", "in_review", "more_info", staff, "Which lab?"),
        ("resubmit_to_review", "more_info", "in_review", applicant, "The drone lab."),
        ("review", "in_review", "in_review", reviewer, ""),
        ("approve", "in_review", "approved", lead, "Strong team."),
        ("start_onboarding", "approved", "onboarding", staff, ""),
        ("complete", "onboarding", "done", staff, ""),
    ]
    company = Company.objects.get()
    assert app.company == company
    assert (company.name, company.name_zh, company.is_high_tech) == ("Deep Drone", "深度无人机", expedited)
    assert Membership.objects.get(company=company).user == applicant
    assert Membership.objects.get(company=company).role == MemberRole.OWNER
    notifications = list(Notification.objects.filter(recipient=applicant).order_by("pk"))
    assert [n.kind for n in notifications] == [
        "tenants.applications.submitted",
        "tenants.applications.more_info_requested",
        "tenants.applications.more_info_requested",
        "tenants.applications.approved",
    ]
    assert "Send the team CVs." in notifications[1].body
    assert notifications[3].subject == "Deep Drone is admitted to the park"
    assert "invited to the campus portal as the company's owner" in notifications[3].body
    assert ("expedited track" in notifications[0].body) is expedited


def test_approving_an_application_without_an_account_creates_the_owner_account(
    django_capture_on_commit_callbacks, mocker
):
    mocker.patch("notifications.tasks.notification_email_send_task.delay")
    # given
    app = application_in(
        S.IN_REVIEW, applicant=None, applicant_email="new@example.com", applicant_name="Ma Li"
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        decided = services.application_decide(application=app, actor=lead_user(), decision="approve")
    # then
    owner = Membership.objects.get(company=decided.company, role=MemberRole.OWNER).user
    assert (owner.email, owner.full_name, owner.has_usable_password()) == ("new@example.com", "Ma Li", False)
    assert Notification.objects.get(recipient=owner).kind == "tenants.applications.approved"


def test_notifications_are_sent_only_after_commit(django_capture_on_commit_callbacks):
    # given
    app = application_in(S.DRAFT)
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.application_submit(application=app, actor=app.applicant)
    # then
    assert not Notification.objects.exists()
    assert len(callbacks) == 1


def test_a_rejection_notification_lists_the_reasons(django_capture_on_commit_callbacks, mocker):
    mocker.patch("notifications.tasks.notification_email_send_task.delay")
    app = application_in(S.SCREENING, founded_on=_months_ago(30))
    with django_capture_on_commit_callbacks(execute=True):
        services.application_screen(application=app, actor=UserFactory(is_staff=True))
    notification = Notification.objects.get(recipient=app.applicant)
    assert notification.kind == "tenants.applications.rejected"
    assert "- The company was founded 30 months ago" in notification.body
