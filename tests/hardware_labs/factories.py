"""Labs test data: a lab (its resource comes from the space), equipment made by the service, courses."""

from datetime import datetime, timedelta
from typing import Any

from bookings.models import BookingPolicy, Resource
from hardware_labs.models import Course, Equipment
from hardware_labs.services import equipment as equipment_services
from hardware_labs.services import trainings
from spaces.models import Space, SpaceKind
from tests.accounts.factories import UserFactory
from tests.bookings.factories import NOW, policy, resource_of
from tests.spaces.factories import SpaceFactory


def lab(pol: BookingPolicy | None = None, **fields: Any) -> tuple[Space, Resource]:
    space = SpaceFactory(kind=SpaceKind.LAB, capacity=12, **fields)
    return space, resource_of(space, pol or policy())


def staff() -> Any:
    return UserFactory(is_staff=True)


def course(code: str, *, induction: bool = False, months: int = 12, lab_space: Space | None = None) -> Course:
    return Course.objects.create(
        code=code,
        name=code.replace("-", " ").title(),
        validity_months=months,
        is_lab_induction=induction,
        lab=lab_space,
    )


def equipment(
    lab_space: Space,
    *,
    courses: tuple[Course, ...] = (),
    pol: BookingPolicy | None = None,
    tag: str | None = None,
) -> Equipment:
    n = Equipment.objects.count() + 1
    return equipment_services.equipment_create(
        lab=lab_space,
        asset_tag=tag or f"eq-{n:03d}",
        name=f"Reflow oven {n}",
        kind="reflow_oven",
        actor=staff(),
        required_courses=courses,
        consumables=[("Solder paste", "g")],
        policy=pol or policy(),
    )


def qualify(person: Any, *courses: Course, at: datetime | None = None) -> None:
    for c in courses:
        trainings.qualification_grant(
            person=person, course=c, granted_by=None, at=at or NOW - timedelta(days=30)
        )
