import django.db.models.deletion
from django.db import migrations, models

from core.db import drop_covered_fk_index


class Migration(migrations.Migration):
    """Drop single-column foreign-key indexes that a composite index already leads with (indexes only)."""

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0002_create_calendar_day'),
    ]

    operations = [
        drop_covered_fk_index(
            model_name='transitionlog',
            name='content_type',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype'),
            table='core_transitionlog',
            column='content_type_id',
            index='core_transitionlog_content_type_id_136a6065',
        ),
    ]
