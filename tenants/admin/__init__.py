"""Staff admin for the tenants app, one module per lifecycle."""

from tenants.admin import (  # noqa: F401
    applications,
    companies,
    incubation,
    registration,
    sla,
    tenancy,
)
