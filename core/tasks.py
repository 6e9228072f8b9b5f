import socket

from celery import shared_task

from core import health


@shared_task(ignore_result=False)  # celery_roundtrip waits on its result
def ping_task(token: str) -> dict[str, str]:
    """Echo ``token`` with the worker's host name: proves a task crossed the broker."""
    return {"token": token, "hostname": socket.gethostname()}


@shared_task
def beat_heartbeat_task() -> None:
    """Scheduled by beat every 30 s; ``/healthz`` reports when it last ran."""
    health.beat_heartbeat_record()
