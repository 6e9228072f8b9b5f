"""Put a service's ValidationError onto a form: its fields' errors on those fields, the rest on top."""

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from core.exceptions import ActionForbidden


def form_add_service_error(form: forms.BaseForm, exc: ValidationError | ActionForbidden) -> None:
    if isinstance(exc, ActionForbidden):
        form.add_error(None, ValidationError(exc.message, code=exc.code))
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        target: Any = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, errors)
