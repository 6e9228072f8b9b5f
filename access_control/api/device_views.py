"""The signed device API (``/api/access/v1/``), per ``shared/access-protocol.md``.

Plain Django views (not DRF, not in the OpenAPI schema): ``device_endpoint`` verifies each
request from its raw bytes before a view parses the body, and signs every answer.
"""

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from access_control.api.device_auth import (
    DeviceContext,
    DeviceProblem,
    device_endpoint,
    iso,
    parse_json,
    query_params,
)
from access_control.crypto import allowlist_hash, normalise_uid, site_pepper
from access_control.models import CredentialKind, Door, Site
from access_control.services import decisions, sync
from access_control.services.devices import HEARTBEAT_INTERVAL_S, DoorState, device_heartbeat
from access_control.services.events import MAX_BATCH, decision_record, events_ingest

Result = tuple[int, Any, dict[str, str]]


def _door_id(ctx: DeviceContext, value: Any) -> int:
    """The id of a door named by a device: bound to it, else 403 (another door) or 404 (no such door)."""
    try:
        door_id = int(value)
    except (TypeError, ValueError) as exc:
        raise DeviceProblem("malformed", "door must be a door id.") from exc
    if door_id not in ctx.door_ids:
        if Door.objects.filter(pk=door_id).exists():
            raise DeviceProblem("device_not_bound_to_door")
        raise DeviceProblem("unknown_door")
    return door_id


@device_endpoint("POST")
def decisions_view(request: HttpRequest, ctx: DeviceContext) -> Result:
    body = parse_json(request.body)
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        raise DeviceProblem("malformed", "Expected {door, credential: {kind, uid}}.")
    credential = body["credential"]
    kind, uid = credential.get("kind"), credential.get("uid")
    if kind not in CredentialKind.values or not isinstance(uid, str) or not 0 < len(uid) <= 128:
        raise DeviceProblem("malformed", "credential.kind must be card, pin or qr, with a uid.")
    occurred_raw = body.get("occurred_at")
    occurred_at = parse_datetime(occurred_raw) if isinstance(occurred_raw, str) else None
    try:
        door_id = int(body.get("door"))
    except (TypeError, ValueError) as exc:
        raise DeviceProblem("malformed", "door must be a door id.") from exc
    now = timezone.now()
    door = decisions.door_facts(door_id, at=now, device_id=ctx.device.pk)
    if door is None:
        raise DeviceProblem("unknown_door")
    if not door.bound:
        raise DeviceProblem("device_not_bound_to_door")
    decision = decisions.decide_at(door, kind=kind, uid=uid, at=now)
    event = decision_record(
        device=ctx.device,
        door_id=door.id,
        decision=decision,
        h=allowlist_hash(site_pepper(door.site_id, door.pepper_id), normalise_uid(uid)),
        allowlist_version=door.site_version,
        occurred_at=occurred_at if occurred_at is not None and occurred_at.tzinfo else now,
        payload={
            "direction": str(body.get("direction") or "")[:8],
            "device_allowlist_version": body.get("allowlist_version"),
            "credential_kind": kind,
        },
    )
    payload: dict[str, Any] = {
        "decision": decision.decision,
        "reason": decision.reason,
        "grant": str(decision.grant_id) if decision.grant_id else None,
        "unlock_ms": decision.unlock_ms if decision.decision == "allow" else 0,
        "person": (
            {"id": str(decision.person_id), "display": decision.person_display}
            if decision.person_id
            else None
        ),
        "decision_id": str(event.pk),
        "server_time": iso(now),
        "allowlist_version": door.site_version,
    }
    return 200, payload, {}


@device_endpoint("GET")
def allowlist_view(request: HttpRequest, ctx: DeviceContext) -> Result:
    version = Site.objects.filter(pk=ctx.site_id).values_list("version", flat=True).get()
    etag = f'"{ctx.site_id}:{version}"'
    if request.headers.get("If-None-Match", "") == etag:
        return 304, None, {"ETag": etag}
    version, body = sync.allowlist_snapshot_body(
        site=Site.objects.get(pk=ctx.site_id), door_ids=sorted(ctx.door_ids), now=timezone.now()
    )
    return 200, body, {"ETag": f'"{ctx.site_id}:{version}"'}


@device_endpoint("GET")
def allowlist_changes_view(request: HttpRequest, ctx: DeviceContext) -> Result:
    params = query_params(request)
    try:
        since = int(params["since"])
        limit = int(params.get("limit", settings.ACCESS_DELTA_DEFAULT_LIMIT))
    except (KeyError, ValueError) as exc:
        raise DeviceProblem("malformed", "since (a version) is required; limit is a number.") from exc
    if since < 0 or limit < 1:
        raise DeviceProblem("malformed", "since and limit must not be negative.")
    limit = min(limit, settings.ACCESS_DELTA_MAX_LIMIT)
    try:
        delta = sync.allowlist_changes(
            site=Site.objects.get(pk=ctx.site_id), since=since, limit=limit, door_ids=sorted(ctx.door_ids)
        )
    except sync.DeltaExpired as exc:
        raise DeviceProblem("delta_expired") from exc
    # Starting or ending a lockdown bumps the version without an entry op: a delta carries the
    # lockdown in force (as the snapshot does), so applying it gives the snapshot at "to".
    delta["lockdown"] = _lockdown_payload(ctx)
    return 200, delta, {}


@device_endpoint("POST")
def events_view(request: HttpRequest, ctx: DeviceContext) -> Result:
    body = parse_json(request.body)
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise DeviceProblem("malformed", "Expected {events: [...]}.")
    if len(body["events"]) > MAX_BATCH:
        raise DeviceProblem("batch_too_large", f"At most {MAX_BATCH} events a call.", max_batch=MAX_BATCH)
    result = events_ingest(
        device=ctx.device, door_ids=ctx.door_ids, events=body["events"], now=timezone.now()
    )
    return 200, result.as_dict(), {}


def _lockdown_payload(ctx: DeviceContext) -> dict[str, Any] | None:
    """The lockdown in force on the device's site or on a building of its doors (as in snapshots)."""
    building_ids = set(Door.objects.filter(pk__in=ctx.door_ids).values_list("building_id", flat=True))
    return sync.lockdown_body(sync.active_lockdown(site=Site(pk=ctx.site_id), building_ids=building_ids))


def _door_states(ctx: DeviceContext, raw: Any) -> list[DoorState]:
    """The heartbeat's ``doors``: each a door bound to the device, with booleans ``locked`` and ``open``."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise DeviceProblem("malformed", "doors is a list of {door, locked, open}.")
    states = []
    for item in raw:
        locked, is_open = item.get("locked"), item.get("open")
        if not isinstance(locked, bool) or not isinstance(is_open, bool):
            raise DeviceProblem("malformed", "locked and open are true or false.")
        door = _door_id(ctx, item.get("door"))
        states.append(DoorState(door_id=door, locked=locked, open=is_open))
    return states


@device_endpoint("POST")
def heartbeat_view(request: HttpRequest, ctx: DeviceContext) -> Result:
    body = parse_json(request.body) if request.body else {}
    if not isinstance(body, dict):
        raise DeviceProblem("malformed", "Expected a JSON object.")
    version, queue = body.get("allowlist_version"), body.get("queue_depth")
    if (version is not None and not isinstance(version, int)) or (
        queue is not None and (not isinstance(queue, int) or queue < 0)
    ):
        raise DeviceProblem("malformed", "allowlist_version and queue_depth are numbers.")
    now = timezone.now()
    commands = device_heartbeat(
        device=ctx.device,
        firmware=str(body.get("firmware") or ""),
        allowlist_version=version,
        queue_depth=queue,
        now=now,
        doors=_door_states(ctx, body.get("doors")),
    )
    site_version = Site.objects.filter(pk=ctx.site_id).values_list("version", flat=True).get()
    return (
        200,
        {
            "server_time": iso(now),
            "allowlist_version": site_version,
            "lockdown": _lockdown_payload(ctx),
            "commands": [
                {
                    "id": str(c.pk),
                    "type": c.type,
                    "door": str(c.door_id),
                    "duration_ms": c.duration_ms,
                    "expires_at": iso(c.expires_at),
                }
                for c in commands
            ],
            "next_heartbeat_s": HEARTBEAT_INTERVAL_S,
        },
        {},
    )


@device_endpoint("GET")
def ping_view(request: HttpRequest, ctx: DeviceContext) -> Result:
    """A signed no-op (for clients checking their keys and clock, and for benchmarks)."""
    return 200, {"server_time": iso(datetime.now(tz=UTC)), "device": str(ctx.device.pk)}, {}
