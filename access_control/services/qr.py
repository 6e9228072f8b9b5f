"""Rotating QR codes: what the holder of a QR credential shows, and how a door checks it.

A QR credential's ``identifier`` is its seed, which never leaves the server. The holder's
phone (the portal's Access page) shows ``ACSQR1:<credential id>:<code>``, where ``code`` is
8 digits of HMAC-SHA256(seed, the 30-second step since the epoch), truncated as RFC 4226
does (TOTP with SHA-256). A code that changes every 30 s cannot be in an allow-list, so a
device sends a scanned QR code online (the reference client decides only cards locally),
and the decision accepts the current step and the one before it (a code scanned just as it
turns over), nothing older.
"""

import hashlib
import hmac
import re
import secrets
from datetime import datetime

STEP_S = 30
PREFIX = "ACSQR1"
_PAYLOAD = re.compile(r"^ACSQR1:(\d{1,12}):(\d{8})$")


def new_seed() -> str:
    """A fresh seed for a QR credential (160 random bits, upper-case hex like other identifiers)."""
    return secrets.token_hex(20).upper()


def step_of(at: datetime) -> int:
    return int(at.timestamp()) // STEP_S


def seconds_left(at: datetime) -> int:
    """Seconds until the code shown at ``at`` turns over."""
    return STEP_S - int(at.timestamp()) % STEP_S


def code_at(seed: str, step: int) -> str:
    digest = hmac.new(seed.encode(), step.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 10**8:08d}"


def payload(*, credential_id: int, seed: str, at: datetime) -> str:
    """What the QR code shown at ``at`` encodes."""
    return f"{PREFIX}:{credential_id}:{code_at(seed, step_of(at))}"


def parse(scanned: str) -> tuple[int, str] | None:
    """``(credential id, code)`` of a rotating QR payload; None for anything else."""
    match = _PAYLOAD.match(scanned.strip())
    return (int(match[1]), match[2]) if match else None


def code_valid(*, seed: str, code: str, at: datetime) -> bool:
    """Whether ``code`` is the seed's code for the step of ``at`` or the step before it."""
    step = step_of(at)
    return any(hmac.compare_digest(code_at(seed, s), code) for s in (step, step - 1))
