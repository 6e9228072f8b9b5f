"""SLA clocks wired into the workflows: applications, registration pre-checks, service requests.

Calendar facts used (core.calendar over ``holidays.China``, 2026), working days counted 24 h each:
- Spring Festival: Sun 15 – Mon 23 Feb off; Sat 14 Feb and Sat 28 Feb are make-up workdays.
- So the working days around it are: Thu 12, Fri 13, Sat 14 | (holiday) | Tue 24, Wed 25, Thu 26,
  Fri 27, Sat 28 | Mon 2 Mar … Fri 6 | Mon 9 … Fri 13 | Mon 16 … (March has no holidays).
- A budget of N working days from a moment on a working day ends at the same local time on the N-th
  working day after it; from a day off it counts from 00:00 of the next working day.
Asia/Shanghai is UTC+8 all year: 10:00 CST is 02:00 UTC. Every expectation below is worked out by
hand in the comments, in CST, and asserted in UTC to the minute.
"""

import importlib
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenants.models import (
    Application,
    ApplicationStatus,
    RegistrationStepKind,
    RegistrationStepStatus,
    ServiceRequest,
    SLAClock,
    Track,
    WaitingOn,
)
from tenants.models.sla import SLAOutcome
from tenants.services import applications as app_services
from tenants.services import registration as reg_services
from tenants.services import tenancy as tenancy_services
from tenants.services.sla import sla_clock_start
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory, MembershipFactory, SectorFactory
from tests.tenants.factories_applications import ApplicationFactory, DocumentFactory, lead_user
from tests.tenants.factories_registration import company_with_owner
from tests.tenants.factories_sla import cst
from tests.tenants.factories_tenancy import AgreementFactory

pytestmark = pytest.mark.django_db

DEFAULT_POLICIES = importlib.import_module("tenants.migrations.0004_sla_default_policies")
S = ApplicationStatus
HOUR = 3600
MET, BREACHED = SLAOutcome.MET, SLAOutcome.BREACHED


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def at(moment: datetime):  # type: ignore[no-untyped-def]
    """Freeze time at ``moment`` (no ticking: the step happens exactly then)."""
    return time_machine.travel(moment, tick=False)


def clock(subject, step: str) -> SLAClock:  # type: ignore[no-untyped-def]
    return SLAClock.objects.for_subject(subject).get(step=step)


@pytest.fixture(autouse=True)
def default_policies(django_db_blocker):  # type: ignore[no-untyped-def]
    """The data migration's policies (a transactional test's flush may have removed them)."""
    with django_db_blocker.unblock():
        DEFAULT_POLICIES.install_defaults(apps, None)


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True)


@pytest.fixture
def admin_client(client, staff_user):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    return client


def _draft(*, track: str, lead=None) -> Application:  # type: ignore[no-untyped-def]
    """A draft that passes eligibility; high-tech (an active criterion) makes it expedited."""
    application = ApplicationFactory(
        sector=SectorFactory(is_priority=False),
        founded_on=date(2025, 6, 1),
        is_high_tech=track == Track.EXPEDITED,
        lead=lead,
    )
    DocumentFactory(application=application)
    return application


# --- the headline: one application through every state, on both tracks ---------------------------------

# Expected due times (UTC) and outcomes per track; the walk below says when each step happens.
#
# screening (submit Thu 12 Feb 10:00 CST; more_info Fri 13 09:00; resubmit Tue 24 15:00; screened 16:30)
#   standard 5 days: Fri 13 (1), Sat 14 make-up (2), [holiday], Tue 24 (3), Wed 25 (4), Thu 26 (5)
#       → Thu 26 Feb 10:00 CST = 02:00 UTC.
#   expedited 1 day: Fri 13 Feb 10:00 CST = 02:00 UTC.
#   paused Fri 13 09:00 after Thu 12 10:00 → Fri 13 09:00 = 23 h consumed, no due time while paused
#   (over the whole Spring Festival).
#   resumed Tue 24 15:00: standard has 5 d − 23 h = 4 d 1 h left: +1 h = Tue 24 16:00, +4 days = Wed 25,
#       Thu 26, Fri 27, Sat 28 (make-up workday) → Sat 28 Feb 16:00 CST = 08:00 UTC.
#       expedited has 1 d − 23 h = 1 h left → Tue 24 16:00 CST = 08:00 UTC.
#   screened Tue 24 16:30 CST: standard met (due Sat 28), expedited breached (due 16:00, 30 min late).
# decision (in review Tue 24 Feb 16:30 CST; more_info Wed 25 10:30; resubmit Sun 1 Mar 12:00; approve
#   Thu 5 Mar 20:00)
#   standard 15 days after Tue 24: Wed 25, Thu 26, Fri 27, Sat 28 (4), Mon 2 – Fri 6 Mar (9),
#       Mon 9 – Fri 13 (14), Mon 16 (15) → Mon 16 Mar 16:30 CST = 08:30 UTC.
#   expedited 5 days: Wed 25, Thu 26, Fri 27, Sat 28, Mon 2 Mar → Mon 2 Mar 16:30 CST = 08:30 UTC.
#   paused Wed 25 10:30: Tue 24 16:30 → Wed 25 10:30 = 18 h consumed.
#   resumed on Sunday 1 Mar 12:00 (a day off): the time counts from Mon 2 Mar 00:00.
#       standard: 15 d − 18 h = 14 d 6 h: Mon 2 – Fri 6, Mon 9 – Fri 13, Mon 16 – Thu 19 are 14 whole
#       days → Fri 20 Mar 00:00, + 6 h → Fri 20 Mar 06:00 CST = Thu 19 Mar 22:00 UTC.
#       expedited: 5 d − 18 h = 4 d 6 h: Mon 2 – Thu 5 → Fri 6 Mar 00:00, + 6 h → Fri 6 Mar 06:00 CST
#       = Thu 5 Mar 22:00 UTC.
#   approved Thu 5 Mar 20:00 CST: met on both tracks.
# agreement_sent (approved Thu 5 Mar 20:00 CST; the first agreement sent Mon 9 Mar 09:00)
#   standard 3 days: Fri 6, Mon 9, Tue 10 → Tue 10 Mar 20:00 CST = 12:00 UTC → met.
#   expedited 1 day: Fri 6 Mar 20:00 CST = 12:00 UTC → breached (sent the next Monday).
EXPECTED = {
    Track.STANDARD: {
        "screening": (utc(2026, 2, 26, 2), utc(2026, 2, 28, 8), MET),
        "decision": (utc(2026, 3, 16, 8, 30), utc(2026, 3, 19, 22), MET),
        "agreement_sent": (utc(2026, 3, 10, 12), MET),
    },
    Track.EXPEDITED: {
        "screening": (utc(2026, 2, 13, 2), utc(2026, 2, 24, 8), BREACHED),
        "decision": (utc(2026, 3, 2, 8, 30), utc(2026, 3, 5, 22), MET),
        "agreement_sent": (utc(2026, 3, 6, 12), BREACHED),
    },
}


@pytest.mark.parametrize("track", [Track.STANDARD, Track.EXPEDITED])
def test_one_application_through_every_state_keeps_each_due_time_to_the_minute(track, staff):
    # given
    lead = lead_user()
    with at(cst(2026, 2, 10, 9)):
        application = _draft(track=track, lead=lead)
    applicant = application.applicant
    expected = EXPECTED[track]
    screening_due, screening_resumed_due, screening_outcome = expected["screening"]
    decision_due, decision_resumed_due, decision_outcome = expected["decision"]
    agreement_due, agreement_outcome = expected["agreement_sent"]

    # when: submitted → the screening clock starts
    with at(cst(2026, 2, 12, 10)):
        application = app_services.application_submit(application=application, actor=applicant)
    # then
    assert application.track == track
    screening = clock(application, "screening")
    assert (screening.track, screening.assignee, screening.policy.subject_type) == (
        track,
        lead,
        "application",
    )
    assert (screening.started_at, screening.due_at) == (utc(2026, 2, 12, 2), screening_due)

    # when: screening starts (the clock runs on), then a question goes to the applicant
    with at(cst(2026, 2, 12, 14)):
        application = app_services.application_start_screening(application=application, actor=staff)
    with at(cst(2026, 2, 13, 9)):
        application = app_services.application_request_more_info(
            application=application, actor=staff, question="Send the licence."
        )
    # then: paused over the Spring Festival with 23 h used
    screening.refresh_from_db()
    assert (screening.state, screening.due_at, screening.consumed_seconds) == ("paused", None, 23 * HOUR)
    assert screening.paused_reason == "waiting for the applicant"

    # when: the applicant answers after the holiday
    with at(cst(2026, 2, 24, 15)):
        application = app_services.application_resubmit(
            application=application, actor=applicant, answer="Attached."
        )
    # then: the remaining budget runs from now
    screening.refresh_from_db()
    assert (application.status, screening.state, screening.due_at) == (
        S.SCREENING,
        "running",
        screening_resumed_due,
    )

    # when: screened (eligible) → in review
    with at(cst(2026, 2, 24, 16, 30)):
        application = app_services.application_screen(application=application, actor=staff)
    # then: screening stopped, decision started
    screening.refresh_from_db()
    assert application.status == S.IN_REVIEW
    assert (screening.stopped_at, screening.outcome) == (utc(2026, 2, 24, 8, 30), screening_outcome)
    decision = clock(application, "decision")
    assert (decision.started_at, decision.due_at, decision.assignee) == (
        utc(2026, 2, 24, 8, 30),
        decision_due,
        lead,
    )

    # when: a question while in review, answered on a Sunday
    with at(cst(2026, 2, 25, 10, 30)):
        application = app_services.application_request_more_info(
            application=application, actor=staff, question="Who are the customers?"
        )
    decision.refresh_from_db()
    assert (decision.state, decision.consumed_seconds) == ("paused", 18 * HOUR)
    with at(cst(2026, 3, 1, 12)):
        application = app_services.application_resubmit(
            application=application, actor=applicant, answer="Three banks."
        )
    # then
    decision.refresh_from_db()
    assert (application.status, decision.due_at) == (S.IN_REVIEW, decision_resumed_due)

    # when: reviewed and approved
    with at(cst(2026, 3, 2, 10)):
        reviewer = UserFactory()
        app_services.application_assign_reviewer(application=application, actor=staff, reviewer=reviewer)
        app_services.application_review(
            application=application, actor=reviewer, recommendation="approve", score=8
        )
    with at(cst(2026, 3, 5, 20)):
        application = app_services.application_decide(application=application, actor=lead, decision="approve")
    # then: decision stopped, agreement_sent started
    decision.refresh_from_db()
    assert (decision.stopped_at, decision.outcome) == (utc(2026, 3, 5, 12), decision_outcome)
    agreement_clock = clock(application, "agreement_sent")
    assert (agreement_clock.started_at, agreement_clock.due_at) == (utc(2026, 3, 5, 12), agreement_due)

    # when: onboarding starts (the clock runs on), then the first agreement is sent
    with at(cst(2026, 3, 6, 10)):
        application = app_services.application_start_onboarding(application=application, actor=staff)
    agreement_clock.refresh_from_db()
    assert agreement_clock.state == "running"
    with at(cst(2026, 3, 9, 9)):
        tenancy_services.agreement_send(agreement=AgreementFactory(company=application.company), actor=staff)
    # then
    agreement_clock.refresh_from_db()
    assert (agreement_clock.stopped_at, agreement_clock.outcome) == (utc(2026, 3, 9, 1), agreement_outcome)

    # when: a second agreement, and onboarding completes
    with at(cst(2026, 3, 10, 10)):
        tenancy_services.agreement_send(agreement=AgreementFactory(company=application.company), actor=staff)
        application = app_services.application_complete(application=application, actor=staff)
    # then: three clocks, all stopped; the second agreement changed nothing
    agreement_clock.refresh_from_db()
    assert application.status == S.DONE
    assert agreement_clock.stopped_at == utc(2026, 3, 9, 1)
    assert list(SLAClock.objects.for_subject(application).order_by("pk").values_list("step", "outcome")) == [
        ("screening", screening_outcome),
        ("decision", decision_outcome),
        ("agreement_sent", agreement_outcome),
    ]


def test_screen_reject_stops_the_screening_clock_and_starts_no_decision(staff):
    # given: an application whose business plan is missing (it fails a rule)
    application = ApplicationFactory(sector=SectorFactory(), founded_on=date(2025, 6, 1))
    with at(cst(2026, 3, 2, 10)):
        application = app_services.application_submit(application=application, actor=application.applicant)
        application = app_services.application_start_screening(application=application, actor=staff)
    # when: screened on Wednesday, due Mon 9 Mar 10:00 (5 days)
    with at(cst(2026, 3, 4, 10)):
        application = app_services.application_screen(application=application, actor=staff)
    # then
    assert application.status == S.REJECTED
    screening = clock(application, "screening")
    assert (screening.due_at, screening.outcome) == (utc(2026, 3, 9, 2), MET)
    assert not SLAClock.objects.for_subject(application).filter(step="decision").exists()


def test_reject_stops_the_decision_clock(staff):
    # given
    lead = lead_user()
    application = _draft(track=Track.STANDARD, lead=lead)
    with at(cst(2026, 3, 2, 10)):
        application = app_services.application_submit(application=application, actor=application.applicant)
        application = app_services.application_start_screening(application=application, actor=staff)
        application = app_services.application_screen(application=application, actor=staff)
    # when: decided 16 working days later (Mon 2 + 15 days = Mon 23 Mar 10:00): breached
    with at(cst(2026, 3, 24, 10)):
        application = app_services.application_decide(
            application=application, actor=lead, decision="reject", note="Not a fit."
        )
    # then
    decision = clock(application, "decision")
    assert (decision.due_at, decision.outcome) == (utc(2026, 3, 23, 2), BREACHED)
    assert not SLAClock.objects.open().for_subject(application).exists()


def test_withdraw_while_paused_stops_the_clock_within_its_budget(staff):
    # given: paused after 1 h of its 5 days
    application = _draft(track=Track.STANDARD)
    with at(cst(2026, 3, 2, 10)):
        application = app_services.application_submit(application=application, actor=application.applicant)
        application = app_services.application_start_screening(application=application, actor=staff)
    with at(cst(2026, 3, 2, 11)):
        application = app_services.application_request_more_info(
            application=application, actor=staff, question="Why?"
        )
    # when: withdrawn weeks later (the paused time does not count)
    with at(cst(2026, 4, 20, 11)):
        application = app_services.application_withdraw(application=application, actor=application.applicant)
    # then
    screening = clock(application, "screening")
    assert (screening.stopped_at, screening.consumed_seconds, screening.outcome) == (
        utc(2026, 4, 20, 3),
        HOUR,
        MET,
    )


def test_a_refused_command_leaves_the_clocks_alone(staff):
    # given
    application = _draft(track=Track.STANDARD)
    with at(cst(2026, 3, 2, 10)):
        application = app_services.application_submit(application=application, actor=application.applicant)
    before = list(SLAClock.objects.for_subject(application).values())
    # when: screening a submitted (not yet screening) application is refused
    with pytest.raises(ValidationError):
        app_services.application_screen(application=application, actor=staff)
    # then
    assert list(SLAClock.objects.for_subject(application).values()) == before


# --- registration pre-check ------------------------------------------------------------------------------


def _move(case, status: str, *, kind=RegistrationStepKind.NAME_DECLARATION, actor, **kwargs):  # type: ignore[no-untyped-def]
    return reg_services.registration_step_update(
        step=case.steps.get(kind=kind), status=status, actor=actor, **kwargs
    )


def test_registration_precheck_starts_pauses_resumes_and_stops(staff):
    # given: a standard case opened Fri 13 Feb 10:00 CST: 2 days = Sat 14 (make-up), Tue 24
    #   → Tue 24 Feb 10:00 CST = 02:00 UTC
    company, _owner = company_with_owner()
    with at(cst(2026, 2, 13, 10)):
        case = reg_services.registration_case_open(company=company, officer=staff, actor=staff)
    precheck = clock(case, "registration_precheck")
    assert (precheck.track, precheck.assignee, precheck.due_at) == (
        Track.STANDARD,
        staff,
        utc(2026, 2, 24, 2),
    )
    assert precheck.policy.subject_type == "registration_case"
    # when: the park starts the name declaration, then waits for the applicant's candidate names
    with at(cst(2026, 2, 13, 11)):
        _move(case, RegistrationStepStatus.PREPARING, actor=staff)
    with at(cst(2026, 2, 13, 12)):
        _move(case, RegistrationStepStatus.PREPARING, waiting_on=WaitingOn.APPLICANT, actor=staff)
    # then: paused with 2 h used
    precheck.refresh_from_db()
    assert (precheck.state, precheck.consumed_seconds) == ("paused", 2 * HOUR)
    # when: back with the park after the holiday, Wed 25 Feb 09:00: 2 d − 2 h = 46 h left
    #   → Wed 25 09:00 + 24 h = Thu 26 09:00, + 22 h = Fri 27 07:00 CST = Thu 26 23:00 UTC
    with at(cst(2026, 2, 25, 9)):
        _move(case, RegistrationStepStatus.PREPARING, waiting_on=WaitingOn.PARK, actor=staff)
    precheck.refresh_from_db()
    assert (precheck.state, precheck.due_at) == ("running", utc(2026, 2, 26, 23))
    # when: the park submits the name declaration (it leaves the park's hands)
    with at(cst(2026, 2, 26, 15)):
        _move(case, RegistrationStepStatus.SUBMITTED, actor=staff)
    # then
    precheck.refresh_from_db()
    assert (precheck.stopped_at, precheck.outcome) == (utc(2026, 2, 26, 7), MET)
    # and later moves leave it alone
    with at(cst(2026, 2, 27, 9)):
        _move(case, RegistrationStepStatus.PREPARING, kind=RegistrationStepKind.SEALS, actor=staff)
        _move(
            case,
            RegistrationStepStatus.PREPARING,
            kind=RegistrationStepKind.SEALS,
            waiting_on=WaitingOn.APPLICANT,
            actor=staff,
        )
    assert SLAClock.objects.for_subject(case).get() == precheck


def test_expedited_precheck_is_due_by_the_end_of_the_same_working_day(staff):
    # given: opened Thu 12 Feb 10:00 CST: same working day → Fri 13 00:00 CST = Thu 12 16:00 UTC
    company, _owner = company_with_owner()
    with at(cst(2026, 2, 12, 10)):
        case = reg_services.registration_case_open(
            company=company, track=Track.EXPEDITED, officer=staff, actor=staff
        )
        _move(case, RegistrationStepStatus.PREPARING, actor=staff)
    assert clock(case, "registration_precheck").due_at == utc(2026, 2, 12, 16)
    # when: submitted the next morning
    with at(cst(2026, 2, 13, 9)):
        _move(case, RegistrationStepStatus.SUBMITTED, actor=staff)
    # then
    assert clock(case, "registration_precheck").outcome == BREACHED


def test_a_step_needing_correction_pauses_the_precheck_and_cancel_stops_it(staff):
    # given: a standard case; the domicile proof goes to the authority and comes back for correction
    company, _owner = company_with_owner()
    with at(cst(2026, 3, 2, 10)):
        case = reg_services.registration_case_open(company=company, officer=staff, actor=staff)
        for status in ("preparing", "submitted", "waiting_authority"):
            _move(case, status, kind=RegistrationStepKind.DOMICILE_PROOF, actor=staff)
    with at(cst(2026, 3, 2, 14)):
        _move(case, "needs_correction", kind=RegistrationStepKind.DOMICILE_PROOF, actor=staff)
    # then: paused (4 h used)
    precheck = clock(case, "registration_precheck")
    assert (precheck.state, precheck.consumed_seconds) == ("paused", 4 * HOUR)
    # when: cancelled while paused
    with at(cst(2026, 3, 3, 10)):
        reg_services.registration_case_cancel(case=case, actor=staff, reason="Founders gave up")
    # then: stopped within the budget
    precheck.refresh_from_db()
    assert (precheck.stopped_at, precheck.outcome) == (utc(2026, 3, 3, 2), MET)


# --- service requests: first response ----------------------------------------------------------------


def _request(company, moment: datetime) -> ServiceRequest:  # type: ignore[no-untyped-def]
    member = MembershipFactory(company=company).user
    with at(moment):
        return reg_services.service_request_create(
            company=company, requested_by=member, subject="The lamp is broken", category="facilities"
        )


def test_first_response_met_on_the_expedited_track(staff):
    # given: a high-tech company (expedited: 4 h); Fri 13 Feb 16:00 CST + 4 h = 20:00 CST = 12:00 UTC
    request = _request(CompanyFactory(is_high_tech=True), cst(2026, 2, 13, 16))
    first = clock(request, "first_response")
    assert (request.track, first.track, first.due_at) == (
        Track.EXPEDITED,
        Track.EXPEDITED,
        utc(2026, 2, 13, 12),
    )
    assert first.policy.subject_type == "service_request"
    # when: acknowledged at 19:00 CST
    with at(cst(2026, 2, 13, 19)):
        reg_services.service_request_acknowledge(service_request=request, actor=staff)
    # then
    first.refresh_from_db()
    assert (first.stopped_at, first.outcome) == (utc(2026, 2, 13, 11), MET)


def test_first_response_standard_runs_over_the_make_up_day_and_the_holiday(staff):
    # given: a plain company (standard: 24 h)
    # Fri 13 Feb 16:00 CST: 8 h left on Friday, 16 h on the make-up Saturday → Sat 14 16:00 CST = 08:00 UTC
    early = _request(CompanyFactory(), cst(2026, 2, 13, 16))
    # Sat 14 Feb 20:00 CST: 4 h on Saturday, holiday to Tue 24 00:00, 20 h → Tue 24 20:00 CST = 12:00 UTC
    late = _request(CompanyFactory(), cst(2026, 2, 14, 20))
    assert clock(early, "first_response").due_at == utc(2026, 2, 14, 8)
    assert clock(late, "first_response").due_at == utc(2026, 2, 24, 12)
    # when: work starts on the late one on Wed 25 (a first response), the early one is resolved Sat 14 noon
    with at(cst(2026, 2, 25, 9)):
        reg_services.service_request_start(service_request=late, actor=staff)
    with at(cst(2026, 2, 14, 12)):
        reg_services.service_request_resolve(service_request=early, actor=staff)
    # then
    assert clock(late, "first_response").outcome == BREACHED
    assert clock(early, "first_response").outcome == MET


def test_cancelling_a_request_stops_its_clock(staff):
    # given
    request = _request(CompanyFactory(), cst(2026, 3, 2, 10))
    # when
    with at(cst(2026, 3, 2, 11)):
        reg_services.service_request_cancel(service_request=request, actor=request.requested_by)
    # then
    assert (clock(request, "first_response").stopped_at, clock(request, "first_response").outcome) == (
        utc(2026, 3, 2, 3),
        MET,
    )


# --- staff queues -----------------------------------------------------------------------------------------


def _screening_application(*, track: str, started: datetime) -> Application:
    application = ApplicationFactory(status=S.SCREENING, submitted_at=started, track=track)
    sla_clock_start(subject=application, step="screening", track=track, at=started)
    return application


def test_application_changelist_is_expedited_first_then_due_with_a_local_due_column(admin_client):
    # given (due: standard 5 days, expedited 1 day after the start)
    late_standard = _screening_application(track=Track.STANDARD, started=cst(2026, 3, 3, 10))  # Tue 10 Mar
    early_standard = _screening_application(track=Track.STANDARD, started=cst(2026, 3, 2, 10))  # Mon 9 Mar
    late_expedited = _screening_application(track=Track.EXPEDITED, started=cst(2026, 3, 5, 10))  # Fri 6
    early_expedited = _screening_application(track=Track.EXPEDITED, started=cst(2026, 3, 2, 10))  # Tue 3
    no_clock = ApplicationFactory(track=Track.EXPEDITED)  # a draft: last among the expedited
    # when
    response = admin_client.get(reverse("admin:tenants_application_changelist"))
    # then
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [
        early_expedited,
        late_expedited,
        no_clock,
        early_standard,
        late_standard,
    ]
    assert "2026-03-03 10:00" in response.content.decode()  # Beijing time, not UTC (02:00)


def _queue_row(changelist: str, i: int) -> None:
    if changelist.endswith("application_changelist"):
        _screening_application(track=Track.STANDARD, started=cst(2026, 3, 2, 10) + timedelta(hours=i))
    elif changelist.endswith("registrationcase_changelist"):
        with at(cst(2026, 3, 2, 10) + timedelta(hours=i)):
            reg_services.registration_case_open(company=CompanyFactory(), actor=None)
    else:
        _request(CompanyFactory(), cst(2026, 3, 2, 10) + timedelta(hours=i))


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:tenants_application_changelist",
        "admin:tenants_registrationcase_changelist",
        "admin:tenants_servicerequest_changelist",
    ],
)
def test_queue_changelists_take_the_same_number_of_queries_for_3_and_30_rows(admin_client, changelist):
    # given
    counts, made = [], 0
    for rows in (3, 30):
        for i in range(made, rows):
            _queue_row(changelist, i)
        made = rows
        # when: the due column and the overdue filter in use
        with at(cst(2026, 3, 2, 9)), CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse(changelist), {"overdue": "no"})
        # then
        assert response.status_code == 200
        assert response.context["cl"].result_count == rows
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "changelist", ["admin:tenants_application_changelist", "admin:tenants_servicerequest_changelist"]
)
def test_overdue_filter_keeps_rows_whose_open_clock_is_past_due(admin_client, changelist):
    # given: one clock started in January (long overdue on 2 Mar), one started on 2 Mar 10:00
    if changelist.endswith("application_changelist"):
        overdue = _screening_application(track=Track.STANDARD, started=cst(2026, 1, 5, 10))
        on_time = _screening_application(track=Track.STANDARD, started=cst(2026, 3, 2, 10))
    else:
        overdue = _request(CompanyFactory(), cst(2026, 1, 5, 10))
        on_time = _request(CompanyFactory(), cst(2026, 3, 2, 10))
    # when: an hour later
    with at(cst(2026, 3, 2, 11)):
        yes = admin_client.get(reverse(changelist), {"overdue": "yes"})
        no = admin_client.get(reverse(changelist), {"overdue": "no"})
    # then
    assert list(yes.context["cl"].result_list) == [overdue]
    assert list(no.context["cl"].result_list) == [on_time]


# --- API: sla_due_at --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_staff_application_list_has_sla_due_at_in_constant_queries(
    staff_client, django_assert_num_queries, rows
):
    # given: the first due Tue 3 Mar 10:00 CST (expedited, 1 day)
    first = _screening_application(track=Track.EXPEDITED, started=cst(2026, 3, 2, 10))
    for i in range(rows - 1):
        _screening_application(track=Track.STANDARD, started=cst(2026, 3, 2, 10) + timedelta(minutes=i))
    # when
    with django_assert_num_queries(5):  # count, page, founders, documents, more-info requests
        response = staff_client.get(reverse("api:application-list"), {"page_size": 50})
    # then
    results = response.json()["results"]
    assert results[0]["id"] == first.pk
    assert results[0]["sla_due_at"] == "2026-03-03T02:00:00Z"
    assert all(r["sla_due_at"] is not None for r in results)


def test_an_applicant_does_not_see_the_parks_due_time(api_client):
    # given
    application = _screening_application(track=Track.STANDARD, started=cst(2026, 3, 2, 10))
    api_client.force_authenticate(application.applicant)
    # when
    response = api_client.get(reverse("api:application-list"))
    # then
    assert [r["sla_due_at"] for r in response.json()["results"]] == [None]


@pytest.mark.parametrize("rows", [3, 30])
def test_registration_case_list_has_sla_due_at_in_constant_queries(
    staff_client, django_assert_num_queries, rows
):
    # given: opened Mon 2 Mar 10:00 CST, standard 2 days → Wed 4 Mar 10:00 CST = 02:00 UTC
    with at(cst(2026, 3, 2, 10)):
        for _ in range(rows):
            reg_services.registration_case_open(company=CompanyFactory(), actor=None)
    # when
    with django_assert_num_queries(3):  # count, page, steps
        response = staff_client.get(reverse("api:registration-case-list"), {"page_size": 50})
    # then
    assert {r["sla_due_at"] for r in response.json()["results"]} == {"2026-03-04T02:00:00Z"}


@pytest.mark.parametrize("rows", [3, 30])
def test_service_request_list_has_sla_due_at_in_constant_queries(
    staff_client, django_assert_num_queries, rows
):
    # given: created Mon 2 Mar 10:00 CST, standard 24 h → Tue 3 Mar 10:00 CST = 02:00 UTC; one answered
    requests = [_request(CompanyFactory(), cst(2026, 3, 2, 10)) for _ in range(rows)]
    with at(cst(2026, 3, 2, 11)):
        reg_services.service_request_acknowledge(
            service_request=requests[0], actor=UserFactory(is_staff=True)
        )
    # when
    with django_assert_num_queries(2):  # count, page
        response = staff_client.get(reverse("api:service-request-list"), {"page_size": 50})
    # then
    due = {r["id"]: r["sla_due_at"] for r in response.json()["results"]}
    assert due.pop(requests[0].pk) is None
    assert set(due.values()) == {"2026-03-03T02:00:00Z"}
