import io
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from accounts.models import Language, User
from spaces.demo import CAMPUS, DEMO_PASSWORD, DEMO_USERS
from spaces.models import (
    DESK_KINDS,
    AmenityKind,
    Building,
    BuildingKind,
    Campus,
    Feature,
    Floor,
    Space,
    SpaceKind,
    Zone,
    ZoneKind,
)
from tests.spaces.factories import BuildingFactory

pytestmark = pytest.mark.django_db

SNAPSHOT_MODELS: list[type[Model]] = [
    Campus,
    Zone,
    Building,
    Floor,
    Space,
    Feature,
    Space.features.through,
    User,
]
VOLATILE = {"created_at", "updated_at", "last_login", "password"}


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, set[tuple[Any, ...]]]:
    """Every row of the seeded tables, ids included, without timestamps and password hashes."""
    snapshot = {}
    for model in SNAPSHOT_MODELS:
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in VOLATILE]
        snapshot[model._meta.label] = set(model._default_manager.order_by().values_list(*fields))
    return snapshot


def _campus() -> Campus:
    return Campus.objects.get(code=CAMPUS["code"])


def test_seed_demo_builds_the_etown_campus_and_its_zones():
    # when
    _seed()
    # then
    campus = _campus()
    assert (campus.name, campus.name_zh, campus.time_zone) == (
        "E-Town Innovation Park",
        "亦庄创新园",
        "Asia/Shanghai",
    )
    assert campus.address
    assert campus.address_zh.startswith("北京市")
    assert set(campus.zones.values_list("kind", flat=True)) == {
        ZoneKind.OFFICE_TOWERS,
        ZoneKind.OFFICE_COMPOUND,
        ZoneKind.COWORKING,
        ZoneKind.LAB_DISTRICT,
    }
    assert not campus.buildings.filter(zone=None).exists()
    assert (
        not campus.buildings.filter(kind=BuildingKind.TOWER)
        .exclude(zone__kind=ZoneKind.OFFICE_TOWERS)
        .exists()
    )


def test_seed_demo_builds_tall_towers_with_every_floor_suites_and_some_boardrooms():
    # when
    _seed()
    # then
    towers = Building.objects.filter(campus=_campus(), kind=BuildingKind.TOWER)
    assert towers.count() >= 2
    for tower in towers:
        assert tower.floors_above_ground >= 30
        assert tower.floors_below_ground >= 1
        numbers = set(tower.floors.values_list("number", flat=True))
        expected = set(range(-tower.floors_below_ground, tower.floors_above_ground + 1)) - {0}
        assert numbers == expected
        assert tower.floors.get(number=12).label == "12F"
        assert tower.floors.get(number=-1).label == "B1"
        spaces = Space.objects.in_building(tower.pk)
        suites = spaces.filter(kind=SpaceKind.OFFICE_SUITE)
        assert suites.filter(is_bookable=False).count() == suites.count() > 100
        assert not suites.filter(area_m2__lte=0).exists()
        assert suites.filter(floor__number=12, code=f"{tower.code}-1201").exists()
        boardrooms = spaces.filter(kind=SpaceKind.BOARDROOM, is_bookable=True)
        assert 0 < boardrooms.values("floor").distinct().count() < tower.floors_above_ground


def test_seed_demo_builds_a_compound_with_its_clubhouse_amenities():
    # when
    _seed()
    # then
    compound = Building.objects.filter(campus=_campus(), kind=BuildingKind.COMPOUND_BUILDING)
    assert 6 <= compound.count() <= 10
    clubhouse = compound.get(name="Compound Clubhouse")
    houses = compound.exclude(pk=clubhouse.pk)
    for house in houses:
        assert house.floors.count() >= 2
        assert Space.objects.in_building(house.pk).filter(kind=SpaceKind.OFFICE_SUITE).exists()
    amenities = Space.objects.filter(floor__building=clubhouse, floor__number=1, kind=SpaceKind.AMENITY)
    assert {
        AmenityKind.CAFETERIA,
        AmenityKind.COFFEE_SHOP,
        AmenityKind.PATIO,
        AmenityKind.GREEN,
    } <= set(amenities.values_list("amenity_kind", flat=True))
    assert not amenities.filter(is_bookable=True).exists()


def test_seed_demo_puts_coworking_desks_inside_areas_on_their_floor():
    # when
    _seed()
    # then
    coworking = Space.objects.in_campus(_campus().pk).filter(floor__building__kind=BuildingKind.COWORKING)
    desks = coworking.filter(kind__in=DESK_KINDS).select_related("parent")
    assert desks.filter(kind=SpaceKind.HOT_DESK).exists()
    assert desks.filter(kind=SpaceKind.DEDICATED_DESK).exists()
    for desk in desks:
        assert desk.capacity == 1
        assert desk.is_bookable
        assert desk.parent.kind == SpaceKind.COWORKING_AREA
        assert desk.parent.floor_id == desk.floor_id
    kinds = set(coworking.values_list("kind", flat=True))
    assert {
        SpaceKind.BOARDROOM,
        SpaceKind.PHONE_ROOM,
        SpaceKind.EVENT_HALL,
        SpaceKind.COWORKING_AREA,
    } <= kinds
    assert coworking.filter(amenity_kind=AmenityKind.KITCHEN).exists()
    assert set(coworking.filter(kind=SpaceKind.PHONE_ROOM).values_list("features__code", flat=True)) >= {
        "phone_booth_acoustic"
    }
    assert coworking.filter(kind=SpaceKind.BOARDROOM, features__code="video_conferencing").exists()
    assert coworking.filter(kind=SpaceKind.DEDICATED_DESK, features__code="standing_desk").exists()


def test_seed_demo_builds_bookable_pilot_labs():
    # when
    _seed()
    # then
    labs = Space.objects.filter(
        floor__building__campus=_campus(),
        floor__building__kind=BuildingKind.LAB_BUILDING,
        kind=SpaceKind.LAB,
    )
    assert not labs.filter(is_bookable=False).exists()
    names = " | ".join(labs.values_list("name", flat=True))
    for equipment in [
        "SMT",
        "Reflow",
        "3D Printing",
        "Laser Cutting",
        "EMC",
        "Environmental",
        "Electronics Bench",
    ]:
        assert equipment in names
    assert labs.filter(code__contains="SMT", features__code="esd_protection").exists()


def test_seed_demo_names_everything_in_both_languages():
    # when
    _seed()
    # then
    campus = _campus()
    for queryset in [
        Campus.objects.filter(pk=campus.pk),
        Zone.objects.filter(campus=campus),
        Building.objects.filter(campus=campus),
        Space.objects.in_campus(campus.pk),
        Feature.objects.all(),
    ]:
        assert queryset.exists()
        assert not queryset.filter(name="").exists()
        assert not queryset.filter(name_zh="").exists()


def test_seed_demo_rows_pass_model_validation():
    # given
    _seed()
    campus = _campus()
    # when / then: the bulk inserts skip full_clean(), so check the rules it would have applied
    rows: list[Model] = [
        campus,
        *Zone.objects.filter(campus=campus),
        *Building.objects.filter(campus=campus).select_related("zone"),
        *Floor.objects.filter(building__campus=campus).select_related("building"),
        *Space.objects.in_campus(campus.pk).select_related("floor__building", "parent"),
    ]
    assert len(rows) > 500
    for row in rows:
        row.full_clean(validate_unique=False, validate_constraints=False)


def test_seed_demo_prints_logins_that_work():
    # when
    output = _seed()
    # then
    assert DEMO_PASSWORD in output
    for demo in DEMO_USERS:
        assert demo.email in output
        user = authenticate(username=demo.email, password=DEMO_PASSWORD)
        assert user is not None
        assert user.is_staff == demo.is_staff
    staff = User.objects.get(email=DEMO_USERS[0].email)
    assert staff.is_staff
    founders = User.objects.filter(email__in=[d.email for d in DEMO_USERS if d.role == "founder"])
    assert founders.count() >= 2
    assert not founders.filter(is_staff=True).exists()
    assert founders.filter(preferred_language=Language.CHINESE).exists()
    assert "bookable spaces:" in output


def test_seed_demo_twice_leaves_the_same_data():
    # given
    _seed()
    before = _snapshot()
    # when
    output = _seed()
    # then
    assert _snapshot() == before
    assert "rows written: 0" in output
    assert authenticate(username=DEMO_USERS[0].email, password=DEMO_PASSWORD) is not None


def test_seed_demo_restores_drifted_demo_rows_and_leaves_other_rows_alone():
    # given
    _seed()
    before = _snapshot()
    campus = _campus()
    suite = Space.objects.in_campus(campus.pk).filter(kind=SpaceKind.OFFICE_SUITE).first()
    suite.name = "Renamed"
    suite.save()
    suite.features.add(Feature.objects.get(code="projector"))  # a stray link
    desk = Space.objects.in_campus(campus.pk).filter(kind=SpaceKind.DEDICATED_DESK).first()
    desk.features.clear()  # missing links
    Feature.objects.filter(code="whiteboard").update(name_zh="")
    staff = User.objects.get(email=DEMO_USERS[0].email)
    staff.set_password("forgotten")
    staff.is_staff = False
    staff.save()
    own_building = BuildingFactory(campus=campus, code="X9", name="Staff-made building")
    # when
    _seed()
    # then
    after = _snapshot()
    own_row = next(r for r in after["spaces.Building"] if r[0] == own_building.pk)
    after["spaces.Building"].discard(own_row)
    links = Space.features.through._meta.label
    # the cleared links come back as new rows, so compare them without their ids
    assert {link[1:] for link in after.pop(links)} == {link[1:] for link in before.pop(links)}
    assert after == before
    assert authenticate(username=DEMO_USERS[0].email, password=DEMO_PASSWORD) is not None


def test_seed_demo_scale_adds_bookable_spaces_and_stays_idempotent():
    # given
    _seed()
    campus = _campus()
    at_scale_1 = Space.objects.in_campus(campus.pk).bookable().count()
    ids_at_scale_1 = set(Space.objects.in_campus(campus.pk).values_list("id", flat=True))
    # when
    _seed("--scale", "3")
    before = _snapshot()
    output = _seed("--scale", "3")
    # then
    assert _snapshot() == before
    assert "rows written: 0" in output
    at_scale_3 = Space.objects.in_campus(campus.pk).bookable().count()
    assert at_scale_3 > 2 * at_scale_1
    assert ids_at_scale_1 <= set(Space.objects.in_campus(campus.pk).values_list("id", flat=True))
    assert Building.objects.filter(campus=campus, kind=BuildingKind.COWORKING).count() == 3


def test_seed_demo_rerun_queries_do_not_grow_with_scale():
    # given
    _seed()
    with CaptureQueriesContext(connection) as at_scale_1:
        _seed()
    _seed("--scale", "3")
    # when
    with CaptureQueriesContext(connection) as at_scale_3:
        _seed("--scale", "3")
    # then
    assert len(at_scale_3) == len(at_scale_1) < 50  # every app's rerun: spaces, tenants, bookings


def test_seed_demo_rejects_a_scale_below_one():
    # when / then
    with pytest.raises(CommandError, match="at least 1"):
        _seed("--scale", "0")
    assert not Campus.objects.exists()


def test_seed_demo_failure_leaves_nothing_half_seeded(mocker):
    # given: the last step fails, after every campus row has been written
    mocker.patch("spaces.demo._sync_users", side_effect=RuntimeError("boom"))
    # when
    with pytest.raises(RuntimeError, match="boom"):
        _seed()
    # then
    assert not Campus.objects.exists()
    assert not Space.objects.exists()
    assert not Feature.objects.exists()
