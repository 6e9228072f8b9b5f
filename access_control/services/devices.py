"""Devices: create (secret and pepper shown once), disable/enable, rotate keys, bind doors;
heartbeats and offline detection; remote-unlock commands; lockdowns."""

import base64
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_control.crypto import device_secret, site_pepper
from access_control.models import CommandStatus, CommandType, Device, DeviceCommand, Door, Lockdown, Site
from accounts.models import User
from notifications.services import notify_many
from spaces.models import Building

UNLOCK_COMMAND_TTL = timedelta(seconds=10)
HEARTBEAT_INTERVAL_S = 30
OFFLINE_AFTER = timedelta(seconds=3 * HEARTBEAT_INTERVAL_S)


@dataclass(frozen=True)
class DeviceKeys:
    """What a device is given once: its key id, secret and the site's allow-list pepper."""

    device: Device
    key_id: str
    secret: bytes
    pepper_id: str
    pepper: bytes

    def as_dict(self) -> dict[str, str]:
        return {
            "key_id": self.key_id,
            "secret_hex": self.secret.hex(),
            "secret_base64": base64.b64encode(self.secret).decode(),
            "pepper_id": self.pepper_id,
            "pepper_hex": self.pepper.hex(),
        }


def _new_key_id() -> str:
    return "dk_" + secrets.token_hex(12)


def _keys(device: Device, site: Site) -> DeviceKeys:
    return DeviceKeys(
        device=device,
        key_id=device.key_id,
        secret=device_secret(device.key_id),
        pepper_id=site.pepper_id,
        pepper=site_pepper(site.pk, site.pepper_id),
    )


def _check_doors(site: Site, doors: Iterable[Door]) -> list[Door]:
    doors = list(doors)
    if any(door.site_id != site.pk for door in doors):
        raise ValidationError(_("A device can only drive doors of its own site."), code="door_other_site")
    return doors


@transaction.atomic
def device_create(*, site: Site, name: str, doors: Iterable[Door] = ()) -> DeviceKeys:
    """A new enabled device bound to ``doors``; the returned keys are shown once and not stored."""
    doors = _check_doors(site, doors)
    device = Device(site=site, name=name, key_id=_new_key_id())
    device.full_clean()
    device.save()
    device.doors.set(doors)
    return _keys(device, site)


def _locked(device: Device) -> Device:
    return Device.objects.select_for_update().get(pk=device.pk)


@transaction.atomic
def device_disable(*, device: Device) -> Device:
    device = _locked(device)
    if device.is_enabled:
        device.is_enabled = False
        device.save(update_fields=["is_enabled", "updated_at"])
    return device


@transaction.atomic
def device_enable(*, device: Device) -> Device:
    device = _locked(device)
    if not device.is_enabled:
        device.is_enabled = True
        device.save(update_fields=["is_enabled", "updated_at"])
    return device


@transaction.atomic
def device_rotate_key(*, device: Device, overlap: timedelta | None = None) -> DeviceKeys:
    """A new key id (and so secret); the old key keeps working for ``overlap`` (default from settings)."""
    device = _locked(device)
    overlap = overlap if overlap is not None else timedelta(seconds=settings.ACCESS_KEY_ROTATION_OVERLAP_S)
    device.previous_key_id = device.key_id
    device.previous_key_expires_at = timezone.now() + overlap
    device.key_id = _new_key_id()
    device.save(update_fields=["key_id", "previous_key_id", "previous_key_expires_at", "updated_at"])
    return _keys(device, Site.objects.get(pk=device.site_id))


@transaction.atomic
def device_bind_doors(*, device: Device, doors: Iterable[Door]) -> Device:
    device = _locked(device)
    device.doors.set(_check_doors(Site.objects.get(pk=device.site_id), doors))
    return device


# --- heartbeats and offline detection -----------------------------------------------------------------


@dataclass(frozen=True)
class DoorState:
    door_id: int
    locked: bool
    open: bool


@transaction.atomic
def device_heartbeat(
    *,
    device: Device,
    firmware: str,
    allowlist_version: int | None,
    queue_depth: int | None,
    now: datetime,
    doors: Iterable[DoorState] = (),
) -> list[DeviceCommand]:
    """Record a heartbeat (back online if it was offline) and the state of the device's doors it
    reports (doors bound to it: the caller checks), and hand over the pending, unexpired commands."""
    for state in doors:
        Door.objects.filter(pk=state.door_id).update(
            is_locked=state.locked, is_open=state.open, state_reported_at=now, updated_at=now
        )
    Device.objects.filter(pk=device.pk).update(
        last_seen_at=now,
        firmware=firmware[:64],
        reported_version=allowlist_version,
        queue_depth=queue_depth,
        is_online=True,
        offline_since=None,
        offline_notified_at=None,
        updated_at=now,
    )
    DeviceCommand.objects.filter(
        device_id=device.pk, status=CommandStatus.PENDING, expires_at__lte=now
    ).update(status=CommandStatus.EXPIRED, updated_at=now)
    commands = list(
        DeviceCommand.objects.select_for_update()
        .filter(device_id=device.pk, status=CommandStatus.PENDING, expires_at__gt=now)
        .order_by("created_at", "pk")
    )
    if commands:
        DeviceCommand.objects.filter(pk__in=[c.pk for c in commands]).update(
            status=CommandStatus.DELIVERED, delivered_at=now, updated_at=now
        )
    return commands


def devices_offline_sweep(*, now: datetime | None = None) -> list[Device]:
    """Mark devices silent for 3 heartbeat intervals offline and tell staff once per outage.

    Idempotent: a conditional update claims each outage, so running it twice (or in two
    workers) tells staff once. A heartbeat clears the marks (``device_heartbeat``).
    """
    now = now or timezone.now()
    stale = Device.objects.filter(
        is_enabled=True, last_seen_at__lt=now - OFFLINE_AFTER, offline_notified_at__isnull=True
    ).order_by("pk")
    marked = []
    for device in stale:
        with transaction.atomic():
            claimed = Device.objects.filter(
                pk=device.pk, last_seen_at=device.last_seen_at, offline_notified_at__isnull=True
            ).update(is_online=False, offline_since=device.last_seen_at, offline_notified_at=now)
            if not claimed:
                continue
            device.refresh_from_db()
            staff = User.objects.filter(is_staff=True, is_active=True).order_by("pk")
            notify_many(
                recipients=staff,
                kind="access_control.device_offline",
                context={"device": device, "site": device.site, "last_seen_at": device.last_seen_at},
                subject_obj=device,
                dedupe_key=f"access_control.device_offline:{device.pk}:{device.last_seen_at.isoformat()}",
            )
            marked.append(device)
    return marked


# --- remote unlock ------------------------------------------------------------------------------------


def _request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@transaction.atomic
def door_unlock(
    *,
    door: Door,
    requested_by: User,
    idempotency_key: str = "",
    duration_ms: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> tuple[DeviceCommand, bool]:
    """An unlock command for a device bound to ``door``; returns (command, created).

    The same ``idempotency_key`` with the same request returns the first command; with a
    different request it is refused (``idempotency_key_mismatch``).
    """
    now = now or timezone.now()
    duration_ms = duration_ms or door.unlock_ms
    request_hash = _request_hash({"door": door.pk, "duration_ms": duration_ms, "reason": reason})
    if idempotency_key:
        existing = DeviceCommand.objects.filter(
            requested_by=requested_by, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return _same_request(existing, request_hash), False
    if not door.is_enabled:
        raise ValidationError(_("This door is disabled."), code="door_disabled")
    device = (
        Device.objects.filter(doors=door, is_enabled=True)
        .order_by("-is_online", "-last_seen_at", "pk")
        .first()
    )
    if device is None:
        raise ValidationError(_("No enabled device drives this door."), code="no_device")
    command = DeviceCommand(
        device=device,
        door=door,
        type=CommandType.UNLOCK,
        duration_ms=duration_ms,
        expires_at=now + UNLOCK_COMMAND_TTL,
        requested_by=requested_by,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        reason=reason,
    )
    try:
        with transaction.atomic():
            command.save()
    except IntegrityError:  # a concurrent request with the same key won
        existing = DeviceCommand.objects.get(requested_by=requested_by, idempotency_key=idempotency_key)
        return _same_request(existing, request_hash), False
    return command, True


def _same_request(existing: DeviceCommand, request_hash: str) -> DeviceCommand:
    if existing.request_hash != request_hash:
        raise ValidationError(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency_key_mismatch",
        )
    return existing


# --- lockdowns ----------------------------------------------------------------------------------------


def _site_bump(site: Site) -> Site:
    """Lock the site row and bump its allow-list version (snapshots carry ``lockdown``)."""
    site = Site.objects.select_for_update().get(pk=site.pk)
    site.version += 1
    site.save(update_fields=["version", "updated_at"])
    return site


@transaction.atomic
def lockdown_start(
    *, site: Site, started_by: User, reason: str, building: Building | None = None
) -> Lockdown:
    """Every decision on the site (or building) denies with ``lockdown`` until it ends."""
    if not reason.strip():
        raise ValidationError(_("Say why the site is locked down."), code="reason_required")
    if building is not None and site.building_id not in (None, building.pk):
        raise ValidationError(_("That building is not part of this site."), code="building_other_site")
    site = _site_bump(site)
    if Lockdown.objects.filter(site=site, building=building, ended_at__isnull=True).exists():
        raise ValidationError(_("A lockdown is already in force there."), code="lockdown_active")
    lockdown = Lockdown(
        site=site, building=building, started_at=timezone.now(), started_by=started_by, reason=reason.strip()
    )
    lockdown.full_clean()
    lockdown.save()
    return lockdown


@transaction.atomic
def lockdown_end(*, lockdown: Lockdown, ended_by: User, reason: str = "") -> Lockdown:
    site = _site_bump(lockdown.site)
    lockdown = Lockdown.objects.select_for_update().get(pk=lockdown.pk)
    if lockdown.ended_at is not None:
        raise ValidationError(_("This lockdown has already ended."), code="lockdown_ended")
    lockdown.ended_at = timezone.now()
    lockdown.ended_by = ended_by
    lockdown.end_reason = reason.strip()
    lockdown.save(update_fields=["ended_at", "ended_by", "end_reason", "updated_at"])
    lockdown.site = site
    return lockdown
