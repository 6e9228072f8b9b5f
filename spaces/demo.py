"""The demo campus: an E-Town-style park with towers, a compound, coworking and pilot labs.

``demo_campus_seed(scale=N)`` builds a plan in plain Python from the small tables below,
then writes it level by level (campus, zones, features, buildings, floors, spaces,
feature links) with one read and at most one bulk upsert per level. Rows are keyed
on their unique constraints, so running it again changes nothing: rows that already
hold the planned values are not written at all, and ids stay the same. Rows the plan
does not mention (a building staff added by hand, or the extra coworking buildings
of an earlier, larger ``--scale``) are left alone.

This is demo data for a local install: the users get one fixed, printed password.
``demo_seed(scale=N, stdout=...)`` is the hook ``manage.py seed_demo`` calls: it seeds and
prints the counts and the demo logins.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction

from accounts.models import Language, User
from spaces.models import (
    BOOKABLE_KINDS,
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

DEMO_PASSWORD = "etown-demo-2025"  # noqa: S105 - printed demo login for a local install

CAMPUS = {
    "code": "etown",
    "name": "E-Town Innovation Park",
    "name_zh": "亦庄创新园",
    "address": "18 Kechuang 13th Street, Beijing Economic-Technological Development Area, Beijing",
    "address_zh": "北京市北京经济技术开发区科创十三街18号",
    "time_zone": "Asia/Shanghai",
    "is_active": True,
}

# Zone code = its kind: (kind, name, name_zh).
ZONES = [
    (ZoneKind.OFFICE_TOWERS, "Office Towers", "写字楼区"),
    (ZoneKind.OFFICE_COMPOUND, "Office Compound", "独栋办公区"),
    (ZoneKind.COWORKING, "Coworking Quarter", "联合办公区"),
    (ZoneKind.LAB_DISTRICT, "Pilot Lab District", "中试实验区"),
]

FEATURES = [
    ("projector", "Projector", "投影仪"),
    ("video_conferencing", "Video conferencing", "视频会议系统"),
    ("whiteboard", "Whiteboard", "白板"),
    ("display", "Display screen", "显示屏"),
    ("phone_booth_acoustic", "Acoustic phone booth", "隔音电话亭"),
    ("standing_desk", "Standing desk", "升降桌"),
    ("power_outlets", "Power outlets", "电源插座"),
    ("natural_light", "Natural light", "自然采光"),
    ("sound_system", "Sound system", "音响系统"),
    ("esd_protection", "ESD protection", "防静电"),
    ("fume_extraction", "Fume extraction", "废气排风"),
    ("three_phase_power", "Three-phase power", "三相电"),
]

# Features offered together, by room type.
MEETING_SMALL = ("display", "video_conferencing", "whiteboard", "power_outlets")
MEETING_LARGE = ("projector", "video_conferencing", "whiteboard", "natural_light", "power_outlets")
PHONE_ROOM = ("phone_booth_acoustic", "power_outlets")


@dataclass(frozen=True)
class Room:
    """One line of a room table; ``{floor}`` in a name becomes the floor label (12F)."""

    tag: str
    kind: SpaceKind
    name: str
    name_zh: str
    capacity: int
    area_m2: str
    features: tuple[str, ...] = ()
    amenity_kind: str = ""
    parent: str = ""  # tag of the containing room on the same floor


def _amenity(tag: str, kind: AmenityKind, name: str, name_zh: str, capacity: int, area_m2: str) -> Room:
    return Room(tag, SpaceKind.AMENITY, name, name_zh, capacity, area_m2, amenity_kind=kind)


# --- Office towers: T1, T2, … (two at scale 1, one more every five steps of scale) ---
TOWER_SHAPES = [(32, 2), (36, 2), (30, 1), (40, 3), (34, 2)]  # (floors above, below), cycled
TOWER_PLATE_M2 = Decimal("1600")
TOWER_BASEMENT_M2 = Decimal("2400")
TOWER_BOARDROOM_EVERY = 8  # 8F, 16F, 24F, 32F hold a business centre
TOWER_ROOMS = {
    -1: [
        _amenity("GYM", AmenityKind.GYM, "Fitness Centre", "健身中心", 40, "450"),
        _amenity("MAIL", AmenityKind.MAIL_ROOM, "Mail Room", "收发室", 4, "40"),
    ],
    1: [
        _amenity("COF", AmenityKind.COFFEE_SHOP, "Lobby Coffee", "大堂咖啡", 30, "120"),
        _amenity("LNG", AmenityKind.LOUNGE, "Lobby Lounge", "大堂休息区", 40, "200"),
    ],
}
TOWER_BUSINESS_CENTRE = [
    Room("BR1", SpaceKind.BOARDROOM, "Boardroom {floor}-1", "{floor}会议室1", 10, "40", MEETING_SMALL),
    Room("BR2", SpaceKind.BOARDROOM, "Boardroom {floor}-2", "{floor}会议室2", 20, "70", MEETING_LARGE),
]

# --- Office compound: single-company houses around a green, and the clubhouse ---
COMPOUND_PLATE_M2 = Decimal("900")
COMPOUND_HOUSES = [  # (code, name, name_zh, floors)
    ("C1", "Ginkgo House", "银杏楼", 3),
    ("C2", "Magnolia House", "玉兰楼", 4),
    ("C3", "Pine House", "松风楼", 3),
    ("C4", "Bamboo House", "翠竹楼", 5),
    ("C5", "Willow House", "垂柳楼", 3),
    ("C6", "Peony House", "牡丹楼", 4),
    ("C7", "Lotus House", "荷花楼", 3),
]
CLUBHOUSE = ("C8", "Compound Clubhouse", "园区会所")
CLUBHOUSE_ROOMS = {
    1: [
        _amenity("CAF", AmenityKind.CAFETERIA, "Compound Cafeteria", "园区食堂", 200, "600"),
        _amenity("COF", AmenityKind.COFFEE_SHOP, "Green Coffee", "绿地咖啡", 40, "120"),
        _amenity("PAT", AmenityKind.PATIO, "Garden Patio", "花园露台", 60, "300"),
        _amenity("GRN", AmenityKind.GREEN, "Central Green", "中央绿地", 300, "4000"),
    ],
    2: [
        Room("BR1", SpaceKind.BOARDROOM, "Clubhouse Boardroom", "会所会议室", 16, "60", MEETING_LARGE),
        _amenity("LNG", AmenityKind.LOUNGE, "Clubhouse Lounge", "会所休息厅", 30, "200"),
    ],
}

# --- Coworking: CW1 … CWn, one building per step of scale ---
COWORKING_PLATE_M2 = Decimal("2000")
COWORKING_HOT_DESKS = 24
COWORKING_DEDICATED_DESKS = 16
COWORKING_GROUND_FLOOR = [
    Room(
        "EVT",
        SpaceKind.EVENT_HALL,
        "Event Hall",
        "活动厅",
        120,
        "400",
        ("projector", "sound_system", "display", "power_outlets"),
    ),
    _amenity("LNG", AmenityKind.LOUNGE, "Reception Lounge", "前台休息区", 40, "250"),
    _amenity("MAIL", AmenityKind.MAIL_ROOM, "Mail Room", "收发室", 4, "30"),
]
COWORKING_FLOOR = [
    Room(
        "A",
        SpaceKind.COWORKING_AREA,
        "Hot Desk Area {floor}",
        "{floor}流动工位区",
        COWORKING_HOT_DESKS,
        "360",
        ("natural_light", "power_outlets", "whiteboard"),
    ),
    Room(
        "D",
        SpaceKind.COWORKING_AREA,
        "Dedicated Desk Area {floor}",
        "{floor}固定工位区",
        COWORKING_DEDICATED_DESKS,
        "260",
        ("natural_light", "power_outlets"),
    ),
    *(
        Room(
            f"A{n:02d}",
            SpaceKind.HOT_DESK,
            f"Hot Desk {{floor}}-A{n:02d}",
            f"流动工位 {{floor}}-A{n:02d}",
            1,
            "4",
            ("power_outlets", "standing_desk") if n % 4 == 0 else ("power_outlets",),
            parent="A",
        )
        for n in range(1, COWORKING_HOT_DESKS + 1)
    ),
    *(
        Room(
            f"D{n:02d}",
            SpaceKind.DEDICATED_DESK,
            f"Dedicated Desk {{floor}}-D{n:02d}",
            f"固定工位 {{floor}}-D{n:02d}",
            1,
            "6",
            ("power_outlets", "standing_desk"),
            parent="D",
        )
        for n in range(1, COWORKING_DEDICATED_DESKS + 1)
    ),
    Room("BR1", SpaceKind.BOARDROOM, "Boardroom {floor}-1", "{floor}会议室1", 8, "30", MEETING_SMALL),
    Room("BR2", SpaceKind.BOARDROOM, "Boardroom {floor}-2", "{floor}会议室2", 14, "50", MEETING_LARGE),
    *(
        Room(
            f"PH{n}",
            SpaceKind.PHONE_ROOM,
            f"Phone Room {{floor}}-{n}",
            f"{{floor}}电话间{n}",
            1,
            "3",
            PHONE_ROOM,
        )
        for n in range(1, 4)
    ),
    _amenity("KIT", AmenityKind.KITCHEN, "Kitchen {floor}", "{floor}茶水间", 20, "60"),
]

# --- Hardware pilot labs ---
LAB_BUILDING = ("L1", "Hard-Tech Pilot Lab Building", "硬科技中试楼")
LAB_PLATE_M2 = Decimal("1500")
LAB_BENCHES = 6
LAB_ROOMS = {
    1: [
        Room(
            "SMT",
            SpaceKind.LAB,
            "SMT Line",
            "SMT贴片产线",
            6,
            "240",
            ("esd_protection", "three_phase_power", "power_outlets"),
        ),
        Room(
            "REFLOW",
            SpaceKind.LAB,
            "Reflow Oven Room",
            "回流焊室",
            4,
            "60",
            ("fume_extraction", "three_phase_power", "esd_protection"),
        ),
        Room(
            "EMC",
            SpaceKind.LAB,
            "EMC Pre-compliance Chamber",
            "EMC预兼容测试暗室",
            4,
            "90",
            ("power_outlets",),
        ),
        Room(
            "ENV",
            SpaceKind.LAB,
            "Environmental Test Chamber",
            "环境试验室",
            4,
            "70",
            ("three_phase_power", "power_outlets"),
        ),
    ],
    2: [
        Room(
            "PRINT",
            SpaceKind.LAB,
            "3D Printing Studio",
            "3D打印室",
            8,
            "80",
            ("fume_extraction", "power_outlets"),
        ),
        Room(
            "LASER",
            SpaceKind.LAB,
            "Laser Cutting Room",
            "激光切割室",
            4,
            "50",
            ("fume_extraction", "three_phase_power"),
        ),
        Room(
            "ELEC",
            SpaceKind.LAB,
            "Electronics Lab",
            "电子实验室",
            12,
            "120",
            ("esd_protection", "power_outlets", "whiteboard"),
        ),
        *(
            Room(
                f"ELEC-B{n}",
                SpaceKind.LAB,
                f"Electronics Bench {n}",
                f"电子实验台{n}",
                2,
                "8",
                ("esd_protection", "power_outlets", "display"),
                parent="ELEC",
            )
            for n in range(1, LAB_BENCHES + 1)
        ),
    ],
    3: [
        Room("REVIEW", SpaceKind.BOARDROOM, "Prototype Review Room", "样机评审室", 12, "50", MEETING_SMALL),
        _amenity("KIT", AmenityKind.KITCHEN, "Lab Kitchen", "实验楼茶水间", 10, "30"),
    ],
}


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    preferred_language: str
    role: str
    is_staff: bool = False


DEMO_USERS = [
    DemoUser("staff@etown.example", "Liu Yang", Language.ENGLISH, "staff", is_staff=True),
    DemoUser("li.wei@deeprobotics.example", "李伟", Language.CHINESE, "founder"),
    DemoUser("anna.schmidt@sensorlab.example", "Anna Schmidt", Language.ENGLISH, "founder"),
    DemoUser("zhang.min@greenbattery.example", "Zhang Min", Language.ENGLISH, "founder"),
]


# --- The plan: what the campus should look like, before touching the database ---


@dataclass(frozen=True)
class SpacePlan:
    code: str
    name: str
    name_zh: str
    kind: str
    capacity: int
    area_m2: Decimal
    features: tuple[str, ...] = ()
    amenity_kind: str = ""
    parent: str = ""  # code of the containing space on the same floor


@dataclass(frozen=True)
class FloorPlan:
    number: int
    area_m2: Decimal
    spaces: list[SpacePlan] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.number}F" if self.number > 0 else f"B{-self.number}"


@dataclass(frozen=True)
class BuildingPlan:
    code: str
    name: str
    name_zh: str
    kind: str
    zone: str
    floors: list[FloorPlan]

    @property
    def floors_above_ground(self) -> int:
        return max(f.number for f in self.floors)

    @property
    def floors_below_ground(self) -> int:
        return max(0, -min(f.number for f in self.floors))

    @property
    def gross_area_m2(self) -> Decimal:
        return sum((f.area_m2 for f in self.floors), Decimal("0"))


def _rooms(building: str, label: str, rooms: Iterable[Room]) -> list[SpacePlan]:
    def code(tag: str) -> str:
        return f"{building}-{label}-{tag}"

    return [
        SpacePlan(
            code=code(r.tag),
            name=r.name.format(floor=label),
            name_zh=r.name_zh.format(floor=label),
            kind=r.kind,
            capacity=r.capacity,
            area_m2=Decimal(r.area_m2),
            features=r.features,
            amenity_kind=r.amenity_kind,
            parent=code(r.parent) if r.parent else "",
        )
        for r in rooms
    ]


def _suites(building: str, floor: int, count: int, usable_m2: Decimal) -> list[SpacePlan]:
    """Office suites numbered as in the lift lobby: 1201, 1202 … → code ``T1-1201``."""
    area = (usable_m2 / count).quantize(Decimal("0.01"))
    return [
        SpacePlan(
            code=f"{building}-{floor * 100 + n}",
            name=f"Suite {floor * 100 + n}",
            name_zh=f"{floor * 100 + n}室",
            kind=SpaceKind.OFFICE_SUITE,
            capacity=int(area // 8),  # about 8 m² a workstation
            area_m2=area,
            features=("natural_light",),
        )
        for n in range(1, count + 1)
    ]


def _floor(building: str, number: int, area_m2: Decimal, rooms: Iterable[Room] = ()) -> FloorPlan:
    floor = FloorPlan(number, area_m2)
    floor.spaces.extend(_rooms(building, floor.label, rooms))
    return floor


def _tower(index: int) -> BuildingPlan:
    above, below = TOWER_SHAPES[(index - 1) % len(TOWER_SHAPES)]
    code = f"T{index}"
    floors = [_floor(code, -n, TOWER_BASEMENT_M2, TOWER_ROOMS.get(-n, ())) for n in range(below, 0, -1)]
    floors.append(_floor(code, 1, TOWER_PLATE_M2, TOWER_ROOMS[1]))
    usable = TOWER_PLATE_M2 * Decimal("0.8")
    for number in range(2, above + 1):
        # Smaller suites low down, half floors in the middle, whole wings at the top.
        suites = 6 if number <= 10 else 4 if number <= above - 3 else 2
        rooms = TOWER_BUSINESS_CENTRE if number % TOWER_BOARDROOM_EVERY == 0 else ()
        floor = _floor(code, number, TOWER_PLATE_M2, rooms)
        floor.spaces.extend(_suites(code, number, suites, usable))
        floors.append(floor)
    return BuildingPlan(
        code,
        f"Innovation Tower {index}",
        f"创新大厦{index}号楼",
        BuildingKind.TOWER,
        ZoneKind.OFFICE_TOWERS,
        floors,
    )


def _compound() -> Iterator[BuildingPlan]:
    usable = COMPOUND_PLATE_M2 * Decimal("0.85")
    for code, name, name_zh, storeys in COMPOUND_HOUSES:
        floors = []
        for number in range(1, storeys + 1):
            floor = _floor(code, number, COMPOUND_PLATE_M2)
            floor.spaces.extend(_suites(code, number, 2, usable))
            floors.append(floor)
        yield BuildingPlan(
            code, name, name_zh, BuildingKind.COMPOUND_BUILDING, ZoneKind.OFFICE_COMPOUND, floors
        )
    code, name, name_zh = CLUBHOUSE
    floors = [_floor(code, n, COMPOUND_PLATE_M2, rooms) for n, rooms in CLUBHOUSE_ROOMS.items()]
    yield BuildingPlan(code, name, name_zh, BuildingKind.COMPOUND_BUILDING, ZoneKind.OFFICE_COMPOUND, floors)


def _coworking(index: int) -> BuildingPlan:
    code = f"CW{index}"
    coworking_floors = 3 + index % 3  # 4, 5, 3, 4, 5, 3, …
    floors = [_floor(code, 1, COWORKING_PLATE_M2, COWORKING_GROUND_FLOOR)]
    floors += [_floor(code, n, COWORKING_PLATE_M2, COWORKING_FLOOR) for n in range(2, coworking_floors + 2)]
    return BuildingPlan(
        code, f"Maker Hub {index}", f"创客中心{index}号楼", BuildingKind.COWORKING, ZoneKind.COWORKING, floors
    )


def _labs() -> BuildingPlan:
    code, name, name_zh = LAB_BUILDING
    floors = [_floor(code, n, LAB_PLATE_M2, rooms) for n, rooms in LAB_ROOMS.items()]
    return BuildingPlan(code, name, name_zh, BuildingKind.LAB_BUILDING, ZoneKind.LAB_DISTRICT, floors)


def demo_campus_plan(*, scale: int = 1) -> list[BuildingPlan]:
    """Every building of the demo campus at ``scale``; a larger scale only adds buildings."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    towers = 2 + (scale - 1) // 5
    return [
        *(_tower(i) for i in range(1, towers + 1)),
        *_compound(),
        *(_coworking(i) for i in range(1, scale + 1)),
        _labs(),
    ]


# --- Writing the plan ---


class Output(Protocol):
    def write(self, msg: str = "", style_func: Any = None, ending: str | None = None) -> None: ...


@dataclass
class DemoLogin:
    email: str
    password: str
    full_name: str
    preferred_language: str
    role: str


@dataclass
class DemoSeedResult:
    campus: Campus
    buildings: int
    floors: int
    spaces: int
    bookable_spaces: int
    rows_written: int
    logins: list[DemoLogin]


Key = tuple[Any, ...]


def _sync(
    model: type[models.Model], queryset: models.QuerySet[Any], key: Sequence[str], rows: list[dict[str, Any]]
) -> tuple[dict[Key, int], int]:
    """Upsert ``rows`` (keyed on the unique ``key`` fields) and return ({key: id}, rows written).

    ``queryset`` holds the rows of this level that may already exist. Rows that already
    hold the planned values are skipped, so a second run writes nothing.
    """
    if not rows:
        return {}, 0
    fields = list(rows[0])
    values = [f for f in fields if f not in key]
    current = {tuple(r[k] for k in key): r for r in queryset.order_by().values("id", *fields)}
    changed = [
        r
        for r in rows
        if (old := current.get(tuple(r[k] for k in key))) is None or any(old[f] != r[f] for f in values)
    ]
    if changed:
        stamps = ["updated_at"] if any(f.name == "updated_at" for f in model._meta.concrete_fields) else []
        model._default_manager.bulk_create(
            [model(**r) for r in changed],
            update_conflicts=True,
            unique_fields=list(key),
            update_fields=values + stamps,
        )
        current = {tuple(r[k] for k in key): r for r in queryset.order_by().values("id", *key)}
    return {k: r["id"] for k, r in current.items()}, len(changed)


def _sync_features(campus: Campus, wanted: set[tuple[int, int]], spaces: Iterable[int]) -> int:
    """Make the links of the planned ``spaces`` exactly the ``wanted`` (space id, feature id) pairs."""
    through = Space.features.through
    ours = set(spaces)
    links = through.objects.filter(space__floor__building__campus=campus).order_by()
    existing = {
        (space_id, feature_id): link_id
        for link_id, space_id, feature_id in links.values_list("id", "space_id", "feature_id")
        if space_id in ours
    }
    missing = sorted(wanted - existing.keys())
    stray = sorted(link_id for pair, link_id in existing.items() if pair not in wanted)
    through.objects.bulk_create(
        [through(space_id=s, feature_id=f) for s, f in missing], ignore_conflicts=True
    )
    for start in range(0, len(stray), 500):
        through.objects.filter(id__in=stray[start : start + 500]).delete()
    return len(missing) + len(stray)


class _DemoPasswordHash:
    """One hash of the demo password, shared by the demo users.

    Password hashing is deliberately slow (about a third of a second with the default
    PBKDF2), so hashing and checking once, not once per user, keeps re-runs fast. A
    shared salt reveals that these users share a password, which the command prints anyway.
    """

    def __init__(self) -> None:
        self._verified: dict[str, bool] = {}
        self._fresh = ""

    def matches(self, encoded: str) -> bool:
        if encoded not in self._verified:
            outdated: list[str] = []
            ok = check_password(DEMO_PASSWORD, encoded, setter=outdated.append)
            self._verified[encoded] = ok and not outdated
        return self._verified[encoded]

    def new(self) -> str:
        if not self._fresh:
            self._fresh = make_password(DEMO_PASSWORD)
            self._verified[self._fresh] = True
        return self._fresh


def _sync_users() -> tuple[list[DemoLogin], int]:
    """Create the demo users, or restore their demo fields and password; return logins and rows written."""
    existing = {u.email.lower(): u for u in User.objects.filter(email__in=[d.email for d in DEMO_USERS])}
    password = _DemoPasswordHash()
    logins, written = [], 0
    for demo in DEMO_USERS:
        wanted = {
            "full_name": demo.full_name,
            "preferred_language": demo.preferred_language,
            "is_staff": demo.is_staff,
            "is_superuser": demo.is_staff,  # the demo operator may do everything in the admin
            "is_active": True,
        }
        user = existing.get(demo.email)
        if user is None:
            User.objects.create(email=demo.email, password=password.new(), **wanted)
            written += 1
        else:
            changed = [name for name, value in wanted.items() if getattr(user, name) != value]
            for name in changed:
                setattr(user, name, wanted[name])
            if not password.matches(user.password):
                user.password = password.new()
                changed.append("password")
            if changed:
                user.save(update_fields=changed)
                written += 1
        logins.append(
            DemoLogin(demo.email, DEMO_PASSWORD, demo.full_name, demo.preferred_language, demo.role)
        )
    return logins, written


def _space_row(floor_id: int, space: SpacePlan, parent_id: int | None) -> dict[str, Any]:
    return {
        "floor_id": floor_id,
        "code": space.code,
        "parent_id": parent_id,
        "name": space.name,
        "name_zh": space.name_zh,
        "kind": space.kind,
        "amenity_kind": space.amenity_kind,
        "capacity": space.capacity,
        "area_m2": space.area_m2,
        "is_bookable": space.kind in BOOKABLE_KINDS,
        "is_active": True,
    }


@transaction.atomic
def demo_campus_seed(*, scale: int = 1) -> DemoSeedResult:
    """Create or bring up to date the demo campus at ``scale`` and the demo users."""
    plan = demo_campus_plan(scale=scale)
    written = 0

    ids, n = _sync(Campus, Campus.objects.filter(code=CAMPUS["code"]), ["code"], [CAMPUS])
    campus = Campus.objects.get(pk=ids[(CAMPUS["code"],)])
    written += n

    zones, n = _sync(
        Zone,
        Zone.objects.filter(campus=campus),
        ["campus_id", "code"],
        [
            {"campus_id": campus.pk, "code": kind.value, "name": name, "name_zh": name_zh, "kind": kind.value}
            for kind, name, name_zh in ZONES
        ],
    )
    written += n

    features, n = _sync(
        Feature,
        Feature.objects.filter(code__in=[code for code, _, _ in FEATURES]),
        ["code"],
        [{"code": code, "name": name, "name_zh": name_zh} for code, name, name_zh in FEATURES],
    )
    written += n

    buildings, n = _sync(
        Building,
        Building.objects.filter(campus=campus),
        ["campus_id", "code"],
        [
            {
                "campus_id": campus.pk,
                "code": b.code,
                "zone_id": zones[(campus.pk, b.zone)],
                "name": b.name,
                "name_zh": b.name_zh,
                "kind": b.kind,
                "floors_above_ground": b.floors_above_ground,
                "floors_below_ground": b.floors_below_ground,
                "gross_area_m2": b.gross_area_m2,
                "is_active": True,
            }
            for b in plan
        ],
    )
    written += n

    floors, n = _sync(
        Floor,
        Floor.objects.filter(building__campus=campus),
        ["building_id", "number"],
        [
            {
                "building_id": buildings[(campus.pk, b.code)],
                "number": f.number,
                "label": f.label,
                "area_m2": f.area_m2,
            }
            for b in plan
            for f in b.floors
        ],
    )
    written += n

    # Spaces in two passes: containers first, then what is inside them (desks need their area's id).
    planned: dict[Key, SpacePlan] = {}
    for b in plan:
        building_id = buildings[(campus.pk, b.code)]
        for f in b.floors:
            floor_id = floors[(building_id, f.number)]
            planned.update(((floor_id, s.code), s) for s in f.spaces)
    spaces = Space.objects.filter(floor__building__campus=campus)
    key = ["floor_id", "code"]
    top = [_space_row(floor_id, s, None) for (floor_id, _), s in planned.items() if not s.parent]
    space_ids, n = _sync(Space, spaces, key, top)
    written += n
    inner = [
        _space_row(floor_id, s, space_ids[(floor_id, s.parent)])
        for (floor_id, _), s in planned.items()
        if s.parent
    ]
    if inner:
        space_ids, n = _sync(Space, spaces, key, inner)
        written += n

    written += _sync_features(
        campus,
        {(space_ids[k], features[(f,)]) for k, s in planned.items() for f in s.features},
        (space_ids[k] for k in planned),
    )

    logins, n = _sync_users()
    written += n

    in_campus = Space.objects.in_campus(campus.pk)
    return DemoSeedResult(
        campus=campus,
        buildings=Building.objects.filter(campus=campus).count(),
        floors=Floor.objects.filter(building__campus=campus).count(),
        spaces=in_campus.count(),
        bookable_spaces=in_campus.bookable().count(),
        rows_written=written,
        logins=logins,
    )


def demo_seed(*, scale: int, stdout: Output) -> None:
    """``manage.py seed_demo``'s hook: seed the demo campus and users, print counts and logins."""
    result = demo_campus_seed(scale=scale)
    campus = result.campus
    stdout.write(f"Demo campus “{campus.name}” ({campus.name_zh}) at scale {scale}:")
    stdout.write(
        f"  buildings: {result.buildings:,}  floors: {result.floors:,}  spaces: {result.spaces:,}  "
        f"bookable spaces: {result.bookable_spaces:,}  rows written: {result.rows_written:,}"
    )
    stdout.write("Demo logins (local demo data; change them before anyone else can reach this site):")
    for login in result.logins:
        stdout.write(
            f"  {login.role:<8} {login.email:<34} password: {login.password}  "
            f"({login.full_name}, {login.preferred_language})"
        )
