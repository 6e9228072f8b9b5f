"""Signed device requests (``ACS1-HMAC-SHA256``) and signed, RFC 9457 problem answers.

The contract is ``shared/access-protocol.md`` § Authentication. A request is verified
from its raw bytes BEFORE its body is parsed: the header, the device key, the signature
over ``METHOD\\nPATH\\nQUERY\\nhex(sha256(body))\\nts\\nnonce``, the clock (±300 s), the
nonce (once per device in 600 s), the device being enabled, and the per-device rate limit.
Only then does a view see the body.

Nonces are remembered with ``cache.add`` (atomic on Redis, shared by every worker). On the
embedded/test locmem cache the memory is per process: a replay sent to another worker
process is not caught there. Production runs Redis (``REDIS_URL``).

Every answer to an identified device carries ``X-ACS-Signature: base64(HMAC-SHA256(secret,
nonce + "\\n" + body))``, so a recorded answer does not verify for another request. An
answer to an unidentified caller (no header, unknown key) cannot be signed and is not.
"""

import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from functools import cached_property, wraps
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from redis.exceptions import RedisError

from access_control.client import response_signature, sign
from access_control.client import utc_iso as iso
from access_control.crypto import device_secret
from access_control.models import Device

logger = logging.getLogger(__name__)
# What makes the answer 503 overloaded: the database or the cache (nonces, rate limits) failing.
UNAVAILABLE = (OperationalError, RedisError)
RETRY_OVERLOADED_S = 5

SCHEME = "ACS1-HMAC-SHA256"
_HEADER = re.compile(
    r"^ACS1-HMAC-SHA256\s+key=(?P<key>[^,\s]{1,64}),\s*ts=(?P<ts>-?\d{1,12}),\s*"
    r"nonce=(?P<nonce>[0-9a-fA-F]{32}),\s*sig=(?P<sig>[A-Za-z0-9+/=]{1,100})\s*$"
)
PROBLEM_TYPE = "https://campus.example/problems/access/"

# (status, title, retryable) for every error code of the protocol
PROBLEMS: dict[str, tuple[int, str, bool]] = {
    "malformed": (400, "The request body or parameters are malformed.", False),
    "signature_invalid": (401, "The request signature is missing or invalid.", False),
    "timestamp_skew": (401, "The request timestamp is too far from the server time.", True),
    "nonce_replayed": (401, "This nonce was already used.", False),
    "device_disabled": (403, "This device is disabled.", False),
    "device_not_bound_to_door": (403, "The door is not bound to this device.", False),
    "unknown_door": (404, "No such door.", False),
    "not_found": (404, "No such endpoint.", False),
    "method_not_allowed": (405, "Method not allowed.", False),
    "delta_expired": (410, "The change log no longer reaches that version; fetch the snapshot.", False),
    "batch_too_large": (413, "Too many events in one call.", False),
    "rate_limited": (429, "Too many requests from this device.", True),
    "overloaded": (503, "The server is overloaded.", True),
}


def canonical_query(raw_query: str) -> str:
    """Parameters sorted by name then value (as sent, still percent-encoded), joined by ``&``."""
    if not raw_query:
        return ""
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _sep, value = part.partition("=")
        pairs.append((name, value))
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


def request_signature(
    secret: bytes, *, method: str, path: str, query: str, body: bytes, ts: str, nonce: str
) -> str:
    """The signature the protocol expects, with the query as sent (sorted here), as the client signs."""
    return sign(secret, method.upper(), path, canonical_query(query), body, ts, nonce)


class DeviceProblem(Exception):
    """Answer the device with a problem document (``code`` is a protocol error code)."""

    def __init__(self, code: str, detail: str = "", *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class DeviceContext:
    """The verified caller: its device row, the secret it signed with and the request's nonce.

    ``door_ids`` (the doors bound to the device) is read on first use: the decision view asks
    about its one door inside the decision's own statement instead.
    """

    def __init__(self, device: Device, secret: bytes, nonce: str) -> None:
        self.device = device
        self.secret = secret
        self.nonce = nonce

    @property
    def site_id(self) -> int:
        return self.device.site_id

    @cached_property
    def door_ids(self) -> frozenset[int]:
        return frozenset(
            Device.doors.through.objects.filter(device_id=self.device.pk).values_list("door_id", flat=True)
        )


def problem_response(problem: DeviceProblem, ctx: DeviceContext | None, nonce: str | None) -> HttpResponse:
    status, title, retryable = PROBLEMS[problem.code]
    payload: dict[str, Any] = {
        "type": PROBLEM_TYPE + problem.code,
        "title": title,
        "status": status,
        "code": problem.code,
        "retryable": retryable,
        "server_time": iso(timezone.now()),
    }
    if problem.detail:
        payload["detail"] = problem.detail
    payload.update(problem.extra)
    response = HttpResponse(
        json.dumps(payload, separators=(",", ":")), status=status, content_type="application/problem+json"
    )
    for name, value in problem.headers.items():
        response[name] = value
    if ctx is not None and nonce is not None:
        response["X-ACS-Signature"] = response_signature(ctx.secret, nonce, response.content)
    return response


# Constant SQL (bound parameters only): the device's current key, or its previous one until that expires.
DEVICE_SQL = """
    SELECT id, site_id, key_id, previous_key_id, previous_key_expires_at, is_enabled, name
    FROM access_control_device
    WHERE key_id = %s OR (previous_key_id = %s AND previous_key_expires_at > %s)
    ORDER BY id LIMIT 1
"""


def _find_device(key_id: str, now: datetime) -> tuple[Device, bytes] | None:
    """The device signing with ``key_id`` (its current key, or its previous one until that expires).

    One hand-written statement on the unique key index: this runs before every device request."""
    found = list(
        Device.objects.raw(DEVICE_SQL, [key_id, key_id, connection.ops.adapt_datetimefield_value(now)])
    )
    if not found:
        return None
    return found[0], device_secret(key_id)


def _rate_limit(device: Device) -> None:
    """A fixed window per device (``ACCESS_DEVICE_RATE_LIMIT`` requests per ``..._WINDOW_S``)."""
    limit = settings.ACCESS_DEVICE_RATE_LIMIT
    if not limit:
        return
    window = settings.ACCESS_DEVICE_RATE_WINDOW_S
    now = time.time()
    slot = int(now // window)
    key = f"acs:rate:{device.pk}:{slot}"
    if cache.add(key, 1, window + 1):
        return
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window + 1)
        return
    if count > limit:
        retry_after = max(1, int((slot + 1) * window - now + 0.999))
        raise DeviceProblem(
            "rate_limited", headers={"Retry-After": str(retry_after)}, retry_after=retry_after
        )


def authenticate(request: HttpRequest) -> tuple[DeviceContext | None, str | None, DeviceProblem | None]:
    """Verify the request from its raw bytes; returns (context, nonce, problem)."""
    header = request.headers.get("Authorization", "")
    match = _HEADER.match(header)
    if match is None:
        return None, None, DeviceProblem("signature_invalid")
    key_id, ts, nonce, sig = match["key"], match["ts"], match["nonce"].lower(), match["sig"]
    now = timezone.now()
    found = _find_device(key_id, now)
    if found is None:
        return None, None, DeviceProblem("signature_invalid")
    device, secret = found
    expected = request_signature(
        secret,
        method=request.method or "",
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        body=request.body,  # the raw bytes: hashed, not parsed
        ts=ts,
        nonce=match["nonce"],
    )
    if not hmac.compare_digest(expected.encode(), sig.encode()):
        return None, None, DeviceProblem("signature_invalid")
    ctx = DeviceContext(device=device, secret=secret, nonce=match["nonce"])
    if not device.is_enabled:
        return ctx, match["nonce"], DeviceProblem("device_disabled")
    if abs(int(ts) - now.timestamp()) > settings.ACCESS_MAX_CLOCK_SKEW_S:
        return ctx, match["nonce"], DeviceProblem("timestamp_skew")
    if not cache.add(f"acs:nonce:{device.pk}:{nonce}", 1, settings.ACCESS_NONCE_TTL_S):
        return ctx, match["nonce"], DeviceProblem("nonce_replayed")
    try:
        _rate_limit(device)
    except DeviceProblem as problem:
        return ctx, match["nonce"], problem
    return ctx, match["nonce"], None


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeviceProblem("malformed", "The body is not valid JSON.") from exc


def query_params(request: HttpRequest) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in request.META.get("QUERY_STRING", "").split("&"):
        if part:
            name, _sep, value = part.partition("=")
            params[unquote_plus(name)] = unquote_plus(value)
    return params


DeviceView = Callable[[HttpRequest, DeviceContext], tuple[int, Any, dict[str, str]]]


def device_endpoint(*methods: str) -> Callable[[DeviceView], Callable[[HttpRequest], HttpResponse]]:
    """Wrap ``view(request, ctx) -> (status, payload, headers)`` into a signed device endpoint.

    ``payload`` is encoded as JSON, unless it is ``bytes`` already (JSON the view built).
    The view runs only for a verified device; ``DeviceProblem`` becomes a problem document.
    ``Server-Timing: app;dur=<ms>`` tells how long the server worked on the request.
    """

    def decorate(view: DeviceView) -> Callable[[HttpRequest], HttpResponse]:
        @login_not_required
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            started = time.perf_counter()
            ctx, nonce, problem = None, None, None
            try:
                ctx, nonce, problem = authenticate(request)
                if problem is None and request.method not in methods:
                    problem = DeviceProblem("method_not_allowed")
                if problem is None:
                    assert ctx is not None  # noqa: S101 -- authenticate returns one without a problem
                    status, payload, headers = view(request, ctx)
            except DeviceProblem as raised:
                problem = raised
            except UNAVAILABLE:
                # The database or the cache cannot serve now: the device decides from its allow-list
                # and tries again later (the view's writes, if any, were rolled back).
                logger.exception("device API: a backing service is unavailable")
                problem = DeviceProblem(
                    "overloaded",
                    headers={"Retry-After": str(RETRY_OVERLOADED_S)},
                    retry_after=RETRY_OVERLOADED_S,
                )
            if problem is not None:
                response = problem_response(problem, ctx, nonce)
            else:
                if payload is None:
                    content = b""
                elif isinstance(payload, bytes):  # a body the view encoded itself (the snapshot)
                    content = payload
                else:
                    content = json.dumps(payload, separators=(",", ":")).encode()
                response = HttpResponse(content, status=status, content_type="application/json")
                for name, value in headers.items():
                    response[name] = value
                assert ctx is not None  # noqa: S101
                assert nonce is not None  # noqa: S101
                response["X-ACS-Signature"] = response_signature(ctx.secret, nonce, response.content)
            response["Cache-Control"] = "no-store"
            response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.3f}"
            return response

        return wrapper

    return decorate
