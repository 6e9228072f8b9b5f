"""Staff admin for access control, one module per area."""

from access_control.admin import access, devices  # noqa: F401
