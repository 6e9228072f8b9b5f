"""The signed device endpoints: allow-list (ETag, 304, deltas, 410), events (stored once, gaps,
limits), heartbeats (commands, lockdown), offline detection."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from access_control.models import AccessEvent, CommandStatus, Device, DeviceCommand, Site
from access_control.services import devices as device_services
from access_control.services import sync
from access_control.services.events import seq_gaps_update
from notifications.models import Notification
from tests.access_control.devices_world import signed_headers, world_fixture  # noqa: F401
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/access/v1"


def send(client, world, method, endpoint, payload=None, *, query="", headers=None):  # type: ignore[no-untyped-def]
    path = BASE + endpoint
    body = b"" if payload is None else json.dumps(payload).encode()
    signed = signed_headers(world, method, path, body, query=query)
    url = path + ("?" + query if query else "")
    return client.generic(method, url, body, content_type="application/json", **signed, **(headers or {}))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event(n: int, world, **extra):  # type: ignore[no-untyped-def]
    return {
        "event_id": f"e-{n}",
        "seq": n,
        "type": "access.granted",
        "door": str(world.door.pk),
        "h": "ab" * 32,
        "source": "local_cache",
        "allowlist_version": 1,
        "occurred_at": iso(timezone.now()),
        **extra,
    }


# --- allow-list -------------------------------------------------------------------------------------


def test_allowlist_snapshot_has_etag_and_answers_304_to_it(client, world):
    # given
    response = send(client, world, "GET", "/allowlist")
    assert response.status_code == 200, response.content
    snapshot = json.loads(response.content)
    etag = response["ETag"]
    # then
    assert etag == f'"{world.site.pk}:{world.site.version}"'
    assert snapshot["version"] == world.site.version
    assert [e["doors"] for e in snapshot["entries"]] == [[str(world.door.pk)]]
    # when
    again = send(client, world, "GET", "/allowlist", headers={"HTTP_IF_NONE_MATCH": etag})
    # then
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_allowlist_changes_and_410_when_the_log_does_not_reach_back(client, world):
    # given
    version = world.site.version
    # when
    response = send(client, world, "GET", "/allowlist/changes", query=f"limit=10&since={version - 1}")
    # then
    delta = json.loads(response.content)
    assert response.status_code == 200, response.content
    assert (delta["from"], delta["to"], delta["complete"]) == (version - 1, version, True)
    assert delta["lockdown"] is None
    # when the log is trimmed past it
    Site.objects.filter(pk=world.site.pk).update(log_floor=version)
    response = send(client, world, "GET", "/allowlist/changes", query=f"since={version - 1}")
    # then
    assert response.status_code == 410
    assert json.loads(response.content)["code"] == "delta_expired"


def test_allowlist_changes_needs_since(client, world):
    response = send(client, world, "GET", "/allowlist/changes", query="limit=5")
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "malformed"


# --- events -----------------------------------------------------------------------------------------


def test_events_uploaded_twice_are_stored_once(client, world):
    # given
    batch = {"events": [event(n, world) for n in range(1, 6)]}
    # when
    first = json.loads(send(client, world, "POST", "/events", batch).content)
    second = json.loads(send(client, world, "POST", "/events", batch).content)
    # then
    assert (first["accepted"], first["duplicates"]) == (5, 0)
    assert (second["accepted"], second["duplicates"]) == (0, 5)
    assert AccessEvent.objects.filter(device=world.device).count() == 5


def test_event_repeated_within_one_batch_counts_as_a_duplicate(client, world):
    answer = json.loads(
        send(client, world, "POST", "/events", {"events": [event(1, world), event(1, world)]}).content
    )
    assert (answer["accepted"], answer["duplicates"]) == (1, 1)
    assert AccessEvent.objects.count() == 1


def test_events_gaps_are_reported_until_filled(client, world):
    # given: 1..3 and 7..8 arrive, 4..6 do not
    batch = [event(n, world) for n in (1, 2, 3, 7, 8)]
    # when
    answer = json.loads(send(client, world, "POST", "/events", {"events": batch}).content)
    # then
    assert answer["missing_seq"] == [[4, 6]]
    # when 5 arrives late, and then 4 and 6
    assert json.loads(send(client, world, "POST", "/events", {"events": [event(5, world)]}).content)[
        "missing_seq"
    ] == [[4, 4], [6, 6]]
    answer = json.loads(
        send(client, world, "POST", "/events", {"events": [event(4, world), event(6, world)]}).content
    )
    # then
    assert answer["missing_seq"] == []
    assert Device.objects.get(pk=world.device.pk).last_seq == 8


def test_seq_gaps_update_edges():
    assert seq_gaps_update(last_seq=None, gaps=[], seqs=[10, 12]) == (12, [[11, 11]])
    assert seq_gaps_update(last_seq=12, gaps=[[11, 11]], seqs=[13]) == (13, [[11, 11]])
    assert seq_gaps_update(last_seq=13, gaps=[[11, 11]], seqs=[11, 20]) == (20, [[14, 19]])
    assert seq_gaps_update(last_seq=5, gaps=[], seqs=[]) == (5, [])


def test_events_rejected_with_codes_and_others_kept(client, world):
    # given
    batch = [
        event(1, world),
        event(2, world, door=str(world.unbound.pk)),
        event(3, world, type="door.exploded"),
        {"seq": 4},
        event(5, world, occurred_at="yesterday"),
    ]
    # when
    answer = json.loads(send(client, world, "POST", "/events", {"events": batch}).content)
    # then
    assert answer["accepted"] == 1
    assert answer["rejected"] == [
        {"event_id": "e-2", "code": "door_not_bound"},
        {"event_id": "e-3", "code": "unknown_type"},
        {"event_id": "", "code": "malformed"},
        {"event_id": "e-5", "code": "malformed"},
    ]


def test_more_than_500_events_is_413(client, world):
    response = send(client, world, "POST", "/events", {"events": [event(n, world) for n in range(501)]})
    assert response.status_code == 413
    assert json.loads(response.content)["code"] == "batch_too_large"
    assert AccessEvent.objects.count() == 0


def test_future_events_are_kept_and_flagged_clock_suspect_and_late_ones_keep_their_time(client, world):
    # given
    future = timezone.now() + timedelta(seconds=400)
    past = timezone.now() - timedelta(days=2)
    batch = [
        event(1, world, occurred_at=iso(future)),
        event(2, world, occurred_at=iso(past)),
        event(3, world),
    ]
    # when
    send(client, world, "POST", "/events", {"events": batch})
    # then
    rows = {e.device_event_id: e for e in AccessEvent.objects.all()}
    assert rows["e-1"].clock_suspect is True
    assert rows["e-2"].clock_suspect is False
    assert rows["e-2"].occurred_at == past.replace(microsecond=past.microsecond)
    assert rows["e-2"].payload.get("late") is True
    assert rows["e-3"].clock_suspect is False
    assert "late" not in rows["e-3"].payload


def test_a_door_forced_open_now_tells_staff_once_and_late_or_future_alarms_do_not(client, world):
    # given: staff to tell (world.staff is one), and four alarm events
    batch = [
        event(1, world, type="door.forced_open", source="sensor"),
        event(2, world, type="door.held_open", occurred_at=iso(timezone.now() - timedelta(hours=3))),
        event(3, world, type="reader.tamper", occurred_at=iso(timezone.now() + timedelta(seconds=400))),
        event(4, world, type="door.opened"),
    ]
    # when: uploaded twice (a retry)
    for _ in range(2):
        send(client, world, "POST", "/events", {"events": batch})
    # then: only the on-time alarm is told, once, naming the door
    told = Notification.objects.filter(kind="access_control.door_alarm")
    assert [(n.recipient_id, n.subject_obj.device_event_id) for n in told] == [(world.staff.pk, "e-1")]
    assert "Door forced open" in told[0].subject
    assert world.door.name in told[0].subject


def test_heartbeat_records_the_state_of_the_device_doors(client, world):
    # given
    payload = {"doors": [{"door": str(world.door.pk), "locked": False, "open": True}]}
    # when
    response = send(client, world, "POST", "/heartbeat", payload)
    # then
    assert response.status_code == 200
    world.door.refresh_from_db()
    assert (world.door.is_locked, world.door.is_open) == (False, True)
    assert world.door.state_reported_at is not None
    world.door2.refresh_from_db()
    assert world.door2.state_reported_at is None


@pytest.mark.parametrize(
    ("doors", "status", "code"),
    [
        ("locked", 400, "malformed"),
        ([{"door": "x", "locked": True, "open": False}], 400, "malformed"),
        ([{"door": "DOOR", "locked": "yes", "open": False}], 400, "malformed"),
        ([{"door": "UNBOUND", "locked": True, "open": False}], 403, "device_not_bound_to_door"),
        ([{"door": "999999", "locked": True, "open": False}], 404, "unknown_door"),
    ],
)
def test_heartbeat_door_states_are_checked_and_a_refusal_changes_nothing(client, world, doors, status, code):
    # given
    if isinstance(doors, list):
        doors = [
            {
                **d,
                "door": {"DOOR": str(world.door.pk), "UNBOUND": str(world.unbound.pk)}.get(
                    d["door"], d["door"]
                ),
            }
            for d in doors
        ]
    # when
    response = send(client, world, "POST", "/heartbeat", {"firmware": "9.9", "doors": doors})
    # then
    assert response.status_code == status
    assert json.loads(response.content)["code"] == code
    assert Device.objects.get(pk=world.device.pk).firmware != "9.9"
    assert not Site.objects.get(pk=world.site.pk).doors.filter(state_reported_at__isnull=False).exists()


def test_a_failing_database_answers_503_overloaded_with_retry_after(client, world, monkeypatch):
    # given: the database fails under the decision
    from django.db import OperationalError

    from access_control.services import decisions

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("too many connections")

    monkeypatch.setattr(decisions, "decide_at", failing)
    payload = {"door": str(world.door.pk), "credential": {"kind": "card", "uid": "04a1b2c3d4e5f6"}}
    # when
    response = send(client, world, "POST", "/decisions", payload)
    # then: the device is told to decide alone and come back later; nothing was stored
    body = json.loads(response.content)
    assert response.status_code == 503
    assert (body["code"], body["retryable"]) == ("overloaded", True)
    assert response["Retry-After"] == "5"
    assert AccessEvent.objects.count() == 0


def test_events_body_must_be_a_list(client, world):
    response = send(client, world, "POST", "/events", {"events": "all"})
    assert response.status_code == 400


# --- heartbeat and commands -------------------------------------------------------------------------


def test_heartbeat_records_the_device_and_delivers_pending_commands_once(client, world):
    # given
    command, _ = device_services.door_unlock(door=world.door, requested_by=world.staff)
    payload = {"firmware": "1.4.2", "allowlist_version": 3, "queue_depth": 37, "doors": []}
    # when
    answer = json.loads(send(client, world, "POST", "/heartbeat", payload).content)
    # then
    assert answer["allowlist_version"] == world.site.version
    assert answer["next_heartbeat_s"] == 30
    assert answer["lockdown"] is None
    assert [c["id"] for c in answer["commands"]] == [str(command.pk)]
    assert answer["commands"][0]["type"] == "unlock"
    device = Device.objects.get(pk=world.device.pk)
    assert (device.firmware, device.reported_version, device.queue_depth, device.is_online) == (
        "1.4.2",
        3,
        37,
        True,
    )
    assert DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.DELIVERED
    # when it beats again, the command is not delivered twice
    assert json.loads(send(client, world, "POST", "/heartbeat", payload).content)["commands"] == []


def test_expired_commands_are_never_delivered(client, world):
    # given: an unlock asked 11 s ago (unlock commands live 10 s)
    command, _ = device_services.door_unlock(
        door=world.door, requested_by=world.staff, now=timezone.now() - timedelta(seconds=11)
    )
    # when
    answer = json.loads(send(client, world, "POST", "/heartbeat", {}).content)
    # then
    assert answer["commands"] == []
    assert DeviceCommand.objects.get(pk=command.pk).status == CommandStatus.EXPIRED


def test_lockdown_is_in_heartbeat_snapshot_and_delta_and_bumps_the_version(client, world):
    # given
    before = world.site.version
    # when
    lockdown = device_services.lockdown_start(site=world.site, started_by=world.staff, reason="Fire drill")
    # then
    assert Site.objects.get(pk=world.site.pk).version == before + 1
    beat = json.loads(send(client, world, "POST", "/heartbeat", {}).content)
    assert beat["lockdown"]["id"] == str(lockdown.pk)
    snapshot = json.loads(send(client, world, "GET", "/allowlist").content)
    assert snapshot["lockdown"]["id"] == str(lockdown.pk)
    assert snapshot["version"] == before + 1
    delta = json.loads(send(client, world, "GET", "/allowlist/changes", query=f"since={before}").content)
    assert (delta["to"], delta["lockdown"]["id"]) == (before + 1, str(lockdown.pk))
    # when it ends
    ended = device_services.lockdown_end(lockdown=lockdown, ended_by=world.staff, reason="Drill over")
    # then
    assert (ended.ended_by, ended.end_reason) == (world.staff, "Drill over")
    assert Site.objects.get(pk=world.site.pk).version == before + 2
    assert json.loads(send(client, world, "POST", "/heartbeat", {}).content)["lockdown"] is None


def test_decision_during_lockdown_denies(client, world):
    device_services.lockdown_start(site=world.site, started_by=world.staff, reason="Intruder")
    answer = json.loads(
        send(
            client,
            world,
            "POST",
            "/decisions",
            {"door": str(world.door.pk), "credential": {"kind": "card", "uid": "04a1b2c3d4e5f6"}},
        ).content
    )
    assert (answer["decision"], answer["reason"]) == ("deny", "lockdown")
    assert AccessEvent.objects.get(pk=int(answer["decision_id"])).reason == "lockdown"


def test_unknown_credential_is_a_deny_not_an_error(client, world):
    response = send(
        client,
        world,
        "POST",
        "/decisions",
        {"door": str(world.door.pk), "credential": {"kind": "card", "uid": "FF"}},
    )
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert (answer["decision"], answer["reason"], answer["person"]) == ("deny", "unknown_credential", None)


def test_decision_body_must_name_a_credential(client, world):
    response = send(client, world, "POST", "/decisions", {"door": str(world.door.pk)})
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "malformed"


# --- offline detection ------------------------------------------------------------------------------


def test_silent_device_is_marked_offline_and_staff_told_once_until_it_is_back(client, world):
    # given: a heartbeat now, and two staff members
    other_staff = UserFactory(is_staff=True)
    send(client, world, "POST", "/heartbeat", {})
    later = timezone.now() + timedelta(seconds=91)
    # when the sweep runs after 91 s of silence, twice
    with time_machine.travel(later, tick=False):
        first = device_services.devices_offline_sweep()
        second = device_services.devices_offline_sweep()
    # then
    assert [d.pk for d in first] == [world.device.pk]
    assert second == []
    device = Device.objects.get(pk=world.device.pk)
    assert device.is_online is False
    assert device.offline_since is not None
    told = Notification.objects.filter(kind="access_control.device_offline")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([world.staff.pk, other_staff.pk])
    # when it comes back and goes silent again, staff are told again
    send(client, world, "POST", "/heartbeat", {})
    assert Device.objects.get(pk=world.device.pk).is_online is True
    with time_machine.travel(timezone.now() + timedelta(seconds=95), tick=False):
        assert len(device_services.devices_offline_sweep()) == 1
    assert told.count() == 4


def test_device_silent_for_less_than_90_seconds_stays_online(client, world):
    send(client, world, "POST", "/heartbeat", {})
    with time_machine.travel(timezone.now() + timedelta(seconds=85), tick=False):
        assert device_services.devices_offline_sweep() == []


def test_offline_sweep_task_runs_the_sweep(world):
    from access_control.tasks import devices_offline_sweep_task

    Device.objects.filter(pk=world.device.pk).update(last_seen_at=timezone.now() - timedelta(minutes=5))
    assert devices_offline_sweep_task() == 1
    assert devices_offline_sweep_task() == 0


def test_snapshot_restricted_to_the_devices_doors(world):
    snapshot = sync.allowlist_snapshot(site=world.site, door_ids=[world.door2.pk], now=timezone.now())
    assert snapshot["entries"] == []


def test_decision_hot_path_makes_no_joins(client, world):
    # given
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    payload = {"door": str(world.door.pk), "credential": {"kind": "card", "uid": "04a1b2c3d4e5f6"}}
    # when
    with CaptureQueriesContext(connection) as queries:
        response = send(client, world, "POST", "/decisions", payload)
    # then
    assert json.loads(response.content)["decision"] == "allow"
    assert len(queries) <= 12
    assert [q["sql"] for q in queries if " JOIN " in q["sql"].upper()] == []
