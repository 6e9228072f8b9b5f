"""Rotating QR codes: the code of this 30-second step and of the one before open the door, nothing
older, nothing forged; the seed is generated and never leaves the server."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from access_control.models import Credential, GrantSource
from access_control.services import grants as grant_services
from access_control.services import qr
from access_control.services.credentials import credential_issue, credential_suspend
from access_control.services.decisions import decide
from tests.access_control.devices_world import signed_headers, world_fixture  # noqa: F401
from tests.access_control.factories import DoorFactory
from tests.accounts.factories import UserFactory
from tests.bookings.factories import room, tenant

pytestmark = pytest.mark.django_db

AT = datetime(2027, 3, 1, 2, 0, 10, tzinfo=UTC)  # 10 s into a step


@pytest.fixture
def holder():  # type: ignore[no-untyped-def]
    """A person with a QR credential (no uid given: the seed is made) and a manual grant on a door."""
    staff = UserFactory(is_staff=True)
    person, company = tenant()
    door = DoorFactory(space=room().space)
    credential = credential_issue(
        person=person, kind="qr", uid="", valid_from=AT - timedelta(days=1), actor=staff
    )
    grant_services.grant_create(
        person=person,
        company=company,
        doors=[door],
        source=GrantSource.MANUAL,
        starts_at=AT - timedelta(days=1),
        ends_at=AT + timedelta(days=1),
        created_by=staff,
        reason="Contractor",
    )
    return staff, door, credential


def shown(credential: Credential, at: datetime) -> str:
    return qr.payload(credential_id=credential.pk, seed=credential.identifier, at=at)


def test_the_seed_is_generated_and_no_part_of_it_is_labelled(holder):  # type: ignore[no-untyped-def]
    _staff, _door, credential = holder
    assert len(credential.identifier) == 40
    assert all(c in "0123456789ABCDEF" for c in credential.identifier)
    assert credential.label == ""


def test_the_code_of_this_step_and_the_one_before_open_older_ones_do_not(holder):  # type: ignore[no-untyped-def]
    _staff, door, credential = holder
    # when / then
    now = decide(door=door, kind="qr", uid=shown(credential, AT), at=AT)
    assert (now.decision, now.reason, now.credential_id) == ("allow", "manual", credential.pk)
    assert decide(door=door, kind="qr", uid=shown(credential, AT - timedelta(seconds=30)), at=AT).allowed
    stale = decide(door=door, kind="qr", uid=shown(credential, AT - timedelta(seconds=60)), at=AT)
    assert (stale.decision, stale.reason) == ("deny", "unknown_credential")
    assert shown(credential, AT) != shown(credential, AT + timedelta(seconds=30))


def test_forged_codes_and_other_credentials_ids_are_unknown(holder):  # type: ignore[no-untyped-def]
    _staff, door, credential = holder
    code = shown(credential, AT).rsplit(":", 1)[1]
    forged = f"{int(code) + 1:08d}"[-8:]
    assert decide(door=door, kind="qr", uid=f"ACSQR1:{credential.pk}:{forged}", at=AT).reason == (
        "unknown_credential"
    )
    assert decide(door=door, kind="qr", uid=f"ACSQR1:{credential.pk + 999}:{code}", at=AT).reason == (
        "unknown_credential"
    )
    assert decide(door=door, kind="card", uid=shown(credential, AT), at=AT).reason == "unknown_credential"


def test_a_suspended_qr_credential_is_inactive_even_with_a_valid_code(holder):  # type: ignore[no-untyped-def]
    staff, door, credential = holder
    credential_suspend(credential=credential, actor=staff, reason="Lost phone")
    result = decide(door=door, kind="qr", uid=shown(credential, AT), at=AT)
    assert (result.decision, result.reason) == ("deny", "credential_inactive")


def test_qr_codes_are_decided_through_the_signed_device_api(client, world):  # type: ignore[no-untyped-def]
    # given: the world's person also holds a QR credential; the world's grant opens its door
    from django.utils import timezone

    credential = credential_issue(person=world.person, kind="qr", uid="", actor=world.staff)
    path = "/api/access/v1/decisions"

    def tap(uid: str):  # type: ignore[no-untyped-def]
        body = json.dumps({"door": str(world.door.pk), "credential": {"kind": "qr", "uid": uid}}).encode()
        headers = signed_headers(world, "POST", path, body)
        return json.loads(
            client.generic("POST", path, body, content_type="application/json", **headers).content
        )

    # when / then
    assert tap(shown(credential, timezone.now()))["decision"] == "allow"
    assert tap(shown(credential, timezone.now() - timedelta(minutes=5)))["reason"] == "unknown_credential"
