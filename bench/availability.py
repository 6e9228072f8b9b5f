"""(b) Availability search over 2,000+ resources and 1,000,000 bookings, next to hand-written SQL.

The bookings are generated in SQL (``generate_series``, INSERT … SELECT) straight into
``bookings_booking`` and ``bookings_bookingclaim``, non-overlapping per unit and across linked
spaces: each desk and room holds two bookings a day (Shanghai 09:00–15:00), each coworking area one
in the evening, claimed on the area and all its desks. The claims' indexes and the exclusion
constraint are dropped for the load and rebuilt after it (faster than row-by-row GiST inserts; the
rebuilt constraint re-checks every row, so the data is proven non-overlapping).

Then ``resource_availability`` (the selector the API calls; free-busy only, ``require_open=False``,
so both sides answer the same question) and hand-written SQL are timed over the same random windows,
and their answers compared, twice: as the search lists them (in the resources' default order:
campus, building, floor, space, kind, so the SQL sorts too, joining the location tables) and as
bare sets (the selector with ``.order_by()``, the SQL without ORDER BY).
"""

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.env import percentile, say, setup, timed

BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "1000000"))
WINDOWS = int(os.environ.get("BENCH_WINDOWS", "200"))
HOLDING = "('pending_approval', 'confirmed', 'checked_in')"

BUSY_CTE = """
WITH widest AS (
    SELECT make_interval(mins => max(buffer_before_minutes)) AS before,
           make_interval(mins => max(buffer_after_minutes)) AS after
    FROM bookings_bookingpolicy
), busy AS (
    -- claims meeting the window widened by the largest buffers (GiST on the claims' range),
    -- attributed to the unit and to its parent, then each checked with that resource's own buffers
    SELECT DISTINCT r.id
    FROM widest, bookings_bookingclaim c
    JOIN bookings_resource u ON u.id = c.unit_id
    CROSS JOIN LATERAL (VALUES (u.id), (u.parent_id)) AS x(id)
    JOIN bookings_resource r ON r.id = x.id
    JOIN bookings_bookingpolicy p ON p.id = r.policy_id
    WHERE tstzrange(c.starts_at, c.ends_at, '[)')
          && tstzrange(%(starts_at)s - widest.before, %(ends_at)s + widest.after, '[)')
      AND c.starts_at < %(ends_at)s + make_interval(mins => p.buffer_after_minutes)
      AND c.ends_at > %(starts_at)s - make_interval(mins => p.buffer_before_minutes)
)
"""
HAND_WRITTEN = (
    BUSY_CTE  # noqa: S608 -- constant SQL
    + """
SELECT r.id FROM bookings_resource r
WHERE r.is_active AND NOT EXISTS (SELECT 1 FROM busy WHERE busy.id = r.id)
"""
)
# the same, as the search lists it: campus, building, floor, space (by name, code, number), kind, id
HAND_WRITTEN_ORDERED = (
    BUSY_CTE  # noqa: S608 -- constant SQL
    + """
SELECT r.id FROM bookings_resource r
JOIN spaces_campus cp ON cp.id = r.campus_id
JOIN spaces_space s ON s.id = r.location_id
JOIN spaces_floor f ON f.id = s.floor_id
JOIN spaces_building b ON b.id = f.building_id
WHERE r.is_active AND NOT EXISTS (SELECT 1 FROM busy WHERE busy.id = r.id)
ORDER BY cp.name, cp.id, b.code, b.id, f.number, f.id, s.code, s.id, r.kind, r.id
"""
)


def _drop_claim_indexes(cursor) -> list[str]:  # type: ignore[no-untyped-def]
    """Drop the big tables' secondary indexes, FKs and exclusion constraint; return how to rebuild."""
    rebuild = []
    cursor.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid IN ('bookings_bookingclaim'::regclass, 'bookings_booking'::regclass)
             AND contype IN ('x', 'f')"""
    )
    for table, name, definition in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(
        """SELECT indexname, indexdef FROM pg_indexes
           WHERE tablename IN ('bookings_bookingclaim', 'bookings_booking') AND indexname NOT LIKE '%%pkey'"""
    )
    for name, definition in cursor.fetchall():
        cursor.execute(f'DROP INDEX "{name}"')
        rebuild.insert(0, definition)
    return rebuild


def generate(*, resources: int) -> dict[str, int]:
    """The campus (ORM) and the bookings (SQL). Returns the counts."""
    from django.db import connection, transaction

    from bench import world

    camp = world.campus("bench-availability")  # after bench.api in the same database: its own rows
    policies = [
        world.policy("24x7", is_24x7=True),
        world.policy("Office hours, 10 min buffers", buffer_before_minutes=10, buffer_after_minutes=10),
        world.policy("24x7, 15 min after", is_24x7=True, buffer_after_minutes=15),
    ]
    floors = max(1, resources // 51)  # per floor: 1 area + 20 desks + 30 rooms
    with timed(f"campus: {floors} floors, {floors * 51} resources (ORM bulk_create)"):
        layout = world.floors(
            camp,
            buildings=max(1, floors // 10),
            floors_each=min(10, floors),
            desks=20,
            rooms=30,
            policies=policies,
        )
    user = world.tenant_user(1000)
    leaves = len(layout.desks) + len(layout.rooms)
    days = max(1, round(BOOKINGS / (2 * leaves + len(layout.areas))))
    base = (datetime.now(UTC) - timedelta(days=days // 2)).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        rebuild = _drop_claim_indexes(cursor)
        with timed(f"{days} days of bookings (INSERT … SELECT generate_series)"):
            # Desks and rooms: 09:00 (+0–45 min) for 1–2 h and 13:00 (+0–30 min) for 1.5 h, Shanghai time.
            # Areas: 18:00–20:00. The buffers (≤ 15 min) never make them meet.
            cursor.execute(
                """
                INSERT INTO bookings_booking (created_at, updated_at, title, attendees, starts_at, ends_at,
                    blocked_from, blocked_until, status, credits, checked_in_via, booked_by_id, resource_id)
                SELECT now(), now(), '', 1, s.starts_at, s.ends_at,
                       s.starts_at - make_interval(mins => p.buffer_before_minutes),
                       s.ends_at + make_interval(mins => p.buffer_after_minutes),
                       'confirmed', 0, '', %(user)s, r.id
                FROM bookings_resource r
                JOIN bookings_bookingpolicy p ON p.id = r.policy_id AND r.campus_id = %(campus)s
                CROSS JOIN generate_series(0, %(days)s - 1) AS d
                CROSS JOIN LATERAL (
                    SELECT %(base)s::timestamptz + d * interval '1 day' AS day
                ) AS day
                CROSS JOIN LATERAL (
                    SELECT day.day + interval '1 hour' + (r.id %% 4) * interval '15 min' AS starts_at,
                           day.day + interval '2 hour' + (r.id %% 4) * interval '15 min'
                               + (r.id %% 2) * interval '1 hour' AS ends_at
                    WHERE r.parent_id IS NOT NULL OR r.kind <> 'coworking_area'
                    UNION ALL
                    SELECT day.day + interval '5 hour' + (r.id %% 3) * interval '15 min',
                           day.day + interval '6.5 hour' + (r.id %% 3) * interval '15 min'
                    WHERE r.parent_id IS NOT NULL OR r.kind <> 'coworking_area'
                    UNION ALL
                    SELECT day.day + interval '10 hour', day.day + interval '12 hour'
                    WHERE r.kind = 'coworking_area'
                ) AS s
                """,
                {"user": user.pk, "days": days, "base": base, "campus": camp.pk},
            )
            bookings = cursor.rowcount
            cursor.execute(
                """
                INSERT INTO bookings_bookingclaim (unit_id, booking_id, starts_at, ends_at)
                SELECT b.resource_id, b.id, b.blocked_from, b.blocked_until FROM bookings_booking b
                WHERE b.booked_by_id = %(user)s
                UNION ALL
                SELECT c.id, b.id, b.blocked_from, b.blocked_until
                FROM bookings_booking b JOIN bookings_resource c ON c.parent_id = b.resource_id
                WHERE b.booked_by_id = %(user)s
                """,
                {"user": user.pk},
            )
            claims = cursor.rowcount
        with timed("indexes and the exclusion constraint rebuilt (the constraint re-checks every row)"):
            for statement in rebuild:
                cursor.execute(statement)
    with connection.cursor() as cursor, timed("ANALYZE"):
        cursor.execute("ANALYZE bookings_booking, bookings_bookingclaim, bookings_resource")
    return {
        "resources": len(layout.resources),
        "bookings": bookings,
        "claims": claims,
        "days": days,
        "base": base,
    }


def run() -> tuple[float, float, float]:
    from django.db import connection

    from bookings.models import BookingClaim, Resource
    from bookings.selectors import resource_availability

    say(f"(b) availability search: >= 2,000 resources, {BOOKINGS:,} bookings")
    counts = generate(resources=2040)
    say(
        f"  data: {counts['resources']:,} resources, {counts['bookings']:,} bookings, "
        f"{counts['claims']:,} claims over {counts['days']} days"
    )
    rng = random.Random(7)  # noqa: S311 (repeatable, not secret)
    windows = []
    for _ in range(WINDOWS + 10):
        day = counts["base"] + timedelta(days=rng.randrange(counts["days"]))
        starts = day + timedelta(minutes=15 * rng.randrange(0, 48))  # 08:00–20:00 Shanghai
        windows.append((starts, starts + timedelta(minutes=15 * rng.randint(2, 8))))

    sample = windows[0]
    plan = BookingClaim.objects.meeting(sample[0], sample[1]).values_list("unit_id").explain()
    used = [line.strip() for line in plan.splitlines() if "Index" in line or "Scan" in line]
    say(f"  EXPLAIN busy-claims query: {' | '.join(used[:3])}")

    def search(window, ordered: bool = True, require_open: bool = False):  # type: ignore[no-untyped-def]
        found = resource_availability(starts_at=window[0], ends_at=window[1], require_open=require_open)
        return list((found if ordered else found.order_by()).values_list("pk", flat=True))

    def sql(query: str):  # type: ignore[no-untyped-def]
        def run_sql(window):  # type: ignore[no-untyped-def]
            with connection.cursor() as cursor:
                cursor.execute(query, {"starts_at": window[0], "ends_at": window[1]})
                return [row[0] for row in cursor.fetchall()]

        return run_sql

    contenders = {
        "selector": search,
        "sql_ordered": sql(HAND_WRITTEN_ORDERED),
        "selector_set": lambda window: search(window, ordered=False),
        "sql_set": sql(HAND_WRITTEN),
        "selector_open": lambda window: search(window, require_open=True),
    }
    timings: dict[str, list[float]] = {name: [] for name in contenders}
    mismatches = 0
    free_sizes = []
    for i, window in enumerate(windows):
        results = {}
        for name, fn in contenders.items():
            t0 = time.perf_counter()
            results[name] = fn(window)
            if i >= 10:  # the first ten warm caches
                timings[name].append((time.perf_counter() - t0) * 1000)
        mismatches += results["selector"] != results["sql_ordered"] or set(results["selector_set"]) != set(
            results["sql_set"]
        )
        free_sizes.append(len(results["selector"]))
    total = Resource.objects.count()
    say(
        f"  {WINDOWS} random windows (30 min–2 h, Shanghai 08:00–20:00): free resources per window "
        f"median {statistics.median(free_sizes):.0f} of {total}"
    )
    for name, label in (
        ("selector", "resource_availability, listed in order"),
        ("sql_ordered", "hand-written SQL, in the same order"),
        ("selector_set", "resource_availability, unordered set"),
        ("sql_set", "hand-written SQL, unordered set"),
        ("selector_open", "resource_availability (+ opening hours)"),
    ):
        values = timings[name]
        say(
            f"  {label:<42} median {statistics.median(values):6.1f} ms   p95 {percentile(values, 95):6.1f} ms"
        )
    p95 = percentile(timings["selector"], 95)
    ratio = p95 / percentile(timings["sql_ordered"], 95)
    ratio_set = percentile(timings["selector_set"], 95) / percentile(timings["sql_set"], 95)
    say(f"  same answers in all {WINDOWS + 10} windows (lists in order, and sets): {mismatches == 0} "
        f"({mismatches} differ)")  # fmt: skip
    say(f"  selector p95 {p95:.1f} ms (target <= 50 ms); selector / SQL at p95 (target <= 2): "
        f"{ratio:.2f} listed in order, {ratio_set:.2f} as sets")  # fmt: skip
    if mismatches:
        sys.exit("availability: the selector and the SQL disagree")
    return p95, ratio, statistics.median(timings["selector"])


def main() -> None:
    setup()
    run()


if __name__ == "__main__":
    main()
