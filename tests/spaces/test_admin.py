import re
from decimal import Decimal
from html import unescape
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from spaces.models import AmenityKind, BuildingKind, Space, SpaceKind
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

MODELS = ["campus", "zone", "building", "floor", "feature", "space"]


@pytest.fixture
def staff_browser(client, staff_user):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    return client


@pytest.fixture
def park() -> SimpleNamespace:
    """Zhangjiang: Tower A (12F: a boardroom, a coworking area with a desk; 1F: a cafeteria),
    and a second campus with one room."""
    projector = FeatureFactory(code="projector", name="Projector", name_zh="投影仪")
    campus = CampusFactory(code="zhangjiang", name="Zhangjiang Park", name_zh="张江园区")
    zone = ZoneFactory(campus=campus, code="towers", name="Towers", name_zh="塔楼区")
    building = BuildingFactory(
        campus=campus,
        zone=zone,
        code="tower-a",
        name="Tower A",
        name_zh="A座",
        kind=BuildingKind.TOWER,
    )
    floor = FloorFactory(building=building, number=12, label="12F")
    boardroom = SpaceFactory(
        floor=floor,
        code="BR-1201",
        name="Boardroom Yangtze",
        name_zh="长江会议室",
        features=[projector],
    )
    area = CoworkingAreaFactory(floor=floor, code="CW-12", name="Coworking 12")
    desk = DeskFactory(floor=floor, parent=area, code="D-12-01", name="Desk 1")
    ground = FloorFactory(building=building, number=1, label="1F")
    cafeteria = SpaceFactory(
        floor=ground,
        code="CAF-1",
        name="Cafeteria",
        name_zh="食堂",
        kind=SpaceKind.AMENITY,
        amenity_kind=AmenityKind.CAFETERIA,
        capacity=120,
        area_m2=Decimal("300"),
        is_bookable=False,
    )
    other_campus = CampusFactory(code="caohejing", name="Caohejing Park", name_zh="漕河泾园区")
    elsewhere = SpaceFactory(
        floor__building__campus=other_campus,
        floor__building__name="Lab Block",
        code="LAB-1",
        name="Wet lab",
        kind=SpaceKind.LAB,
    )
    return SimpleNamespace(
        projector=projector,
        campus=campus,
        zone=zone,
        building=building,
        floor=floor,
        boardroom=boardroom,
        area=area,
        desk=desk,
        cafeteria=cafeteria,
        other_campus=other_campus,
        elsewhere=elsewhere,
    )


def _obj(park: SimpleNamespace, model: str):  # type: ignore[no-untyped-def]
    return {
        "campus": park.campus,
        "zone": park.zone,
        "building": park.building,
        "floor": park.floor,
        "feature": park.projector,
        "space": park.boardroom,
    }[model]


def _url(model: str, view: str, *args: object) -> str:
    return reverse(f"admin:spaces_{model}_{view}", args=args)


def _change_url(obj) -> str:  # type: ignore[no-untyped-def]
    return _url(obj._meta.model_name, "change", obj.pk)


def _codes(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {obj.code for obj in response.context["cl"].result_list}


def _breadcrumbs(response) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """The campus-path breadcrumbs as (text, link or None), in order."""
    match = re.search(r'<div class="breadcrumbs campus-path">(.*?)</div>', response.content.decode(), re.S)
    assert match, "the page has no campus path breadcrumbs"
    crumbs = []
    for part in match.group(1).split("&rsaquo;"):
        link = re.search(r'<a href="([^"]*)">(.*?)</a>', part, re.S)
        if link:
            crumbs.append((unescape(link.group(2)).strip(), link.group(1)))
        else:
            crumbs.append((unescape(part).strip(), None))
    return crumbs


def _head(model: str) -> list[tuple[str, str | None]]:
    """Home › Campus and spaces › <model plural>."""
    plural = {"campus": "Campuses"}.get(model, f"{model.capitalize()}s")
    return [
        ("Home", reverse("admin:index")),
        ("Campus and spaces", reverse("admin:app_list", args=["spaces"])),
        (plural, _url(model, "changelist")),
    ]


def _make_spaces(count: int) -> None:
    """``count`` spaces with features: a coworking area with desks, and rooms each on its own campus."""
    features = [FeatureFactory(code="projector"), FeatureFactory(code="whiteboard")]
    zone = ZoneFactory()
    area = CoworkingAreaFactory(
        floor__building__campus=zone.campus, floor__building__zone=zone, features=features
    )
    desks = (count - 1) // 2
    DeskFactory.create_batch(desks, floor=area.floor, parent=area, features=features)
    SpaceFactory.create_batch(count - 1 - desks, features=features)


def _building_in_a_zone():  # type: ignore[no-untyped-def]
    zone = ZoneFactory()
    return BuildingFactory(campus=zone.campus, zone=zone)


def _queries(client, url: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
    assert response.status_code == 200
    return len(queries), response


# --- smoke: every page renders for staff -------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "text"),
    [
        ("campus", "张江园区"),
        ("zone", "塔楼区"),
        ("building", "A座"),
        ("floor", "12F"),
        ("feature", "投影仪"),
        ("space", "长江会议室"),
    ],
)
def test_changelist_lists_objects_for_staff(staff_browser, park, model, text):
    # when
    response = staff_browser.get(_url(model, "changelist"))
    # then
    assert response.status_code == 200
    assert _obj(park, model) in response.context["cl"].result_list
    assertContains(response, text)


@pytest.mark.parametrize("model", MODELS)
def test_change_page_renders_the_object_for_staff(staff_browser, park, model):
    # given
    obj = _obj(park, model)
    # when
    response = staff_browser.get(_change_url(obj))
    # then
    assert response.status_code == 200
    assert response.context["original"] == obj
    assertContains(response, f'id="{model}_form"')
    assertContains(response, obj.code if model != "floor" else obj.label)


@pytest.mark.parametrize("model", MODELS)
def test_add_page_renders_an_empty_form_with_the_usual_breadcrumbs(staff_browser, model):
    # when
    response = staff_browser.get(_url(model, "add"))
    # then
    assert response.status_code == 200
    assertContains(response, f'id="{model}_form"')
    assertContains(response, f"Add {model}")
    assertNotContains(response, "campus-path")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("view", ["changelist", "add"])
def test_admin_sends_non_staff_to_the_login_page(client, user, model, view):
    # given
    client.force_login(user)
    url = _url(model, view)
    # when
    response = client.get(url)
    # then
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


def test_admin_sends_anonymous_visitors_to_the_login_page(client, park):
    # given
    url = _change_url(park.boardroom)
    # when
    response = client.get(url)
    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# --- the path: breadcrumbs ---------------------------------------------------------------------------


def test_space_change_page_breadcrumbs_link_campus_building_and_floor(staff_browser, park):
    # when
    response = staff_browser.get(_change_url(park.boardroom))
    # then
    assert _breadcrumbs(response) == [
        *_head("space"),
        ("Zhangjiang Park", _change_url(park.campus)),
        ("Tower A", _change_url(park.building)),
        ("12F", _change_url(park.floor)),
        ("BR-1201 Boardroom Yangtze", None),
    ]


def test_desk_change_page_breadcrumbs_include_its_coworking_area(staff_browser, park):
    # when
    response = staff_browser.get(_change_url(park.desk))
    # then
    assert _breadcrumbs(response)[3:] == [
        ("Zhangjiang Park", _change_url(park.campus)),
        ("Tower A", _change_url(park.building)),
        ("12F", _change_url(park.floor)),
        ("CW-12 Coworking 12", _change_url(park.area)),
        ("D-12-01 Desk 1", None),
    ]


@pytest.mark.parametrize(
    ("model", "path"),
    [
        ("campus", ["Zhangjiang Park"]),
        ("zone", ["Zhangjiang Park", "Towers"]),
        ("building", ["Zhangjiang Park", "Tower A"]),
        ("floor", ["Zhangjiang Park", "Tower A", "12F"]),
    ],
)
def test_change_page_breadcrumbs_show_the_path_down_to_the_object(staff_browser, park, model, path):
    # when
    response = staff_browser.get(_change_url(_obj(park, model)))
    # then
    crumbs = _breadcrumbs(response)
    assert crumbs[:3] == _head(model)
    assert [text for text, _ in crumbs[3:]] == path
    assert all(link for _, link in crumbs[3:-1])
    assert crumbs[-1][1] is None


def test_feature_change_page_keeps_the_usual_breadcrumbs(staff_browser, park):
    # when
    response = staff_browser.get(_change_url(park.projector))
    # then
    assertNotContains(response, "campus-path")
    assertContains(response, '<div class="breadcrumbs">')


@pytest.mark.parametrize(("view", "action"), [("delete", "Delete"), ("history", "History")])
def test_space_delete_and_history_pages_show_the_path(staff_browser, park, view, action):
    # when
    response = staff_browser.get(_url("space", view, park.boardroom.pk))
    # then
    assert response.status_code == 200
    assert _breadcrumbs(response)[3:] == [
        ("Zhangjiang Park", _change_url(park.campus)),
        ("Tower A", _change_url(park.building)),
        ("12F", _change_url(park.floor)),
        ("BR-1201 Boardroom Yangtze", _change_url(park.boardroom)),
        (action, None),
    ]


# --- the path: changelist columns --------------------------------------------------------------------


def test_space_changelist_links_each_row_to_its_campus_building_floor_and_area(staff_browser, park):
    # when
    response = staff_browser.get(_url("space", "changelist"), {"q": "D-12-01"})
    # then
    assert _codes(response) == {"D-12-01"}
    assertContains(response, f'<a href="{_change_url(park.campus)}">Zhangjiang Park</a>', html=True)
    assertContains(response, f'<a href="{_change_url(park.building)}">Tower A</a>', html=True)
    assertContains(response, f'<a href="{_change_url(park.floor)}">12F</a>', html=True)
    assertContains(response, f'<a href="{_change_url(park.area)}">CW-12 Coworking 12</a>', html=True)


def test_space_changelist_lists_features(staff_browser, park):
    # when
    response = staff_browser.get(_url("space", "changelist"), {"q": "BR-1201"})
    # then
    assertContains(response, '<td class="field-feature_list">Projector</td>', html=True)


def test_floor_changelist_links_each_row_to_its_building_and_campus(staff_browser, park):
    # when
    response = staff_browser.get(_url("floor", "changelist"), {"building__id__exact": park.building.pk})
    # then
    assert {floor.label for floor in response.context["cl"].result_list} == {"1F", "12F"}
    assertContains(response, f'<a href="{_change_url(park.building)}">Tower A</a>', html=True, count=2)
    assertContains(response, f'<a href="{_change_url(park.campus)}">Zhangjiang Park</a>', html=True, count=2)


def test_building_changelist_links_each_row_to_its_campus_and_zone(staff_browser, park):
    # when
    response = staff_browser.get(_url("building", "changelist"), {"q": "tower-a"})
    # then
    assert _codes(response) == {"tower-a"}
    assertContains(response, f'<a href="{_change_url(park.campus)}">Zhangjiang Park</a>', html=True)
    assertContains(response, f'<a href="{_change_url(park.zone)}">Towers</a>', html=True)


# --- search and filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda p: {"q": "br-1201"}, {"BR-1201"}),
        (lambda p: {"q": "长江"}, {"BR-1201"}),
        (lambda p: {"q": "Cafeteria"}, {"CAF-1"}),
        (lambda p: {"q": "A座"}, {"BR-1201", "CW-12", "D-12-01", "CAF-1"}),
        (lambda p: {"kind__exact": SpaceKind.LAB}, {"LAB-1"}),
        (lambda p: {"amenity_kind__exact": AmenityKind.CAFETERIA}, {"CAF-1"}),
        (lambda p: {"floor__building__campus__id__exact": p.other_campus.pk}, {"LAB-1"}),
        (
            lambda p: {"floor__building__id__exact": p.building.pk, "is_bookable__exact": "1"},
            {"BR-1201", "CW-12", "D-12-01"},
        ),
        (lambda p: {"features__id__exact": p.projector.pk}, {"BR-1201"}),
        (lambda p: {"is_bookable__exact": "0"}, {"CAF-1"}),
    ],
)
def test_space_changelist_search_and_filters_narrow_the_rows(staff_browser, park, params, expected):
    # when
    response = staff_browser.get(_url("space", "changelist"), params(park))
    # then
    assert _codes(response) == expected


def test_space_changelist_without_filters_lists_every_space(staff_browser, park):
    # when
    response = staff_browser.get(_url("space", "changelist"))
    # then
    assert _codes(response) == {"BR-1201", "CW-12", "D-12-01", "CAF-1", "LAB-1"}


@pytest.mark.parametrize(
    ("model", "params", "expected"),
    [
        ("campus", {"q": "漕河泾"}, {"caohejing"}),
        ("zone", {"q": "塔楼"}, {"towers"}),
        ("building", {"q": "A座"}, {"tower-a"}),
        ("building", {"kind__exact": BuildingKind.TOWER}, {"tower-a"}),
        ("feature", {"q": "投影"}, {"projector"}),
    ],
)
def test_changelist_search_and_filters_narrow_the_rows(staff_browser, park, model, params, expected):
    # when
    response = staff_browser.get(_url(model, "changelist"), params)
    # then
    assert _codes(response) == expected


def test_building_changelist_filters_by_zone_labelled_with_its_campus(staff_browser, park):
    # given
    ZoneFactory(campus=park.other_campus, name="Labs")
    # when
    response = staff_browser.get(_url("building", "changelist"), {"zone__id__exact": park.zone.pk})
    # then
    assert _codes(response) == {"tower-a"}
    assertContains(response, "Zhangjiang Park › Towers")
    assertContains(response, "Caohejing Park › Labs")


def test_floor_changelist_searches_building_names_in_chinese(staff_browser, park):
    # when
    response = staff_browser.get(_url("floor", "changelist"), {"q": "A座"})
    # then
    assert {floor.label for floor in response.context["cl"].result_list} == {"1F", "12F"}


# --- inlines -----------------------------------------------------------------------------------------


def test_campus_change_page_lists_zones_and_buildings_with_links(staff_browser, park):
    # when
    response = staff_browser.get(_change_url(park.campus))
    # then
    formsets = {f.formset.prefix: f.formset for f in response.context["inline_admin_formsets"]}
    assert [form.instance for form in formsets["zones"].forms] == [park.zone]
    assert [form.instance for form in formsets["buildings"].forms] == [park.building]
    assertContains(response, _change_url(park.building))
    assertContains(response, f'<a href="{_change_url(park.zone)}">Zhangjiang Park › Towers</a>', html=True)


def test_floor_change_page_lists_its_spaces_with_links(staff_browser, park):
    # when
    response = staff_browser.get(_change_url(park.floor))
    # then
    (spaces,) = [f.formset for f in response.context["inline_admin_formsets"]]
    assert {form.instance.code for form in spaces.forms} == {"BR-1201", "CW-12", "D-12-01"}
    assertContains(response, _change_url(park.desk))
    assertContains(response, f'<a href="{_change_url(park.area)}">CW-12 Coworking 12</a>', html=True)


def test_building_change_page_lists_its_floors(staff_browser, park):
    # when
    response = staff_browser.get(_change_url(park.building))
    # then
    (floors,) = [f.formset for f in response.context["inline_admin_formsets"]]
    assert [form.instance.label for form in floors.forms] == ["1F", "12F"]
    assertContains(response, _change_url(park.floor))


# --- query counts ------------------------------------------------------------------------------------


def test_space_changelist_runs_the_same_queries_for_5_and_50_spaces(staff_browser):
    # given
    url = _url("space", "changelist")
    _make_spaces(5)
    staff_browser.get(url)  # warm per-process caches
    # when
    with_5, response_5 = _queries(staff_browser, url)
    _make_spaces(45)
    with_50, response_50 = _queries(staff_browser, url)
    # then
    assert len(response_5.context["cl"].result_list) == 5
    assert len(response_50.context["cl"].result_list) == Space.objects.count() == 50
    assert with_50 == with_5


def test_space_changelist_query_count(staff_browser, django_assert_num_queries):
    # given
    _make_spaces(10)
    url = _url("space", "changelist")
    staff_browser.get(url)
    # when
    # session, user, the choices of the campus, building and feature filters,
    # COUNT filtered and unfiltered, the rows with their path, the rows' features
    with django_assert_num_queries(9):
        response = staff_browser.get(url)
    # then
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 10


def test_space_changelist_filtered_runs_the_same_queries_for_5_and_50_spaces(staff_browser):
    # given
    url = _url("space", "changelist")
    _make_spaces(5)
    params = {"features__id__exact": str(FeatureFactory(code="projector").pk), "q": "S"}
    staff_browser.get(url, params)
    # when
    with_5, _ = _queries(staff_browser, url, params)
    _make_spaces(45)
    with_50, response = _queries(staff_browser, url, params)
    # then
    assert response.context["cl"].result_count > 5
    assert with_50 == with_5


@pytest.mark.parametrize("model", ["building", "floor", "zone", "campus"])
def test_changelist_runs_the_same_queries_for_5_and_50_rows(staff_browser, model):
    # given
    url = _url(model, "changelist")
    factory = {
        "building": _building_in_a_zone,
        "floor": FloorFactory,
        "zone": ZoneFactory,
        "campus": CampusFactory,
    }[model]
    for _ in range(5):
        factory()
    staff_browser.get(url)
    # when
    with_5, response_5 = _queries(staff_browser, url)
    for _ in range(45):
        factory()
    with_50, response_50 = _queries(staff_browser, url)
    # then
    assert response_5.context["cl"].result_count < response_50.context["cl"].result_count
    assert len(response_50.context["cl"].result_list) >= 50
    assert with_50 == with_5


def test_building_and_floor_changelist_query_counts(staff_browser, django_assert_num_queries):
    # given
    for _ in range(3):
        FloorFactory(building=_building_in_a_zone())
    staff_browser.get(_url("building", "changelist"))
    staff_browser.get(_url("floor", "changelist"))
    # when / then
    # session, user, campus and zone filter choices, COUNT filtered and unfiltered, rows with campus and zone
    with django_assert_num_queries(7):
        staff_browser.get(_url("building", "changelist"))
    # session, user, campus and building filter choices, COUNT filtered and unfiltered, rows with the path
    with django_assert_num_queries(7):
        staff_browser.get(_url("floor", "changelist"))


@pytest.mark.parametrize(
    ("parent", "add_rows"),
    [
        (
            lambda: CampusFactory(),
            lambda campus, n: [
                BuildingFactory(campus=campus, zone=ZoneFactory(campus=campus)) for _ in range(n)
            ],
        ),
        (
            lambda: BuildingFactory(floors_above_ground=60),
            lambda building, n: [
                FloorFactory(building=building, number=building.floors.count() + 1) for _ in range(n)
            ],
        ),
        (
            lambda: CoworkingAreaFactory().floor,
            lambda floor, n: DeskFactory.create_batch(n, floor=floor, parent=floor.spaces.first()),
        ),
    ],
    ids=["campus", "building", "floor"],
)
def test_change_page_inlines_run_the_same_queries_for_2_and_20_rows(staff_browser, parent, add_rows):
    # given
    obj = parent()
    add_rows(obj, 2)
    url = _change_url(obj)
    staff_browser.get(url)
    # when
    with_2, _ = _queries(staff_browser, url)
    add_rows(obj, 18)
    with_20, response = _queries(staff_browser, url)
    # then
    rows = sum(len(f.formset.forms) for f in response.context["inline_admin_formsets"])
    assert rows >= 20
    assert with_20 == with_2


def test_space_change_page_query_count(staff_browser, park, django_assert_num_queries):
    # given
    park.desk.features.add(park.projector)
    url = _change_url(park.desk)
    staff_browser.get(url)
    # when / then
    # session, user, the desk with its path and area, its features,
    # and the selected floor, area and features in the autocomplete widgets
    with django_assert_num_queries(7):
        response = staff_browser.get(url)
    assert response.context["original"] == park.desk


def test_floor_autocomplete_labels_floors_with_their_building_in_constant_queries(staff_browser):
    # given
    url = reverse("admin:autocomplete")
    params = {"app_label": "spaces", "model_name": "space", "field_name": "floor", "term": "F"}
    FloorFactory.create_batch(3)
    staff_browser.get(url, params)
    # when
    with_3, _ = _queries(staff_browser, url, params)
    FloorFactory.create_batch(12)
    with_15, response = _queries(staff_browser, url, params)
    # then
    results = response.json()["results"]
    assert len(results) == 15
    assert all(re.fullmatch(r"Building \d+ \d+F", row["text"]) for row in results)
    assert with_15 == with_3
