"""Staff admin for the tenants app, one module per lifecycle."""

from tenants.admin import (
    companies,  # noqa: F401
    tenancy,  # noqa: F401
)
