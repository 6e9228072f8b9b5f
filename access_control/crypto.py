"""Keys of the device protocol, all derived from one master key held in the environment.

Nothing secret is stored in the database: a device's 32-byte secret is
HMAC-SHA256(master, "device:" + key_id); a site's allow-list pepper is
HMAC-SHA256(master, "pepper:<site id>:<pepper id>"). Rotating a device key issues a new
key id; rotating a pepper changes the site's pepper id.
"""

import hashlib
import hmac
import re

from django.conf import settings

_SEPARATORS = re.compile(r"[\s:\-]")


def _master() -> bytes:
    return settings.ACCESS_MASTER_KEY.encode()


def _derive(label: str) -> bytes:
    return hmac.new(_master(), label.encode(), hashlib.sha256).digest()


def device_secret(key_id: str) -> bytes:
    return _derive(f"device:{key_id}")


def site_pepper(site_id: int, pepper_id: str) -> bytes:
    return _derive(f"pepper:{site_id}:{pepper_id}")


def normalise_uid(uid: str) -> str:
    """Card UIDs: upper-case hex without separators (``04:a1-b2 c3`` → ``04A1B2C3``)."""
    return _SEPARATORS.sub("", uid).upper()


def allowlist_hash(pepper: bytes, uid: str) -> str:
    """``h`` in allow-lists and events: hex(HMAC-SHA256(pepper, normalised uid))."""
    return hmac.new(pepper, normalise_uid(uid).encode(), hashlib.sha256).hexdigest()
