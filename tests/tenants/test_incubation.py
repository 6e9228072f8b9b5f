from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import ActionForbidden
from core.models import TransitionLog
from notifications.models import Notification
from tenants.models import GraduationBasis, Incubation, IncubationStatus, MemberRole
from tenants.services import incubation as services
from tenants.signals import incubation_ended
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory, MembershipFactory, SectorFactory
from tests.tenants.factories_incubation import CohortFactory, IncubationFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

ADMITTED = date(2025, 3, 15)


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def ended_signals():
    received = []

    def receiver(sender, incubation, status, on, **kwargs):
        received.append((incubation.pk, status, on))

    incubation_ended.connect(receiver)
    yield received
    incubation_ended.disconnect(receiver)


def _admit(company, staff, **kwargs):
    return services.incubation_admit(
        company=company, programme=kwargs.pop("programme", None) or ProgrammeFactory(), admitted_on=ADMITTED,
        actor=staff, **kwargs,
    )  # fmt: skip


# --- admission ---------------------------------------------------------------------------------------


def test_admit_accepts_a_company_founded_23_months_before(staff):
    # given
    company = CompanyFactory(founded_on=date(2023, 4, 15))
    # when
    incubation = _admit(company, staff)
    # then
    assert incubation.status == IncubationStatus.ACTIVE
    assert incubation.age_override_reason == ""
    log = TransitionLog.objects.for_object(incubation).get()
    assert (log.action, log.to_state, log.actor) == ("admit", "active", staff)


def test_admit_accepts_a_company_exactly_24_months_old(staff):
    assert _admit(CompanyFactory(founded_on=date(2023, 3, 15)), staff).pk


def test_admit_refuses_a_company_founded_25_months_before_with_a_reason(staff):
    # given
    company = CompanyFactory(founded_on=date(2023, 2, 15))
    # when
    with pytest.raises(ValidationError) as exc:
        _admit(company, staff)
    # then
    assert exc.value.error_list[0].code == "company_too_old"
    assert "more than 24 months" in exc.value.messages[0]
    assert not Incubation.objects.exists()


def test_staff_override_the_age_rule_with_a_recorded_reason(staff):
    # given
    company = CompanyFactory(founded_on=date(2023, 2, 15))
    # when
    incubation = _admit(company, staff, override_reason="Spin-off of a university lab, re-founded")
    # then
    assert incubation.age_override_reason == "Spin-off of a university lab, re-founded"
    log = TransitionLog.objects.for_object(incubation).get()
    assert log.reason == "Spin-off of a university lab, re-founded"
    assert log.data["overridden"] == ["company_too_old"]


def test_a_programme_may_set_another_age_limit(staff):
    programme = ProgrammeFactory(max_company_age_months=36)
    assert _admit(CompanyFactory(founded_on=date(2022, 4, 15)), staff, programme=programme).pk


def test_a_non_staff_person_cannot_admit():
    with pytest.raises(ActionForbidden):
        _admit(CompanyFactory(founded_on=date(2024, 1, 1)), UserFactory())
    assert not Incubation.objects.exists()


def test_a_company_has_one_active_incubation(staff):
    # given
    company = CompanyFactory(founded_on=date(2024, 1, 1))
    _admit(company, staff)
    # when
    with pytest.raises(ValidationError) as exc:
        _admit(company, staff)
    # then
    assert exc.value.code == "incubation_already_active"
    assert Incubation.objects.count() == 1


def test_a_company_may_enter_again_after_its_incubation_ended(staff):
    company = CompanyFactory(founded_on=date(2024, 1, 1))
    first = _admit(company, staff)
    services.incubation_withdraw(incubation=first, on=ADMITTED, actor=staff, reason="Paused")
    assert _admit(company, staff).status == IncubationStatus.ACTIVE


def test_a_cohort_of_another_programme_is_refused(staff):
    with pytest.raises(ValidationError) as exc:
        _admit(CompanyFactory(founded_on=date(2024, 1, 1)), staff, cohort=CohortFactory())
    assert exc.value.error_dict["cohort"][0].code == "cohort_mismatch"


@pytest.mark.parametrize(
    ("sector_limit", "expected_limit_on"),
    [(36, date(2028, 3, 15)), (None, date(2029, 3, 15))],
)
def test_limit_on_uses_the_sector_limit_or_the_programme_default(staff, sector_limit, expected_limit_on):
    # given
    sector = SectorFactory(incubation_limit_months=sector_limit) if sector_limit else None
    company = CompanyFactory(founded_on=date(2024, 1, 1), sector=sector)
    # when
    incubation = _admit(company, staff)
    # then
    assert incubation.limit_on == expected_limit_on


def test_add_months_clamps_to_the_end_of_the_month():
    assert services.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert services.add_months(date(2025, 3, 15), -24) == date(2023, 3, 15)


# --- graduation, withdrawal, expiry -------------------------------------------------------------------


@pytest.mark.parametrize("basis", GraduationBasis.values)
def test_graduate_on_each_basis_ends_incubation_only_incentives(staff, ended_signals, basis):
    # given
    incubation = IncubationFactory()
    owner = MembershipFactory(company=incubation.company, role=MemberRole.OWNER).user
    # when
    graduated = services.incubation_graduate(
        incubation=incubation,
        basis=basis,
        evidence="Certificate GR2025110001",
        on=date(2026, 5, 1),
        actor=staff,
    )
    # then
    assert (graduated.status, graduated.graduation_basis) == (IncubationStatus.GRADUATED, basis)
    assert graduated.graduated_on == graduated.ended_on == date(2026, 5, 1)
    assert ended_signals == [(incubation.pk, "graduated", date(2026, 5, 1))]
    assert Notification.objects.get(recipient=owner).kind == "tenants.incubation.graduated"


def test_graduate_refuses_an_unknown_basis_and_changes_nothing(staff, ended_signals):
    incubation = IncubationFactory()
    with pytest.raises(ValidationError) as exc:
        services.incubation_graduate(
            incubation=incubation, basis="won_a_prize", evidence="x", on=date(2026, 5, 1), actor=staff
        )
    assert exc.value.error_dict["basis"][0].code == "graduation_basis_invalid"
    incubation.refresh_from_db()
    assert incubation.status == IncubationStatus.ACTIVE
    assert ended_signals == []


def test_withdraw_needs_a_reason_and_sends_the_signal(staff, ended_signals):
    incubation = IncubationFactory()
    with pytest.raises(ValidationError):
        services.incubation_withdraw(incubation=incubation, on=date(2026, 1, 1), actor=staff, reason=" ")
    withdrawn = services.incubation_withdraw(
        incubation=incubation, on=date(2026, 1, 1), actor=staff, reason="Relocated to Shenzhen"
    )
    assert (withdrawn.status, withdrawn.ended_on) == (IncubationStatus.WITHDRAWN, date(2026, 1, 1))
    assert ended_signals == [(incubation.pk, "withdrawn", date(2026, 1, 1))]


def _do(action, incubation, actor):
    if action == "graduate":
        return services.incubation_graduate(
            incubation=incubation, basis=GraduationBasis.INVESTMENT_OVER_5M, evidence="Term sheet",
            on=date(2026, 1, 1), actor=actor,
        )  # fmt: skip
    if action == "withdraw":
        return services.incubation_withdraw(
            incubation=incubation, on=date(2026, 1, 1), actor=actor, reason="r"
        )
    return services.incubation_expire(incubation=incubation, actor=actor)


@pytest.mark.parametrize("state", IncubationStatus.values)
@pytest.mark.parametrize("action", ["graduate", "withdraw", "expire"])
def test_incubation_state_action_matrix(staff, state, action):
    # given
    fields = {"status": state}
    if state != IncubationStatus.ACTIVE:
        fields["ended_on"] = date(2025, 12, 31)
    if state == IncubationStatus.GRADUATED:
        fields |= {
            "graduated_on": date(2025, 12, 31),
            "graduation_basis": GraduationBasis.ACQUISITION_OR_LISTING,
        }
    incubation = IncubationFactory(**fields)
    # when / then
    if state == IncubationStatus.ACTIVE:
        assert _do(action, incubation, staff).status != IncubationStatus.ACTIVE
    else:
        with pytest.raises(ValidationError) as exc:
            _do(action, incubation, staff)
        assert exc.value.code == "transition_not_allowed"
        incubation.refresh_from_db()
        assert incubation.status == state


@pytest.mark.parametrize("action", ["graduate", "withdraw", "expire"])
def test_a_company_person_cannot_end_an_incubation(action):
    incubation = IncubationFactory()
    owner = MembershipFactory(company=incubation.company, role=MemberRole.OWNER).user
    with pytest.raises(ActionForbidden):
        _do(action, incubation, owner)
    incubation.refresh_from_db()
    assert incubation.status == IncubationStatus.ACTIVE


def test_graduation_basis_is_required_iff_graduated_in_the_database():
    incubation = IncubationFactory()
    incubation.status = IncubationStatus.GRADUATED
    incubation.ended_on = incubation.graduated_on = date(2026, 1, 1)
    with pytest.raises(ValidationError) as exc:
        incubation.full_clean()
    assert exc.value.error_dict["__all__"][0].code == "tenants_incubation_basis_iff_graduated"


# --- limit alerts and expiry --------------------------------------------------------------------------


def _limit_alerts(incubation):
    return list(
        Notification.objects.filter(kind="tenants.incubation.limit_alert", object_id=incubation.pk)
        .order_by("pk")
        .values_list("recipient_id", "dedupe_key")
    )


@pytest.mark.parametrize("runs_per_day", [1, 2])
def test_limit_alerts_go_out_at_90_and_30_days_once_each(staff, runs_per_day):
    # given: an incubation whose limit is 2029-01-01, swept every day from 100 days before
    incubation = IncubationFactory(admitted_on=date(2025, 1, 1))
    owner = MembershipFactory(company=incubation.company, role=MemberRole.OWNER).user
    MembershipFactory(company=incubation.company, role=MemberRole.MEMBER)  # members are not told
    limit = incubation.limit_on
    sent_on = {}
    # when
    for offset in range(100, 0, -1):
        today = limit - timedelta(days=offset)
        for _run in range(runs_per_day):
            counts = services.incubation_limit_alerts_run(today=today)
            for key in ("alert_90", "alert_30"):
                if counts[key]:
                    sent_on.setdefault(key, []).append(offset)
    # then
    assert sent_on == {"alert_90": [90], "alert_30": [30]}
    alerts = _limit_alerts(incubation)
    assert sorted(r for r, _k in alerts) == sorted([owner.pk, staff.pk] * 2)
    incubation.refresh_from_db()
    assert incubation.alert_90_sent_at
    assert incubation.alert_30_sent_at
    assert incubation.status == IncubationStatus.ACTIVE


def test_a_sweep_that_starts_inside_30_days_sends_only_the_30_day_alert(staff):
    incubation = IncubationFactory()
    services.incubation_limit_alerts_run(today=incubation.limit_on - timedelta(days=10))
    assert [k for _r, k in _limit_alerts(incubation)] == [f"tenants.incubation:{incubation.pk}:alert_30"]


def test_the_sweep_expires_incubations_at_their_limit_once(staff, ended_signals):
    # given
    incubation = IncubationFactory()
    # when: the day before, on the day, and again
    before = services.incubation_limit_alerts_run(today=incubation.limit_on - timedelta(days=1))
    on_the_day = services.incubation_limit_alerts_run(today=incubation.limit_on)
    again = services.incubation_limit_alerts_run(today=incubation.limit_on)
    # then
    assert (before["expired"], on_the_day["expired"], again["expired"]) == (0, 1, 0)
    incubation.refresh_from_db()
    assert (incubation.status, incubation.ended_on) == (IncubationStatus.EXPIRED, incubation.limit_on)
    assert ended_signals == [(incubation.pk, "expired", incubation.limit_on)]
    log = TransitionLog.objects.for_object(incubation).get()
    assert (log.action, log.actor, log.actor_label) == ("expire", None, "system")


def test_ended_incubations_get_no_alerts():
    incubation = IncubationFactory(status=IncubationStatus.WITHDRAWN, ended_on=date(2025, 6, 1))
    services.incubation_limit_alerts_run(today=incubation.limit_on - timedelta(days=30))
    assert _limit_alerts(incubation) == []


def test_the_database_holds_one_active_incubation_per_company():
    from django.db import IntegrityError, transaction

    first = IncubationFactory()
    IncubationFactory(company=first.company, status=IncubationStatus.EXPIRED, ended_on=date(2025, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        IncubationFactory(company=first.company)
