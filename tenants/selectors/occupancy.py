"""Occupancy: how much of a campus is let on a date, read from tenancies.

Figures count active spaces only:

- **area**: top-level spaces (not desks inside a coworking area, not amenities), so
  that no square metre is counted twice; **leased area** those of them held by a
  tenancy on the date.
- **desks**: hot and dedicated desks; **leased desks** those held on the date.

A space is held on ``day`` when a tenancy space row's half-open range
[starts_on, released_on or ends_on) contains it, so closing a tenancy or releasing
a space shows at once.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from spaces.models import DESK_KINDS, Building, Campus, Floor, Space, SpaceKind
from tenants.models import TenancySpace

ZERO = Decimal("0")
# report key -> column of the grouped read (named apart from the model's own area_m2)
FIGURES = {
    "area_m2": "sum_area",
    "leased_area_m2": "sum_leased_area",
    "desks": "sum_desks",
    "leased_desks": "sum_leased_desks",
}


def _blank() -> dict[str, Any]:
    return {"area_m2": ZERO, "leased_area_m2": ZERO, "desks": 0, "leased_desks": 0}


def _add(target: dict[str, Any], row: dict[str, Any]) -> None:
    for key, column in FIGURES.items():
        target[key] += row[column]


def _rate(figures: dict[str, Any]) -> dict[str, Any]:
    area, desks = figures["area_m2"], figures["desks"]
    figures["area_rate"] = (figures["leased_area_m2"] / area).quantize(Decimal("0.0001")) if area else None
    figures["desk_rate"] = (
        (Decimal(figures["leased_desks"]) / desks).quantize(Decimal("0.0001")) if desks else None
    )
    return figures


def occupancy_for_campus(*, campus: Campus, on: date) -> dict[str, Any]:
    """Area and desks, total vs leased on ``on``: per building and floor, by building kind, campus-wide.

    Three queries whatever the campus's size: buildings, floors, one grouped read of spaces.
    """
    held = TenancySpace.objects.filter(space=OuterRef("pk")).held_on(on)
    money = DecimalField(max_digits=14, decimal_places=2)
    area_space = Q(parent__isnull=True) & ~Q(kind=SpaceKind.AMENITY)
    rows = (
        Space.objects.active()
        .filter(floor__building__campus=campus)
        .annotate(is_held=Exists(held))
        .order_by()
        .values("floor_id")
        .annotate(
            sum_area=Coalesce(Sum("area_m2", filter=area_space), Value(ZERO), output_field=money),
            sum_leased_area=Coalesce(
                Sum("area_m2", filter=area_space & Q(is_held=True)), Value(ZERO), output_field=money
            ),
            sum_desks=Count("pk", filter=Q(kind__in=DESK_KINDS)),
            sum_leased_desks=Count("pk", filter=Q(kind__in=DESK_KINDS, is_held=True)),
        )
    )
    buildings = {
        b.pk: {"building": b.pk, "code": b.code, "name": b.name, "kind": b.kind, **_blank(), "floors": []}
        for b in Building.objects.filter(campus=campus).order_by("code", "pk")
    }
    floors = {}
    for f in Floor.objects.filter(building__campus=campus).order_by("building__code", "number", "pk"):
        floors[f.pk] = {"floor": f.pk, "number": f.number, "label": f.label, **_blank()}
        buildings[f.building_id]["floors"].append(floors[f.pk])
    floor_building = {
        floor["floor"]: building_id for building_id, b in buildings.items() for floor in b["floors"]
    }
    by_kind: dict[str, dict[str, Any]] = defaultdict(_blank)
    totals = _blank()
    for row in rows:
        building = buildings[floor_building[row["floor_id"]]]
        _add(floors[row["floor_id"]], row)
        _add(building, row)
        _add(by_kind[building["kind"]], row)
        _add(totals, row)
    for building in buildings.values():
        _rate(building)
        for floor in building["floors"]:
            _rate(floor)
    return {
        "campus": campus.pk,
        "on": on,
        "totals": _rate(totals),
        "by_building_kind": {kind: _rate(figures) for kind, figures in by_kind.items()},
        "buildings": list(buildings.values()),
    }
