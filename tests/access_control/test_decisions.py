"""Decisions pinned to the second: booking grace, business hours on the China calendar, lab
qualifications, and the deny overrides."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from access_control.models import AccessGrant, DoorKind, GrantSource, Lockdown
from access_control.services import grants as grant_services
from access_control.services import sync
from access_control.services.credentials import credential_issue, credential_suspend
from access_control.services.decisions import decide
from bookings.services import bookings as booking_services
from tenants.services import companies as company_services
from tests.access_control.factories import DoorFactory, SiteFactory, local, member_of, tenancy_of
from tests.accounts.factories import UserFactory
from tests.bookings.factories import room, tenant

pytestmark = pytest.mark.django_db

UID = "04:a1:b2:c3:d4"
MONDAY = date(2027, 3, 1)


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True)


@pytest.fixture
def booked(staff, time_machine):  # type: ignore[no-untyped-def]
    """A 14:00–16:00 booking (grace 15/15) of a room with a door, and the booker's card; it is 09:00."""
    time_machine.move_to(local(MONDAY, 9), tick=False)
    person, company = tenant()
    resource = room()
    door = DoorFactory(space=resource.space)
    credential_issue(person=person, kind="card", uid=UID, actor=staff)
    booking = booking_services.booking_create(
        resource=resource,
        booked_by=person,
        company=company,
        starts_at=local(MONDAY, 14),
        ends_at=local(MONDAY, 16),
        now=local(MONDAY, 9),
    )
    return booking, door, person


@pytest.mark.parametrize(
    ("moment", "decision", "reason"),
    [
        ((13, 44, 59), "deny", "booking_not_started"),
        ((13, 45, 0), "allow", "booking"),
        ((15, 0, 0), "allow", "booking"),
        ((16, 15, 0), "allow", "booking"),
        ((16, 15, 1), "deny", "booking_ended"),
    ],
)
def test_booking_grant_edges_to_the_second(booked, moment, decision, reason):  # type: ignore[no-untyped-def]
    # given
    booking, door, person = booked
    # when
    result = decide(door=door, kind="card", uid="04A1B2C3D4", at=local(MONDAY, *moment))
    # then
    assert (result.decision, result.reason) == (decision, reason)
    assert result.person_id == person.pk
    if decision == "allow":
        grant = AccessGrant.objects.get(pk=result.grant_id)
        assert grant.source_key == f"booking:{booking.pk}"
        assert result.unlock_ms == door.unlock_ms


def test_booking_cancelled_denies_at_once_and_leaves_the_next_delta(booked):  # type: ignore[no-untyped-def]
    # given
    booking, door, person = booked
    site = door.site
    site.refresh_from_db()
    before = sync.allowlist_snapshot(site=site, door_ids=None, now=timezone.now())
    assert len(before["entries"]) == 1
    # when
    booking_services.booking_cancel(booking=booking, actor=person, now=local(MONDAY, 10))
    # then
    assert decide(door=door, kind="card", uid=UID, at=local(MONDAY, 15)).reason == "no_grant_for_door"
    delta = sync.allowlist_changes(site=site, since=before["version"], limit=100, door_ids=None)
    assert delta["ops"] == [{"v": before["version"] + 1, "op": "delete", "h": before["entries"][0]["h"]}]
    assert sync.allowlist_snapshot(site=site, door_ids=None, now=timezone.now())["entries"] == []


def test_cancelling_a_booking_leaves_the_grants_of_bookings_whose_ids_extend_its_own(booked):  # type: ignore[no-untyped-def]
    # given: a live grant of booking <pk>0 (booking 1 beside booking 10, say) for the same person
    booking, door, person = booked
    other = AccessGrant.objects.create(
        person=person,
        source=GrantSource.BOOKING,
        source_key=f"booking:{booking.pk}0",
        starts_at=local(MONDAY, 9),
        ends_at=local(MONDAY, 18),
    )
    other.doors.set([door])
    # when
    booking_services.booking_cancel(booking=booking, actor=person, now=local(MONDAY, 10))
    # then: only the cancelled booking's grant ended
    other.refresh_from_db()
    assert other.revoked_at is None
    assert AccessGrant.objects.get(source_key=f"booking:{booking.pk}").revoked_at is not None


def test_resource_policy_sets_the_grace(booked):  # type: ignore[no-untyped-def]
    # given
    from access_control.models import ResourceAccessPolicy

    booking, door, _person = booked
    ResourceAccessPolicy.objects.create(resource=booking.resource, pre_grace_minutes=5, post_grace_minutes=0)
    # when
    grant_services.booking_grants_sync(booking=booking)
    # then
    assert (
        decide(door=door, kind="card", uid=UID, at=local(MONDAY, 13, 54, 59)).reason == "booking_not_started"
    )
    assert decide(door=door, kind="card", uid=UID, at=local(MONDAY, 13, 55)).decision == "allow"
    assert decide(door=door, kind="card", uid=UID, at=local(MONDAY, 16)).decision == "allow"
    assert decide(door=door, kind="card", uid=UID, at=local(MONDAY, 16, 0, 1)).reason == "booking_ended"


@pytest.fixture
def business_hours_tenant(staff):  # type: ignore[no-untyped-def]
    tenancy = tenancy_of(plan_schedule="business_hours")
    person = member_of(tenancy.company)
    space = tenancy.tenancy_spaces.get().space
    door = DoorFactory(space=space)
    credential_issue(person=person, kind="card", uid=UID, valid_from=local(date(2026, 1, 1), 0), actor=staff)
    grant_services.tenancy_grants_sync(tenancy=tenancy)
    return tenancy, door


@pytest.mark.parametrize(
    ("moment", "decision", "reason"),
    [
        (local(date(2026, 10, 1), 10), "deny", "outside_schedule"),  # National Day
        (local(date(2026, 10, 10), 10), "allow", "tenancy"),  # Saturday, a make-up workday
        (local(date(2026, 10, 17), 10), "deny", "outside_schedule"),  # an ordinary Saturday
        (local(date(2026, 10, 12), 8), "allow", "tenancy"),
        (local(date(2026, 10, 12), 7, 59, 59), "deny", "outside_schedule"),
        (local(date(2026, 10, 12), 19, 59, 59), "allow", "tenancy"),
        (local(date(2026, 10, 12), 20), "deny", "outside_schedule"),
    ],
)
def test_business_hours_follow_the_china_calendar(business_hours_tenant, moment, decision, reason):  # type: ignore[no-untyped-def]
    # given
    _tenancy, door = business_hours_tenant
    # when
    result = decide(door=door, kind="card", uid=UID, at=moment)
    # then
    assert (result.decision, result.reason) == (decision, reason)


def test_tenancy_gives_the_building_and_floor_entries(staff):  # type: ignore[no-untyped-def]
    # given
    tenancy = tenancy_of()
    person = member_of(tenancy.company)
    space = tenancy.tenancy_spaces.get().space
    site = SiteFactory(campus=space.floor.building.campus)
    lobby = DoorFactory(site=site, space=None, building=space.floor.building, kind=DoorKind.ENTRY)
    floor = DoorFactory(
        site=site, space=None, building=space.floor.building, floor=space.floor, kind=DoorKind.ENTRY
    )
    elsewhere = DoorFactory(
        site=site, space=None, building=space.floor.building, floor=None, kind=DoorKind.ROOM
    )
    credential_issue(person=person, kind="card", uid=UID, valid_from=local(date(2026, 1, 1), 0), actor=staff)
    # when
    grant_services.tenancy_grants_sync(tenancy=tenancy)
    # then
    at = local(date(2026, 6, 1), 3)
    assert decide(door=lobby, kind="card", uid=UID, at=at).reason == "tenancy"
    assert decide(door=floor, kind="card", uid=UID, at=at).reason == "tenancy"
    assert decide(door=elsewhere, kind="card", uid=UID, at=at).reason == "no_grant_for_door"
    assert (
        decide(door=lobby, kind="card", uid=UID, at=local(date(2028, 1, 1), 0)).reason == "outside_schedule"
    )
    assert (
        decide(door=lobby, kind="card", uid=UID, at=local(date(2027, 12, 31), 23, 59, 59)).decision == "allow"
    )


def test_lab_door_needs_a_lab_qualification(staff):  # type: ignore[no-untyped-def]
    # given a person with a manual grant to a lab door
    person = UserFactory()
    door = DoorFactory(space=room().space, kind=DoorKind.LAB)
    credential_issue(person=person, kind="card", uid=UID, actor=staff)
    at = timezone.now()
    grant_services.grant_create(
        person=person,
        doors=[door],
        source=GrantSource.MANUAL,
        starts_at=at - timedelta(days=1),
        ends_at=at + timedelta(days=1),
        created_by=staff,
        reason="Project work",
    )
    assert decide(door=door, kind="card", uid=UID, at=at).reason == "qualification_missing"
    assert not door.site.entries.exists()  # the door is not on the allow-list without it
    # when
    grant_services.lab_grant_set(
        person=person,
        doors=[door],
        starts_at=at - timedelta(hours=1),
        ends_at=at + timedelta(hours=1),
        source_key="qualification:1",
        reason="Lab safety",
    )
    # then
    result = decide(door=door, kind="card", uid=UID, at=at)
    assert (result.decision, result.reason) == ("allow", "manual")
    assert (
        decide(door=door, kind="card", uid=UID, at=at + timedelta(hours=2)).reason == "qualification_missing"
    )
    assert door.site.entries.get().flags == ["lab_qualified"]


@pytest.fixture
def manual(staff):  # type: ignore[no-untyped-def]
    """A person in an active company with a manual grant (through the company) to one door, and a card."""
    person, company = tenant()
    door = DoorFactory(space=room().space)
    credential = credential_issue(person=person, kind="card", uid=UID, actor=staff)
    at = timezone.now()
    grant_services.grant_create(
        person=person,
        company=company,
        doors=[door],
        source=GrantSource.MANUAL,
        starts_at=at - timedelta(days=1),
        ends_at=at + timedelta(days=1),
        created_by=staff,
        reason="Contractor",
    )
    assert decide(door=door, kind="card", uid=UID, at=at).decision == "allow"
    return person, company, door, credential, at


def test_unknown_credential_is_denied(manual):  # type: ignore[no-untyped-def]
    _person, _company, door, _credential, at = manual
    assert decide(door=door, kind="card", uid="FFFF", at=at).reason == "unknown_credential"
    assert decide(door=door, kind="pin", uid=UID, at=at).reason == "unknown_credential"


def test_suspended_credential_overrides_the_grant(manual, staff):  # type: ignore[no-untyped-def]
    _person, _company, door, credential, at = manual
    credential_suspend(credential=credential, actor=staff, reason="Lost")
    assert decide(door=door, kind="card", uid=UID, at=at).reason == "credential_inactive"
    assert not door.site.entries.exists()


def test_inactive_person_overrides_the_grant(manual):  # type: ignore[no-untyped-def]
    person, _company, door, _credential, at = manual
    person.is_active = False
    person.save()
    assert decide(door=door, kind="card", uid=UID, at=at).reason == "person_suspended"
    assert not door.site.entries.exists()


def test_suspended_company_overrides_the_grant(manual, staff):  # type: ignore[no-untyped-def]
    _person, company, door, _credential, at = manual
    company_services.company_suspend(company=company, actor=staff, reason="Unpaid rent")
    assert decide(door=door, kind="card", uid=UID, at=at).reason == "company_suspended"
    assert not door.site.entries.exists()
    company_services.company_reinstate(company=company, actor=staff)
    assert decide(door=door, kind="card", uid=UID, at=at).decision == "allow"
    assert door.site.entries.exists()


def test_disabled_door_overrides_the_grant(manual):  # type: ignore[no-untyped-def]
    _person, _company, door, _credential, at = manual
    door.is_enabled = False
    door.save()
    assert decide(door=door, kind="card", uid=UID, at=at).reason == "door_disabled"
    assert not door.site.entries.exists()


def test_lockdown_overrides_the_grant(manual, staff):  # type: ignore[no-untyped-def]
    _person, _company, door, _credential, at = manual
    Lockdown.objects.create(
        site=door.site, started_at=at - timedelta(minutes=1), started_by=staff, reason="Fire"
    )
    assert decide(door=door, kind="card", uid=UID, at=at).reason == "lockdown"


def test_building_lockdown_overrides_the_grant(manual, staff):  # type: ignore[no-untyped-def]
    _person, _company, door, _credential, at = manual
    Lockdown.objects.create(
        site=door.site,
        building=door.building,
        started_at=at - timedelta(minutes=1),
        started_by=staff,
        reason="Drill",
    )
    assert decide(door=door, kind="card", uid=UID, at=at).reason == "lockdown"


def test_decision_takes_a_handful_of_queries(manual, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    _person, _company, door, _credential, at = manual
    with django_assert_max_num_queries(6):
        assert decide(door=door, kind="card", uid=UID, at=at).decision == "allow"


def test_a_door_added_later_opens_for_the_tenancies_and_bookings_that_hold_its_space(booked, staff):  # type: ignore[no-untyped-def]
    # given: a tenancy already granted (its space has no door yet), and the booked room's door
    tenancy = tenancy_of()
    person = member_of(tenancy.company)
    space = tenancy.tenancy_spaces.get().space
    credential_issue(
        person=person, kind="card", uid="04:ff:ee:dd", valid_from=local(date(2026, 1, 1), 0), actor=staff
    )
    grant_services.tenancy_grants_sync(tenancy=tenancy)
    booking, _door, _booker = booked
    # when: staff add a door to the tenant's suite and a second door to the booked room
    suite_door = DoorFactory(space=space)
    second = DoorFactory(space=booking.resource.space)
    # then: both open for their holders, at once
    at = local(MONDAY, 15)
    assert decide(door=suite_door, kind="card", uid="04FFEEDD", at=at).reason == "tenancy"
    assert decide(door=second, kind="card", uid=UID, at=at).reason == "booking"
    assert decide(door=second, kind="card", uid="04FFEEDD", at=at).reason == "no_grant_for_door"
