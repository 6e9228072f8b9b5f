"""Access-control benchmarks (issue 6). Not tests: they print figures. ``python -m bench.access``.

Needs PostgreSQL (``DATABASE_URL=postgres://user@host:port/anything``): the run drops and recreates
its own database (``campus_bench_access``, or ``BENCH_ACCESS_DB_NAME``), never the one DATABASE_URL
names, and starts its own gunicorn (3 sync workers, as ``bin/web`` serves) and, where ``redis-server`` is
installed, its own Redis on a free loopback port (the nonce memory and rate limits then live in
Redis, as in production). Both are stopped by their own pids at the end. It prints:

1. online decisions: 100 concurrent signed clients (one device each, kept-alive connections) for
   ``BENCH_PHASE_SECONDS`` (10) against ``POST /api/access/v1/decisions``, then the same clients
   against the trivial signed ``GET /api/access/v1/ping`` on the same server: server-side p50/p95/p99
   (the ``Server-Timing`` the device views report: authentication + the view, without queueing),
   client-side p50/p99 and throughput. Target: server p99 ≤ 20 ms.
2. snapshot: a site with 50,000 allow-list entries (8 daily windows each, 1–3 of 10 doors): build
   (``sync.allowlist_snapshot``) + JSON, gzipped size, and ``GET /allowlist`` over HTTP for a device
   bound to every door. Targets: ≤ 2 s, ≤ 3 MB gzipped.
3. event ingest: 4 devices upload 10 batches of 500 events each at once over HTTP, then one batch
   again; events/s, and that every event is stored exactly once. Target ≥ 5,000 events/s.
4. changes in the next delta: staff suspend a card, then reinstate it (20 times each), through the
   services; from each commit, a device polls ``GET /allowlist/changes`` until its allow-list shows
   the change. Target ≤ 1 s after commit.
5. offline detection: a device beats once and falls silent, while the offline sweep runs at the
   period the beat schedule gives it; the time until the device is marked offline, from its last
   heartbeat and from its first missed one. Target ≤ 90 s (from the first missed heartbeat: a device
   is marked offline only after 3 silent intervals). ``BENCH_OFFLINE=0`` skips it (it waits ~100 s).
"""

import gzip
import os
import random
import threading
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from bench.env import (
    bench_database_url,
    percentile,
    recreate_database,
    say,
    server_env,
    start_gunicorn,
    start_redis,
    stop,
)

DEFAULT_DB = "campus_bench_access"
CLIENTS = 100
PHASE_SECONDS = float(os.environ.get("BENCH_PHASE_SECONDS", "10"))
SNAPSHOT_ENTRIES = int(os.environ.get("BENCH_SNAPSHOT_ENTRIES", "50000"))
PEOPLE = 100
WORKERS = int(os.environ.get("WEB_CONCURRENCY", "3"))
INGEST_DEVICES, INGEST_BATCHES, BATCH = 4, 10, 500


# --- data -----------------------------------------------------------------------------------------------


def seed_decisions():  # type: ignore[no-untyped-def]
    """A site with 2 doors, 100 devices, 200 people with a card and a grant on the first door."""
    from django.utils import timezone

    from access_control.models import Door, DoorKind, Site
    from access_control.services import devices as device_services
    from access_control.services import grants as grant_services
    from access_control.services.credentials import credential_issue
    from accounts.models import User
    from spaces.models import Building, Campus

    campus = Campus.objects.create(code="bench", name="Bench campus", name_zh="基准园区")
    building = Building.objects.create(
        campus=campus, code="b1", name="Tower 1", kind="coworking", floors_above_ground=10,
        floors_below_ground=0, gross_area_m2=10000,
    )  # fmt: skip
    staff = User.objects.create_user(email="bench-staff@example.com", password=None, is_staff=True)
    site = Site.objects.create(campus=campus, building=building, code="bench-hq", name="Bench HQ")
    doors = [
        Door.objects.create(site=site, building=building, code=f"d{i}", name=f"Door {i}", kind=DoorKind.ENTRY)
        for i in range(2)
    ]
    devices = [
        device_services.device_create(site=site, name=f"Reader {i}", doors=doors) for i in range(CLIENTS)
    ]
    now = timezone.now()
    cards = []
    for i in range(PEOPLE):
        person = User.objects.create_user(
            email=f"bench-{i}@example.com", password=None, full_name=f"Person {i}"
        )
        uid = f"04{i:08X}"
        credential_issue(person=person, kind="card", uid=uid, actor=staff)
        grant_services.grant_create(
            person=person, doors=[doors[0]], source="staff", starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=30), created_by=staff, reason="Bench",
        )  # fmt: skip
        cards.append(uid)
    return campus, building, site, doors, devices, cards


def seed_snapshot(campus, building, entries: int):  # type: ignore[no-untyped-def]
    """A site with ``entries`` allow-list entries (bulk-written, as entries_refresh would leave them)."""
    from access_control.crypto import allowlist_hash, site_pepper
    from access_control.models import AllowlistEntry, Credential, Door, DoorKind, Site
    from access_control.services import devices as device_services
    from accounts.models import User

    site = Site.objects.create(campus=campus, code="bench-big", name="Bench big site")
    doors = [
        Door.objects.create(site=site, building=building, code=f"s{i}", name=f"Door {i}", kind=DoorKind.ROOM)
        for i in range(10)
    ]
    device = device_services.device_create(site=site, name="Big reader", doors=doors)
    owners = User.objects.bulk_create(
        [
            User(email=f"bench-owner-{i}@example.com", full_name=f"Owner {i}")
            for i in range(entries // 500 + 1)
        ]
    )
    now = datetime.now(tz=UTC)
    valid_from = now - timedelta(days=1)
    credentials = Credential.objects.bulk_create(
        [
            Credential(
                person=owners[i // 500],
                kind="card",
                identifier=f"{0xA0000000 + i:08X}",
                label="x",
                valid_from=valid_from,
            )
            for i in range(entries)
        ],
        batch_size=5000,
    )
    pepper = site_pepper(site.pk, site.pepper_id)
    day0 = now.replace(hour=0, minute=0, second=0, microsecond=0)
    windows = [
        [(day0 + timedelta(days=d, hours=0)).strftime("%Y-%m-%dT%H:%M:%SZ"),
         (day0 + timedelta(days=d, hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")]
        for d in range(8)
    ]  # fmt: skip
    rng = random.Random(6)  # noqa: S311 -- test data
    door_ids = [str(d.pk) for d in doors]
    AllowlistEntry.objects.bulk_create(
        [
            AllowlistEntry(
                site=site,
                h=allowlist_hash(pepper, c.identifier),
                credential=c,
                doors=sorted(rng.sample(door_ids, rng.randint(1, 3)), key=int),
                windows=windows,
                flags=["lab_qualified"] if rng.random() < 0.05 else [],
                version=n + 1,
            )
            for n, c in enumerate(credentials)
        ],
        batch_size=5000,
    )
    Site.objects.filter(pk=site.pk).update(version=entries)
    return Site.objects.get(pk=site.pk), device


# --- load -----------------------------------------------------------------------------------------------


def run_phase(clients: list, call: Callable, seconds: float) -> tuple[list[float], list[float], int, float]:  # type: ignore[type-arg]
    """Each client calls ``call(client, rng)`` in its own thread for ``seconds``.

    Returns (server ms, client ms, errors, elapsed s).
    """
    server: list[list[float]] = [[] for _ in clients]
    latency: list[list[float]] = [[] for _ in clients]
    errors = [0] * len(clients)
    start = threading.Barrier(len(clients) + 1)
    stop_at: list[float] = [0.0]

    def worker(i: int) -> None:
        rng = random.Random(i)  # noqa: S311 -- load pattern
        client = clients[i]
        start.wait()
        while time.monotonic() < stop_at[0]:
            began = time.perf_counter()
            try:
                call(client, rng)
            except Exception:  # counted and reported
                errors[i] += 1
                continue
            latency[i].append((time.perf_counter() - began) * 1000)
            if client.last_server_timing_ms is not None:
                server[i].append(client.last_server_timing_ms)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return [v for vs in server for v in vs], [v for vs in latency for v in vs], sum(errors), elapsed


def report(label: str, server: list[float], latency: list[float], errors: int, elapsed: float) -> float:
    rate = len(latency) / elapsed
    say(
        f"  {label:<10} {len(latency):>6} requests in {elapsed:4.1f} s = {rate:7.0f} req/s · server "
        f"p50 {percentile(server, 50):5.1f} ms  p95 {percentile(server, 95):5.1f} ms  "
        f"p99 {percentile(server, 99):5.1f} ms · client p50 {percentile(latency, 50):6.1f} ms  "
        f"p99 {percentile(latency, 99):6.1f} ms · errors {errors}"
    )
    return rate


def visibility(base: str, site, key, uid: str, rounds: int = 20) -> None:  # type: ignore[no-untyped-def]
    """4. From the commit of a suspension (or reinstatement) to a device's delta showing it."""
    from access_control.client import AccessClient, credential_hash
    from access_control.crypto import site_pepper
    from access_control.models import Credential
    from access_control.services.credentials import credential_reinstate, credential_suspend
    from accounts.models import User

    say(f"4. changes in the next delta: {rounds} suspensions and {rounds} reinstatements of a card "
        "(target ≤ 1 s after commit)")  # fmt: skip
    staff = User.objects.get(email="bench-staff@example.com")
    device = AccessClient(base, key.key_id, key.secret, key.pepper, timeout=30)
    device.sync()
    h = credential_hash(site_pepper(site.pk, site.pepper_id), uid)
    credential = Credential.objects.get(kind="card", identifier=uid)
    seen: list[float] = []
    polls = 0
    for n in range(rounds * 2):
        suspend = n % 2 == 0
        change = credential_suspend if suspend else credential_reinstate
        credential = change(credential=credential, actor=staff, reason="Bench")  # commits on return
        committed = time.perf_counter()
        while (h in device.allowlist.entries) == suspend:
            device.sync()
            polls += 1
            if time.perf_counter() - committed > 10:
                raise RuntimeError("the change did not reach the delta in 10 s")
        seen.append((time.perf_counter() - committed) * 1000)
    device.close()
    say(f"  commit → change applied from the delta: median {percentile(seen, 50):.1f} ms, "
        f"max {max(seen):.1f} ms; {polls} delta polls for {len(seen)} changes")  # fmt: skip


def offline(base: str, key) -> None:  # type: ignore[no-untyped-def]
    """5. A device beats once, then is silent; the sweep runs at its beat period until it is marked."""
    from django.conf import settings

    from access_control.client import AccessClient
    from access_control.models import Device
    from access_control.services.devices import HEARTBEAT_INTERVAL_S
    from access_control.tasks import devices_offline_sweep_task

    period = float(settings.CELERY_BEAT_SCHEDULE["access-control-devices-offline"]["schedule"])
    say(f"5. offline detection: heartbeat every {HEARTBEAT_INTERVAL_S} s, offline sweep every {period:.0f} s "
        "(target ≤ 90 s)")  # fmt: skip
    device = AccessClient(base, key.key_id, key.secret, key.pepper, timeout=30)
    device.heartbeat()
    last_beat = time.perf_counter()
    device.close()
    time.sleep(random.uniform(0, period))  # noqa: S311 -- the sweep's phase against the last beat is arbitrary
    while True:
        devices_offline_sweep_task()
        if not Device.objects.get(pk=key.device.pk).is_online:
            break
        time.sleep(period)
    after = time.perf_counter() - last_beat
    missed = after - HEARTBEAT_INTERVAL_S
    say(f"  marked offline {after:.0f} s after its last heartbeat, {missed:.0f} s after its first missed one"
        f" (worst case: {3 * HEARTBEAT_INTERVAL_S + period:.0f} s and "
        f"{2 * HEARTBEAT_INTERVAL_S + period:.0f} s)")  # fmt: skip


def main() -> None:
    started = time.perf_counter()
    url = bench_database_url(name_variable="BENCH_ACCESS_DB_NAME", default=DEFAULT_DB)
    recreate_database(url)
    redis_proc, redis_url = start_redis()
    # The benchmark measures the server, not the device rate limiter.
    env = server_env(url, redis_url, ACCESS_DEVICE_RATE_LIMIT="0")
    os.environ.update(env)
    warnings.filterwarnings("ignore", message="No directory at")
    server_proc = None
    try:
        import django
        from django.core.management import call_command

        django.setup()
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        say(f"database {urlsplit(url).path.lstrip('/')} migrated in {time.perf_counter() - t:.1f} s; "
            f"cache: {'Redis (own redis-server)' if redis_url else 'locmem (no redis-server)'}")  # fmt: skip

        from access_control.client import AccessClient
        from access_control.models import AccessEvent
        from access_control.services import sync

        t = time.perf_counter()
        campus, building, site, doors, devices, cards = seed_decisions()
        say(
            f"seeded {CLIENTS} devices, {PEOPLE} people with cards and grants "
            f"in {time.perf_counter() - t:.1f} s"
        )
        t = time.perf_counter()
        big_site, big_device = seed_snapshot(campus, building, SNAPSHOT_ENTRIES)
        say(f"seeded a site of {SNAPSHOT_ENTRIES:,} allow-list entries in {time.perf_counter() - t:.1f} s")

        server_proc, port = start_gunicorn(env, workers=WORKERS)
        base = f"http://127.0.0.1:{port}"
        say(f"gunicorn on {base}: {WORKERS} sync workers, as bin/web; {os.cpu_count()} cores in all")

        # 1. decisions vs ping
        clients = [AccessClient(base, k.key_id, k.secret, k.pepper, timeout=30) for k in devices]
        door = str(doors[0].pk)

        def decide(client: AccessClient, rng: random.Random) -> None:
            uid = rng.choice(cards) if rng.random() < 0.8 else f"FF{rng.randrange(1 << 32):08X}"
            client.decide_online(door=door, kind="card", uid=uid)

        def ping(client: AccessClient, rng: random.Random) -> None:
            client.call("GET", "/ping")

        run_phase(clients[:10], ping, 1.0)  # warm the workers' connections
        say()
        say(f"1. online decisions, {CLIENTS} concurrent signed clients, {PHASE_SECONDS:.0f} s each "
            "(target: server p99 ≤ 20 ms)")  # fmt: skip
        decided = report("decisions", *run_phase(clients, decide, PHASE_SECONDS))
        pinged = report("ping", *run_phase(clients, ping, PHASE_SECONDS))
        say(f"  decisions / ping throughput: {decided / pinged:.2f}")
        stored = AccessEvent.objects.filter(site=site, source="online").count()
        say(f"  decisions stored as access events: {stored:,}")
        for client in clients:
            client.close()

        # 2. snapshot
        say()
        say(f"2. snapshot of {SNAPSHOT_ENTRIES:,} entries (targets: built ≤ 2 s, ≤ 3 MB gzipped)")
        builds = []
        for _ in range(3):
            t = time.perf_counter()
            _version, body = sync.allowlist_snapshot_body(
                site=big_site, door_ids=None, now=datetime.now(tz=UTC)
            )
            builds.append(time.perf_counter() - t)
        packed = gzip.compress(body, compresslevel=6)
        say(f"  build of the JSON body (whole site): best {min(builds):.2f} s, worst {max(builds):.2f} s; "
            f"{len(body) / 1e6:.1f} MB raw, {len(packed) / 1e6:.2f} MB gzipped")  # fmt: skip
        big = AccessClient(base, big_device.key_id, big_device.secret, big_device.pepper, timeout=60)
        t = time.perf_counter()
        big.fetch_snapshot()
        say(f"  GET /allowlist over HTTP (device bound to all 10 doors, signed, verified, parsed): "
            f"{time.perf_counter() - t:.2f} s, server {big.last_server_timing_ms or 0:.0f} ms, "
            f"{len(big.allowlist.entries):,} entries")  # fmt: skip
        t = time.perf_counter()
        assert big.fetch_snapshot() is False  # noqa: S101
        say(f"  GET /allowlist with If-None-Match (304): {(time.perf_counter() - t) * 1000:.1f} ms")
        big.close()

        # 3. ingest
        say()
        total = INGEST_DEVICES * INGEST_BATCHES * BATCH
        say(f"3. event ingest: {INGEST_DEVICES} devices × {INGEST_BATCHES} batches of {BATCH} over HTTP "
            "(target ≥ 5,000 events/s)")  # fmt: skip
        uploaders = [
            AccessClient(base, k.key_id, k.secret, k.pepper, timeout=60) for k in devices[:INGEST_DEVICES]
        ]
        occurred = datetime.now(tz=UTC).isoformat().replace("+00:00", "Z")
        batches = {
            i: [
                [
                    {"event_id": f"ev-{i}-{b}-{n}", "seq": b * BATCH + n + 1, "type": "access.granted",
                     "door": door, "h": "ab" * 32, "source": "local_cache", "allowlist_version": 1,
                     "occurred_at": occurred}
                    for n in range(BATCH)
                ]
                for b in range(INGEST_BATCHES)
            ]
            for i in range(INGEST_DEVICES)
        }  # fmt: skip
        answers: list[dict] = []  # type: ignore[type-arg]
        server_ms: list[float] = []

        def upload(i: int) -> None:
            for events in batches[i]:
                answers.append(uploaders[i].call("POST", "/events", payload={"events": events}).json())
                server_ms.append(uploaders[i].last_server_timing_ms or 0.0)

        threads = [threading.Thread(target=upload, args=(i,)) for i in range(INGEST_DEVICES)]
        t = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - t
        accepted = sum(a["accepted"] for a in answers)
        say(f"  {accepted:,} events accepted in {elapsed:.2f} s = {accepted / elapsed:,.0f} events/s "
            f"(server per batch: p50 {percentile(server_ms, 50):.0f} ms, "
            f"p99 {percentile(server_ms, 99):.0f} ms)")  # fmt: skip
        again = uploaders[0].call("POST", "/events", payload={"events": batches[0][0]}).json()
        rows = (
            AccessEvent.objects.filter(device__in=[k.device for k in devices[:INGEST_DEVICES]])
            .exclude(device_event_id="")
            .count()
        )
        gaps = [a["missing_seq"] for a in answers if a["missing_seq"]]
        say(f"  the first batch again: accepted {again['accepted']}, duplicates {again['duplicates']}; "
            f"rows stored {rows:,} of {total:,} sent; gaps reported {len(gaps)}")  # fmt: skip
        for uploader in uploaders:
            uploader.close()

        say()
        visibility(base, site, devices[INGEST_DEVICES], cards[0])
        if os.environ.get("BENCH_OFFLINE", "1") != "0":
            say()
            offline(base, devices[INGEST_DEVICES + 1])
        say()
        say(f"access benchmarks done in {time.perf_counter() - started:.0f} s")
    finally:
        stop(server_proc)
        stop(redis_proc)


if __name__ == "__main__":
    main()
