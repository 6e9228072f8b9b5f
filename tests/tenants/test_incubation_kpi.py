from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.exceptions import ActionForbidden
from core.models import TransitionLog
from notifications.models import Notification
from tenants.models import IncubationStatus, KPIFrequency, KPIReturn, KPIReturnStatus, MemberRole
from tenants.services import incubation as services
from tests.accounts.factories import UserFactory
from tests.tenants.factories import MembershipFactory
from tests.tenants.factories_incubation import IncubationFactory, KPIReturnFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIGURES = {
    "revenue": Decimal("1250000.00"),
    "headcount": 18,
    "rd_staff": 11,
    "rd_spend": Decimal("640000.00"),
    "patents_filed": 2,
    "patents_granted": 0,
    "software_copyrights": 3,
    "funding_raised": Decimal("0"),
    "tax_paid": Decimal("41000.50"),
}


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def _owner(incubation):
    return MembershipFactory(company=incubation.company, role=MemberRole.OWNER).user


# --- requests -----------------------------------------------------------------------------------------


def test_request_run_on_the_1st_creates_one_return_per_active_incubation_once():
    # given: two active monthly incubations, one ended, one admitted after the period
    monthly = ProgrammeFactory(kpi_frequency=KPIFrequency.MONTHLY)
    active = IncubationFactory.create_batch(2, programme=monthly)
    IncubationFactory(programme=monthly, status=IncubationStatus.WITHDRAWN, ended_on=date(2025, 2, 1))
    IncubationFactory(programme=monthly, admitted_on=date(2025, 3, 1))
    owner = _owner(active[0])
    # when
    first = services.kpi_returns_request_run(today=date(2025, 3, 1))
    second = services.kpi_returns_request_run(today=date(2025, 3, 1))
    # then
    assert (first, second) == (2, 0)
    returns = KPIReturn.objects.order_by("incubation_id")
    assert [(r.incubation_id, r.period_start, r.period_end, r.status) for r in returns] == [
        (i.pk, date(2025, 2, 1), date(2025, 2, 28), KPIReturnStatus.REQUESTED) for i in active
    ]
    assert Notification.objects.filter(recipient=owner, kind="tenants.incubation.kpi_requested").count() == 1


def test_request_run_asks_quarterly_programmes_on_the_1st_of_a_quarter_only():
    # given
    incubation = IncubationFactory(programme=ProgrammeFactory(kpi_frequency=KPIFrequency.QUARTERLY))
    # when
    in_quarter = services.kpi_returns_request_run(today=date(2025, 3, 1))
    mid_month = services.kpi_returns_request_run(today=date(2025, 4, 2))
    quarter_start = services.kpi_returns_request_run(today=date(2025, 4, 1))
    # then
    assert (in_quarter, mid_month, quarter_start) == (0, 0, 1)
    kpi_return = KPIReturn.objects.get(incubation=incubation)
    assert (kpi_return.period_start, kpi_return.period_end) == (date(2025, 1, 1), date(2025, 3, 31))


def test_kpi_period_before_crosses_the_year():
    assert services.kpi_period_before(frequency="monthly", today=date(2025, 1, 1)) == (
        date(2024, 12, 1),
        date(2024, 12, 31),
    )
    assert services.kpi_period_before(frequency="quarterly", today=date(2025, 1, 1)) == (
        date(2024, 10, 1),
        date(2024, 12, 31),
    )


# --- reminders ----------------------------------------------------------------------------------------


def _reminders(kpi_return):
    return list(
        Notification.objects.filter(kind="tenants.incubation.kpi_reminder", object_id=kpi_return.pk)
        .order_by("pk")
        .values_list("dedupe_key", flat=True)
    )


@pytest.mark.parametrize("runs_per_day", [1, 2])
def test_reminders_go_out_on_day_7_and_day_14_once_each(runs_per_day):
    # given: a return requested on 1 March at 06:00 in Shanghai
    requested_at = datetime(2025, 3, 1, 6, 0, tzinfo=SHANGHAI)
    kpi_return = KPIReturnFactory(requested_at=requested_at)
    _owner(kpi_return.incubation)
    sent_on = []
    # when: the daily sweep runs for three weeks
    for day in range(1, 22):
        today = date(2025, 3, day)
        for _run in range(runs_per_day):
            with time_machine.travel(datetime(2025, 3, day, 9, tzinfo=SHANGHAI)):
                counts = services.kpi_reminders_run(today=today)
            sent_on += [(day, key) for key, n in counts.items() if n]
    # then
    assert sent_on == [(8, "day_7"), (15, "day_14")]
    assert _reminders(kpi_return) == [
        f"tenants.kpi_return:{kpi_return.pk}:reminder_7",
        f"tenants.kpi_return:{kpi_return.pk}:reminder_14",
    ]


@pytest.mark.parametrize("status", [KPIReturnStatus.SUBMITTED, KPIReturnStatus.REJECTED])
def test_no_reminders_once_the_return_moved_on(status):
    kpi_return = KPIReturnFactory(requested_at=datetime(2025, 3, 1, 6, tzinfo=SHANGHAI), status=status)
    _owner(kpi_return.incubation)
    services.kpi_reminders_run(today=date(2025, 3, 8))
    services.kpi_reminders_run(today=date(2025, 3, 15))
    assert _reminders(kpi_return) == []


# --- submit, verify, reject ---------------------------------------------------------------------------


def test_submit_then_verify_locks_the_return(staff):
    # given
    kpi_return = KPIReturnFactory()
    member = MembershipFactory(company=kpi_return.incubation.company, role=MemberRole.MEMBER).user
    # when
    submitted = services.kpi_return_submit(kpi_return=kpi_return, figures=FIGURES, user=member)
    verified = services.kpi_return_verify(kpi_return=submitted, actor=staff)
    # then
    assert (submitted.status, submitted.submitted_by, submitted.revenue) == (
        KPIReturnStatus.SUBMITTED,
        member,
        FIGURES["revenue"],
    )
    assert verified.status == KPIReturnStatus.VERIFIED
    assert verified.locked_at == verified.verified_at
    assert verified.verified_by == staff
    actions = list(TransitionLog.objects.for_object(kpi_return).values_list("action", "actor"))
    assert actions == [("submit", member.pk), ("verify", staff.pk)]


@pytest.mark.parametrize("action", ["submit", "verify", "reject"])
def test_a_locked_return_cannot_change(staff, action):
    # given
    kpi_return = KPIReturnFactory()
    owner = _owner(kpi_return.incubation)
    services.kpi_return_submit(kpi_return=kpi_return, figures=FIGURES, user=owner)
    services.kpi_return_verify(kpi_return=kpi_return, actor=staff)
    # when
    commands = {
        "submit": lambda: services.kpi_return_submit(
            kpi_return=kpi_return, figures=FIGURES | {"revenue": 1}, user=owner
        ),
        "verify": lambda: services.kpi_return_verify(kpi_return=kpi_return, actor=staff),
        "reject": lambda: services.kpi_return_reject(kpi_return=kpi_return, actor=staff, reason="Late"),
    }
    with pytest.raises(ValidationError) as exc:
        commands[action]()
    # then
    assert exc.value.code == "kpi_return_locked"
    kpi_return.refresh_from_db()
    assert (kpi_return.status, kpi_return.revenue) == (KPIReturnStatus.VERIFIED, FIGURES["revenue"])
    assert TransitionLog.objects.for_object(kpi_return).count() == 2


def test_reject_then_resubmit(staff):
    # given
    kpi_return = KPIReturnFactory()
    owner = _owner(kpi_return.incubation)
    services.kpi_return_submit(kpi_return=kpi_return, figures=FIGURES, user=owner)
    # when
    rejected = services.kpi_return_reject(
        kpi_return=kpi_return, actor=staff, reason="Tax paid is missing VAT"
    )
    resubmitted = services.kpi_return_submit(
        kpi_return=kpi_return, figures=FIGURES | {"tax_paid": Decimal("52000")}, user=owner
    )
    # then
    assert rejected.rejection_reason == "Tax paid is missing VAT"
    assert Notification.objects.get(recipient=owner, kind="tenants.incubation.kpi_rejected")
    assert (resubmitted.status, resubmitted.tax_paid) == (KPIReturnStatus.SUBMITTED, Decimal("52000"))
    assert resubmitted.rejection_reason == ""


def test_reject_needs_a_reason(staff):
    kpi_return = KPIReturnFactory(status=KPIReturnStatus.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        services.kpi_return_reject(kpi_return=kpi_return, actor=staff, reason="")
    assert exc.value.error_dict["reason"][0].code == "required"


@pytest.mark.parametrize(
    ("figures", "field", "code"),
    [
        (FIGURES | {"rd_staff": 19}, "__all__", "tenants_kpireturn_rd_staff_within_headcount"),
        (FIGURES | {"revenue": Decimal("-1")}, "__all__", "tenants_kpireturn_revenue_not_negative"),
        (FIGURES | {"headcount": -2}, "headcount", "min_value"),
        ({k: v for k, v in FIGURES.items() if k != "tax_paid"}, "tax_paid", "required"),
        (FIGURES | {"valuation": 1}, "valuation", "unknown_figure"),
    ],
)
def test_submit_refuses_bad_figures_and_changes_nothing(figures, field, code):
    kpi_return = KPIReturnFactory()
    owner = _owner(kpi_return.incubation)
    with pytest.raises(ValidationError) as exc:
        services.kpi_return_submit(kpi_return=kpi_return, figures=figures, user=owner)
    assert code in [e.code for e in exc.value.error_dict[field]]
    kpi_return.refresh_from_db()
    assert (kpi_return.status, kpi_return.revenue) == (KPIReturnStatus.REQUESTED, None)


def test_a_member_of_another_company_cannot_submit():
    kpi_return = KPIReturnFactory()
    outsider = MembershipFactory(role=MemberRole.OWNER).user
    with pytest.raises(ActionForbidden):
        services.kpi_return_submit(kpi_return=kpi_return, figures=FIGURES, user=outsider)
    kpi_return.refresh_from_db()
    assert kpi_return.status == KPIReturnStatus.REQUESTED


def test_staff_do_not_submit_for_a_company(staff):
    with pytest.raises(ActionForbidden):
        services.kpi_return_submit(kpi_return=KPIReturnFactory(), figures=FIGURES, user=staff)


def _act(action, kpi_return, *, person, staff):
    if action == "submit":
        return services.kpi_return_submit(kpi_return=kpi_return, figures=FIGURES, user=person)
    if action == "verify":
        return services.kpi_return_verify(kpi_return=kpi_return, actor=staff)
    return services.kpi_return_reject(kpi_return=kpi_return, actor=staff, reason="Check revenue")


ALLOWED = {
    ("requested", "submit"): "submitted",
    ("rejected", "submit"): "submitted",
    ("submitted", "verify"): "verified",
    ("submitted", "reject"): "rejected",
}


@pytest.mark.parametrize("state", KPIReturnStatus.values)
@pytest.mark.parametrize("action", ["submit", "verify", "reject"])
def test_kpi_return_state_action_matrix(staff, state, action):
    # given
    locked = {"locked_at": datetime(2025, 4, 1, tzinfo=SHANGHAI)} if state == "verified" else {}
    kpi_return = KPIReturnFactory(status=state, **locked)
    person = _owner(kpi_return.incubation)
    # when / then
    expected = ALLOWED.get((state, action))
    if expected:
        assert _act(action, kpi_return, person=person, staff=staff).status == expected
        return
    with pytest.raises(ValidationError) as exc:
        _act(action, kpi_return, person=person, staff=staff)
    assert exc.value.code == ("kpi_return_locked" if state == "verified" else "transition_not_allowed")
    kpi_return.refresh_from_db()
    assert kpi_return.status == state


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("owner", "submit", True),
        ("admin", "submit", True),
        ("member", "submit", True),
        ("outsider", "submit", False),
        ("staff", "submit", False),
        ("owner", "verify", False),
        ("member", "reject", False),
        ("staff", "verify", True),
        ("staff", "reject", True),
    ],
)
def test_kpi_return_role_action_matrix(staff, role, action, allowed):
    # given
    status = KPIReturnStatus.REQUESTED if action == "submit" else KPIReturnStatus.SUBMITTED
    kpi_return = KPIReturnFactory(status=status)
    if role == "staff":
        actor = staff
    elif role == "outsider":
        actor = MembershipFactory(role=MemberRole.OWNER).user
    else:
        actor = MembershipFactory(company=kpi_return.incubation.company, role=role).user
    # when / then
    if allowed:
        _act(action, kpi_return, person=actor, staff=actor)
        return
    with pytest.raises(ActionForbidden):
        _act(action, kpi_return, person=actor, staff=actor)
    kpi_return.refresh_from_db()
    assert kpi_return.status == status


def test_tasks_run_the_services_for_today():
    from tenants import tasks

    IncubationFactory()
    with time_machine.travel(datetime(2025, 3, 1, 6, tzinfo=SHANGHAI)):
        assert tasks.kpi_returns_request_run_task() == 1
        assert tasks.kpi_returns_request_run_task() == 0
        assert tasks.kpi_reminders_run_task() == {"day_7": 0, "day_14": 0}
        assert tasks.incubation_limit_alerts_run_task()["expired"] == 0
    assert KPIReturn.objects.get().period_start == date(2025, 2, 1)
