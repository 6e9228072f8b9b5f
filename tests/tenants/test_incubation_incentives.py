"""Graduation (any end of incubation) ends incubation-only incentives, never the tenancy."""

from datetime import date
from decimal import Decimal

import pytest

from core.exceptions import ActionForbidden
from core.models import TransitionLog
from tenants.models import (
    AgreementKind,
    AgreementStatus,
    GraduationBasis,
    IncentiveGrant,
    IncentiveKind,
    IncentiveStatus,
    IncubationStatus,
    TenancyStatus,
)
from tenants.receivers import ACTOR_LABEL
from tenants.services import incubation as incubation_services
from tenants.services import tenancy as tenancy_services
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory
from tests.tenants.factories_incubation import IncubationFactory
from tests.tenants.factories_tenancy import AgreementFactory

pytestmark = pytest.mark.django_db

GRADUATED_ON = date(2026, 5, 1)


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True)


def grant(company, status, *, incubation_only=True, kind=IncentiveKind.RENT_SUBSIDY):  # type: ignore[no-untyped-def]
    return IncentiveGrant.objects.create(
        company=company, kind=kind, amount=Decimal("5000"), incubation_only=incubation_only, status=status
    )


def executed(staff, company, kind, **kwargs):  # type: ignore[no-untyped-def]
    agreement = AgreementFactory(company=company, kind=kind, status=AgreementStatus.SIGNED, **kwargs)
    return tenancy_services.agreement_execute(agreement=agreement, actor=staff)


def graduate(incubation, staff):  # type: ignore[no-untyped-def]
    return incubation_services.incubation_graduate(
        incubation=incubation,
        basis=GraduationBasis.HIGH_TECH_RECOGNITION,
        evidence="Certificate GR2026110001",
        on=GRADUATED_ON,
        actor=staff,
    )


def status_of(obj) -> str:  # type: ignore[no-untyped-def]
    obj.refresh_from_db()
    return obj.status


def test_graduation_ends_incubation_only_incentives_but_keeps_the_lease_its_free_rent_and_the_tenancy(staff):
    # given: an incubated company renting an office on a lease with two free months
    incubation = IncubationFactory()
    company = incubation.company
    tenancy = executed(staff, company, AgreementKind.LEASE, free_rent_months=2)
    lease_free_rent = IncentiveGrant.objects.get(agreement=tenancy.agreement)
    tenancy_services.incentive_activate(grant=lease_free_rent, actor=staff)
    tenancy_services.tenancy_move_in(tenancy=tenancy, actor=staff)
    # and incubation-only grants in every state
    running = grant(company, IncentiveStatus.ACTIVE)
    approved = grant(company, IncentiveStatus.APPROVED)
    proposed = grant(company, IncentiveStatus.PROPOSED, kind=IncentiveKind.CASH_SUBSIDY)
    completed = grant(company, IncentiveStatus.COMPLETED)
    clawed_back = grant(company, IncentiveStatus.CLAWED_BACK)
    # and a subsidy that is not incubation-only, and another company's incubation-only one
    other_subsidy = grant(company, IncentiveStatus.ACTIVE, incubation_only=False)
    elsewhere = grant(CompanyFactory(), IncentiveStatus.ACTIVE)

    # when
    graduated = graduate(incubation, staff)

    # then: the running incubation-only grant completes, those not yet started are cancelled
    assert graduated.status == IncubationStatus.GRADUATED
    assert status_of(running) == IncentiveStatus.COMPLETED
    assert status_of(approved) == IncentiveStatus.CANCELLED
    assert status_of(proposed) == IncentiveStatus.CANCELLED
    # and ended ones, other grants, the lease's free rent and the tenancy stay as they were
    assert status_of(completed) == IncentiveStatus.COMPLETED
    assert status_of(clawed_back) == IncentiveStatus.CLAWED_BACK
    assert status_of(other_subsidy) == IncentiveStatus.ACTIVE
    assert status_of(elsewhere) == IncentiveStatus.ACTIVE
    assert status_of(lease_free_rent) == IncentiveStatus.ACTIVE
    assert status_of(tenancy) == TenancyStatus.ACTIVE
    assert status_of(tenancy.agreement) == AgreementStatus.EXECUTED
    # and each end is logged as the system's, with the reason
    log = TransitionLog.objects.for_object(running).get(action="complete")
    assert (log.from_state, log.to_state, log.actor, log.actor_label) == (
        "active",
        "completed",
        None,
        ACTOR_LABEL,
    )
    assert log.reason == "The company's incubation ended (Graduated on 2026-05-01)."
    assert TransitionLog.objects.for_object(approved).get(action="cancel").to_state == "cancelled"


def test_graduation_cancels_the_free_rent_of_an_incubation_agreement_not_yet_started(staff):
    # given: the incubator desk agreement's free rent is incubation-only and approved
    incubation = IncubationFactory()
    tenancy = executed(staff, incubation.company, AgreementKind.INCUBATION, free_rent_months=3)
    free_rent = IncentiveGrant.objects.get(agreement=tenancy.agreement)
    assert (free_rent.incubation_only, free_rent.status) == (True, IncentiveStatus.APPROVED)
    # when
    graduate(incubation, staff)
    # then
    assert status_of(free_rent) == IncentiveStatus.CANCELLED
    assert status_of(tenancy) == TenancyStatus.PENDING_MOVE_IN


@pytest.mark.parametrize("end", ["withdraw", "expire"])
def test_every_end_of_incubation_ends_incubation_only_incentives(staff, end):
    # given
    incubation = IncubationFactory(admitted_on=date(2020, 1, 1), limit_on=date(2024, 1, 1))
    running = grant(incubation.company, IncentiveStatus.ACTIVE)
    # when
    if end == "withdraw":
        incubation_services.incubation_withdraw(
            incubation=incubation, on=GRADUATED_ON, actor=staff, reason="Relocated to Shenzhen"
        )
    else:
        incubation_services.incubation_expire(incubation=incubation, actor=staff)
    # then
    assert status_of(running) == IncentiveStatus.COMPLETED


def test_a_refused_graduation_ends_no_incentive(staff):
    # given
    incubation = IncubationFactory()
    running = grant(incubation.company, IncentiveStatus.ACTIVE)
    # when: a company person may not graduate the company
    with pytest.raises(ActionForbidden):
        graduate(incubation, UserFactory())
    # then
    assert status_of(incubation) == IncubationStatus.ACTIVE
    assert status_of(running) == IncentiveStatus.ACTIVE
    assert not TransitionLog.objects.for_object(running).exists()
