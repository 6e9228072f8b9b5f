"""The materialised allow-list of each site, its ordered change log, snapshots and deltas.

``entries_refresh`` recomputes the ``AllowlistEntry`` rows that grants and credentials
imply and writes one ``SiteChange`` per difference, bumping ``Site.version`` in the same
transaction (the site row is locked to do it). Snapshots and deltas read those rows:
applying the delta (from → to) to the snapshot at ``from`` gives the snapshot at ``to``,
also when both are restricted to one device's doors.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from access_control import crypto
from access_control.models import (
    AccessGrant,
    AllowlistEntry,
    ChangeOp,
    Credential,
    CredentialStatus,
    Door,
    DoorKind,
    GrantSource,
    Lockdown,
    Site,
    SiteChange,
)
from access_control.services import schedules
from access_control.services.schedules import Window, zulu
from accounts.models import User
from core.calendar import working_calendar
from tenants.models import Company, CompanyStatus

LAB_QUALIFIED = "lab_qualified"


class DeltaExpired(Exception):
    """The device's version is older than the retained change log: it must fetch the snapshot."""


def allowlist_days() -> int:
    return int(getattr(settings, "ACCESS_ALLOWLIST_DAYS", 7))


def horizon(now: datetime) -> tuple[datetime, datetime]:
    """Windows run from the start of today (UTC) to the end of the last day a snapshot is valid.

    Starting at a day boundary (not at ``now``) keeps an entry unchanged by mere time passing
    within a day; the daily roll moves every entry's horizon on by a day.
    """
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=allowlist_days() + 1)


# --- computing entries ----------------------------------------------------------------------------------


@dataclass
class _Acc:
    credential_id: int
    doors: set[int] = field(default_factory=set)
    windows: list[Window] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def entry_body(
    h: str, doors: Iterable[int], windows: Iterable[Window], flags: Iterable[str]
) -> dict[str, Any]:
    return {
        "h": h,
        "doors": [str(d) for d in sorted(doors)],
        "windows": [[zulu(a), zulu(b)] for a, b in schedules.merge(windows)],
        "flags": sorted(flags),
    }


def _desired(
    *, credentials: list[Credential], site_ids: set[int] | None, now: datetime
) -> dict[tuple[int, str], dict[str, Any]]:
    """What the entries of these credentials should be, keyed by (site id, h)."""
    range_start, range_end = horizon(now)
    live = [c for c in credentials if c.status == CredentialStatus.ACTIVE]
    if not live:
        return {}
    person_ids = {c.person_id for c in live}
    active_people = set(User.objects.filter(pk__in=person_ids, is_active=True).values_list("pk", flat=True))
    live = [c for c in live if c.person_id in active_people]
    if not live:
        return {}
    grants = list(
        AccessGrant.objects.filter(
            person_id__in=active_people, revoked_at__isnull=True, starts_at__lt=range_end
        ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=range_start))
    )
    if not grants:
        return {}
    suspended = set(
        Company.objects.filter(pk__in={g.company_id for g in grants if g.company_id})
        .exclude(status=CompanyStatus.ACTIVE)
        .values_list("pk", flat=True)
    )
    grants = [g for g in grants if g.company_id not in suspended]
    links: dict[int, list[int]] = defaultdict(list)
    for grant_id, door_id in AccessGrant.doors.through.objects.filter(
        accessgrant_id__in=[g.pk for g in grants]
    ).values_list("accessgrant_id", "door_id"):
        links[grant_id].append(door_id)
    door_rows = Door.objects.filter(pk__in={d for ds in links.values() for d in ds}, is_enabled=True)
    if site_ids is not None:
        door_rows = door_rows.filter(site_id__in=site_ids)
    doors = {pk: (site_id, kind) for pk, site_id, kind in door_rows.values_list("pk", "site_id", "kind")}
    if not doors:
        return {}
    sites = {
        s["pk"]: s
        for s in Site.objects.filter(pk__in={v[0] for v in doors.values()}).values(
            "pk", "pepper_id", "campus__time_zone"
        )
    }
    calendar = working_calendar()
    window_cache: dict[tuple[int, int], list[Window]] = {}

    def grant_windows(grant: AccessGrant, site_id: int) -> list[Window]:
        key = (grant.pk, site_id)
        if key not in window_cache:
            window_cache[key] = schedules.schedule_windows(
                schedule=grant.schedule,
                starts_at=grant.starts_at,
                ends_at=grant.ends_at,
                range_start=range_start,
                range_end=range_end,
                tz=schedules.campus_zone(sites[site_id]["campus__time_zone"]),
                calendar=calendar,
            )
        return window_cache[key]

    # per person and site: door → windows of ordinary grants, and of lab grants
    by_person: dict[int, dict[int, tuple[dict[int, list[Window]], dict[int, list[Window]]]]] = defaultdict(
        dict
    )
    for grant in grants:
        for door_id in links.get(grant.pk, ()):
            if door_id not in doors:
                continue
            site_id, _kind = doors[door_id]
            ordinary, lab = by_person[grant.person_id].setdefault(
                site_id, (defaultdict(list), defaultdict(list))
            )
            (lab if grant.source == GrantSource.LAB else ordinary)[door_id].extend(
                grant_windows(grant, site_id)
            )

    peppers = {sid: crypto.site_pepper(sid, s["pepper_id"]) for sid, s in sites.items()}
    acc: dict[tuple[int, str], _Acc] = {}
    for credential in sorted(live, key=lambda c: c.pk):
        valid = schedules.intersect(
            [(max(credential.valid_from, range_start), min(credential.valid_until or range_end, range_end))]
            if credential.valid_from < min(credential.valid_until or range_end, range_end)
            else [],
            [(range_start, range_end)],
        )
        if not valid:
            continue
        for site_id, (ordinary, lab) in by_person.get(credential.person_id, {}).items():
            doors_here: set[int] = set()
            windows_here: list[Window] = []
            flags: set[str] = set()
            for door_id, windows in ordinary.items():
                effective = schedules.intersect(schedules.merge(windows), valid)
                if doors[door_id][1] == DoorKind.LAB:
                    effective = schedules.intersect(effective, schedules.merge(lab.get(door_id, [])))
                    if effective:
                        flags.add(LAB_QUALIFIED)
                if effective:
                    doors_here.add(door_id)
                    windows_here.extend(effective)
            if not doors_here:
                continue
            h = crypto.allowlist_hash(peppers[site_id], credential.identifier)
            entry = acc.setdefault((site_id, h), _Acc(credential_id=credential.pk))
            entry.doors |= doors_here
            entry.windows.extend(windows_here)
            entry.flags |= flags
    return {
        key: {"credential_id": a.credential_id, "entry": entry_body(key[1], a.doors, a.windows, a.flags)}
        for key, a in acc.items()
    }


def _credentials_for(
    *, person_ids: Iterable[int] | None, credential_ids: Iterable[int] | None, site_ids: set[int] | None
) -> list[Credential]:
    q = Q(pk__in=[])
    if person_ids is not None:
        q |= Q(person_id__in=list(person_ids))
    if credential_ids is not None:
        q |= Q(pk__in=list(credential_ids))
    if person_ids is None and credential_ids is None and site_ids is not None:
        granted = AccessGrant.objects.filter(revoked_at__isnull=True, doors__site_id__in=site_ids).values(
            "person_id"
        )
        listed = AllowlistEntry.objects.filter(site_id__in=site_ids).values("credential_id")
        q |= Q(person_id__in=granted) | Q(pk__in=listed)
    return list(Credential.objects.filter(q).order_by("pk"))


def _existing(
    *, credential_ids: list[int], keys: Iterable[tuple[int, str]], site_ids: set[int] | None
) -> dict[tuple[int, str], AllowlistEntry]:
    q = Q(credential_id__in=credential_ids)
    by_site: dict[int, list[str]] = defaultdict(list)
    for site_id, h in keys:
        by_site[site_id].append(h)
    for site_id, hs in by_site.items():
        q |= Q(site_id=site_id, h__in=hs)
    rows = AllowlistEntry.objects.filter(q)
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)
    return {(e.site_id, e.h): e for e in rows}


def _lock_sites(site_ids: Iterable[int]) -> dict[int, Site]:
    return {
        s.pk: s for s in Site.objects.select_for_update().filter(pk__in=sorted(set(site_ids))).order_by("pk")
    }


@transaction.atomic
def entries_refresh(
    *,
    person_ids: Iterable[int] | None = None,
    credential_ids: Iterable[int] | None = None,
    site_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Bring the allow-list entries these people, credentials or sites imply up to date.

    Each difference is one ``SiteChange`` (upsert or delete) at the next version of its
    site, written with the entry in this transaction. Returns the number of changes.
    """
    now = now or timezone.now()
    person_ids = list(person_ids) if person_ids is not None else None
    credential_ids = list(credential_ids) if credential_ids is not None else None
    sites_filter = set(site_ids) if site_ids is not None else None
    locked: dict[int, Site] = {}
    while True:
        credentials = _credentials_for(
            person_ids=person_ids, credential_ids=credential_ids, site_ids=sites_filter
        )
        desired = _desired(credentials=credentials, site_ids=sites_filter, now=now)
        existing = _existing(
            credential_ids=[c.pk for c in credentials], keys=desired.keys(), site_ids=sites_filter
        )
        touched = {k[0] for k in desired} | {k[0] for k in existing}
        if touched <= set(locked):
            break
        # Lock the sites (pk order) and read again: what we diff against is then current.
        locked.update(_lock_sites(touched | set(locked)))
    ops = 0
    for site_id in sorted(touched):
        site = locked[site_id]
        version = site.version
        changes: list[SiteChange] = []
        keys = sorted({k for k in desired if k[0] == site_id} | {k for k in existing if k[0] == site_id})
        for key in keys:
            want, have = desired.get(key), existing.get(key)
            if want is None and have is not None:
                version += 1
                changes.append(SiteChange(site_id=site_id, v=version, op=ChangeOp.DELETE, h=key[1]))
                have.delete()
            elif want is not None:
                body = want["entry"]
                if (
                    have is not None
                    and (have.doors, have.windows, have.flags)
                    == (
                        body["doors"],
                        body["windows"],
                        body["flags"],
                    )
                    and have.credential_id == want["credential_id"]
                ):
                    continue
                version += 1
                changes.append(
                    SiteChange(site_id=site_id, v=version, op=ChangeOp.UPSERT, h=key[1], entry=body)
                )
                if have is None:
                    AllowlistEntry.objects.create(
                        site_id=site_id,
                        h=key[1],
                        credential_id=want["credential_id"],
                        doors=body["doors"],
                        windows=body["windows"],
                        flags=body["flags"],
                        version=version,
                    )
                else:
                    have.credential_id = want["credential_id"]
                    have.doors, have.windows, have.flags = body["doors"], body["windows"], body["flags"]
                    have.version = version
                    have.save(update_fields=["credential", "doors", "windows", "flags", "version"])
        if changes:
            SiteChange.objects.bulk_create(changes)
            Site.objects.filter(pk=site_id).update(version=version, updated_at=now)
            site.version = version
            ops += len(changes)
    return ops


# --- reading: snapshot and delta ------------------------------------------------------------------------


@contextmanager
def _consistent_read() -> Iterator[None]:
    """One transaction; on PostgreSQL REPEATABLE READ when we open it, so every read sees one state."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield
    else:
        with transaction.atomic():
            yield


def restrict(entry: dict[str, Any], doors: set[str] | None) -> dict[str, Any] | None:
    """The entry as a device bound to ``doors`` sees it (None: it sees no entry)."""
    if doors is None:
        return entry
    kept = [d for d in entry["doors"] if d in doors]
    if not kept:
        return None
    return {**entry, "doors": kept}


def lockdown_body(lockdown: Lockdown | None) -> dict[str, Any] | None:
    if lockdown is None:
        return None
    return {
        "id": str(lockdown.pk),
        "building": str(lockdown.building_id) if lockdown.building_id else None,
        "started_at": zulu(lockdown.started_at),
        "reason": lockdown.reason,
    }


def active_lockdown(*, site: Site, building_ids: Iterable[int] | None = None) -> Lockdown | None:
    """The site's running lockdown (site-wide, or of one of ``building_ids``; any building when None)."""
    rows = Lockdown.objects.filter(site=site, ended_at__isnull=True)
    if building_ids is not None:
        rows = rows.filter(Q(building__isnull=True) | Q(building_id__in=list(building_ids)))
    return rows.order_by("building_id", "started_at", "pk").first()


# The entries of a snapshot as JSON text, built by PostgreSQL: each entry restricted to the doors
# asked for (in the order it lists them), entries left with none dropped, sorted by ``h``.
ENTRIES_SQL = """
SELECT coalesce(string_agg(entry::text, ',' ORDER BY h), '')
FROM (
    SELECT e.h,
           json_build_object('h', e.h, 'doors', kept.doors, 'windows', e.windows, 'flags', e.flags) AS entry
    FROM access_control_allowlistentry AS e
    CROSS JOIN LATERAL (
        SELECT jsonb_agg(door ORDER BY position) AS doors
        FROM jsonb_array_elements(e.doors) WITH ORDINALITY AS listed(door, position)
        WHERE %(every_door)s OR door #>> '{}' = ANY(%(doors)s)
    ) AS kept
    WHERE e.site_id = %(site)s AND kept.doors IS NOT NULL
) AS restricted
"""


def _entries_json(site_id: int, doors: set[str] | None) -> str:
    """The snapshot's entries, comma-separated JSON objects (no brackets). On PostgreSQL in one
    statement (50,000 entries would otherwise be 150,000 JSON decodes and one big encode here)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                ENTRIES_SQL, {"site": site_id, "every_door": doors is None, "doors": sorted(doors or ())}
            )
            return cursor.fetchone()[0]
    parts = []
    for h, door_list, windows, flags in (
        AllowlistEntry.objects.filter(site_id=site_id)
        .order_by("h")
        .values_list("h", "doors", "windows", "flags")
    ):
        entry = restrict({"h": h, "doors": door_list, "windows": windows, "flags": flags}, doors)
        if entry is not None:
            parts.append(json.dumps(entry, separators=(",", ":")))
    return ",".join(parts)


def allowlist_snapshot_body(*, site: Site, door_ids: list[int] | None, now: datetime) -> tuple[int, bytes]:
    """The protocol's ``GET /allowlist`` body as JSON bytes, restricted to ``door_ids`` (None: the whole
    site), and its version. Everything is read in one repeatable-read transaction, so the version
    matches the entries exactly."""
    doors = {str(d) for d in door_ids} if door_ids is not None else None
    with _consistent_read():
        current = Site.objects.values("version", "pepper_id").get(pk=site.pk)
        entries = _entries_json(site.pk, doors)
        building_ids = (
            set(Door.objects.filter(pk__in=door_ids).values_list("building_id", flat=True))
            if door_ids is not None
            else None
        )
        lockdown = active_lockdown(site=site, building_ids=building_ids)
    head = json.dumps(
        {
            "site": str(site.pk),
            "version": current["version"],
            "generated_at": zulu(now),
            "valid_until": zulu(now + timedelta(days=allowlist_days())),
            "hash": {"alg": "hmac-sha256", "pepper_id": current["pepper_id"]},
        },
        separators=(",", ":"),
    )
    tail = json.dumps(lockdown_body(lockdown), separators=(",", ":"))
    body = f'{head[:-1]},"entries":[{entries}],"lockdown":{tail}}}'
    return current["version"], body.encode()


def allowlist_snapshot(*, site: Site, door_ids: list[int] | None, now: datetime) -> dict[str, Any]:
    """The protocol's ``GET /allowlist`` body, parsed (what a device reads)."""
    _version, body = allowlist_snapshot_body(site=site, door_ids=door_ids, now=now)
    return json.loads(body)  # type: ignore[no-any-return]


def allowlist_changes(*, site: Site, since: int, limit: int, door_ids: list[int] | None) -> dict[str, Any]:
    """The ordered delta after ``since`` (at most ``limit`` ops); ``DeltaExpired`` if the log no longer
    reaches back to ``since`` (or ``since`` is ahead of the site)."""
    doors = {str(d) for d in door_ids} if door_ids is not None else None
    limit = max(1, limit)
    with _consistent_read():
        current = Site.objects.values("version", "log_floor").get(pk=site.pk)
        if since < current["log_floor"] or since > current["version"]:
            raise DeltaExpired
        rows = list(
            SiteChange.objects.filter(site_id=site.pk, v__gt=since)
            .order_by("v")
            .values_list("v", "op", "h", "entry")[: limit + 1]
        )
    complete = len(rows) <= limit
    rows = rows[:limit]
    ops: list[dict[str, Any]] = []
    for v, op, h, entry in rows:
        seen = restrict(entry, doors) if op == ChangeOp.UPSERT else None
        if seen is None:
            ops.append({"v": v, "op": ChangeOp.DELETE.value, "h": h})
        else:
            ops.append({"v": v, "op": ChangeOp.UPSERT.value, "entry": seen})
    to = current["version"] if complete else rows[-1][0]
    return {"from": since, "to": to, "complete": complete, "ops": ops}


def apply_changes(snapshot_entries: list[dict[str, Any]], ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply delta ops to a list of entries (what a device does); sorted by ``h``."""
    entries = {e["h"]: e for e in snapshot_entries}
    for op in ops:
        if op["op"] == ChangeOp.UPSERT:
            entries[op["entry"]["h"]] = op["entry"]
        else:
            entries.pop(op["h"], None)
    return [entries[h] for h in sorted(entries)]


# --- housekeeping ----------------------------------------------------------------------------------------


def allowlist_roll(*, now: datetime | None = None) -> int:
    """Recompute every site's entries (windows move on by a day). One transaction per site."""
    now = now or timezone.now()
    total = 0
    for site_id in Site.objects.order_by("pk").values_list("pk", flat=True):
        total += entries_refresh(site_ids=[site_id], now=now)
    return total


def log_retention() -> timedelta:
    return timedelta(days=int(getattr(settings, "ACCESS_CHANGE_LOG_DAYS", 7)))


@transaction.atomic
def change_log_trim(*, site: Site, now: datetime | None = None) -> int:
    """Drop changes older than the retention and raise ``log_floor`` past them."""
    now = now or timezone.now()
    locked = Site.objects.select_for_update().get(pk=site.pk)
    old = SiteChange.objects.filter(site=locked, created_at__lt=now - log_retention())
    floor = old.order_by("-v").values_list("v", flat=True).first()
    if floor is None or floor <= locked.log_floor:
        return 0
    deleted, _ = SiteChange.objects.filter(site=locked, v__lte=floor).delete()
    Site.objects.filter(pk=locked.pk).update(log_floor=floor)
    return deleted
