"""A small access-control world for device API tests: one site, three doors (two bound to a
device), a person with a card and a staff grant on the first door; plus signing helpers."""

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from access_control.client import AccessClient
from access_control.models import Device, Door, DoorKind, Site
from access_control.services import devices as device_services
from access_control.services import grants as grant_services
from access_control.services.credentials import credential_issue
from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.spaces.factories import BuildingFactory, CampusFactory

UID = "04:a1:b2:c3:d4:e5:f6"


@dataclass
class DeviceWorld:
    staff: User
    site: Site
    door: Door  # bound, granted
    door2: Door  # bound, not granted
    unbound: Door  # same site, not bound to the device
    device: Device
    keys: device_services.DeviceKeys
    person: User


def make_world(*, suffix: str = "", uid: str = UID) -> DeviceWorld:
    staff = UserFactory(is_staff=True, is_superuser=True)
    campus = CampusFactory()
    building = BuildingFactory(campus=campus)
    site = Site.objects.create(campus=campus, building=building, code=f"hq{suffix}", name=f"HQ {suffix}")
    doors = [
        Door.objects.create(site=site, building=building, code=f"d{i}", name=f"Door {i}", kind=DoorKind.ENTRY)
        for i in range(3)
    ]
    keys = device_services.device_create(site=site, name="Lobby reader", doors=doors[:2])
    person = UserFactory(full_name="Li Wei")
    credential_issue(person=person, kind="card", uid=uid, actor=staff)
    now = timezone.now()
    grant_services.grant_create(
        person=person,
        doors=[doors[0]],
        source="staff",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        created_by=staff,
        reason="Facilities team",
    )
    site.refresh_from_db()
    return DeviceWorld(staff, site, doors[0], doors[1], doors[2], keys.device, keys, person)


@pytest.fixture(name="world")
def world_fixture(db) -> DeviceWorld:  # type: ignore[no-untyped-def]
    return make_world()


def signed_headers(
    world_or_keys,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    query: str = "",
    ts: int | None = None,
    nonce: str | None = None,
    key_id: str | None = None,
    secret: bytes | None = None,
) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Django test-client headers for a signed request (``HTTP_AUTHORIZATION``)."""
    keys = getattr(world_or_keys, "keys", world_or_keys)
    key_id = key_id or keys.key_id
    secret = secret or keys.secret
    ts_text = str(int(time.time()) if ts is None else ts)
    nonce = nonce or secrets.token_hex(16)
    from access_control.api.device_auth import request_signature

    sig = request_signature(secret, method=method, path=path, query=query, body=body, ts=ts_text, nonce=nonce)
    return {"HTTP_AUTHORIZATION": f"ACS1-HMAC-SHA256 key={key_id}, ts={ts_text}, nonce={nonce}, sig={sig}"}


def client_for(world: DeviceWorld, base_url: str) -> AccessClient:
    return AccessClient(base_url, world.keys.key_id, world.keys.secret, world.keys.pepper)
