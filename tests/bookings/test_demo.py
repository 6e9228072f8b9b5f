import io
from collections import Counter
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from bookings.demo import DESKS, HALLS, LABS, ROOMS, TITLES
from bookings.models import (
    Booking,
    BookingClaim,
    BookingPolicy,
    BookingStatus,
    OpeningHours,
    Resource,
    ResourceKind,
    ResourcePool,
)
from core.models import TransitionLog
from spaces.models import BOOKABLE_KINDS, BuildingKind, Campus, Space
from tenants.models import Membership

pytestmark = pytest.mark.django_db

MODELS = [
    BookingPolicy,
    OpeningHours,
    Resource,
    ResourcePool,
    ResourcePool.members.through,
    Booking,
    BookingClaim,
]


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _snapshot() -> dict[str, Any]:
    volatile = {"created_at", "updated_at"}
    snapshot: dict[str, Any] = {}
    for model in MODELS:
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in volatile]
        snapshot[model._meta.label] = {
            repr(row) for row in model._default_manager.order_by().values_list(*fields)
        }
    snapshot["TransitionLog"] = TransitionLog.objects.count()
    return snapshot


def _campus() -> Campus:
    return Campus.objects.get(code="etown")


def test_seed_demo_gives_every_bookable_space_a_resource_on_its_demo_policy():
    # when
    output = _seed()
    # then
    campus = _campus()
    spaces = Space.objects.filter(
        floor__building__campus=campus, is_bookable=True, is_active=True, kind__in=BOOKABLE_KINDS
    )
    resources = Resource.objects.filter(campus=campus, space__isnull=False).select_related(
        "policy", "space__parent"
    )
    assert resources.count() == spaces.count() > 100
    policy_of = {r.space.code: r.policy.name for r in resources}
    assert policy_of["CW1-2F-BR1"] == ROOMS.name
    assert policy_of["CW1-2F-A01"] == DESKS.name
    assert policy_of["CW1-1F-EVT"] == HALLS.name
    assert policy_of["L1-1F-SMT"] == LABS.name
    for resource in resources:
        if resource.space.parent_id is not None:
            assert resource.parent.space_id == resource.space.parent_id
    hall = BookingPolicy.objects.get(name=HALLS.name)
    assert hall.requires_approval
    assert (hall.buffer_before_minutes, hall.buffer_after_minutes) == (60, 30)
    assert BookingPolicy.objects.get(name=LABS.name).is_24x7
    assert BookingPolicy.objects.get(name=DESKS.name).check_in_required
    rooms = BookingPolicy.objects.get(name=ROOMS.name)
    assert sorted(rooms.opening_hours.values_list("weekday", "opens_at__hour", "closes_at__hour")) == [
        (d, 8, 20) for d in range(5)
    ]
    assert "Demo bookings: 11 bookings told" in output


def test_seed_demo_pools_the_hot_desks_of_each_coworking_floor():
    # when
    _seed()
    # then
    campus = _campus()
    pools = ResourcePool.objects.filter(campus=campus).prefetch_related("members__location__floor__building")
    floors = set(
        Resource.objects.filter(
            campus=campus, kind=ResourceKind.HOT_DESK, location__floor__building__kind=BuildingKind.COWORKING
        ).values_list("location__floor", flat=True)
    )
    assert pools.count() == len(floors) >= 4
    for pool in pools:
        members = list(pool.members.all())
        assert len({m.location.floor_id for m in members}) == 1
        assert {m.kind for m in members} == {ResourceKind.HOT_DESK}
        floor = members[0].location.floor
        assert pool.name == f"Any hot desk on {floor.building.code} {floor.label}"
        assert len(members) == 24


def test_seed_demo_books_for_the_demo_companies_through_the_services():
    # when
    _seed()
    # then
    bookings = list(
        Booking.objects.filter(title__in=TITLES.values()).select_related("resource__policy", "company")
    )
    assert Counter(b.status for b in bookings) == {
        BookingStatus.CONFIRMED: 6,
        BookingStatus.PENDING_APPROVAL: 1,
        BookingStatus.CANCELLED: 1,
        BookingStatus.CHECKED_IN: 1,
        BookingStatus.COMPLETED: 1,
        BookingStatus.NO_SHOW: 1,
    }
    booking_type = ContentType.objects.get_for_model(Booking)
    for booking in bookings:
        # booked by an owner of the company, with the create logged
        assert Membership.objects.filter(
            company=booking.company, user=booking.booked_by, role="owner"
        ).exists()
        assert TransitionLog.objects.filter(
            content_type=booking_type, object_id=str(booking.pk), action="create"
        ).exists()
        # time held over the policy's buffers; given back on cancellation and no-show
        claims = list(BookingClaim.objects.filter(booking=booking))
        if booking.status in (BookingStatus.CANCELLED, BookingStatus.NO_SHOW):
            assert not claims
        else:
            assert claims
            assert {(c.starts_at, c.ends_at) for c in claims} == {
                (booking.blocked_from, booking.blocked_until)
            }
    pending = next(b for b in bookings if b.status == BookingStatus.PENDING_APPROVAL)
    assert pending.resource.policy.requires_approval
    assert pending.blocked_from < pending.starts_at
    checked_in = next(b for b in bookings if b.status == BookingStatus.CHECKED_IN)
    assert checked_in.starts_at <= checked_in.checked_in_at < checked_in.ends_at


def test_seed_demo_twice_leaves_the_same_booking_data():
    # given
    _seed()
    before = _snapshot()
    # when
    output = _seed()
    # then
    assert _snapshot() == before
    assert "Demo bookings: bookings already there" in output
    assert "rows written: 0." in output.split("Demo bookings:")[1]


def test_seed_demo_at_a_larger_scale_adds_resources_and_pools_and_stays_idempotent():
    # given
    _seed()
    pools_at_1 = ResourcePool.objects.count()
    # when
    _seed("--scale", "2")
    before = _snapshot()
    _seed("--scale", "2")
    # then
    assert _snapshot() == before
    assert ResourcePool.objects.count() > pools_at_1
    assert not Space.objects.filter(
        is_bookable=True, is_active=True, kind__in=BOOKABLE_KINDS, resource=None
    ).exists()
