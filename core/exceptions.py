"""Errors that services raise besides Django's ``ValidationError``."""

from django.core.exceptions import PermissionDenied


class ActionForbidden(PermissionDenied):
    """The actor may not perform this action; carries a machine-readable code."""

    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TransientError(Exception):
    """An infrastructure failure worth retrying (Celery ``autoretry_for``)."""
