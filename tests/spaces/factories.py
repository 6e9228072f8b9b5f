from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from spaces.models import (
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


class CampusFactory(DjangoModelFactory):
    class Meta:
        model = Campus
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"campus-{n}")
    name = factory.Sequence(lambda n: f"Campus {n}")
    name_zh = factory.Sequence(lambda n: f"园区{n}")


class ZoneFactory(DjangoModelFactory):
    class Meta:
        model = Zone

    campus = factory.SubFactory(CampusFactory)
    code = factory.Sequence(lambda n: f"zone-{n}")
    name = factory.Sequence(lambda n: f"Zone {n}")
    kind = ZoneKind.COWORKING


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building

    campus = factory.SubFactory(CampusFactory)
    code = factory.Sequence(lambda n: f"b{n}")
    name = factory.Sequence(lambda n: f"Building {n}")
    kind = BuildingKind.COWORKING
    floors_above_ground = 20
    floors_below_ground = 2
    gross_area_m2 = Decimal("20000")


class FloorFactory(DjangoModelFactory):
    class Meta:
        model = Floor

    building = factory.SubFactory(BuildingFactory)
    number = factory.Sequence(lambda n: n % 20 + 1)
    label = factory.LazyAttribute(lambda o: f"{o.number}F")
    area_m2 = Decimal("1000")


class FeatureFactory(DjangoModelFactory):
    class Meta:
        model = Feature
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"feature-{n}")
    name = factory.Sequence(lambda n: f"Feature {n}")


class SpaceFactory(DjangoModelFactory):
    class Meta:
        model = Space
        skip_postgeneration_save = True

    floor = factory.SubFactory(FloorFactory)
    code = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"Room {n}")
    kind = SpaceKind.BOARDROOM
    capacity = 8
    area_m2 = Decimal("30")
    is_bookable = True

    @factory.post_generation
    def features(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.features.set(extracted)


class CoworkingAreaFactory(SpaceFactory):
    kind = SpaceKind.COWORKING_AREA
    capacity = 60
    area_m2 = Decimal("400")


class DeskFactory(SpaceFactory):
    kind = SpaceKind.HOT_DESK
    capacity = 1
    area_m2 = Decimal("4")
    parent = factory.SubFactory(CoworkingAreaFactory, floor=factory.SelfAttribute("..floor"))
