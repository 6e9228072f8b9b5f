"""The labs admin: pages render, actions call the services."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from hardware_labs.models import (
    Attendance,
    AttendanceResult,
    Equipment,
    MaintenanceWindow,
    Qualification,
    TrainingSession,
)
from tests.bookings.factories import MONDAY, NOW, at
from tests.hardware_labs.factories import qualify, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    user = staff()
    user.is_superuser = True
    user.save()
    return user


@pytest.mark.parametrize(
    "model", ["equipment", "course", "trainingsession", "qualification", "maintenancewindow", "usagesession",
              "incident", "pilotrun"],
)  # fmt: skip
def test_changelists_and_add_pages_render(client, admin_user, world, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:hardware_labs_{model}_changelist")).status_code == 200
    add = client.get(reverse(f"admin:hardware_labs_{model}_add"))
    assert add.status_code in (200, 403)


def test_utilisation_page_shows_the_rows(client, admin_user, world):
    client.force_login(admin_user)
    response = client.get(reverse("admin:hardware_labs_utilisation"), {"month": "2027-03"})
    assert response.status_code == 200
    assert world.oven.name in response.content.decode()


def test_adding_equipment_creates_its_resource_inside_the_lab(client, admin_user, world):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:hardware_labs_equipment_add"),
        {
            "lab": world.lab.pk,
            "asset_tag": "printer-9",
            "name": "3D printer",
            "kind": "printer_3d",
            "hazard_level": "medium",
            "status": "available",
            "hourly_rate": "80",
            "required_courses": [world.training.pk],
            "consumables-TOTAL_FORMS": 1,
            "consumables-INITIAL_FORMS": 0,
            "consumables-0-name": "PLA filament",
            "consumables-0-unit": "g",
            "consumables-0-unit_price": "0.2",
            "core-transitionlog-content_type-object_id-TOTAL_FORMS": 0,
            "core-transitionlog-content_type-object_id-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    printer = Equipment.objects.get(asset_tag="printer-9")
    assert printer.resource.parent == world.lab_resource
    assert printer.resource.kind == "equipment"
    assert list(printer.required_courses.all()) == [world.training]
    assert printer.consumables.get().name == "PLA filament"


def test_record_results_action_grants_the_passes(client, admin_user, world):
    session = TrainingSession.objects.create(
        course=world.induction,
        trainer=admin_user,
        starts_at=NOW - timedelta(hours=2),
        ends_at=NOW - timedelta(hours=1),
    )
    Attendance.objects.create(session=session, person=world.founder, result=AttendanceResult.PASSED)
    with time_machine.travel(NOW, tick=False):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:hardware_labs_trainingsession_changelist"),
            {"action": "record_results", "_selected_action": [session.pk]},
        )
    assert response.status_code == 302
    assert Qualification.objects.get().person == world.founder


def test_revoke_action_asks_for_a_reason_then_cancels_bookings(client, admin_user, world):
    from bookings.services import bookings as booking_services

    qualify(world.founder, world.induction, world.training)
    booking = booking_services.booking_create(
        resource=world.oven.resource,
        booked_by=world.founder,
        starts_at=at(MONDAY, 10),
        ends_at=at(MONDAY, 12),
        now=NOW,
    )
    qualification = Qualification.objects.get(course=world.training)
    url = reverse("admin:hardware_labs_qualification_changelist")
    with time_machine.travel(NOW, tick=False):
        client.force_login(admin_user)
        asked = client.post(url, {"action": "revoke", "_selected_action": [qualification.pk]})
        done = client.post(
            url, {"action": "revoke", "_selected_action": [qualification.pk], "apply": "1", "text": "Unsafe"}
        )
    assert asked.status_code == 200
    assert done.status_code == 302
    assert Qualification.objects.get(pk=qualification.pk).revoke_reason == "Unsafe"
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED


def test_adding_a_maintenance_window_through_the_admin_runs_the_service(client, admin_user, world):
    with time_machine.travel(NOW, tick=False):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:hardware_labs_maintenancewindow_add"),
            {
                "equipment": world.oven.pk,
                "kind": "planned",
                "mode": "cancel",
                "starts_at_0": MONDAY.isoformat(),
                "starts_at_1": "08:00",
                "ends_at_0": MONDAY.isoformat(),
                "ends_at_1": "12:00",
                "reason": "Service",
                "core-transitionlog-content_type-object_id-TOTAL_FORMS": 0,
                "core-transitionlog-content_type-object_id-INITIAL_FORMS": 0,
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    window = MaintenanceWindow.objects.get()
    assert window.block is not None
    assert window.created_by == admin_user
