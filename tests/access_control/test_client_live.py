"""The reference client against a live server: the protocol page, the server and the client agree."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access_control.client import AccessClient, AccessClientError, ResponseNotSigned
from access_control.models import AccessEvent, Site
from access_control.services import devices as device_services
from access_control.services import grants as grant_services
from access_control.services.credentials import credential_issue
from tests.access_control.devices_world import UID, client_for, make_world
from tests.accounts.factories import UserFactory

# Real threads (the live server): rows restored after each test as the other threaded tests expect.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def live(live_server):  # type: ignore[no-untyped-def]
    world = make_world()
    client = client_for(world, live_server.url)
    yield world, client
    client.close()


def test_client_syncs_the_snapshot_and_decides_locally(live):
    # given
    world, client = live
    # when
    client.sync()
    # then
    assert client.allowlist.version == Site.objects.get(pk=world.site.pk).version
    assert len(client.allowlist.entries) == 1
    local = client.decide(door=str(world.door.pk), kind="card", uid="04A1B2C3D4E5F6")
    assert (local.decision, local.source) == ("allow", "local_cache")
    denied = client.decide(door=str(world.door2.pk), kind="card", uid=UID)
    assert (denied.decision, denied.reason) == ("deny", "no_grant_for_door")
    assert len(client.queue) == 2


def test_client_falls_back_online_for_an_unknown_credential(live):
    world, client = live
    client.sync()
    outcome = client.decide(door=str(world.door.pk), kind="card", uid="DEADBEEF")
    assert (outcome.decision, outcome.reason, outcome.source) == ("deny", "unknown_credential", "online")
    assert AccessEvent.objects.get(pk=int(outcome.decision_id)).reason == "unknown_credential"


def test_client_follows_deltas_then_refetches_the_snapshot_on_410(live):
    # given: a synced client, then a new person with a card and a grant
    world, client = live
    client.sync()
    etag = client.allowlist.etag
    assert client.fetch_snapshot() is False  # 304: nothing changed
    newcomer = UserFactory()
    credential_issue(person=newcomer, kind="card", uid="0102030405", actor=world.staff)
    grant_services.grant_create(
        person=newcomer,
        doors=[world.door],
        source="visitor",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=2),
        created_by=world.staff,
        reason="Visitor",
    )
    # when
    client.sync()
    # then the delta brought the newcomer
    assert client.allowlist.version == Site.objects.get(pk=world.site.pk).version
    assert client.decide_local(door=str(world.door.pk), uid="01:02:03:04:05").decision == "allow"
    # when the log is trimmed past the client's version and something changes
    device_services.lockdown_start(site=world.site, started_by=world.staff, reason="Drill")
    site = Site.objects.get(pk=world.site.pk)
    Site.objects.filter(pk=site.pk).update(log_floor=site.version)
    # then the client falls back to the snapshot (410) and sees the lockdown
    client.sync()
    assert client.allowlist.version == site.version
    assert client.allowlist.etag
    assert client.allowlist.etag != etag
    assert client.decide_local(door=str(world.door.pk), uid=UID).reason == "lockdown"


def test_client_uploads_events_once_and_retries_safely(live):
    # given: five queued events
    world, client = live
    for _ in range(5):
        client.record_event(type="door.opened", door=str(world.door.pk))
    batch = list(client.queue)
    # when uploaded, then the same batch sent again (as after a lost answer)
    first = client.upload_events()
    client.queue.extend(batch)
    second = client.upload_events()
    # then
    assert (first["accepted"], first["duplicates"]) == (5, 0)
    assert (second["accepted"], second["duplicates"]) == (0, 5)
    assert AccessEvent.objects.filter(device=world.device).count() == 5
    assert not client.queue


def test_client_reports_gaps_when_events_are_lost(live):
    world, client = live
    events = [client.record_event(type="door.closed", door=str(world.door.pk)) for _ in range(6)]
    client.queue.clear()
    client.queue.extend([events[0], events[1], events[5]])  # seq 3..5 lost
    assert client.upload_events()["missing_seq"] == [[3, 5]]


def test_client_uploads_more_than_one_batch(live):
    world, client = live
    for _ in range(1203):
        client.record_event(type="door.opened", door=str(world.door.pk))
    assert client.upload_events()["accepted"] == 1203
    assert AccessEvent.objects.filter(device=world.device).count() == 1203


def test_client_heartbeat_receives_a_remote_unlock(live):
    world, client = live
    command, _ = device_services.door_unlock(door=world.door, requested_by=world.staff)
    answer = client.heartbeat()
    assert [c["id"] for c in answer["commands"]] == [str(command.pk)]
    assert client.heartbeat()["commands"] == []


def test_client_corrects_its_clock_from_timestamp_skew(live):
    _world, client = live
    client.clock_offset = -1000  # our clock is 1000 s slow
    answer = client.heartbeat()
    assert answer["next_heartbeat_s"] == 30
    assert abs(client.clock_offset) < 5


def test_client_refuses_an_answer_signed_with_another_secret(live):
    # given: a client whose requests are signed right but which expects another server key,
    # so the (genuine) answer does not verify for it, as an impostor's answer would not
    world, client = live

    class OtherServerKey(AccessClient):
        def authorization(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.secret = world.keys.secret
            try:
                return super().authorization(*args, **kwargs)
            finally:
                self.secret = b"z" * 32

    wary = OtherServerKey(f"http://{client.host}:{client.port}",
                          world.keys.key_id, b"z" * 32, world.keys.pepper)  # fmt: skip
    # when / then
    assert client.send("GET", "/ping").status == 200
    with pytest.raises(ResponseNotSigned):
        wary.send("GET", "/ping")
    wary.close()


def test_client_with_a_wrong_secret_is_refused(live_server):
    world = make_world()
    client = AccessClient(live_server.url, world.keys.key_id, b"y" * 32, world.keys.pepper)
    with pytest.raises(AccessClientError) as refused:
        client.heartbeat()
    assert refused.value.code == "signature_invalid"


def test_disabled_device_client_gets_device_disabled(live):
    world, client = live
    device_services.device_disable(device=world.device)
    with pytest.raises(AccessClientError) as refused:
        client.sync()
    assert (refused.value.status, refused.value.code) == (403, "device_disabled")
