import importlib

import pytest
from django.apps import apps

from bookings.models import BookingPolicy, OpeningHours, Resource
from spaces.models import Space, SpaceKind
from tests.spaces.factories import CoworkingAreaFactory, DeskFactory, SpaceFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("bookings.migrations.0002_create_resources_for_bookable_spaces")


def test_backfill_creates_resources_with_default_policies_and_containment():
    # given: spaces made before bookings existed (no resources, no policies)
    area = CoworkingAreaFactory()
    desk = DeskFactory(parent=area, floor=area.floor)
    hall = SpaceFactory(kind=SpaceKind.EVENT_HALL, capacity=80)
    not_bookable = SpaceFactory(is_bookable=False)
    inactive = SpaceFactory(is_active=False)
    suite = SpaceFactory(kind=SpaceKind.OFFICE_SUITE, is_bookable=False)
    Resource.objects.all().update(parent=None)
    Resource.objects.all().delete()
    BookingPolicy.objects.all().delete()
    # when
    migration.create_resources(apps, None)
    # then
    resources = {r.space_id: r for r in Resource.objects.select_related("policy", "parent")}
    assert set(resources) == {area.pk, desk.pk, hall.pk}
    assert not {not_bookable.pk, inactive.pk, suite.pk} & set(resources)
    assert resources[desk.pk].parent == resources[area.pk]
    assert resources[desk.pk].policy.name == "Default: desks"
    hall_resource = resources[hall.pk]
    assert (hall_resource.policy.name, hall_resource.policy.requires_approval) == ("Default: halls", True)
    assert (hall_resource.capacity, hall_resource.kind, hall_resource.name) == (
        80,
        SpaceKind.EVENT_HALL,
        f"{hall.code} {hall.name}",
    )
    assert hall_resource.campus_id == hall.floor.building.campus_id
    assert OpeningHours.objects.filter(policy=hall_resource.policy).count() == 5


def test_backfill_leaves_spaces_that_have_a_resource_alone():
    # given: the receiver made the resource and staff gave it another policy
    space = SpaceFactory()
    resource = Resource.objects.get(space=space)
    custom = BookingPolicy.objects.create(name="Custom")
    Resource.objects.filter(pk=resource.pk).update(policy=custom)
    # when
    migration.create_resources(apps, None)
    # then
    assert list(Resource.objects.values_list("pk", "policy")) == [(resource.pk, custom.pk)]
    assert Space.objects.count() == 1
