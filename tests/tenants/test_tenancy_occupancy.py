from datetime import date
from decimal import Decimal

import pytest
import time_machine

from spaces.models import AmenityKind, BuildingKind, SpaceKind
from tenants.models import AgreementStatus
from tenants.selectors.occupancy import occupancy_for_campus
from tenants.services import tenancy as services
from tests.accounts.factories import UserFactory
from tests.spaces.factories import (
    BuildingFactory,
    CampusFactory,
    CoworkingAreaFactory,
    DeskFactory,
    FloorFactory,
    SpaceFactory,
)
from tests.tenants.factories_tenancy import AgreementFactory, OfficeSuiteFactory

pytestmark = pytest.mark.django_db

ON = date(2026, 7, 1)


def lease(staff, spaces, starts_on, ends_on):  # type: ignore[no-untyped-def]
    agreement = AgreementFactory(
        status=AgreementStatus.SIGNED, spaces=spaces, starts_on=starts_on, ends_on=ends_on
    )
    return services.agreement_execute(agreement=agreement, actor=staff)


@pytest.fixture
def park():  # type: ignore[no-untyped-def]
    """A tower floor (suites A 100 m², B 50 m², an amenity, a closed suite); a coworking floor (4 desks)."""
    campus = CampusFactory()
    tower = FloorFactory(
        building=BuildingFactory(campus=campus, code="t1", kind=BuildingKind.TOWER), number=12
    )
    a = OfficeSuiteFactory(floor=tower, area_m2=Decimal("100"))
    b = OfficeSuiteFactory(floor=tower, area_m2=Decimal("50"))
    SpaceFactory(floor=tower, kind=SpaceKind.AMENITY, amenity_kind=AmenityKind.KITCHEN, area_m2=Decimal("20"))
    OfficeSuiteFactory(floor=tower, area_m2=Decimal("30"), is_active=False)
    cowork = FloorFactory(
        building=BuildingFactory(campus=campus, code="c1", kind=BuildingKind.COWORKING), number=1
    )
    area = CoworkingAreaFactory(floor=cowork, area_m2=Decimal("400"))
    desks = [DeskFactory(floor=cowork, parent=area) for _ in range(4)]
    return {"campus": campus, "a": a, "b": b, "desks": desks, "tower": tower, "cowork": cowork}


def test_occupancy_matches_a_hand_computed_example(park, django_assert_num_queries):
    # given: A let over the date, B's tenancy ended before it, two desks let over it
    staff = UserFactory(is_staff=True)
    lease(staff, [park["a"]], date(2026, 1, 1), date(2027, 1, 1))
    lease(staff, [park["b"]], date(2026, 1, 1), ON)  # ends the day before: [Jan, Jul)
    lease(staff, park["desks"][:2], date(2026, 6, 1), date(2026, 9, 1))
    # when
    with django_assert_num_queries(3):
        report = occupancy_for_campus(campus=park["campus"], on=ON)
    # then
    totals = report["totals"]
    assert (totals["area_m2"], totals["leased_area_m2"], totals["desks"], totals["leased_desks"]) == (
        Decimal("550"),
        Decimal("100"),
        4,
        2,
    )
    assert totals["desk_rate"] == Decimal("0.5")
    cowork, tower = report["buildings"]  # by code: c1, t1
    assert (tower["code"], tower["kind"], tower["area_m2"], tower["leased_area_m2"]) == (
        "t1",
        BuildingKind.TOWER,
        Decimal("150"),
        Decimal("100"),
    )
    assert tower["floors"][0]["label"] == "12F"
    assert tower["floors"][0]["leased_area_m2"] == Decimal("100")
    assert (cowork["area_m2"], cowork["desks"], cowork["leased_desks"]) == (Decimal("400"), 4, 2)
    assert report["by_building_kind"][BuildingKind.COWORKING]["leased_desks"] == 2
    assert report["by_building_kind"][BuildingKind.TOWER]["area_rate"] == Decimal("0.6667")


def test_occupancy_query_count_does_not_grow_with_the_campus(park, django_assert_num_queries):
    # given: more buildings, floors and tenancies
    staff = UserFactory(is_staff=True)
    for n in range(3):
        floor = FloorFactory(building=BuildingFactory(campus=park["campus"], code=f"x{n}"), number=2)
        lease(staff, [OfficeSuiteFactory(floor=floor)], date(2026, 1, 1), date(2027, 1, 1))
    # when / then
    with django_assert_num_queries(3):
        occupancy_for_campus(campus=park["campus"], on=ON)


def test_ending_a_tenancy_shows_in_occupancy_at_once(park):
    # given
    staff = UserFactory(is_staff=True)
    tenancy = lease(staff, [park["a"]], date(2026, 1, 1), date(2027, 1, 1))
    services.tenancy_move_in(tenancy=tenancy, actor=staff)
    services.tenancy_start_move_out(tenancy=tenancy, actor=staff)
    assert occupancy_for_campus(campus=park["campus"], on=ON)["totals"]["leased_area_m2"] == Decimal("100")
    # when
    with time_machine.travel(ON, tick=False):
        services.tenancy_close(tenancy=tenancy, actor=staff)
    # then
    report = occupancy_for_campus(campus=park["campus"], on=ON)
    assert report["totals"]["leased_area_m2"] == Decimal("0")
    assert (
        occupancy_for_campus(campus=park["campus"], on=date(2026, 6, 30))["totals"]["leased_area_m2"] == 100
    )
