"""portal-b test data: a founder whose company holds a tenancy, boardrooms to book, a fixed clock."""

from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from bookings.models import Resource
from tests.bookings.factories import MONDAY, NOW, at, policy, resource_of, tenant
from tests.spaces.factories import FeatureFactory, FloorFactory, SpaceFactory

__all__ = ["MONDAY", "NOW", "World", "at", "world"]


@dataclass
class World:
    founder: Any
    company: Any
    boardroom: Resource
    phone_room: Resource


def make_world() -> World:
    founder, company = tenant()
    pol = policy()
    floor = FloorFactory()
    projector = FeatureFactory(code="projector", name="Projector")
    room = SpaceFactory(floor=floor, name="Boardroom Orion", kind="boardroom", capacity=10, is_bookable=True)
    room.features.add(projector)
    phone = SpaceFactory(floor=floor, name="Phone booth 1", kind="phone_room", capacity=1, is_bookable=True)
    return World(founder, company, resource_of(room, pol), resource_of(phone, pol))


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    """Friday 2027-02-26 09:00 in Shanghai; bookings go on the Monday after."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db, clock) -> World:  # type: ignore[no-untyped-def]
    return make_world()
