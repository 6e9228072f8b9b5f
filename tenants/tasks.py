"""Celery entry points of the tenants app: thin, idempotent, one section per lifecycle."""

from celery import shared_task

# --- sla ---
from tenants.services import sla as sla_services


@shared_task
def sla_sweep_task() -> dict[str, int]:
    """Beat, every 10 minutes: warn, breach and escalate running SLA clocks, once per level."""
    return sla_services.sla_sweep()
