import django.db.models.deletion
from django.db import migrations, models

from core.db import drop_covered_fk_index


class Migration(migrations.Migration):
    """Drop single-column foreign-key indexes that a composite index already leads with (indexes only)."""

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('notifications', '0001_create_notification'),
    ]

    operations = [
        drop_covered_fk_index(
            model_name='notification',
            name='content_type',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype', verbose_name='subject type'),
            table='notifications_notification',
            column='content_type_id',
            index='notifications_notification_content_type_id_74ab3a2c',
        ),
    ]
