"""Celery entry points of the tenants app: thin, idempotent, calling services."""

from celery import shared_task

# --- tenancy ---
from tenants.services import tenancy as tenancy_services


@shared_task
def tenancy_lifecycle_task() -> dict[str, int]:
    """Daily at 00:10 Asia/Shanghai: activate, expire and complete what is due (idempotent)."""
    return tenancy_services.tenancy_lifecycle_run()
