"""Must hold: an unqualified person cannot book equipment by any path; the refusal names the course."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.models import Booking
from bookings.services import bookings as booking_services
from bookings.services import series as series_services
from core.models import TransitionLog
from hardware_labs.models import PilotRunItem
from hardware_labs.services import pilot_runs
from tests.bookings.factories import MONDAY, NOW, at
from tests.hardware_labs.factories import qualify, staff

pytestmark = pytest.mark.django_db


def _book(client, resource, start=10, end=12, **extra):  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        return client.post(
            reverse("api:booking-list"),
            {
                "resource": resource.pk,
                "starts_at": at(MONDAY, start).isoformat(),
                "ends_at": at(MONDAY, end).isoformat(),
                **extra,
            },
            format="json",
        )


def test_api_refuses_an_unqualified_founder_naming_the_course(api_client, world):
    # given: the founder holds the induction but not the oven's training
    qualify(world.founder, world.induction)
    api_client.force_authenticate(world.founder)
    # when
    response = _book(api_client, world.oven.resource)
    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "qualification_missing"
    assert "Reflow Oven" in body["detail"]
    assert body["course"] == {"id": world.training.pk, "code": "reflow-oven", "name": "Reflow Oven"}
    assert not Booking.objects.exists()


def test_api_refuses_without_the_lab_safety_induction_first(api_client, world):
    # given: the equipment training alone
    qualify(world.founder, world.training)
    api_client.force_authenticate(world.founder)
    # when
    response = _book(api_client, world.oven.resource)
    # then
    assert response.status_code == 400
    assert response.json()["course"]["code"] == "lab-safety"
    assert "Lab Safety" in response.json()["detail"]


def test_api_books_for_a_qualified_founder(api_client, world):
    # given
    qualify(world.founder, world.induction, world.training)
    api_client.force_authenticate(world.founder)
    # when
    response = _book(api_client, world.oven.resource)
    # then
    assert response.status_code == 201, response.content
    assert Booking.objects.get().booked_by == world.founder


def test_a_qualification_expiring_mid_booking_is_refused(api_client, world):
    # given: the training expires at 11:00 on the Monday, the booking runs 10:00-12:00
    qualify(world.founder, world.induction)
    qualify(world.founder, world.training, at=at(MONDAY, 11) - timedelta(days=365))
    world.training.qualifications.update(expires_at=at(MONDAY, 11))
    api_client.force_authenticate(world.founder)
    # when
    refused = _book(api_client, world.oven.resource, 10, 12)
    fits = _book(api_client, world.oven.resource, 9, 11)
    # then
    assert refused.status_code == 400
    assert refused.json()["code"] == "qualification_missing"
    assert "expires on 2027-03-01" in refused.json()["detail"]
    assert fits.status_code == 201, fits.content


def test_a_lab_booking_needs_the_induction(api_client, world):
    api_client.force_authenticate(world.founder)
    refused = _book(api_client, world.lab_resource)
    qualify(world.founder, world.induction)
    booked = _book(api_client, world.lab_resource)
    assert refused.status_code == 400
    assert refused.json()["course"]["code"] == "lab-safety"
    assert booked.status_code == 201, booked.content


def test_staff_override_needs_a_reason_and_is_recorded(api_client, world):
    # given
    admin = staff()
    api_client.force_authenticate(admin)
    # when
    refused = _book(api_client, world.oven.resource)
    overridden = _book(api_client, world.oven.resource, override_reason="Supervised by the lab manager")
    # then
    assert refused.status_code == 400
    assert refused.json()["code"] == "qualification_missing"
    assert overridden.status_code == 201, overridden.content
    log = TransitionLog.objects.get(
        object_id=overridden.json()["id"], action="override", content_type__model="booking"
    )
    assert (log.actor, log.reason) == (admin, "Supervised by the lab manager")
    assert log.data == {"waived": ["qualification_missing:lab-safety"]}


def test_a_founder_cannot_override(api_client, world):
    api_client.force_authenticate(world.founder)
    response = _book(api_client, world.oven.resource, override_reason="I know what I am doing")
    assert response.status_code == 400
    assert response.json()["code"] == "override_not_allowed"
    assert not Booking.objects.exists()


def _admin_body(world, **extra):  # type: ignore[no-untyped-def]
    return {
        "resource": world.oven.resource.pk,
        "company": world.company.pk,
        "title": "Reflow profile",
        "attendees": 1,
        "starts_at_0": MONDAY.isoformat(),
        "starts_at_1": "10:00",
        "ends_at_0": MONDAY.isoformat(),
        "ends_at_1": "12:00",
        **extra,
    }


def test_admin_booking_on_behalf_of_an_unqualified_founder_is_refused(client, world):
    # given
    admin = staff()
    admin.is_superuser = True
    admin.save()
    qualify(world.founder, world.induction)
    url = reverse("admin:bookings_booking_add")
    # when
    with time_machine.travel(NOW, tick=False):
        client.force_login(admin)
        refused = client.post(url, _admin_body(world, person=world.founder.pk))
        qualify(world.founder, world.training)
        booked = client.post(url, _admin_body(world, person=world.founder.pk))
    # then
    assert refused.status_code == 200
    assert "needs a valid qualification in Reflow Oven" in refused.content.decode()
    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert booking.booked_by == world.founder
    assert (
        TransitionLog.objects.get(object_id=booking.pk, action="create", content_type__model="booking").actor
        == admin
    )


def test_a_series_of_an_unqualified_founder_is_refused_naming_the_course(world):
    # given
    qualify(world.founder, world.induction)
    # when
    with pytest.raises(series_services.SeriesConflicts) as caught:
        series_services.series_create(
            resource=world.oven.resource,
            booked_by=world.founder,
            company=world.company,
            rrule="FREQ=WEEKLY;COUNT=3",
            starts_at_local=at(MONDAY, 10).replace(tzinfo=None),
            duration_minutes=120,
            now=NOW,
        )
    # then
    assert {r.code for r in caught.value.report} == {"qualification_missing"}
    assert all("Reflow Oven" in r.message for r in caught.value.report)
    assert not Booking.objects.exists()


def test_a_pilot_run_with_an_unqualified_operator_is_refused_naming_the_course(world):
    # given
    admin = staff()
    qualify(world.founder, world.induction)
    run = pilot_runs.pilot_run_create(
        company=world.company,
        lab=world.lab,
        title="Prototype batch",
        plan="Reflow 20 boards",
        requested_by=world.founder,
        items=[
            {
                "equipment": world.oven,
                "operator": world.founder,
                "starts_at": at(MONDAY, 10),
                "ends_at": at(MONDAY, 12),
            }
        ],
    )
    run = pilot_runs.pilot_run_approve(run=run, actor=admin, notes="PPE and fume extraction checked")
    # when
    with pytest.raises(pilot_runs.PilotRunConflicts) as caught:
        pilot_runs.pilot_run_schedule(run=run, actor=admin, now=NOW)
    # then
    [item] = caught.value.items
    assert item["code"] == "qualification_missing"
    assert "Reflow Oven" in item["message"]
    assert not Booking.objects.exists()
    assert PilotRunItem.objects.get().booking is None


def test_a_lab_booking_holds_its_equipment_and_the_equipment_blocks_the_lab(world):
    # given
    qualify(world.founder, world.induction, world.training)
    booking_services.booking_create(
        resource=world.oven.resource,
        booked_by=world.founder,
        starts_at=at(MONDAY, 10),
        ends_at=at(MONDAY, 12),
        now=NOW,
    )
    # when / then: the whole lab over the oven's booking is taken
    with pytest.raises(ValidationError) as caught:
        booking_services.booking_create(
            resource=world.lab_resource,
            booked_by=world.founder,
            starts_at=at(MONDAY, 11),
            ends_at=at(MONDAY, 13),
            now=NOW,
        )
    assert caught.value.code == "booking_overlap"
    lab_booking = booking_services.booking_create(
        resource=world.lab_resource,
        booked_by=world.founder,
        starts_at=at(MONDAY, 14),
        ends_at=at(MONDAY, 16),
        now=NOW,
    )
    with pytest.raises(ValidationError) as caught:
        booking_services.booking_create(
            resource=world.oven.resource,
            booked_by=world.founder,
            starts_at=at(MONDAY, 15),
            ends_at=at(MONDAY, 16),
            now=NOW,
        )
    assert caught.value.code == "booking_overlap"
    assert world.oven.resource.pk in set(lab_booking.claims.values_list("unit_id", flat=True))
