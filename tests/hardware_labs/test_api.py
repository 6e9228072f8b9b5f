"""The labs API: commands, 409 conflicts with the items, scoping and constant queries on lists."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from bookings.services import bookings as booking_services
from hardware_labs.models import (
    Incident,
    MaintenanceWindow,
    PilotRun,
    PilotRunStatus,
    Qualification,
    UsageSession,
)
from hardware_labs.services import pilot_runs, usage
from tests.bookings.factories import MONDAY, NOW, at, tenant
from tests.hardware_labs.factories import course, equipment, qualify, staff

pytestmark = pytest.mark.django_db


def _item(equipment_pk, operator, start, end):  # type: ignore[no-untyped-def]
    return {
        "equipment": equipment_pk,
        "operator": operator.pk,
        "starts_at": at(MONDAY, start).isoformat(),
        "ends_at": at(MONDAY, end).isoformat(),
    }


def test_a_founder_requests_a_run_and_staff_scheduling_over_taken_equipment_is_409_listing_the_items(
    api_client, world
):
    # given
    chamber = equipment(world.lab, courses=(world.training,), tag="chamber")
    qualify(world.founder, world.induction, world.training)
    other, _company = tenant()
    qualify(other, world.induction, world.training)
    api_client.force_authenticate(world.founder)
    created = api_client.post(
        reverse("api:pilot-run-list"),
        {
            "company": world.company.pk,
            "lab": world.lab.pk,
            "title": "Phone batch",
            "plan": "Reflow and EMC",
            "items": [_item(world.oven.pk, world.founder, 10, 12), _item(chamber.pk, world.founder, 13, 15)],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    run_id = created.json()["id"]
    taken = booking_services.booking_create(
        resource=chamber.resource, booked_by=other, starts_at=at(MONDAY, 14), ends_at=at(MONDAY, 15), now=NOW
    )
    admin = staff()
    api_client.force_authenticate(admin)
    # when
    with time_machine.travel(NOW, tick=False):
        refused_early = api_client.post(reverse("api:pilot-run-schedule", kwargs={"pk": run_id}))
        approved = api_client.post(
            reverse("api:pilot-run-approve", kwargs={"pk": run_id}),
            {"notes": "Fume extraction OK"},
            format="json",
        )
        conflict = api_client.post(reverse("api:pilot-run-schedule", kwargs={"pk": run_id}))
    # then
    assert refused_early.status_code == 400
    assert refused_early.json()["code"] == "transition_not_allowed"
    assert approved.status_code == 200
    assert approved.json()["safety_approved"] is True
    assert conflict.status_code == 409
    body = conflict.json()
    assert body["code"] == "pilot_run_conflicts"
    assert [(i["equipment"], i["code"], i["starts_at_local"]) for i in body["items"]] == [
        (chamber.pk, "booking_overlap", "2027-03-01 13:00")
    ]
    assert list(Booking.objects.values_list("pk", flat=True)) == [taken.pk]
    assert PilotRun.objects.get().status == PilotRunStatus.APPROVED


def test_a_founder_cannot_approve_and_another_company_cannot_see_the_run(api_client, world):
    run = pilot_runs.pilot_run_create(
        company=world.company,
        lab=world.lab,
        title="Batch",
        plan="Plan",
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
    api_client.force_authenticate(world.founder)
    assert (
        api_client.post(reverse("api:pilot-run-approve", kwargs={"pk": run.pk}), {"notes": "x"}).status_code
        == 403
    )
    stranger, _c = tenant()
    api_client.force_authenticate(stranger)
    assert api_client.get(reverse("api:pilot-run-detail", kwargs={"pk": run.pk})).status_code == 404
    assert api_client.post(reverse("api:pilot-run-cancel", kwargs={"pk": run.pk})).status_code == 404
    assert PilotRun.objects.get().status == PilotRunStatus.REQUESTED


def test_staff_plan_maintenance_through_the_api_and_founders_may_not(api_client, world):
    body = {
        "equipment": world.oven.pk,
        "starts_at": at(MONDAY, 8).isoformat(),
        "ends_at": at(MONDAY, 12).isoformat(),
        "reason": "Nozzle change",
        "kind": "emergency",
    }
    api_client.force_authenticate(world.founder)
    assert api_client.post(reverse("api:maintenance-window-list"), body, format="json").status_code == 403
    api_client.force_authenticate(staff())
    response = api_client.post(reverse("api:maintenance-window-list"), body, format="json")
    assert response.status_code == 201, response.content
    assert MaintenanceWindow.objects.get().kind == "emergency"


@time_machine.travel(NOW, tick=False)
def test_check_in_and_out_through_the_api(api_client, world):
    qualify(world.founder, world.induction, world.training)
    api_client.force_authenticate(world.founder)
    paste = world.oven.consumables.get()
    checked_in = api_client.post(
        reverse("api:usage-session-check-in"), {"equipment": world.oven.pk}, format="json"
    )
    assert checked_in.status_code == 201, checked_in.content
    again = api_client.post(
        reverse("api:usage-session-check-in"), {"equipment": world.oven.pk}, format="json"
    )
    assert again.json()["code"] == "equipment_unavailable"
    out = api_client.post(
        reverse("api:usage-session-check-out", kwargs={"pk": checked_in.json()["id"]}),
        {"consumables": [{"consumable": paste.pk, "quantity": "3.5"}], "notes": "Profile A"},
        format="json",
    )
    assert out.status_code == 200, out.content
    assert out.json()["consumables_used"] == [{"consumable": paste.pk, "quantity": "3.500"}]
    incident = api_client.post(
        reverse("api:lab-incident-list"),
        {
            "equipment": world.oven.pk,
            "session": checked_in.json()["id"],
            "kind": "safety",
            "severity": "high",
            "description": "Smoke from the exhaust",
        },
        format="json",
    )
    assert incident.status_code == 201, incident.content
    assert Incident.objects.get().company == world.company


def test_an_unqualified_check_in_names_the_course(api_client, world):
    api_client.force_authenticate(world.founder)
    response = api_client.post(
        reverse("api:usage-session-check-in"), {"equipment": world.oven.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "qualification_missing"
    assert response.json()["course"]["code"] == "lab-safety"
    assert not UsageSession.objects.exists()


def test_founders_see_their_own_and_their_peoples_qualifications_only(api_client, world):
    # given: the founder (an owner) and a member of the same company; a stranger
    member, _company = tenant(company=world.company, role="member")
    stranger, _other = tenant()
    qualify(world.founder, world.induction)
    qualify(member, world.induction)
    qualify(stranger, world.induction)
    url = reverse("api:lab-qualification-list")
    # when
    api_client.force_authenticate(world.founder)
    owner_sees = {r["person"] for r in api_client.get(url).json()["results"]}
    api_client.force_authenticate(member)
    member_sees = {r["person"] for r in api_client.get(url).json()["results"]}
    # then
    assert owner_sees == {world.founder.pk, member.pk}
    assert member_sees == {member.pk}


def test_staff_revoke_through_the_api_needs_a_reason(api_client, world):
    qualify(world.founder, world.induction)
    qualification = Qualification.objects.get()
    api_client.force_authenticate(staff())
    url = reverse("api:lab-qualification-revoke", kwargs={"pk": qualification.pk})
    assert api_client.post(url, {"reason": ""}, format="json").status_code == 400
    assert api_client.post(url, {"reason": "Lapsed safety conduct"}, format="json").status_code == 200
    assert Qualification.objects.get().revoked_at is not None


def _grow(world, n: int) -> None:  # type: ignore[no-untyped-def]
    """n more of everything a list shows."""
    admin = staff()
    for i in range(n):
        c = course(f"extra-{world.oven.pk}-{Qualification.objects.count()}-{i}")
        c.prerequisites.add(world.induction)
        eq = equipment(world.lab, courses=(c, world.training))
        qualify(world.founder, c)
        session = usage.usage_check_in(equipment=eq, person=world.founder, actor=world.founder, now=NOW)
        usage.usage_check_out(session=session, actor=world.founder, now=NOW + timedelta(minutes=5))
        usage.incident_report(
            equipment=eq, reported_by=world.founder, kind="damage", severity="low", description="Dent"
        )
        pilot_runs.pilot_run_create(
            company=world.company,
            lab=world.lab,
            title=f"Run {i}",
            plan="Plan",
            requested_by=world.founder,
            items=[
                {
                    "equipment": eq,
                    "operator": world.founder,
                    "starts_at": at(MONDAY, 10),
                    "ends_at": at(MONDAY, 11),
                }
            ],
        )
        from hardware_labs.models import TrainingSession
        from hardware_labs.services import maintenance

        TrainingSession.objects.create(
            course=c, trainer=admin, starts_at=NOW, ends_at=NOW + timedelta(hours=1)
        )
        maintenance.maintenance_window_create(
            equipment=eq,
            starts_at=at(MONDAY, 14),
            ends_at=at(MONDAY, 15),
            reason="Service",
            actor=admin,
            now=NOW,
        )


LISTS = [
    "lab-equipment",
    "lab-course",
    "training-session",
    "lab-qualification",
    "maintenance-window",
    "usage-session",
    "lab-incident",
    "pilot-run",
]


@pytest.mark.parametrize("basename", LISTS)
def test_list_endpoints_run_a_constant_number_of_queries(api_client, world, basename):
    # given
    qualify(world.founder, world.induction, world.training)
    api_client.force_authenticate(world.founder)
    url = reverse(f"api:{basename}-list")
    _grow(world, 1)
    with CaptureQueriesContext(connection) as one:
        first = api_client.get(url)
    _grow(world, 3)
    # when
    with CaptureQueriesContext(connection) as four:
        second = api_client.get(url)
    # then
    assert first.status_code == second.status_code == 200
    assert second.json()["count"] > first.json()["count"]
    assert len(four) == len(one), [q["sql"] for q in four.captured_queries]


def test_booking_statuses_are_untouched_by_reads(world):
    assert not Booking.objects.exclude(status=BookingStatus.CONFIRMED).exists()
