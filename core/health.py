"""Health of the services a web process depends on, for load balancers and smoke tests."""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

BEAT_HEARTBEAT_KEY = "core:beat-heartbeat"


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "down"; the reason goes to the log
        return "error"
    return "ok"


def redis_status() -> str:
    if not settings.REDIS_URL:
        return "not_configured"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except redis.RedisError:
        return "error"
    return "ok"


def beat_last_seen() -> datetime | None:
    value = cache.get(BEAT_HEARTBEAT_KEY)
    return datetime.fromisoformat(value) if value else None


def beat_heartbeat_record() -> None:
    cache.set(BEAT_HEARTBEAT_KEY, timezone.now().isoformat(), timeout=600)
