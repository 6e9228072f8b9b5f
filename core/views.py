from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import health


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``200`` when the database (and Redis, where configured) answer, else ``503``."""
    database = health.database_status()
    redis = health.redis_status()
    beat = health.beat_last_seen()
    healthy = database == "ok" and redis in ("ok", "not_configured")
    return JsonResponse(
        {
            "status": "ok" if healthy else "error",
            "database": database,
            "redis": redis,
            "beat_last_seen": beat.isoformat() if beat else None,
        },
        status=200 if healthy else 503,
    )
