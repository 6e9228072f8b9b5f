from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from spaces.models import AmenityKind, Space, SpaceKind
from tests.spaces.factories import (
    BuildingFactory,
    CampusFactory,
    CoworkingAreaFactory,
    DeskFactory,
    FloorFactory,
    SpaceFactory,
    ZoneFactory,
)

pytestmark = pytest.mark.django_db


def _insert_fails(**kwargs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        Space.objects.create(**kwargs)


def test_space_database_rejects_non_positive_capacity_and_area():
    # given
    floor = FloorFactory()
    base = {"floor": floor, "name": "Room", "kind": SpaceKind.BOARDROOM}
    # when / then
    _insert_fails(code="A", capacity=0, area_m2=Decimal("10"), **base)
    _insert_fails(code="B", capacity=4, area_m2=Decimal("0"), **base)
    _insert_fails(code="C", capacity=4, area_m2=Decimal("-1"), **base)
    assert not Space.objects.exists()


def test_space_code_is_unique_within_its_floor_only():
    # given
    space = SpaceFactory(code="1201")
    # when / then
    _insert_fails(
        floor=space.floor,
        code="1201",
        name="Dup",
        kind=SpaceKind.BOARDROOM,
        capacity=4,
        area_m2=10,
    )
    other = SpaceFactory(code="1201")  # another floor: fine
    assert other.pk != space.pk


def test_space_amenity_kind_required_exactly_for_amenities():
    floor = FloorFactory()
    _insert_fails(
        floor=floor,
        code="G",
        name="Green",
        kind=SpaceKind.AMENITY,
        capacity=50,
        area_m2=900,
    )
    _insert_fails(
        floor=floor,
        code="R",
        name="Room",
        kind=SpaceKind.BOARDROOM,
        amenity_kind=AmenityKind.PATIO,
        capacity=5,
        area_m2=20,
    )
    green = Space.objects.create(
        floor=floor, code="G", name="Green", kind=SpaceKind.AMENITY, amenity_kind=AmenityKind.GREEN,
        capacity=50, area_m2=900,
    )  # fmt: skip
    assert green.pk


def test_desk_must_seat_one_and_belong_to_an_area():
    area = CoworkingAreaFactory()
    _insert_fails(
        floor=area.floor,
        parent=area,
        code="D1",
        name="Desk",
        kind=SpaceKind.HOT_DESK,
        capacity=2,
        area_m2=4,
    )
    _insert_fails(
        floor=area.floor,
        code="D2",
        name="Desk",
        kind=SpaceKind.HOT_DESK,
        capacity=1,
        area_m2=4,
    )
    assert DeskFactory(floor=area.floor, parent=area).parent == area


def test_space_clean_rejects_parent_on_another_floor_or_not_coworking():
    # given
    area = CoworkingAreaFactory()
    room = SpaceFactory(floor=area.floor)
    # when a desk points at an area on another floor
    desk = Space(
        floor=FloorFactory(),
        parent=area,
        code="D",
        name="D",
        kind=SpaceKind.HOT_DESK,
        capacity=1,
        area_m2=4,
    )
    with pytest.raises(ValidationError) as exc:
        desk.full_clean()
    assert exc.value.error_dict["parent"][0].code == "parent_other_floor"
    # when a desk points at a boardroom
    desk = Space(
        floor=area.floor,
        parent=room,
        code="D",
        name="D",
        kind=SpaceKind.HOT_DESK,
        capacity=1,
        area_m2=4,
    )
    with pytest.raises(ValidationError) as exc:
        desk.full_clean()
    assert exc.value.error_dict["parent"][0].code == "desk_parent_not_coworking"


def test_floor_must_lie_within_the_buildings_floors():
    building = BuildingFactory(floors_above_ground=3, floors_below_ground=1)
    for number, ok in [(3, True), (4, False), (-1, True), (-2, False)]:
        floor = FloorFactory.build(building=building, number=number, label=f"L{number}")
        if ok:
            floor.full_clean()
        else:
            with pytest.raises(ValidationError) as exc:
                floor.full_clean()
            assert exc.value.error_dict["number"][0].code == "floor_out_of_building"


def test_floor_zero_is_refused_by_the_database():
    building = BuildingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        FloorFactory(building=building, number=0, label="G")


def test_building_zone_must_be_on_the_same_campus():
    zone = ZoneFactory()
    building = BuildingFactory.build(campus=CampusFactory(), zone=zone)
    with pytest.raises(ValidationError) as exc:
        building.full_clean()
    assert exc.value.error_dict["zone"][0].code == "zone_campus_mismatch"


def test_campus_rejects_unknown_time_zone():
    campus = CampusFactory.build(code="x", time_zone="Mars/Olympus")
    with pytest.raises(ValidationError) as exc:
        campus.full_clean()
    assert exc.value.error_dict["time_zone"][0].code == "invalid_time_zone"
    assert CampusFactory(code="y").time_zone == "Asia/Shanghai"
