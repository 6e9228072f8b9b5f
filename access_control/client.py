"""Reference client of the access-control device protocol v1 (``shared/access-protocol.md``).

Standard library only, importable without Django: a controller vendor, a site gateway or a
test tool can copy this one file. It

- signs every request (``ACS1-HMAC-SHA256``) and verifies ``X-ACS-Signature`` on every answer
  (an unsigned or wrongly signed 2xx/3xx answer raises ``ResponseNotSigned``);
- keeps the site's allow-list from the snapshot plus deltas (304 keeps what it has, 410 fetches
  the snapshot again, ``complete: false`` pages on);
- decides locally from the allow-list (``h = HMAC(pepper, normalised uid)``, the door among the
  entry's doors, now inside one of its windows, a lockdown denies) and asks ``POST /decisions``
  only when it cannot decide (a credential it does not know);
- queues events with increasing ``seq`` numbers and uploads them in batches of up to 500,
  safe to retry (the server stores each ``event_id`` once).

Example::

    client = AccessClient("http://127.0.0.1:8000", key_id, secret, pepper)
    client.sync()
    outcome = client.decide(door="12", kind="card", uid="04:a1:b2:c3")
    client.upload_events()
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import secrets
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

SCHEME = "ACS1-HMAC-SHA256"
API_PREFIX = "/api/access/v1"
MAX_EVENTS_PER_CALL = 500
_SEPARATORS = re.compile(r"[\s:\-]")


class AccessClientError(Exception):
    """The server refused a request (``code`` is the protocol error code)."""

    def __init__(self, status: int, code: str, body: Any):
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.body = body


class ResponseNotSigned(Exception):
    """An answer without a valid ``X-ACS-Signature`` for our request: not from the server."""


def normalise_uid(uid: str) -> str:
    return _SEPARATORS.sub("", uid).upper()


def credential_hash(pepper: bytes, uid: str) -> str:
    return hmac.new(pepper, normalise_uid(uid).encode(), hashlib.sha256).hexdigest()


def canonical_query(params: list[tuple[str, str]]) -> str:
    encoded = sorted((quote(str(k), safe="-_.~"), quote(str(v), safe="-_.~")) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


def sign(secret: bytes, method: str, path: str, query: str, body: bytes, ts: str, nonce: str) -> str:
    text = "\n".join([method.upper(), path, query, hashlib.sha256(body).hexdigest(), ts, nonce])
    return base64.b64encode(hmac.new(secret, text.encode(), hashlib.sha256).digest()).decode()


def response_signature(secret: bytes, nonce: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret, nonce.encode() + b"\n" + body, hashlib.sha256).digest()).decode()


def verify_response(secret: bytes, nonce: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is the server's for this request's ``nonce`` and this ``body``."""
    if not signature:
        return False
    return hmac.compare_digest(response_signature(secret, nonce, body).encode(), signature.encode())


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    nonce: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class LocalDecision:
    decision: str  # "allow" | "deny"
    reason: str
    source: str  # "local_cache" | "online"
    decision_id: str = ""
    unlock_ms: int = 0


@dataclass
class AllowList:
    site: str = ""
    version: int | None = None
    etag: str = ""
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    lockdown: Any = None
    valid_until: datetime | None = None

    def load(self, snapshot: dict[str, Any], etag: str = "") -> None:
        self.site = str(snapshot["site"])
        self.version = int(snapshot["version"])
        self.entries = {e["h"]: e for e in snapshot["entries"]}
        self.lockdown = snapshot.get("lockdown")
        self.valid_until = parse_time(snapshot["valid_until"]) if snapshot.get("valid_until") else None
        self.etag = etag

    def apply(self, delta: dict[str, Any]) -> None:
        """Apply the ops of a delta page, in order (the delta starts at our version)."""
        if self.version is None or int(delta["from"]) != self.version:
            raise ValueError("The delta does not start at the version held.")
        for op in delta["ops"]:
            if op["op"] == "upsert":
                entry = op["entry"]
                self.entries[entry["h"]] = entry
            elif op["op"] == "delete":
                self.entries.pop(op["h"], None)
        if "lockdown" in delta:
            self.lockdown = delta["lockdown"]
        self.version = int(delta["to"])
        self.etag = ""


class AccessClient:
    """One device's connection to the server: signed calls, the allow-list, and the event queue."""

    def __init__(
        self,
        base_url: str,
        key_id: str,
        secret: bytes,
        pepper: bytes,
        *,
        timeout: float = 5.0,
        firmware: str = "reference-client/1",
        persistent: bool = True,
    ):
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.https = parts.scheme == "https"
        self.key_id = key_id
        self.secret = secret
        self.pepper = pepper
        self.timeout = timeout
        self.firmware = firmware
        self.persistent = persistent
        self.clock_offset = 0.0  # server time - our time, learnt from timestamp_skew answers
        self.allowlist = AllowList()
        self.queue: deque[dict[str, Any]] = deque()
        self.next_seq = 1
        self.last_server_timing_ms: float | None = None
        self._conn: http.client.HTTPConnection | None = None

    # --- transport ----------------------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None or not self.persistent:
            cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            self._conn = cls(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def authorization(
        self,
        method: str,
        path: str,
        query: str,
        body: bytes,
        *,
        ts: int | None = None,
        nonce: str | None = None,
    ) -> tuple[str, str]:
        ts_text = str(int(time.time() + self.clock_offset) if ts is None else ts)
        nonce = nonce or secrets.token_hex(16)
        sig = sign(self.secret, method, path, query, body, ts_text, nonce)
        return f"{SCHEME} key={self.key_id}, ts={ts_text}, nonce={nonce}, sig={sig}", nonce

    def send(
        self,
        method: str,
        endpoint: str,
        *,
        params: list[tuple[str, str]] | None = None,
        payload: Any = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        verify: bool = True,
    ) -> Response:
        """One signed request; the answer's signature is checked (``verify``) before it is trusted."""
        path = API_PREFIX + endpoint
        query = canonical_query(params or [])
        if body is None:
            body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        auth, nonce = self.authorization(method, path, query, body)
        all_headers = {"Authorization": auth, "Accept": "application/json", **(headers or {})}
        if body:
            all_headers["Content-Type"] = "application/json"
        url = path + ("?" + query if query else "")
        for attempt in range(2):  # one reconnect for a dropped keep-alive connection
            conn = self._connection()
            try:
                conn.request(method, url, body=body or None, headers=all_headers)
                raw = conn.getresponse()
                data = raw.read()
                break
            except (ConnectionError, http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise
        if not self.persistent:
            self.close()
        response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data, nonce)
        timing = response.headers.get("server-timing", "")
        match = re.search(r"dur=([0-9.]+)", timing)
        self.last_server_timing_ms = float(match.group(1)) if match else None
        signed = verify_response(self.secret, nonce, data, response.headers.get("x-acs-signature"))
        if verify and response.status < 400 and not signed:
            raise ResponseNotSigned(f"{method} {path}: {response.status} answer is not signed for our nonce")
        return response

    def call(self, method: str, endpoint: str, **kwargs: Any) -> Response:
        """``send`` that raises ``AccessClientError`` for problems and corrects our clock once."""
        response = self.send(method, endpoint, **kwargs)
        if response.status >= 400:
            problem = response.json() if response.body else {}
            code = problem.get("code", "") if isinstance(problem, dict) else ""
            if code == "timestamp_skew" and "server_time" in problem:
                self.clock_offset = parse_time(problem["server_time"]).timestamp() - time.time()
                response = self.send(method, endpoint, **kwargs)
                if response.status < 400:
                    return response
                problem = response.json() if response.body else {}
                code = problem.get("code", "") if isinstance(problem, dict) else ""
            raise AccessClientError(response.status, code, problem)
        return response

    # --- allow-list -----------------------------------------------------------------------------------

    def fetch_snapshot(self) -> bool:
        """GET /allowlist (conditional on the ETag held); True if it changed."""
        headers = {"If-None-Match": self.allowlist.etag} if self.allowlist.etag else None
        response = self.call("GET", "/allowlist", headers=headers)
        if response.status == 304:
            return False
        self.allowlist.load(response.json(), etag=response.headers.get("etag", ""))
        return True

    def sync(self, *, limit: int = 1000) -> int:
        """Bring the allow-list up to date: deltas from our version, else (or on 410) the snapshot."""
        if self.allowlist.version is None:
            self.fetch_snapshot()
            return self.allowlist.version or 0
        while True:
            try:
                response = self.call(
                    "GET",
                    "/allowlist/changes",
                    params=[("since", str(self.allowlist.version)), ("limit", str(limit))],
                )
            except AccessClientError as exc:
                if exc.code == "delta_expired":
                    self.allowlist.etag = ""
                    self.fetch_snapshot()
                    return self.allowlist.version or 0
                raise
            delta = response.json()
            self.allowlist.apply(delta)
            if delta.get("complete", True):
                return self.allowlist.version or 0

    # --- decisions ------------------------------------------------------------------------------------

    def decide_local(self, *, door: str, uid: str, at: datetime | None = None) -> LocalDecision | None:
        """Decide from the allow-list, or None when it cannot (no allow-list, unknown credential)."""
        if self.allowlist.version is None:
            return None
        at = at or datetime.now(tz=UTC)
        if self.allowlist.lockdown:
            return LocalDecision("deny", "lockdown", "local_cache")
        entry = self.allowlist.entries.get(credential_hash(self.pepper, uid))
        if entry is None:
            return None
        if str(door) not in {str(d) for d in entry.get("doors", [])}:
            return LocalDecision("deny", "no_grant_for_door", "local_cache")
        for start, end in entry.get("windows", []):
            if parse_time(start) <= at < parse_time(end):
                return LocalDecision("allow", "local_cache", "local_cache")
        return LocalDecision("deny", "outside_schedule", "local_cache")

    def decide_online(self, *, door: str, kind: str, uid: str) -> dict[str, Any]:
        payload = {
            "door": str(door),
            "direction": "in",
            "credential": {"kind": kind, "uid": uid},
            "occurred_at": utc_iso(datetime.now(tz=UTC)),
            "allowlist_version": self.allowlist.version,
        }
        return self.call("POST", "/decisions", payload=payload).json()

    def decide(self, *, door: str, kind: str, uid: str, record: bool = True) -> LocalDecision:
        """Local first; online when the allow-list cannot answer. Local decisions are queued as events."""
        local = self.decide_local(door=door, uid=uid) if kind == "card" else None
        if local is not None:
            if record:
                self.record_event(
                    type="access.granted" if local.decision == "allow" else "access.denied",
                    door=door,
                    h=credential_hash(self.pepper, uid),
                    source="local_cache",
                    reason=local.reason,
                )
            return local
        answer = self.decide_online(door=door, kind=kind, uid=uid)
        return LocalDecision(
            answer["decision"],
            answer["reason"],
            "online",
            decision_id=answer["decision_id"],
            unlock_ms=answer.get("unlock_ms", 0),
        )

    # --- events ---------------------------------------------------------------------------------------

    def record_event(self, *, type: str, door: str | None = None, **fields: Any) -> dict[str, Any]:
        event = {
            "event_id": uuid.uuid4().hex,
            "seq": self.next_seq,
            "type": type,
            "door": None if door is None else str(door),
            "allowlist_version": self.allowlist.version,
            "occurred_at": utc_iso(datetime.now(tz=UTC)),
            **fields,
        }
        self.next_seq += 1
        self.queue.append(event)
        return event

    def upload_events(self, *, batch: int = MAX_EVENTS_PER_CALL) -> dict[str, Any]:
        """Upload the queue in batches; an event leaves the queue only once the server answered for it.

        A network failure leaves the batch queued: sending it again is safe (stored once).
        """
        totals: dict[str, Any] = {"accepted": 0, "duplicates": 0, "rejected": [], "missing_seq": []}
        batch = min(batch, MAX_EVENTS_PER_CALL)
        while self.queue:
            events = [self.queue[i] for i in range(min(batch, len(self.queue)))]
            answer = self.call("POST", "/events", payload={"events": events}).json()
            for _ in events:
                self.queue.popleft()
            totals["accepted"] += answer["accepted"]
            totals["duplicates"] += answer["duplicates"]
            totals["rejected"].extend(answer["rejected"])
            totals["missing_seq"] = answer["missing_seq"]
        return totals

    # --- heartbeat ------------------------------------------------------------------------------------

    def heartbeat(self) -> dict[str, Any]:
        payload = {
            "firmware": self.firmware,
            "allowlist_version": self.allowlist.version,
            "clock": utc_iso(datetime.now(tz=UTC)),
            "queue_depth": len(self.queue),
            "doors": [],
        }
        answer = self.call("POST", "/heartbeat", payload=payload).json()
        if answer.get("lockdown") is not None or self.allowlist.lockdown is not None:
            self.allowlist.lockdown = answer.get("lockdown")
        return answer
