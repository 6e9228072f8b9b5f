"""Staff admin for the tenants app, one module per lifecycle."""

from tenants.admin import applications, companies  # noqa: F401
