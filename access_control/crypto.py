"""Keys of the device protocol, all derived from one master key held in the environment.

Nothing secret is stored in the database: a device's 32-byte secret is
HMAC-SHA256(master, "device:" + key_id); a site's allow-list pepper is
HMAC-SHA256(master, "pepper:<site id>:<pepper id>"). Rotating a device key issues a new
key id; rotating a pepper changes the site's pepper id.
"""

import hashlib
import hmac

from django.conf import settings

# The protocol's own primitives live once, in the stdlib-only reference client:
# ``normalise_uid`` (upper-case hex, no separators) and ``h = HMAC(pepper, normalised uid)``.
from access_control.client import credential_hash as allowlist_hash
from access_control.client import normalise_uid


def _master() -> bytes:
    return settings.ACCESS_MASTER_KEY.encode()


def _derive(label: str) -> bytes:
    return hmac.new(_master(), label.encode(), hashlib.sha256).digest()


def device_secret(key_id: str) -> bytes:
    return _derive(f"device:{key_id}")


def site_pepper(site_id: int, pepper_id: str) -> bytes:
    return _derive(f"pepper:{site_id}:{pepper_id}")


__all__ = ["allowlist_hash", "device_secret", "normalise_uid", "site_pepper"]
