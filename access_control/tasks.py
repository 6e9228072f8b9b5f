"""Celery entry points of access control (routed to the ``hardware`` queue)."""

from celery import shared_task

from access_control.services import devices


@shared_task
def devices_offline_sweep_task() -> int:
    """Beat, every 30 s: mark devices silent for 3 heartbeat intervals offline; tell staff once."""
    return len(devices.devices_offline_sweep())
