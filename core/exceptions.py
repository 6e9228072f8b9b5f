"""Errors that services raise besides Django's ``ValidationError``."""

from django.core.exceptions import PermissionDenied
from django.db import OperationalError

# What a Celery task retries (``autoretry_for``): a lock timeout or a dropped connection is worth
# another try; a refused command is not.
TRANSIENT_DB_ERRORS = (OperationalError, ConnectionError, TimeoutError)


class ActionForbidden(PermissionDenied):
    """The actor may not perform this action; carries a machine-readable code."""

    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TransientError(Exception):
    """An infrastructure failure worth retrying (Celery ``autoretry_for``)."""
