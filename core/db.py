"""Database helpers shared by the domain apps."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, DateTimeRangeField
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, migrations, models, transaction
from django.db.models import Func

M = TypeVar("M", bound=models.Model)


def check_constraint(*, condition: models.Q, name: str, **kwargs: Any) -> models.CheckConstraint:
    """A ``CheckConstraint`` whose violation, caught by ``full_clean()``, carries its name as the code.

    Django's default code is ``None``; an API client needs something to switch on.
    """
    kwargs.setdefault("violation_error_code", name)
    return models.CheckConstraint(condition=condition, name=name, **kwargs)


class DateRange(Func):
    """``daterange(lower, upper, bounds)`` in PostgreSQL."""

    function = "DATERANGE"
    output_field = DateRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An ``ExclusionConstraint`` that is a no-op on other databases.

    It stays in the model's ``Meta`` (so migration state is the same on every
    database and ``makemigrations --check`` is clean on both), but creates no DDL
    and validates nothing outside PostgreSQL; there the service checks instead.
    """

    @staticmethod
    def _on_postgres(schema_editor_or_alias: Any) -> bool:
        if isinstance(schema_editor_or_alias, str):
            return connections[schema_editor_or_alias].vendor == "postgresql"
        return schema_editor_or_alias.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):  # type: ignore[no-untyped-def]
        return super().constraint_sql(model, schema_editor) if self._on_postgres(schema_editor) else None

    def create_sql(self, model, schema_editor):  # type: ignore[no-untyped-def]
        return super().create_sql(model, schema_editor) if self._on_postgres(schema_editor) else None

    def remove_sql(self, model, schema_editor):  # type: ignore[no-untyped-def]
        return super().remove_sql(model, schema_editor) if self._on_postgres(schema_editor) else None

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):  # type: ignore[no-untyped-def]
        if self._on_postgres(using):
            super().validate(model, instance, exclude=exclude, using=using)


class TsTzRange(Func):
    """``tstzrange(lower, upper, bounds)`` in PostgreSQL."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def placeholders(count: int) -> str:
    """``%s, %s, …``: the bound parameters of an ``IN (…)`` list in a constant statement."""
    return ", ".join(["%s"] * count)


def save_or_existing(obj: M, *, existing: Callable[[], M | None]) -> M:
    """Insert ``obj``, or return the row that holds its unique key already.

    The insert runs in a savepoint, so a refusal leaves the caller's transaction usable;
    ``existing()`` then reads the winner (an earlier run, or a concurrent insert that
    committed first). Returns ``obj`` when it was inserted. An integrity error that no
    existing row explains is raised.
    """
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        winner = existing()
        if winner is None:
            raise
        return winner
    return obj


def drop_covered_fk_index(
    *, model_name: str, name: str, field: models.ForeignKey, table: str, column: str, index: str
) -> migrations.SeparateDatabaseAndState:
    """Set ``db_index=False`` on a foreign key whose single-column index a composite index already
    leads with, dropping only that index.

    ``AlterField`` would also drop and re-add (and so re-check) the foreign-key constraint,
    locking the table for a full scan.
    """
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{index}"',
                reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
            )
        ],
    )
