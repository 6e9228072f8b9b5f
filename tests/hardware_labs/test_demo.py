import io

import pytest
from django.core.management import call_command

from hardware_labs.models import Course, Equipment, MaintenanceWindow, PilotRun, Qualification

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_makes_labs_with_equipment_courses_founders_and_maintenance_once():
    # when
    first = _seed()
    counts = [m.objects.count() for m in (Course, Equipment, Qualification, MaintenanceWindow, PilotRun)]
    second = _seed()
    # then
    assert "Demo labs: 7 courses, 8 pieces of equipment" in first
    assert "Demo labs: already there" in second
    assert [
        m.objects.count() for m in (Course, Equipment, Qualification, MaintenanceWindow, PilotRun)
    ] == counts
    assert all(e.resource.parent is not None for e in Equipment.objects.select_related("resource"))
    anna = set(
        Qualification.objects.filter(person__email="anna.schmidt@sensorlab.example").values_list(
            "course__code", flat=True
        )
    )
    assert {"lab-safety", "reflow-oven"} <= anna
    assert not Qualification.objects.filter(person__email="chen.jing@ginkgoprecision.example").exists()
    assert MaintenanceWindow.objects.get().block is not None
