"""Reads over the campus model: capacity and area per building and floor, by space kind."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from spaces.models import Building, Campus, Floor, Space


def _blank_totals() -> dict[str, Any]:
    return {"spaces": 0, "capacity": 0, "area_m2": Decimal("0")}


def _add(target: dict[str, Any], row: dict[str, Any]) -> None:
    target["spaces"] += row["spaces"]
    target["capacity"] += row["capacity"] or 0
    target["area_m2"] += row["area_m2"] or Decimal("0")


def _grouped(spaces: QuerySet[Space], *keys: str) -> QuerySet[Any]:
    return (
        spaces.order_by()
        .values(*keys, "kind")
        .annotate(spaces=Count("pk"), capacity=Sum("capacity"), area_m2=Sum("area_m2"))
    )


def building_capacity(*, building: Building) -> dict[str, Any]:
    """Active spaces of one building: totals, by kind, and per floor by kind (2 queries)."""
    floors = list(Floor.objects.filter(building=building).order_by("number"))
    per_floor: dict[int, dict[str, Any]] = {
        f.pk: {
            "floor": f.pk,
            "number": f.number,
            "label": f.label,
            "floor_area_m2": f.area_m2,
            "totals": _blank_totals(),
            "by_kind": defaultdict(_blank_totals),
        }
        for f in floors
    }
    totals = _blank_totals()
    by_kind: dict[str, dict[str, Any]] = defaultdict(_blank_totals)
    for row in _grouped(Space.objects.active().filter(floor__building=building), "floor_id"):
        floor = per_floor[row["floor_id"]]
        _add(floor["totals"], row)
        _add(floor["by_kind"][row["kind"]], row)
        _add(totals, row)
        _add(by_kind[row["kind"]], row)
    for floor in per_floor.values():
        floor["by_kind"] = dict(floor["by_kind"])
    return {
        "building": building.pk,
        "kind": building.kind,
        "gross_area_m2": building.gross_area_m2,
        "totals": totals,
        "by_kind": dict(by_kind),
        "floors": list(per_floor.values()),
    }


def campus_capacity(*, campus: Campus) -> dict[str, Any]:
    """Active spaces of a campus: totals, by space kind, by building kind and per building (2 queries)."""
    buildings = {
        b.pk: {
            "building": b.pk,
            "code": b.code,
            "name": b.name,
            "kind": b.kind,
            "gross_area_m2": b.gross_area_m2,
            "totals": _blank_totals(),
            "by_kind": defaultdict(_blank_totals),
        }
        for b in Building.objects.filter(campus=campus).order_by("code")
    }
    totals = _blank_totals()
    by_kind: dict[str, dict[str, Any]] = defaultdict(_blank_totals)
    by_building_kind: dict[str, dict[str, Any]] = defaultdict(_blank_totals)
    for row in _grouped(Space.objects.active().in_campus(campus.pk), "floor__building_id"):
        building = buildings[row["floor__building_id"]]
        _add(building["totals"], row)
        _add(building["by_kind"][row["kind"]], row)
        _add(by_building_kind[building["kind"]], row)
        _add(by_kind[row["kind"]], row)
        _add(totals, row)
    for building in buildings.values():
        building["by_kind"] = dict(building["by_kind"])
    return {
        "campus": campus.pk,
        "totals": totals,
        "by_kind": dict(by_kind),
        "by_building_kind": dict(by_building_kind),
        "buildings": list(buildings.values()),
    }
