import copy
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers
from rest_framework.serializers import as_serializer_error

from core.db import PkReader


class CleanModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that runs the model's ``full_clean()`` before saving.

    DRF checks field types and unique constraints; the model's ``clean()`` and its
    check constraints would otherwise surface as an ``IntegrityError`` (a 500). Here
    they become a 400 with field errors and the constraint's code, and nothing is
    written.
    """

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model: type[models.Model] = self.Meta.model
        m2m = {f.name for f in model._meta.many_to_many}
        plain = {k: v for k, v in attrs.items() if k not in m2m}
        if self.instance is not None:
            candidate = model._default_manager.get(pk=self.instance.pk)
            for key, value in plain.items():
                setattr(candidate, key, value)
        else:
            candidate = model(**plain)
        try:
            candidate.full_clean(exclude=sorted(m2m))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(as_serializer_error(exc)) from exc
        return attrs


# A ModelSerializer that works its fields out from the model once per class.
#
# ``ModelSerializer.get_fields()`` maps every model field to a serializer field on each
# instantiation, which costs more than the rest of serialising one row. The mapping depends
# only on the class (its ``Meta`` and declared fields), so it is built once and then
# deep-copied per instance, as DRF already does for declared fields. For hot paths (the
# booking a ``POST`` answers with); subclasses must not change fields per request.
# (A comment, not a docstring: the schema would show a docstring as each subclass's description.)
class FieldsOnceModelSerializer(serializers.ModelSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = cls.__dict__.get("_fields_once")
        if built is None:
            built = super().get_fields()
            cls._fields_once = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)


class ReaderRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key in, the instance out, read by a ``PkReader`` (one statement that the ORM
    composes once per thread, related rows included). The same errors as DRF's field."""

    def __init__(self, *, reader: PkReader[Any], **kwargs: Any) -> None:
        self.reader = reader
        kwargs.setdefault("queryset", reader.queryset)  # choices and the schema
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> models.Model:
        if self.pk_field is not None:
            data = self.pk_field.to_internal_value(data)
        try:
            obj = self.reader.get(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if obj is None:
            self.fail("does_not_exist", pk_value=data)
        return obj


class ReasonSerializer(serializers.Serializer):
    """The body of a command that records why: ``{"reason": "..."}`` (optional)."""

    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


def validated(serializer_class: type[serializers.Serializer], data: Any, **context: Any) -> dict[str, Any]:
    """Validate a command's input with ``serializer_class``; a 400 with field errors if invalid."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
