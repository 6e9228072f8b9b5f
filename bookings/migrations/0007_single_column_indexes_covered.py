import django.db.models.deletion
from django.db import migrations, models

from core.db import drop_covered_fk_index


class Migration(migrations.Migration):
    """Drop single-column foreign-key indexes that a composite index already leads with (indexes only)."""

    dependencies = [
        ('bookings', '0006_resource_blocks'),
        ('tenants', '0009_use_shared_track'),
    ]

    operations = [
        drop_covered_fk_index(
            model_name='booking',
            name='company',
            field=models.ForeignKey(blank=True, db_index=False, help_text="Empty for the park's own bookings.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='tenants.company', verbose_name='company'),
            table='bookings_booking',
            column='company_id',
            index='bookings_booking_company_id_dc8ea510',
        ),
        drop_covered_fk_index(
            model_name='booking',
            name='resource',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='bookings.resource', verbose_name='resource'),
            table='bookings_booking',
            column='resource_id',
            index='bookings_booking_resource_id_1536c4cc',
        ),
        drop_covered_fk_index(
            model_name='bookingclaim',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='bookings.resource', verbose_name='unit'),
            table='bookings_bookingclaim',
            column='unit_id',
            index='bookings_bookingclaim_unit_id_6c239dcf',
        ),
    ]
