import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db.models import Sum

from core.models import TransitionLog
from notifications.models import Notification
from spaces.models import Building, Campus, Space, SpaceKind
from tenants.models import (
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
    Company,
    Incubation,
    IncubationStatus,
    KPIReturn,
    RegistrationCase,
    ServiceRequest,
    Tenancy,
    TenancySpace,
    TenancyStatus,
    Track,
)
from tenants.models.sla import SLAClock
from tenants.selectors.occupancy import occupancy_for_campus
from tenants.services.sla import sla_sweep
from tenants.services.tenancy import park_today
from tenants.validators import validate_uscc

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, Any]:
    """Ids and row counts of every tenants table, plus the log and notification counts."""
    snapshot: dict[str, Any] = {
        model._meta.label: sorted(model._default_manager.order_by().values_list("pk", flat=True))
        for model in django_apps.get_app_config("tenants").get_models()
    }
    snapshot["TransitionLog"] = TransitionLog.objects.count()
    snapshot["Notification"] = Notification.objects.count()
    return snapshot


def _campus() -> Campus:
    return Campus.objects.get(code="etown")


def test_seed_demo_puts_applications_in_every_state_on_both_tracks():
    # when
    _seed()
    # then
    states = set(Application.objects.values_list("status", flat=True))
    assert states == set(ApplicationStatus.values)
    tracks = set(Application.objects.values_list("track", flat=True))
    assert tracks == set(Track.values)


def test_seed_demo_leaves_expedited_applications_near_and_past_their_sla():
    # given
    _seed()
    # when
    sla_sweep()
    # then
    expedited = Application.objects.filter(track=Track.EXPEDITED).values_list("pk", flat=True)
    clocks = SLAClock.objects.open().filter(object_id__in=list(expedited), track="expedited")
    breached = clocks.filter(breached_at__isnull=False)
    near = clocks.filter(warned_at__isnull=False, breached_at__isnull=True)
    assert breached.exists()
    assert near.exists()
    assert all(c.started_at < c.due_at for c in breached)


def test_seed_demo_lets_a_whole_compound_building_to_one_tenancy():
    # when
    _seed()
    # then
    house = Building.objects.get(campus=_campus(), code="C1")
    suites = set(
        Space.objects.in_building(house.pk).filter(kind=SpaceKind.OFFICE_SUITE).values_list("pk", flat=True)
    )
    held = TenancySpace.objects.filter(space_id__in=suites).held_on(park_today())
    assert suites
    assert set(held.values_list("space_id", flat=True)) == suites
    assert held.values("tenancy").distinct().count() == 1


def test_seed_demo_occupancy_is_non_zero_and_matches_the_tenancies():
    # given
    _seed()
    today = park_today()
    # when
    occupancy = occupancy_for_campus(campus=_campus(), on=today)
    # then
    held = Space.objects.filter(
        pk__in=TenancySpace.objects.held_on(today).values("space_id"), parent__isnull=True
    ).exclude(kind=SpaceKind.AMENITY)
    expected_area = held.aggregate(total=Sum("area_m2"))["total"]
    assert occupancy["totals"]["leased_area_m2"] == expected_area > Decimal("0")
    assert occupancy["totals"]["leased_desks"] == 4


def test_seed_demo_covers_the_other_lifecycles():
    # when
    _seed()
    # then
    assert set(Agreement.objects.values_list("status", flat=True)) == set(AgreementStatus.values)
    tenancy_states = set(Tenancy.objects.values_list("status", flat=True))
    assert {TenancyStatus.ACTIVE, TenancyStatus.NOTICE_GIVEN, TenancyStatus.CLOSED} <= tenancy_states
    assert {"active", "graduated"} <= set(Incubation.objects.values_list("status", flat=True))
    near_limit = Incubation.objects.filter(
        status=IncubationStatus.ACTIVE, limit_on__lte=park_today() + timedelta(days=90)
    )
    assert near_limit.exists()
    assert {"requested", "submitted", "verified"} <= set(KPIReturn.objects.values_list("status", flat=True))
    assert {"open", "acknowledged", "resolved"} <= set(
        ServiceRequest.objects.values_list("status", flat=True)
    )
    steps = set(RegistrationCase.objects.values_list("steps__status", flat=True))
    assert {"waiting_authority", "needs_correction"} <= steps
    completed = RegistrationCase.objects.get(status="completed")
    validate_uscc(completed.company.uscc)
    for company in Company.objects.all():
        assert company.name
        assert company.name_zh


def test_seed_demo_gives_the_demo_founders_companies_to_log_in_to():
    # when
    _seed()
    # then
    for email in [
        "li.wei@deeprobotics.example",
        "anna.schmidt@sensorlab.example",
        "zhang.min@greenbattery.example",
    ]:
        owned = Company.objects.filter(memberships__user__email=email, memberships__role="owner")
        assert owned.count() == 1


def test_seed_demo_sends_no_demo_e_mails_from_inside_the_seed():
    # when
    _seed()
    # then: only notifications written after commit (by on-commit hooks) may ask for an e-mail
    assert Notification.objects.exists()
    assert Notification.objects.filter(email_requested=False).exists()


def test_seed_demo_twice_changes_no_tenants_row():
    # given
    _seed()
    before = _snapshot()
    # when
    output = _seed()
    # then
    assert _snapshot() == before
    assert "0 stories told" in output
