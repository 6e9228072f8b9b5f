"""Maintenance windows, revocation, pilot runs all-or-nothing, reminders, lab doors, usage sessions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from access_control.models import AccessGrant, DoorKind, GrantSource
from bookings.models import Booking, BookingStatus
from bookings.services import bookings as booking_services
from bookings.services import claims
from core.models import TransitionLog
from hardware_labs.models import (
    EquipmentStatus,
    MaintenanceMode,
    MaintenanceWindow,
    PilotRun,
    PilotRunItem,
    PilotRunStatus,
    Qualification,
)
from hardware_labs.services import maintenance, pilot_runs, trainings, usage
from notifications.models import Notification
from tests.access_control.factories import DoorFactory
from tests.bookings.factories import MONDAY, NOW, at, tenant
from tests.hardware_labs.factories import equipment, qualify, staff

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + timedelta(days=1)


def _book(world, resource=None, start=10, end=12, day=MONDAY, person=None):  # type: ignore[no-untyped-def]
    return booking_services.booking_create(
        resource=resource or world.oven.resource,
        booked_by=person or world.founder,
        starts_at=at(day, start),
        ends_at=at(day, end),
        now=NOW,
    )


# --- maintenance windows -----------------------------------------------------------------------------


def test_a_maintenance_window_cancels_the_bookings_in_its_way_and_blocks_new_ones(
    world, django_capture_on_commit_callbacks, mocker
):
    # given: the oven booked 10-12, the lab booked 14-16 (it holds the oven too), a room elsewhere
    qualify(world.founder, world.induction, world.training)
    oven_booking = _book(world)
    lab_booking = _book(world, world.lab_resource, 14, 16)
    later = _book(world, start=17, end=18)
    delay = mocker.patch("hardware_labs.tasks.maintenance_notices_send_task.delay")
    # when: maintenance 09:00-16:30
    with django_capture_on_commit_callbacks(execute=True):
        window = maintenance.maintenance_window_create(
            equipment=world.oven,
            starts_at=at(MONDAY, 9),
            ends_at=at(MONDAY, 16, 30),
            reason="Conveyor belt replacement",
            actor=staff(),
            mode=MaintenanceMode.OFFER_MOVE,
            now=NOW,
        )
    # then: both bookings in the way are cancelled, the later one stays
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses[oven_booking.pk] == statuses[lab_booking.pk] == BookingStatus.CANCELLED
    assert statuses[later.pk] == BookingStatus.CONFIRMED
    assert set(window.affected_bookings.values_list("pk", flat=True)) == {oven_booking.pk, lab_booking.pk}
    delay.assert_called_once_with(window.pk)
    # new bookings of the oven or the lab in the window are refused, with the reason
    for resource, start, end in ((world.oven.resource, 11, 12), (world.lab_resource, 9, 10)):
        with pytest.raises(ValidationError) as caught:
            _book(world, resource, start, end)
        assert caught.value.code == "maintenance"
        assert "under maintenance" in caught.value.messages[0]
    # and the claims alone keep bookings off it (the exclusion constraint on PostgreSQL)
    assert (
        claims.conflicting_claims(
            unit_ids=[world.oven.resource.pk], starts_at=at(MONDAY, 12), ends_at=at(MONDAY, 13)
        )
        .filter(block=window.block)
        .exists()
    )
    with pytest.raises(ValidationError) as caught:
        claims.claims_write(
            resource=world.oven.resource,
            starts_at=at(MONDAY, 12),
            ends_at=at(MONDAY, 13),
            booking=later,
        )
    assert caught.value.code == "booking_overlap"


def test_maintenance_notices_are_sent_once_with_the_next_free_slots(world):
    # given
    qualify(world.founder, world.induction, world.training)
    booking = _book(world)
    window = maintenance.maintenance_window_create(
        equipment=world.oven,
        starts_at=at(MONDAY, 8),
        ends_at=at(MONDAY, 13),
        reason="Calibration",
        actor=staff(),
        mode=MaintenanceMode.OFFER_MOVE,
        now=NOW,
    )
    # when: the task runs twice
    first = maintenance.maintenance_notices_send(window=window)
    second = maintenance.maintenance_notices_send(window=window)
    # then
    assert (first, second) == (1, 0)
    [notice] = Notification.objects.filter(kind="hardware_labs.maintenance")
    assert notice.recipient == world.founder
    assert "2027-03-01 13:00–20:00" in notice.body
    assert "Calibration" in notice.body
    assert Notification.objects.filter(kind="bookings.cancelled", recipient=world.founder).count() == 1
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED


def test_a_cancelled_window_frees_the_time(world):
    qualify(world.founder, world.induction, world.training)
    admin = staff()
    window = maintenance.maintenance_window_create(
        equipment=world.oven,
        starts_at=at(MONDAY, 8),
        ends_at=at(MONDAY, 13),
        reason="Calibration",
        actor=admin,
        now=NOW,
    )
    maintenance.maintenance_window_cancel(window=window, actor=admin)
    assert _book(world).status == BookingStatus.CONFIRMED
    assert MaintenanceWindow.objects.get().cancelled_at is not None


# --- revocation -------------------------------------------------------------------------------------


def test_revoking_a_qualification_cancels_future_bookings_needing_it_and_tells_the_person(world):
    # given: two oven bookings, a lab booking (needs only the induction)
    qualify(world.founder, world.induction, world.training)
    first, second = _book(world), _book(world, day=TUESDAY)
    lab_booking = _book(world, world.lab_resource, 14, 16)
    qualification = Qualification.objects.get(person=world.founder, course=world.training)
    admin = staff()
    # when
    trainings.qualification_revoke(
        qualification=qualification, actor=admin, reason="Unsafe handling", now=NOW
    )
    # then
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == BookingStatus.CANCELLED
    assert statuses[lab_booking.pk] == BookingStatus.CONFIRMED
    [notice] = Notification.objects.filter(kind="hardware_labs.qualification_revoked")
    assert notice.recipient == world.founder
    assert "Unsafe handling" in notice.body
    assert "2027-03-01 10:00" in notice.body
    assert "2027-03-02 10:00" in notice.body
    assert TransitionLog.objects.filter(action="revoke", reason="Unsafe handling").count() == 1
    # and the founder cannot book it again
    with pytest.raises(ValidationError) as caught:
        _book(world, start=14, end=15, day=TUESDAY)
    assert caught.value.code == "qualification_missing"


def test_revoking_needs_a_reason_and_staff(world):
    qualify(world.founder, world.induction)
    qualification = Qualification.objects.get()
    with pytest.raises(ValidationError):
        trainings.qualification_revoke(qualification=qualification, actor=staff(), reason=" ")
    assert Qualification.objects.get().revoked_at is None


def test_the_induction_opens_the_lab_doors_while_valid_and_revoking_closes_them(world):
    # given
    door = DoorFactory(space=world.lab, kind=DoorKind.LAB)
    # when
    qualify(world.founder, world.induction)
    qualification = Qualification.objects.get(course=world.induction)
    # then
    grant = AccessGrant.objects.get(person=world.founder, source=GrantSource.LAB)
    assert list(grant.doors.all()) == [door]
    assert (grant.starts_at, grant.ends_at) == (qualification.granted_at, qualification.expires_at)
    trainings.qualification_revoke(qualification=qualification, actor=staff(), reason="Left the company")
    assert AccessGrant.objects.get(pk=grant.pk).revoked_at is not None


# --- trainings --------------------------------------------------------------------------------------


def test_passing_a_session_grants_and_prerequisites_are_required(world):
    from hardware_labs.models import TrainingSession

    admin = staff()
    world.training.prerequisites.add(world.induction)
    session = TrainingSession.objects.create(
        course=world.training,
        trainer=admin,
        starts_at=NOW - timedelta(hours=3),
        ends_at=NOW - timedelta(hours=1),
    )
    trainings.session_enrol(session=session, person=world.founder, actor=world.founder)
    with pytest.raises(ValidationError) as caught:
        trainings.session_record_results(
            session=session, results={world.founder.pk: "passed"}, actor=admin, now=NOW
        )
    assert caught.value.code == "prerequisite_missing"
    assert "Lab Safety" in caught.value.messages[0]
    assert not Qualification.objects.filter(course=world.training).exists()
    qualify(world.founder, world.induction)
    [granted] = trainings.session_record_results(
        session=session, results={world.founder.pk: "passed"}, actor=admin, now=NOW
    )
    assert granted.expires_at == session.ends_at.replace(year=2028)
    assert granted.granted_by == admin


def test_expiry_reminders_go_out_30_and_7_days_ahead_once_each(world):
    # given: the induction expires 20 days after NOW
    qualify(world.founder, world.induction)
    Qualification.objects.update(expires_at=NOW + timedelta(days=20))
    # when
    first = trainings.qualification_reminders_send(now=NOW)
    again = trainings.qualification_reminders_send(now=NOW)
    week_before = trainings.qualification_reminders_send(now=NOW + timedelta(days=14))
    week_again = trainings.qualification_reminders_send(now=NOW + timedelta(days=15))
    # then
    assert first == {"7_days": 0, "30_days": 1}
    assert again == {"7_days": 0, "30_days": 0}
    assert week_before == {"7_days": 1, "30_days": 0}
    assert week_again == {"7_days": 0, "30_days": 0}
    assert Notification.objects.filter(kind="hardware_labs.qualification_expiring").count() == 2


# --- usage ---------------------------------------------------------------------------------------------


def test_check_in_and_out_follow_the_equipment_and_record_minutes_and_consumables(world):
    qualify(world.founder, world.induction, world.training)
    booking = _book(world)
    paste = world.oven.consumables.get()
    session = usage.usage_check_in(
        equipment=world.oven, person=world.founder, actor=world.founder, now=at(MONDAY, 10, 5)
    )
    world.oven.refresh_from_db()
    assert world.oven.status == EquipmentStatus.IN_USE
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CHECKED_IN
    assert session.company == world.company
    with pytest.raises(ValidationError) as caught:
        usage.usage_check_in(
            equipment=world.oven, person=world.founder, actor=world.founder, now=at(MONDAY, 10, 6)
        )
    assert caught.value.code == "equipment_unavailable"
    done = usage.usage_check_out(
        session=session,
        actor=world.founder,
        consumables=[(paste, Decimal("12.5"))],
        now=at(MONDAY, 11, 50) + timedelta(seconds=30),
    )
    assert done.minutes == 106
    assert done.consumables_used.get().quantity == Decimal("12.500")
    world.oven.refresh_from_db()
    assert world.oven.status == EquipmentStatus.AVAILABLE


def test_an_unqualified_person_cannot_check_in(world):
    qualify(world.founder, world.induction)
    with pytest.raises(ValidationError) as caught:
        usage.usage_check_in(equipment=world.oven, person=world.founder, actor=world.founder, now=NOW)
    assert caught.value.code == "qualification_missing"


# --- pilot runs -----------------------------------------------------------------------------------


def _run(world, *items):  # type: ignore[no-untyped-def]
    run = pilot_runs.pilot_run_create(
        company=world.company,
        lab=world.lab,
        title="Phone prototype batch",
        plan="Reflow, then thermal cycling",
        requested_by=world.founder,
        items=items,
    )
    return pilot_runs.pilot_run_approve(run=run, actor=staff(), notes="Reviewed: PPE, extraction")


def test_scheduling_a_run_whose_equipment_is_partly_taken_changes_nothing_and_names_the_conflicts(world):
    # given: the run needs the oven and a chamber on Monday, lab time on Tuesday; someone else has the chamber
    chamber = equipment(world.lab, courses=(world.training,), tag="chamber-1")
    qualify(world.founder, world.induction, world.training)
    other, _company = tenant()
    qualify(other, world.induction, world.training)
    taken = _book(world, chamber.resource, 11, 12, person=other)
    run = _run(
        world,
        {
            "equipment": world.oven,
            "operator": world.founder,
            "starts_at": at(MONDAY, 10),
            "ends_at": at(MONDAY, 12),
        },
        {
            "equipment": chamber,
            "operator": world.founder,
            "starts_at": at(MONDAY, 10),
            "ends_at": at(MONDAY, 12),
        },
        {
            "equipment": None,
            "operator": world.founder,
            "starts_at": at(TUESDAY, 9),
            "ends_at": at(TUESDAY, 17),
        },
    )
    admin = staff()
    # when
    with pytest.raises(pilot_runs.PilotRunConflicts) as caught:
        pilot_runs.pilot_run_schedule(run=run, actor=admin, now=NOW)
    # then: only the chamber is named, nothing was written
    assert caught.value.code == "pilot_run_conflicts"
    [conflict] = caught.value.items
    chamber_item = PilotRunItem.objects.get(equipment=chamber)
    assert conflict["item"] == chamber_item.pk
    assert conflict["equipment"] == chamber.pk
    assert conflict["code"] == "booking_overlap"
    assert conflict["starts_at_local"] == "2027-03-01 10:00"
    assert list(Booking.objects.values_list("pk", flat=True)) == [taken.pk]
    assert PilotRun.objects.get().status == PilotRunStatus.APPROVED
    assert not PilotRunItem.objects.filter(booking__isnull=False).exists()
    # when the chamber is free again, it all books at once; cancelling the run cancels them
    booking_services.booking_cancel(booking=taken, actor=other, now=NOW)
    scheduled = pilot_runs.pilot_run_schedule(run=run, actor=admin, now=NOW)
    assert scheduled.status == PilotRunStatus.SCHEDULED
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 3
    pilot_runs.pilot_run_cancel(run=scheduled, actor=world.founder, reason="Prototype slipped", now=NOW)
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 0


def test_equipment_items_may_not_overlap_the_runs_own_lab_time(world):
    with pytest.raises(ValidationError) as caught:
        _run(
            world,
            {
                "equipment": world.oven,
                "operator": world.founder,
                "starts_at": at(MONDAY, 10),
                "ends_at": at(MONDAY, 12),
            },
            {
                "equipment": None,
                "operator": world.founder,
                "starts_at": at(MONDAY, 9),
                "ends_at": at(MONDAY, 17),
            },
        )
    assert caught.value.error_dict["items"][0].code == "items_overlap"
    assert not PilotRun.objects.exists()
