import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.exceptions import ActionForbidden
from core.models import TransitionLog
from notifications.models import Notification
from tenants.models import (
    RegistrationCaseStatus,
    RegistrationStep,
    RegistrationStepKind,
    RegistrationStepStatus,
    Track,
    WaitingOn,
)
from tenants.selectors.registration import registration_case_progress
from tenants.services import registration as services
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory, make_uscc
from tests.tenants.factories_registration import company_with_owner

pytestmark = pytest.mark.django_db

S = RegistrationStepStatus
K = RegistrationStepKind
T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True)


@pytest.fixture
def case(staff):  # type: ignore[no-untyped-def]
    company, _owner = company_with_owner()
    # opened before T0, the moment the tests travel to (its SLA clock cannot stop before it started)
    with time_machine.travel(T0 - dt.timedelta(days=1), tick=False):
        return services.registration_case_open(
            company=company, track=Track.EXPEDITED, officer=staff, actor=staff
        )


def _step(case, kind):  # type: ignore[no-untyped-def]
    return case.steps.get(kind=kind)


def _move(step, *statuses, actor, **kwargs):  # type: ignore[no-untyped-def]
    for status in statuses:
        step = services.registration_step_update(step=step, status=status, actor=actor, **kwargs)
    return step


def test_registration_case_open_creates_nine_ordered_steps_waiting_on_the_park(staff):
    # given
    company, _owner = company_with_owner()
    # when
    case = services.registration_case_open(company=company, track=Track.EXPEDITED, officer=staff, actor=staff)
    # then
    steps = list(case.steps.order_by("order"))
    assert [s.kind for s in steps] == [
        "name_declaration",
        "domicile_proof",
        "establishment_filing",
        "business_licence",
        "seals",
        "tax_registration",
        "bank_account",
        "social_insurance",
        "post_setup_filings",
    ]
    assert [s.order for s in steps] == list(range(1, 10))
    assert {(s.status, s.waiting_on) for s in steps} == {(S.NOT_STARTED, WaitingOn.PARK)}
    assert case.status == RegistrationCaseStatus.OPEN
    assert TransitionLog.objects.for_object(case).get().action == "open"


def test_registration_case_open_refuses_a_second_open_case(case, staff):
    with pytest.raises(ValidationError) as exc:
        services.registration_case_open(company=case.company, officer=staff, actor=staff)
    assert exc.value.error_dict["__all__"][0].code == "registration_case_open"
    assert RegistrationStep.objects.count() == 9


def test_registration_case_open_is_staff_only(staff):
    company, owner = company_with_owner()
    with pytest.raises(ActionForbidden) as exc:
        services.registration_case_open(company=company, officer=staff, actor=owner)
    assert exc.value.code == "staff_only"


def test_registration_step_full_path_with_a_correction_loop_tracks_authority_time(case, staff):
    # given
    step = _step(case, K.ESTABLISHMENT_FILING)
    owner = case.company.memberships.get().user
    with time_machine.travel(T0, tick=False) as clock:
        step = _move(step, S.PREPARING, actor=staff, waiting_on=WaitingOn.APPLICANT)
        assert (step.waiting_on, step.started_at) == (WaitingOn.APPLICANT, T0)
        step = _move(step, S.SUBMITTED, actor=staff, data={"submission_number": "BJ-1"})
        assert step.waiting_on == WaitingOn.AUTHORITY
        step = _move(step, S.WAITING_AUTHORITY, actor=staff)
        clock.shift(dt.timedelta(hours=5))
        # when the authority sends it back after 5 hours
        step = services.registration_step_update(
            step=step,
            status=S.NEEDS_CORRECTION,
            actor=staff,
            data={"correction_notices": ["Registered capital missing"]},
            reason="Registered capital missing",
        )
        # then the applicant holds the ball, and 5 hours are with the authority
        assert (step.waiting_on, step.authority_seconds, step.authority_since) == (
            WaitingOn.APPLICANT,
            5 * 3600,
            None,
        )
        notification = Notification.objects.get(recipient=owner)
        assert notification.kind == "tenants.registration.needs_correction"
        # when corrected, resubmitted and 3 more hours with the authority
        clock.shift(dt.timedelta(hours=20))
        step = _move(step, S.PREPARING, S.SUBMITTED, S.WAITING_AUTHORITY, actor=staff)
        clock.shift(dt.timedelta(hours=2))
        progress = registration_case_progress(case=case)
        assert progress["authority_seconds"] == 7 * 3600  # a running wait counts in the progress
        clock.shift(dt.timedelta(hours=1))
        step = _move(step, S.DONE, actor=staff)
    # then
    assert step.status == S.DONE
    assert step.authority_seconds == 8 * 3600
    assert step.completed_at == T0 + dt.timedelta(hours=28)
    assert step.started_at == T0
    assert step.data == {"submission_number": "BJ-1", "correction_notices": ["Registered capital missing"]}
    actions = list(TransitionLog.objects.for_object(step).values_list("action", flat=True))
    assert actions == [
        "start",
        "submit",
        "await_authority",
        "request_correction",
        "correct",
        "submit",
        "await_authority",
        "complete",
    ]


def _licence_to_authority(case, staff):  # type: ignore[no-untyped-def]
    return _move(_step(case, K.BUSINESS_LICENCE), S.PREPARING, S.SUBMITTED, S.WAITING_AUTHORITY, actor=staff)


def test_business_licence_done_writes_the_uscc_to_the_company(case, staff):
    # given
    step = _licence_to_authority(case, staff)
    # when
    services.registration_step_update(
        step=step,
        status=S.DONE,
        actor=staff,
        data={"uscc": make_uscc(42).lower(), "issued_on": "2025-03-10"},
    )
    # then
    case.company.refresh_from_db()
    assert case.company.uscc == make_uscc(42)
    assert _step(case, K.BUSINESS_LICENCE).data["uscc"] == make_uscc(42)


def test_business_licence_with_a_wrong_checksum_is_refused_and_changes_nothing(case, staff):
    # given
    step = _licence_to_authority(case, staff)
    wrong = make_uscc(42)[:17] + ("0" if make_uscc(42)[17] != "0" else "1")
    logs = TransitionLog.objects.count()
    # when
    with pytest.raises(ValidationError) as exc:
        services.registration_step_update(step=step, status=S.DONE, actor=staff, data={"uscc": wrong})
    # then
    assert exc.value.error_dict["data"][0].code == "uscc_checksum"
    step.refresh_from_db()
    case.company.refresh_from_db()
    assert (step.status, step.data, step.completed_at) == (S.WAITING_AUTHORITY, {}, None)
    assert case.company.uscc == ""
    assert TransitionLog.objects.count() == logs


def test_business_licence_with_another_companys_uscc_is_refused(case, staff):
    # given
    CompanyFactory(uscc=make_uscc(42))
    step = _licence_to_authority(case, staff)
    # when
    with pytest.raises(ValidationError) as exc:
        services.registration_step_update(step=step, status=S.DONE, actor=staff, data={"uscc": make_uscc(42)})
    # then
    assert exc.value.error_dict["data"][0].code == "uscc_taken"
    step.refresh_from_db()
    case.company.refresh_from_db()
    assert (step.status, step.data, case.company.uscc) == (S.WAITING_AUTHORITY, {}, "")


def test_business_licence_cannot_be_done_without_a_uscc(case, staff):
    step = _licence_to_authority(case, staff)
    with pytest.raises(ValidationError) as exc:
        services.registration_step_update(step=step, status=S.DONE, actor=staff)
    assert exc.value.error_dict["data"][0].code == "step_data_required"


@pytest.mark.parametrize(
    ("kind", "data", "code"),
    [
        (K.DOMICILE_PROOF, {"kind": "hotel"}, "domicile_proof_kind"),
        (K.NAME_DECLARATION, {"candidate_names": "Deep Robotics"}, "step_data_invalid"),
        (K.BANK_ACCOUNT, {"opened_on": "2025-02-30"}, "step_data_invalid"),
        (K.POST_SETUP_FILINGS, {"due_dates": ["soon"]}, "step_data_invalid"),
        (K.SEALS, {"bank": "ICBC"}, "step_data_unknown_key"),
    ],
)
def test_step_data_is_validated_per_kind(case, staff, kind, data, code):
    with pytest.raises(ValidationError) as exc:
        services.registration_step_update(step=_step(case, kind), status=S.PREPARING, actor=staff, data=data)
    assert exc.value.error_dict["data"][0].code == code
    assert _step(case, kind).status == S.NOT_STARTED


ALL = list(S.values)
# (from, to) → the workflow moves; everything else is refused with transition_not_allowed
ALLOWED = {
    (S.NOT_STARTED, S.PREPARING),
    (S.PREPARING, S.SUBMITTED),
    (S.SUBMITTED, S.WAITING_AUTHORITY),
    (S.WAITING_AUTHORITY, S.NEEDS_CORRECTION),
    (S.WAITING_AUTHORITY, S.DONE),
    (S.NEEDS_CORRECTION, S.PREPARING),
    (S.DONE, S.PREPARING),
    (S.NOT_APPLICABLE, S.PREPARING),
    *((s, S.NOT_APPLICABLE) for s in ALL if s not in (S.DONE, S.NOT_APPLICABLE)),
}
PATH_TO = {
    S.NOT_STARTED: [],
    S.PREPARING: [S.PREPARING],
    S.SUBMITTED: [S.PREPARING, S.SUBMITTED],
    S.WAITING_AUTHORITY: [S.PREPARING, S.SUBMITTED, S.WAITING_AUTHORITY],
    S.NEEDS_CORRECTION: [S.PREPARING, S.SUBMITTED, S.WAITING_AUTHORITY, S.NEEDS_CORRECTION],
    S.DONE: [S.PREPARING, S.SUBMITTED, S.WAITING_AUTHORITY, S.DONE],
    S.NOT_APPLICABLE: [S.NOT_APPLICABLE],
}


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_step_state_action_matrix(case, staff, source, target):
    # given a step (seals: no required facts) in ``source``; another step keeps the case open
    step = _move(_step(case, K.SEALS), *PATH_TO[source], actor=staff)
    before = (step.status, step.waiting_on, step.updated_at)
    logs = TransitionLog.objects.count()
    # when
    if source == target:
        if source in (S.DONE, S.NOT_APPLICABLE):
            with pytest.raises(ValidationError) as exc:
                services.registration_step_update(step=step, status=target, actor=staff)
            assert exc.value.code == "step_finished"
        else:
            moved = services.registration_step_update(step=step, status=target, actor=staff)
            assert moved.status == source
        return
    if (source, target) in ALLOWED:
        moved = services.registration_step_update(step=step, status=target, actor=staff, reason="because")
        # then
        assert moved.status == target
        assert TransitionLog.objects.count() == logs + 1
    else:
        with pytest.raises(ValidationError) as exc:
            services.registration_step_update(step=step, status=target, actor=staff, reason="because")
        # then
        assert exc.value.code == "transition_not_allowed"
        step.refresh_from_db()
        assert (step.status, step.waiting_on, step.updated_at) == before
        assert TransitionLog.objects.count() == logs


@pytest.mark.parametrize(("source", "target"), [(S.PREPARING, S.NOT_APPLICABLE), (S.DONE, S.PREPARING)])
def test_step_not_applicable_and_reopen_are_staff_only(case, staff, source, target):
    # given
    step = _move(_step(case, K.SEALS), *PATH_TO[source], actor=staff)
    owner = case.company.memberships.get().user
    # when / then
    with pytest.raises(ActionForbidden) as exc:
        services.registration_step_update(step=step, status=target, actor=owner, reason="x")
    assert exc.value.code == "actor_not_allowed"
    step.refresh_from_db()
    assert step.status == source


def test_step_reopen_needs_a_reason(case, staff):
    step = _move(_step(case, K.SEALS), *PATH_TO[S.DONE], actor=staff)
    with pytest.raises(ValidationError) as exc:
        services.registration_step_update(step=step, status=S.PREPARING, actor=staff)
    assert exc.value.error_dict["reason"][0].code == "reason_required"
    reopened = services.registration_step_update(
        step=step, status=S.PREPARING, actor=staff, reason="Seal lost"
    )
    assert (reopened.status, reopened.completed_at) == (S.PREPARING, None)


def test_case_completes_when_every_step_is_done_or_not_applicable(case, staff):
    # given
    owner = case.company.memberships.get().user
    facts = {
        K.NAME_DECLARATION: {"candidate_names": ["深机器人", "Deep Robotics"], "approved_name": "深机器人"},
        K.DOMICILE_PROOF: {"kind": "park_domicile_letter"},
        K.BUSINESS_LICENCE: {"uscc": make_uscc(5), "issued_on": "2025-03-10"},
        K.BANK_ACCOUNT: {"opened_on": "2025-03-20"},
    }
    for kind in K.values[:-1]:
        _move(_step(case, kind), S.PREPARING, S.SUBMITTED, S.WAITING_AUTHORITY, actor=staff)
        services.registration_step_update(
            step=_step(case, kind), status=S.DONE, actor=staff, data=facts.get(kind)
        )
        case.refresh_from_db()
        assert case.status == RegistrationCaseStatus.OPEN
    # when the last step does not apply
    services.registration_step_update(
        step=_step(case, K.POST_SETUP_FILINGS), status=S.NOT_APPLICABLE, actor=staff
    )
    # then
    case.refresh_from_db()
    assert case.status == RegistrationCaseStatus.COMPLETED
    assert case.closed_at is not None
    assert (
        Notification.objects.filter(recipient=owner, kind="tenants.registration.case_completed").count() == 1
    )
    with pytest.raises(ValidationError) as exc:
        services.registration_step_update(
            step=_step(case, K.SEALS), status=S.PREPARING, actor=staff, reason="x"
        )
    assert exc.value.code == "registration_case_closed"


def test_case_complete_refuses_unfinished_steps(case, staff):
    with pytest.raises(ValidationError) as exc:
        services.registration_case_complete(case=case, actor=staff)
    assert exc.value.code == "registration_steps_unfinished"


def test_case_cancel_needs_a_reason_and_stops_authority_waits(case, staff):
    # given
    with time_machine.travel(T0, tick=False) as clock:
        step = _licence_to_authority(case, staff)
        clock.shift(dt.timedelta(hours=3))
        with pytest.raises(ValidationError):
            services.registration_case_cancel(case=case, actor=staff, reason=" ")
        # when
        cancelled = services.registration_case_cancel(case=case, actor=staff, reason="Founders gave up")
    # then
    step.refresh_from_db()
    assert cancelled.status == RegistrationCaseStatus.CANCELLED
    assert (step.authority_seconds, step.authority_since) == (3 * 3600, None)
