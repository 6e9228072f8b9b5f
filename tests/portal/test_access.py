"""Portal access page: my credentials (never the identifier) and the doors my grants open now."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access_control.models import AccessGrant, Credential, CredentialKind, CredentialStatus, GrantSource
from access_control.selectors import person_doors_now
from tests.access_control.factories import DoorFactory
from tests.portal.a11y import assert_accessible
from tests.portal.book_world import NOW
from tests.spaces.factories import SpaceFactory

pytestmark = pytest.mark.django_db


def credential(person, kind=CredentialKind.CARD, identifier="04A1B2C3D4", status=CredentialStatus.ACTIVE):  # type: ignore[no-untyped-def]
    return Credential.objects.create(
        person=person,
        kind=kind,
        identifier=identifier,
        label=identifier[-4:],
        status=status,
        valid_from=NOW - timedelta(days=30),
    )


def grant(person, doors, *, starts=-1, ends=1, schedule="24x7", revoked=False, source=GrantSource.TENANCY):  # type: ignore[no-untyped-def]
    g = AccessGrant.objects.create(
        person=person,
        source=source,
        starts_at=NOW + timedelta(days=starts),
        ends_at=None if ends is None else NOW + timedelta(days=ends),
        schedule=schedule,
        revoked_at=NOW if revoked else None,
    )
    g.doors.set(doors)
    return g


def test_access_page_lists_credentials_without_their_identifier(client, world):
    credential(world.founder)
    credential(
        world.founder, kind=CredentialKind.QR, identifier="SEEDSECRETQRXYZ", status=CredentialStatus.SUSPENDED
    )
    client.force_login(world.founder)
    response = client.get(reverse("portal:access"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "C3D4" in page
    assert "04A1B2C3D4" not in page
    assert "SEEDSECRETQRXYZ" not in page
    assert "Suspended" in page
    assert 'class="qr-code"' not in page  # a suspended QR credential shows no code
    assert_accessible(response)


def qr_of(person, *, valid_until=None):  # type: ignore[no-untyped-def]
    from access_control.services.credentials import credential_issue
    from tests.accounts.factories import UserFactory

    return credential_issue(
        person=person,
        kind=CredentialKind.QR,
        uid="",
        valid_from=NOW - timedelta(days=1),
        valid_until=valid_until,
        actor=UserFactory(is_staff=True),
    )


def test_an_active_qr_credential_shows_this_steps_code_and_never_its_seed(client, world):
    from access_control.services import qr

    # given
    credential = qr_of(world.founder)
    client.force_login(world.founder)
    # when
    response = client.get(reverse("portal:access"))
    # then
    page = response.content.decode()
    code = qr.payload(credential_id=credential.pk, seed=credential.identifier, at=NOW).rsplit(":", 1)[1]
    assert response.status_code == 200
    assert "<svg" in page
    assert f"Code {code}" in page
    assert credential.identifier not in page
    assert f'hx-get="{reverse("portal:access-qr", args=[credential.pk])}"' in page
    assert f"load delay:{qr.seconds_left(NOW)}s" in page
    assert "htmx.min.js" in page
    assert_accessible(response)


def test_the_qr_fragment_serves_my_usable_credentials_only(client, world, clock):
    from access_control.services import qr
    from access_control.services.credentials import credential_suspend
    from tests.accounts.factories import UserFactory
    from tests.bookings.factories import tenant

    mine = qr_of(world.founder)
    expired = qr_of(world.founder, valid_until=NOW - timedelta(hours=1))
    outsider, _ = tenant()
    theirs = qr_of(outsider)
    client.force_login(world.founder)

    def fragment(credential):  # type: ignore[no-untyped-def]
        return client.get(reverse("portal:access-qr", args=[credential.pk]))

    # the next step's code, 30 s on
    clock.shift(timedelta(seconds=30))
    response = fragment(mine)
    later = qr.payload(credential_id=mine.pk, seed=mine.identifier, at=NOW + timedelta(seconds=30))
    assert response.status_code == 200
    assert f"Code {later.rsplit(':', 1)[1]}" in response.content.decode()
    assert fragment(theirs).status_code == 404
    assert fragment(expired).status_code == 404
    credential_suspend(credential=mine, actor=UserFactory(is_staff=True), reason="Lost phone")
    assert fragment(mine).status_code == 404


def test_qr_codes_add_no_query_per_credential(client, world):
    client.force_login(world.founder)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("portal:access")).status_code == 200
        return len(ctx.captured_queries)

    qr_of(world.founder)
    one = count()
    qr_of(world.founder)
    qr_of(world.founder)
    assert count() == one
    assert client.get(reverse("portal:access")).content.decode().count('class="qr-code"') == 3


def test_doors_open_now_follow_live_grants_only(world):
    room = SpaceFactory()
    open_door, ended_door, revoked_door, disabled_door, future_door = (
        DoorFactory(space=room, name=f"Door {name}")
        for name in ("open", "ended", "revoked", "disabled", "future")
    )
    disabled_door.is_enabled = False
    disabled_door.save(update_fields=["is_enabled"])
    grant(world.founder, [open_door, disabled_door], ends=None)
    grant(world.founder, [ended_door], starts=-3, ends=-1)
    grant(world.founder, [revoked_door], revoked=True)
    grant(world.founder, [future_door], starts=1, ends=2)
    grant(world.founder, [open_door], source=GrantSource.BOOKING, ends=1)  # a shorter second way in
    doors = person_doors_now(person=world.founder, now=NOW)
    assert [(d.door.name, d.source, d.until) for d in doors] == [("Door open", GrantSource.TENANCY, None)]


def test_business_hours_grants_open_on_working_days_only(world):
    door = DoorFactory(space=SpaceFactory(), name="Suite")
    grant(world.founder, [door], starts=-10, ends=10, schedule="business_hours")
    friday_morning = NOW  # Friday 09:00 in Shanghai
    saturday = NOW + timedelta(days=1)
    friday_night = NOW + timedelta(hours=12)
    assert [d.door.name for d in person_doors_now(person=world.founder, now=friday_morning)] == ["Suite"]
    assert person_doors_now(person=world.founder, now=saturday) == []
    assert person_doors_now(person=world.founder, now=friday_night) == []


def test_access_page_shows_only_my_doors_in_constant_queries(client, world):
    other = SpaceFactory()
    theirs = DoorFactory(space=other, name="Not yours")
    from tests.bookings.factories import tenant

    outsider, _ = tenant()
    grant(outsider, [theirs])
    client.force_login(world.founder)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("portal:access")).status_code == 200
        return len(ctx.captured_queries)

    grant(world.founder, [DoorFactory(space=SpaceFactory(), name="Mine 0")])
    credential(world.founder)
    few = count()
    for i in range(1, 4):
        grant(world.founder, [DoorFactory(space=SpaceFactory(), name=f"Mine {i}")])
        credential(world.founder, identifier=f"0000000{i}")
    assert count() == few
    page = client.get(reverse("portal:access")).content.decode()
    assert "Mine 3" in page
    assert "Not yours" not in page


def test_access_page_in_chinese(client, world):
    client.force_login(world.founder)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("portal:access"))
    assert 'lang="zh-hans"' in response.content.decode()
    assert_accessible(response)
