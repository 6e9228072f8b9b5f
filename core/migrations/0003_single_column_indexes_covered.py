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
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0002_create_calendar_day'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='transitionlog',
                    name='content_type',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype'),
                ),
            ],
            database_operations=[
                drop_index("core_transitionlog", "content_type_id", "core_transitionlog_content_type_id_136a6065"),
            ],
        ),
    ]
