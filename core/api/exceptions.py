"""One error shape for the whole API.

Every error body is ``{"code": ..., "detail": ...}``; validation errors add
``"errors": {field: [{"message": ..., "code": ...}]}`` (``non_field_errors`` for the
object as a whole). Django's ``ValidationError`` raised by a service becomes a 400
(not a 500); ``ActionForbidden`` a 403 with its code.
"""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ActionForbidden

# Validation codes that mean "someone else holds it", answered 409 rather than 400.
CONFLICT_CODES = frozenset(
    {
        "booking_overlap",
        "pool_exhausted",
        "series_conflicts",
        "tenancy_overlap",
        "idempotency_key_mismatch",
        "pilot_run_conflicts",
    }
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


def _first_code(details: Any) -> str | None:
    if isinstance(details, dict):
        for value in details.values():
            code = _first_code(value)
            if code:
                return code
    elif isinstance(details, list):
        for value in details:
            code = _first_code(value)
            if code:
                return code
    elif isinstance(details, exceptions.ErrorDetail):
        return details.code
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # A service may attach ``api_extra`` (a dict of JSON values) to a refusal, e.g. the course a
    # missing qualification names; it is merged into the error body.
    extra = getattr(exc, "api_extra", None)
    if isinstance(exc, ActionForbidden):
        exc = exceptions.PermissionDenied(detail=exc.message, code=exc.code)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict(
            detail=_("It is still in use (%(count)s dependent rows); remove or move those first.")
            % {
                "count": len(
                    exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
                )
            },
            code="protected",
        )

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    if isinstance(exc, exceptions.ValidationError):
        errors = exc.get_full_details()
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors}
        elif NON_FIELD_ERRORS in errors:  # Django's key for errors of the object as a whole
            errors["non_field_errors"] = errors.pop(NON_FIELD_ERRORS)
        code = _first_code(exc.detail) or "invalid"
        body = {"code": code, "detail": _("Invalid input."), "errors": errors}
        nfe = errors.get("non_field_errors")
        if nfe and isinstance(nfe, list) and isinstance(nfe[0], dict):
            body["detail"] = nfe[0]["message"]
            body["code"] = nfe[0]["code"]
        if body["code"] in CONFLICT_CODES:
            response.status_code = status.HTTP_409_CONFLICT
        if isinstance(extra, dict):
            body.update({k: v for k, v in extra.items() if k not in body})
        response.data = body
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = {"code": code, "detail": str(exc.detail)}
    return response
