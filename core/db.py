"""Database helpers shared by the domain apps."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, DateTimeRangeField
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, migrations, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Func, QuerySet
from django.db.models.query import get_related_populators

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


class PkReader(Generic[M]):
    """One row by primary key, read with a queryset's SQL that the ORM composes once per thread.

    For reads on hot paths, where Django spends longer composing a statement (joins from
    ``select_related`` above all) than the database spends answering it. The statement is
    the queryset's own, filtered by primary key and unordered; each read runs it with the
    new key and builds the instance as the queryset would (related rows included, the
    backend's converters applied)::

        RESOURCE_FOR_BOOKING = PkReader(Resource.objects.select_related("campus", "policy"))
        resource = RESOURCE_FOR_BOOKING.get(pk)  # None when there is no such row

    ``get()`` takes what a client sent as ``filter(pk=...)`` does: a value that is no key
    (``"abc"``, ``True``) raises ``ValueError`` or ``TypeError``; one out of the column's range
    reads as no row, never a database error.
    """

    _PROBE = -7_340_033  # stands for the key while the statement is composed

    def __init__(self, queryset: QuerySet[M]) -> None:
        self.queryset = queryset
        # Per thread and database, as Django keeps its connections: the compiler and the converters
        # stay with the connection that composed them, and go when the thread ends.
        self._local = threading.local()

    def __deepcopy__(self, memo: dict[int, Any]) -> "PkReader[M]":
        return self  # shared, as its statement is (DRF deep-copies a field's arguments per serializer)

    def _compile(self, connection: BaseDatabaseWrapper) -> "_Compiled":
        alias = connection.alias
        compiler = self.queryset.filter(pk=self._PROBE).order_by().query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        if params.count(self._PROBE) != 1:  # a filter of the queryset's own took the probe's value
            raise ValueError(f"PkReader cannot place the key in {sql!r} with {params!r}.")
        columns = [column for column, _sql, _alias in compiler.select]
        fields = compiler.klass_info["select_fields"]
        own = slice(fields[0], fields[-1] + 1)
        compiled = _Compiled(
            sql=sql,
            params=params,
            key_at=params.index(self._PROBE),
            compiler=compiler,
            converters=compiler.get_converters(columns),
            own=own,
            attnames=[column.target.attname for column in columns[own]],
            populators=get_related_populators(compiler.klass_info, compiler.select, alias),
        )
        setattr(self._local, alias, compiled)
        return compiled

    def _key(self, pk: Any, connection: BaseDatabaseWrapper) -> Any:
        """``pk`` as the column takes it; None when it is out of the column's range."""
        if isinstance(pk, bool):
            raise TypeError("A boolean is not a primary key.")
        field = self.queryset.model._meta.pk
        try:
            value = field.get_prep_value(field.to_python(pk))
        except ValidationError as e:
            raise ValueError(f"{pk!r} is not a primary key of {self.queryset.model.__name__}.") from e
        if isinstance(value, int):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if (low is not None and value < low) or (high is not None and value > high):
                return None
        return value

    def get(self, pk: Any) -> M | None:
        connection = connections[self.queryset.db]
        c = getattr(self._local, connection.alias, None) or self._compile(connection)
        key = self._key(pk, connection)
        if key is None:
            return None
        params = [*c.params[: c.key_at], key, *c.params[c.key_at + 1 :]]
        with connection.cursor() as cursor:
            cursor.execute(c.sql, params)
            rows = cursor.fetchmany(1)
        if not rows:
            return None
        if c.converters:
            rows = list(c.compiler.apply_converters(rows, c.converters))
        row = rows[0]
        obj = self.queryset.model.from_db(connection.alias, c.attnames, row[c.own])
        for populator in c.populators:
            populator.populate(row, obj)
        return obj


@dataclass(frozen=True)
class _Compiled:
    """A ``PkReader``'s statement on one database, and how its rows become instances."""

    sql: str
    params: list[Any]
    key_at: int  # where the key goes in ``params``
    compiler: Any
    converters: dict[int, Any]
    own: slice  # the model's own columns in a row
    attnames: list[str]
    populators: list[Any]  # the related rows (``select_related``)


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
