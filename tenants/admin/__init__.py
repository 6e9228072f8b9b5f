"""Staff admin for the tenants app, one module per lifecycle."""

from tenants.admin import companies, registration  # noqa: F401
