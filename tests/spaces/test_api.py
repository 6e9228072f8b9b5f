from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spaces.models import Building, Campus, Floor, Space, SpaceKind, Zone
from tests.spaces.factories import (
    BuildingFactory,
    CampusFactory,
    CoworkingAreaFactory,
    DeskFactory,
    FeatureFactory,
    FloorFactory,
    SpaceFactory,
    ZoneFactory,
)

pytestmark = pytest.mark.django_db


def _ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    return {row["id"] for row in response.json()["results"]}


# --- reading ------------------------------------------------------------------------------------------


def test_space_list_requires_sign_in(api_client):
    # when
    response = api_client.get(reverse("api:space-list"))
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


def test_space_list_shows_the_path_and_features(user_client):
    # given
    projector = FeatureFactory(code="projector")
    space = SpaceFactory(features=[projector], floor__label="12F", floor__building__name="Tower A")
    # when
    response = user_client.get(reverse("api:space-list"))
    # then
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["id"] == space.pk
    assert row["features"] == ["projector"]
    assert row["path"]["building"]["name"] == "Tower A"
    assert row["path"]["floor_label"] == "12F"
    assert row["path"]["campus"]["id"] == space.floor.building.campus_id


def _count_list_queries(client, n: int) -> int:  # type: ignore[no-untyped-def]
    Space.objects.filter(parent__isnull=False).delete()
    Space.objects.all().delete()
    features = [FeatureFactory(code="projector"), FeatureFactory(code="whiteboard")]
    floor = FloorFactory()
    area = CoworkingAreaFactory(floor=floor)
    for i in range(n):
        if i % 2:
            DeskFactory(floor=floor, parent=area, features=features)
        else:
            SpaceFactory(floor=FloorFactory(), features=features)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("api:space-list"), {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] == n + 1
    return len(ctx.captured_queries)


def test_space_list_runs_the_same_queries_for_5_and_50_rows(user_client, django_assert_num_queries):
    # given / when
    few = _count_list_queries(user_client, 5)
    many = _count_list_queries(user_client, 50)
    # then: session + user, COUNT, one joined SELECT, one prefetch of features
    assert few == many
    with django_assert_num_queries(few):
        user_client.get(reverse("api:space-list"), {"page_size": 100})


@pytest.mark.parametrize(
    ("name", "list_url"),
    [("campus", "api:campus-list"), ("building", "api:building-list"), ("floor", "api:floor-list")],
)
def test_other_lists_run_constant_queries(user_client, name, list_url):
    # given
    def counted() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = user_client.get(reverse(list_url), {"page_size": 100})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    FloorFactory.create_batch(3)
    few = counted()
    FloorFactory.create_batch(30)
    # then
    assert counted() == few


def test_space_filters_by_kind_place_capacity_feature_and_text(user_client):
    # given
    projector, vc = FeatureFactory(code="projector"), FeatureFactory(code="video_conferencing")
    floor = FloorFactory(label="12F")
    big = SpaceFactory(floor=floor, capacity=20, name="Great Hall Room", features=[projector, vc])
    small = SpaceFactory(floor=floor, capacity=4, name="Huddle", name_zh="小会议室", features=[projector])
    phone = SpaceFactory(kind=SpaceKind.PHONE_ROOM, capacity=1, is_bookable=False)
    url = reverse("api:space-list")
    # when / then
    assert _ids(user_client.get(url, {"kind": "boardroom"})) == {big.pk, small.pk}
    assert _ids(user_client.get(url, {"kind": ["boardroom", "phone_room"]})) == {big.pk, small.pk, phone.pk}
    assert _ids(user_client.get(url, {"building": floor.building_id})) == {big.pk, small.pk}
    assert _ids(user_client.get(url, {"floor": floor.pk})) == {big.pk, small.pk}
    assert _ids(user_client.get(url, {"campus": phone.floor.building.campus_id})) == {phone.pk}
    assert _ids(user_client.get(url, {"capacity_min": 5})) == {big.pk}
    assert _ids(user_client.get(url, {"capacity_min": 2, "capacity_max": 10})) == {small.pk}
    assert _ids(user_client.get(url, {"feature": "projector"})) == {big.pk, small.pk}
    assert _ids(user_client.get(url, {"feature": "projector,video_conferencing"})) == {big.pk}
    assert _ids(user_client.get(url, {"is_bookable": "false"})) == {phone.pk}
    assert _ids(user_client.get(url, {"q": "huddle"})) == {small.pk}
    assert _ids(user_client.get(url, {"q": "小会议"})) == {small.pk}


def test_space_filter_rejects_an_unknown_kind_with_a_400(user_client):
    response = user_client.get(reverse("api:space-list"), {"kind": "spaceship"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_choice"
    assert "kind" in body["errors"]


def test_building_capacity_sums_active_spaces_by_floor_and_kind(user_client):
    # given
    building = BuildingFactory()
    f1, f2 = FloorFactory(building=building, number=1), FloorFactory(building=building, number=2)
    area = CoworkingAreaFactory(floor=f1, capacity=30, area_m2=Decimal("300"))
    DeskFactory.create_batch(3, floor=f1, parent=area, area_m2=Decimal("4"))
    SpaceFactory(floor=f2, capacity=10, area_m2=Decimal("40"))
    SpaceFactory(floor=f2, capacity=99, area_m2=Decimal("99"), is_active=False)  # not counted
    # when
    response = user_client.get(reverse("api:building-capacity", args=[building.pk]))
    # then
    assert response.status_code == 200
    data = response.json()
    assert data["totals"] == {"spaces": 5, "capacity": 43, "area_m2": "352.00"}
    assert data["by_kind"]["hot_desk"] == {"spaces": 3, "capacity": 3, "area_m2": "12.00"}
    floors = {f["label"]: f for f in data["floors"]}
    assert floors[f2.label]["by_kind"] == {"boardroom": {"spaces": 1, "capacity": 10, "area_m2": "40.00"}}
    assert floors[f1.label]["totals"]["capacity"] == 33


def test_campus_capacity_groups_by_building_kind(user_client):
    # given
    campus = CampusFactory()
    tower = BuildingFactory(campus=campus, kind="tower")
    lab = BuildingFactory(campus=campus, kind="lab_building")
    SpaceFactory(
        floor__building=tower, kind="office_suite", capacity=40, area_m2=Decimal("500"), is_bookable=False
    )
    SpaceFactory(floor__building=lab, kind="lab", capacity=6, area_m2=Decimal("120"))
    SpaceFactory(capacity=1000)  # another campus
    # when
    data = user_client.get(reverse("api:campus-capacity", args=[campus.pk])).json()
    # then
    assert data["totals"]["capacity"] == 46
    assert data["by_building_kind"]["tower"]["area_m2"] == "500.00"
    assert data["by_building_kind"]["lab_building"]["spaces"] == 1
    assert [b["building"] for b in data["buildings"]] == sorted(
        [tower.pk, lab.pk], key=lambda pk: Building.objects.get(pk=pk).code
    )


# --- writing ------------------------------------------------------------------------------------------


def test_non_staff_cannot_write(user_client):
    floor = FloorFactory()
    response = user_client.post(
        reverse("api:space-list"),
        {"floor": floor.pk, "code": "X1", "name": "X", "kind": "boardroom", "capacity": 4, "area_m2": "10"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Space.objects.exists()


def test_staff_creates_a_space_with_features(staff_client):
    # given
    floor = FloorFactory()
    FeatureFactory(code="whiteboard")
    # when
    response = staff_client.post(
        reverse("api:space-list"),
        {
            "floor": floor.pk,
            "code": "1203",
            "name": "Boardroom 1203",
            "name_zh": "1203会议室",
            "kind": "boardroom",
            "capacity": 10,
            "area_m2": "36.5",
            "features": ["whiteboard"],
            "is_bookable": True,
        },
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    space = Space.objects.get(pk=response.json()["id"])
    assert list(space.features.values_list("code", flat=True)) == ["whiteboard"]
    assert space.area_m2 == Decimal("36.50")


BAD_SPACE_INPUTS = [
    ({"capacity": 0}, "capacity", "min_value"),
    ({"capacity": -3}, "capacity", "min_value"),
    ({"area_m2": "0"}, "area_m2", "min_value"),
    ({"kind": "castle"}, "kind", "invalid_choice"),
    ({"kind": "amenity"}, "non_field_errors", "spaces_space_amenity_kind_iff_amenity"),
    ({"kind": "hot_desk", "capacity": 1}, "non_field_errors", "spaces_space_desk_has_area"),
    ({"kind": "hot_desk", "capacity": 3}, "non_field_errors", "spaces_space_desk_seats_one"),
    ({"code": "bad code!"}, "code", "invalid_code"),
    ({"floor": 999999}, "floor", "does_not_exist"),
    ({"features": ["no-such-feature"]}, "features", "does_not_exist"),
    ({"name": ""}, "name", "blank"),
    ({"capacity": "many"}, "capacity", "invalid"),
]


@pytest.mark.parametrize(("change", "field", "code"), BAD_SPACE_INPUTS)
def test_bad_space_input_is_a_400_with_field_errors_and_writes_nothing(staff_client, change, field, code):
    # given
    floor = FloorFactory()
    payload = {
        "floor": floor.pk,
        "code": "R1",
        "name": "Room",
        "kind": "boardroom",
        "capacity": 4,
        "area_m2": "10",
    }
    payload.update(change)
    # when
    response = staff_client.post(reverse("api:space-list"), payload, format="json")
    # then
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"], body
    assert code in [e["code"] for e in body["errors"][field]], body
    assert body["code"]
    assert body["detail"]
    assert not Space.objects.exists()


def test_duplicate_space_code_on_a_floor_is_a_400(staff_client):
    existing = SpaceFactory(code="R1")
    payload = {
        "floor": existing.floor_id,
        "code": "R1",
        "name": "Room",
        "kind": "boardroom",
        "capacity": 4,
        "area_m2": "10",
    }
    response = staff_client.post(reverse("api:space-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unique"
    assert Space.objects.count() == 1


def test_desk_parent_on_another_floor_is_a_400(staff_client):
    area = CoworkingAreaFactory()
    payload = {
        "floor": FloorFactory().pk, "parent": area.pk, "code": "D1", "name": "Desk",
        "kind": "hot_desk", "capacity": 1, "area_m2": "4",
    }  # fmt: skip
    response = staff_client.post(reverse("api:space-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["parent"][0]["code"] == "parent_other_floor"
    assert Space.objects.count() == 1


def test_update_that_breaks_an_invariant_is_a_400_and_keeps_the_row(staff_client):
    # given
    space = SpaceFactory(capacity=8)
    # when
    response = staff_client.patch(
        reverse("api:space-detail", args=[space.pk]), {"capacity": 0}, format="json"
    )
    # then
    assert response.status_code == 400
    space.refresh_from_db()
    assert space.capacity == 8


BAD_OTHER_INPUTS = [
    (
        "api:campus-list",
        {"code": "x", "name": "X", "time_zone": "Mars/Base"},
        "time_zone",
        "invalid_time_zone",
    ),
    ("api:campus-list", {"code": "not a slug", "name": "X"}, "code", "invalid"),
    ("api:zone-list", {"code": "z", "name": "Z", "kind": "moon"}, "kind", "invalid_choice"),
    (
        "api:building-list",
        {"code": "b", "name": "B", "kind": "tower", "gross_area_m2": "-5"},
        "gross_area_m2",
        "min_value",
    ),
    (
        "api:building-list",
        {"code": "b", "name": "B", "kind": "tower", "gross_area_m2": "5", "floors_above_ground": 0},
        "floors_above_ground",
        "min_value",
    ),
    (
        "api:floor-list",
        {"number": 0, "label": "G", "area_m2": "100"},
        "non_field_errors",
        "spaces_floor_number_not_zero",
    ),
    ("api:floor-list", {"number": 99, "label": "99F", "area_m2": "100"}, "number", "floor_out_of_building"),
    ("api:floor-list", {"number": 2, "label": "2F", "area_m2": "oops"}, "area_m2", "invalid"),
]


@pytest.mark.parametrize(("url", "payload", "field", "code"), BAD_OTHER_INPUTS)
def test_bad_input_to_other_write_endpoints_is_a_400(staff_client, url, payload, field, code):
    # given
    campus = CampusFactory(code="c1")
    building = BuildingFactory(campus=campus, floors_above_ground=10)
    before = (Campus.objects.count(), Zone.objects.count(), Building.objects.count(), Floor.objects.count())
    payload = {**payload}
    if url == "api:zone-list" or url == "api:building-list":
        payload["campus"] = campus.pk
    if url == "api:floor-list":
        payload["building"] = building.pk
    # when
    response = staff_client.post(reverse(url), payload, format="json")
    # then
    assert response.status_code == 400, response.content
    body = response.json()
    assert code in [e["code"] for e in body["errors"][field]], body
    after = (Campus.objects.count(), Zone.objects.count(), Building.objects.count(), Floor.objects.count())
    assert after == before


def test_malformed_json_is_a_400_not_a_500(staff_client):
    response = staff_client.post(reverse("api:space-list"), data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_deleting_a_floor_that_has_spaces_is_refused_with_409(staff_client):
    space = SpaceFactory()
    response = staff_client.delete(reverse("api:floor-detail", args=[space.floor_id]))
    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert Floor.objects.filter(pk=space.floor_id).exists()


def test_zone_of_another_campus_is_refused(staff_client):
    zone = ZoneFactory()
    payload = {
        "campus": CampusFactory().pk,
        "zone": zone.pk,
        "code": "b",
        "name": "B",
        "kind": "tower",
        "gross_area_m2": "100",
    }
    response = staff_client.post(reverse("api:building-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["zone"][0]["code"] == "zone_campus_mismatch"
