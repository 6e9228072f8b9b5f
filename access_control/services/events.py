"""Access events: online decisions stored as events, and device event uploads stored exactly once.

Ingest is built for throughput: one locked read of the device, one query for the event ids
already stored, one ``bulk_create`` for the new ones. ``(device, device_event_id)`` is unique,
so however often a batch is sent, each event is stored once; the device row lock serialises
concurrent uploads of one device, so the duplicate count is exact.

Sequence numbers: ``Device.last_seq`` is the highest seq seen and ``Device.seq_gaps`` the
ranges below it never received; every upload answers them as ``missing_seq`` until the device
sends them (at most ``MAX_GAP_RANGES`` ranges are kept, the newest).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from access_control.models import AccessEvent, Device
from accounts.models import User
from notifications.services import notify_many

EVENT_TYPES = frozenset(
    {
        "access.granted",
        "access.denied",
        "door.forced_open",
        "door.held_open",
        "door.opened",
        "door.closed",
        "reader.tamper",
        "device.boot",
        "device.clock_jump",
        "command.executed",
        "command.expired",
    }
)
MAX_BATCH = 500
CLOCK_SUSPECT_AFTER = timedelta(seconds=300)
# Events older than this are "late": stored with their own time, never acted on live.
LATE_AFTER = timedelta(seconds=300)
MAX_GAP_RANGES = 100
# Events staff are told about as they happen (never when late or dated in the future).
ALARMS = {
    "door.forced_open": _("Door forced open"),
    "door.held_open": _("Door held open"),
    "reader.tamper": _("Reader tampered with"),
}


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)
    missing_seq: list[list[int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "missing_seq": self.missing_seq,
        }


def _parse_event(raw: Any, door_ids: frozenset[int]) -> tuple[dict[str, Any] | None, str]:
    """(clean event, "") or (None, rejection code)."""
    if not isinstance(raw, dict):
        return None, "malformed"
    event_id, seq, type_, occurred = (
        raw.get("event_id"),
        raw.get("seq"),
        raw.get("type"),
        raw.get("occurred_at"),
    )
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
        return None, "malformed"
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 0):
        return None, "malformed"
    if type_ not in EVENT_TYPES:
        return None, "unknown_type"
    try:
        occurred_at = datetime.fromisoformat(occurred) if isinstance(occurred, str) else None
    except ValueError:
        return None, "malformed"
    if occurred_at is None or occurred_at.tzinfo is None:
        return None, "malformed"
    door = raw.get("door")
    door_id = None
    if door is not None:
        try:
            door_id = int(door)
        except (TypeError, ValueError):
            return None, "malformed"
        if door_id not in door_ids:
            return None, "door_not_bound"
    h = raw.get("h") or ""
    version = raw.get("allowlist_version")
    if not isinstance(h, str) or len(h) > 64 or (version is not None and not isinstance(version, int)):
        return None, "malformed"
    return {
        "event_id": event_id,
        "seq": seq,
        "type": type_,
        "occurred_at": occurred_at,
        "door_id": door_id,
        "h": h,
        "source": str(raw.get("source") or "")[:32],
        "allowlist_version": version,
        "payload": {k: v for k, v in raw.items() if k not in _STORED_KEYS},
    }, ""


_STORED_KEYS = frozenset(
    {"event_id", "seq", "type", "occurred_at", "door", "h", "source", "allowlist_version"}
)


def _ranges(values: list[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for value in sorted(values):
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1][1] = value
        elif not ranges or value > ranges[-1][1]:
            ranges.append([value, value])
    return ranges


def seq_gaps_update(
    *, last_seq: int | None, gaps: list[list[int]], seqs: Iterable[int]
) -> tuple[int | None, list[list[int]]]:
    """New (last_seq, gaps) after receiving ``seqs``: fill gaps they cover, open gaps they skip."""
    received = sorted(set(seqs))
    if not received:
        return last_seq, gaps
    got = set(received)
    remaining: list[list[int]] = []
    for first, last in gaps:  # split each open gap around what arrived
        missing = [s for s in range(first, last + 1) if s not in got] if last - first < 100_000 else None
        if missing is None:  # a huge gap: trim only its ends
            while first <= last and first in got:
                first += 1
            while last >= first and last in got:
                last -= 1
            if first <= last:
                remaining.append([first, last])
        else:
            remaining.extend(_ranges(missing))
    top = received[-1]
    if last_seq is None:
        start = received[0]
        last_seq = start - 1
    if top > last_seq:
        newer = [s for s in received if s > last_seq]
        expected = last_seq + 1
        for seq in newer:
            if seq > expected:
                remaining.append([expected, seq - 1])
            expected = seq + 1
        last_seq = top
    remaining.sort()
    return last_seq, remaining[-MAX_GAP_RANGES:]


@transaction.atomic
def events_ingest(
    *, device: Device, door_ids: frozenset[int], events: list[Any], now: datetime
) -> IngestResult:
    """Store each new event once; count the ones already stored; report rejected events and seq gaps."""
    result = IngestResult()
    locked = (
        Device.objects.select_for_update().only("pk", "site_id", "last_seq", "seq_gaps").get(pk=device.pk)
    )
    clean: dict[str, dict[str, Any]] = {}
    seqs: list[int] = []
    for raw in events:
        event, code = _parse_event(raw, door_ids)
        if event is None:
            event_id = raw.get("event_id") if isinstance(raw, dict) else None
            result.rejected.append({"event_id": str(event_id) if event_id is not None else "", "code": code})
            continue
        if event["event_id"] in clean:
            result.duplicates += 1
            continue
        clean[event["event_id"]] = event
        if event["seq"] is not None:
            seqs.append(event["seq"])
    if clean:
        stored = set(
            AccessEvent.objects.filter(device_id=device.pk, device_event_id__in=list(clean)).values_list(
                "device_event_id", flat=True
            )
        )
        result.duplicates += len(stored)
        rows = [
            AccessEvent(
                device_id=device.pk,
                site_id=locked.site_id,
                door_id=event["door_id"],
                device_event_id=event["event_id"],
                seq=event["seq"],
                type=event["type"],
                decision=_decision_of(event["type"]),
                source=event["source"],
                h=event["h"],
                allowlist_version=event["allowlist_version"],
                occurred_at=event["occurred_at"],
                clock_suspect=event["occurred_at"] > now + CLOCK_SUSPECT_AFTER,
                payload={**event["payload"], "late": True}
                if event["occurred_at"] < now - LATE_AFTER
                else event["payload"],
            )
            for event_id, event in clean.items()
            if event_id not in stored
        ]
        AccessEvent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=MAX_BATCH)
        result.accepted = len(rows)
        live_alarms = [
            row.device_event_id
            for row in rows
            if row.type in ALARMS and not row.clock_suspect and not row.payload.get("late")
        ]
        if live_alarms:
            door_alarms_notify(device=device, event_ids=live_alarms)
    last_seq, gaps = seq_gaps_update(last_seq=locked.last_seq, gaps=locked.seq_gaps or [], seqs=seqs)
    if last_seq != locked.last_seq or gaps != locked.seq_gaps:
        Device.objects.filter(pk=device.pk).update(last_seq=last_seq, seq_gaps=gaps)
    result.missing_seq = gaps
    return result


def door_alarms_notify(*, device: Device, event_ids: list[str]) -> int:
    """Tell active staff about these alarm events of ``device`` (forced or held open, tampering), once
    per stored event however often it is uploaded; the e-mails go after commit. Returns how many."""
    staff = list(User.objects.filter(is_staff=True, is_active=True).order_by("pk"))
    events = (
        AccessEvent.objects.filter(device_id=device.pk, device_event_id__in=event_ids)
        .select_related("door", "site", "device")
        .order_by("pk")
    )
    for event in events:
        notify_many(
            recipients=staff,
            kind="access_control.door_alarm",
            context={"event": event, "alarm": ALARMS[event.type], "door": event.door, "site": event.site},
            subject_obj=event,
            dedupe_key=f"access_control.door_alarm:{event.pk}",
        )
    return len(event_ids)


def _decision_of(type_: str) -> str:
    return {"access.granted": "allow", "access.denied": "deny"}.get(type_, "")


def decision_record(
    *,
    device: Device,
    door_id: int,
    decision: Any,
    h: str,
    allowlist_version: int,
    occurred_at: datetime,
    payload: dict[str, Any],
) -> AccessEvent:
    """Store an online decision as an access event (its id is the decision id)."""
    return AccessEvent.objects.create(
        device_id=device.pk,
        site_id=device.site_id,
        door_id=door_id,
        type="access.granted" if decision.decision == "allow" else "access.denied",
        decision=decision.decision,
        reason=decision.reason,
        source="online",
        h=h,
        person_id=decision.person_id,
        company_id=decision.company_id,
        grant_id=decision.grant_id,
        allowlist_version=allowlist_version,
        occurred_at=occurred_at,
        payload=payload,
    )
