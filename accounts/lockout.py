"""Sign-in lockout: after repeated failures for one e-mail address from one IP address, refuse for a while.

Counts live in the Django cache (Redis in production, shared by every web process; locmem in tests
and the embedded default). ``LOCKOUT_FAILURES`` failures within ``LOCKOUT_WINDOW`` lock that
e-mail + IP pair for ``LOCKOUT_DURATION``; a successful sign-in clears the count. Keyed by e-mail
*and* IP so that someone guessing at a founder's address from elsewhere cannot lock the founder out
of their own office. The backend refuses while locked (every sign-in form: portal, admin, API), and
the portal's form says why.
"""

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

LOCKOUT_FAILURES = getattr(settings, "LOCKOUT_FAILURES", 5)
LOCKOUT_WINDOW = getattr(settings, "LOCKOUT_WINDOW", timedelta(minutes=15))
LOCKOUT_DURATION = getattr(settings, "LOCKOUT_DURATION", timedelta(minutes=15))


def _client_ip(request: HttpRequest | None) -> str:
    return (request.META.get("REMOTE_ADDR") or "") if request is not None else ""


def _key(kind: str, email: str, request: HttpRequest | None) -> str:
    digest = hashlib.sha256(f"{(email or '').strip().lower()}|{_client_ip(request)}".encode()).hexdigest()
    return f"signin:{kind}:{digest}"


def signin_locked(*, email: str, request: HttpRequest | None) -> bool:
    return bool(cache.get(_key("locked", email, request)))


def signin_failure_record(*, email: str, request: HttpRequest | None) -> int:
    """Count one failure; lock the pair when the count reaches the limit. Returns the count."""
    if not email:
        return 0
    key = _key("failures", email, request)
    cache.add(key, 0, timeout=int(LOCKOUT_WINDOW.total_seconds()))
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=int(LOCKOUT_WINDOW.total_seconds()))
        count = 1
    if count >= LOCKOUT_FAILURES:
        cache.set(_key("locked", email, request), True, timeout=int(LOCKOUT_DURATION.total_seconds()))
        cache.delete(key)
    return count


def signin_failures_clear(*, email: str, request: HttpRequest | None) -> None:
    cache.delete(_key("failures", email, request))


class LockoutModelBackend(ModelBackend):
    """The model backend, refusing (even a right password) while the e-mail + IP pair is locked."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username and signin_locked(email=username, request=request):
            raise PermissionDenied  # authenticate() stops here and reports a failed sign-in
        return super().authenticate(request, username=username, password=password, **kwargs)


def on_user_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    email = credentials.get("username") or credentials.get("email") or ""
    if not signin_locked(email=email, request=request):
        signin_failure_record(email=email, request=request)


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    signin_failures_clear(email=user.email, request=request)
