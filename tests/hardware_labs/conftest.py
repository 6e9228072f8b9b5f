from dataclasses import dataclass
from typing import Any

import pytest

from bookings.models import Resource
from hardware_labs.models import Course, Equipment
from spaces.models import Space
from tests.bookings.factories import tenant
from tests.hardware_labs.factories import course, equipment, lab


@dataclass
class LabWorld:
    lab: Space
    lab_resource: Resource
    induction: Course
    training: Course
    oven: Equipment
    founder: Any
    company: Any


@pytest.fixture
def world(db) -> LabWorld:  # type: ignore[no-untyped-def]
    """A lab with its safety induction, a reflow oven needing its own training, an unqualified founder."""
    space, resource = lab()
    induction = course("lab-safety", induction=True)
    training = course("reflow-oven")
    oven = equipment(space, courses=(training,))
    founder, company = tenant()
    return LabWorld(space, resource, induction, training, oven, founder, company)
