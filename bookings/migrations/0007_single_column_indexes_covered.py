import django.db.models.deletion
from django.db import migrations, models


def drop_index(table: str, column: str, name: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{name}"', reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")'
    )


class Migration(migrations.Migration):
    """Drop single-column foreign-key indexes that a composite index already leads with.

    Only the indexes go: Django's AlterField would also drop and re-add (and re-check) the
    foreign-key constraints, locking the tables for a full scan.
    """

    dependencies = [
        ('bookings', '0006_resource_blocks'),
        ('tenants', '0009_use_shared_track'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='booking',
                    name='company',
                    field=models.ForeignKey(blank=True, db_index=False, help_text="Empty for the park's own bookings.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='tenants.company', verbose_name='company'),
                ),
                migrations.AlterField(
                    model_name='booking',
                    name='resource',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='bookings.resource', verbose_name='resource'),
                ),
                migrations.AlterField(
                    model_name='bookingclaim',
                    name='unit',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='bookings.resource', verbose_name='unit'),
                ),
            ],
            database_operations=[
                drop_index("bookings_booking", "company_id", "bookings_booking_company_id_dc8ea510"),
                drop_index("bookings_booking", "resource_id", "bookings_booking_resource_id_1536c4cc"),
                drop_index("bookings_bookingclaim", "unit_id", "bookings_bookingclaim_unit_id_6c239dcf"),
            ],
        ),
    ]
