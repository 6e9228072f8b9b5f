"""Celery entry points of access control: device offline sweep, daily allow-list housekeeping."""

from celery import shared_task
from django.db import OperationalError

from access_control.models import Site
from access_control.services import devices, sync


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def allowlist_roll_task() -> int:
    """Recompute every site's entries (idempotent: a second run the same day writes nothing)."""
    return sync.allowlist_roll()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def change_log_trim_task() -> int:
    """Drop change-log rows older than ACCESS_CHANGE_LOG_DAYS; older deltas then answer 410."""
    return sum(sync.change_log_trim(site=site) for site in Site.objects.order_by("pk"))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def devices_offline_sweep_task() -> int:
    """Beat, every 10 s: mark devices silent for 3 heartbeat intervals offline; tell staff once."""
    return len(devices.devices_offline_sweep())
