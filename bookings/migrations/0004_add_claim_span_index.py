"""A GiST index on the claims' time range alone, for "which units are busy in this window" (PostgreSQL).

The exclusion constraint's GiST index leads with the unit, so it answers "is this unit
busy" well but a window over all units poorly. The availability search asks the latter.
Built concurrently (the claims table is the big one); a no-op on other databases. It is
not in the model's Meta (Django would try to build a GiST index on SQLite too).
"""

from django.db import migrations

INDEX = "bookings_claim_span_gist"


def create_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON bookings_bookingclaim "
            "USING gist (tstzrange(starts_at, ends_at, '[)'))"
        )


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("bookings", "0003_add_credits_quotas")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
