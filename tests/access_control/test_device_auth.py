"""Must-holds of device authentication: every bad request is refused with its protocol code,
BEFORE its body is parsed; answers are signed for the request's nonce."""

import json
import time

import pytest
import time_machine
from django.core.cache import cache

from access_control.api.device_auth import canonical_query, response_signature
from access_control.client import ResponseNotSigned, verify_response
from access_control.models import AccessEvent
from access_control.services import devices as device_services
from tests.access_control.devices_world import UID, signed_headers, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

DECISIONS = "/api/access/v1/decisions"


def decision_body(door) -> bytes:  # type: ignore[no-untyped-def]
    return json.dumps({"door": str(door.pk), "credential": {"kind": "card", "uid": UID}}).encode()


def post(client, path, body, headers):  # type: ignore[no-untyped-def]
    return client.generic("POST", path, body, content_type="application/json", **headers)


def problem(response) -> dict:  # type: ignore[no-untyped-def]
    assert response["Content-Type"] == "application/problem+json"
    data = json.loads(response.content)
    assert {"type", "title", "status", "code", "retryable"} <= set(data)
    assert data["status"] == response.status_code
    return data


def test_signed_decision_is_answered_and_the_answer_is_signed_for_its_nonce(client, world):
    # given
    body = decision_body(world.door)
    headers = signed_headers(world, "POST", DECISIONS, body, nonce="ab" * 16)
    # when
    response = post(client, DECISIONS, body, headers)
    # then
    assert response.status_code == 200, response.content
    data = json.loads(response.content)
    assert (data["decision"], data["reason"]) == ("allow", "staff")
    assert data["person"] == {"id": str(world.person.pk), "display": "Li W."}
    assert data["allowlist_version"] == world.site.version
    assert response["X-ACS-Signature"] == response_signature(world.keys.secret, "ab" * 16, response.content)
    assert AccessEvent.objects.get(pk=int(data["decision_id"])).reason == "staff"


def test_unsigned_request_is_signature_invalid(client, world):
    response = post(client, DECISIONS, decision_body(world.door), {})
    assert response.status_code == 401
    assert problem(response)["code"] == "signature_invalid"
    assert AccessEvent.objects.count() == 0


@pytest.mark.parametrize(
    "header",
    ["Bearer abc", "ACS1-HMAC-SHA256 key=x", "ACS1-HMAC-SHA256 key=a, ts=1, nonce=zz, sig=abc"],
)
def test_garbled_header_is_signature_invalid(client, world, header):
    response = post(client, DECISIONS, decision_body(world.door), {"HTTP_AUTHORIZATION": header})
    assert response.status_code == 401
    assert problem(response)["code"] == "signature_invalid"


def test_unknown_key_is_signature_invalid(client, world):
    # given
    body = decision_body(world.door)
    headers = signed_headers(world, "POST", DECISIONS, body, key_id="dk_nobody")
    # when
    response = post(client, DECISIONS, body, headers)
    # then
    assert response.status_code == 401
    assert problem(response)["code"] == "signature_invalid"


def test_wrong_secret_is_signature_invalid(client, world):
    body = decision_body(world.door)
    headers = signed_headers(world, "POST", DECISIONS, body, secret=b"x" * 32)
    response = post(client, DECISIONS, body, headers)
    assert response.status_code == 401
    assert problem(response)["code"] == "signature_invalid"


def test_tampered_body_is_signature_invalid(client, world):
    # given: signed for door 1, sent for door 2
    headers = signed_headers(world, "POST", DECISIONS, decision_body(world.door))
    # when
    response = post(client, DECISIONS, decision_body(world.door2), headers)
    # then
    assert response.status_code == 401
    assert problem(response)["code"] == "signature_invalid"
    assert AccessEvent.objects.count() == 0


def test_invalid_json_with_a_bad_signature_is_signature_invalid_not_malformed(client, world):
    # given: the body is not JSON, and the signature is for another body
    headers = signed_headers(world, "POST", DECISIONS, b'{"door": 1}')
    # when
    response = post(client, DECISIONS, b"{not json", headers)
    # then: refused on the signature, before any parsing
    assert response.status_code == 401
    assert problem(response)["code"] == "signature_invalid"


def test_invalid_json_with_a_valid_signature_is_malformed(client, world):
    headers = signed_headers(world, "POST", DECISIONS, b"{not json")
    response = post(client, DECISIONS, b"{not json", headers)
    assert response.status_code == 400
    assert problem(response)["code"] == "malformed"
    assert "X-ACS-Signature" in response


def test_tampered_query_is_signature_invalid(client, world):
    # given: signed for since=0, sent with since=1
    path = "/api/access/v1/allowlist/changes"
    headers = signed_headers(world, "GET", path, query="since=0")
    # when
    response = client.get(path + "?since=1", **headers)
    # then
    assert response.status_code == 401
    assert problem(response)["code"] == "signature_invalid"


def test_query_is_signed_sorted_by_name_then_value(client, world):
    # given: parameters sent in another order than signed
    path = "/api/access/v1/allowlist/changes"
    headers = signed_headers(world, "GET", path, query=canonical_query("since=0&limit=10"))
    # when
    response = client.get(path + "?since=0&limit=10", **headers)
    # then
    assert canonical_query("since=0&limit=10&limit=2") == "limit=10&limit=2&since=0"
    assert response.status_code == 200, response.content


# Known answers, computed from the protocol page's formula alone (secret = bytes 0..31):
# base64(HMAC-SHA256(secret, METHOD\nPATH\nQUERY\nhex(sha256(body))\nts\nnonce)).
SECRET = bytes(range(32))
TS, NONCE = "1795412530", "0123456789abcdef0123456789abcdef"
KNOWN_POST = "WVUZYeprWooYn/NROHN3m6glO5Xzb4lwJ/O7/Of3z6M="
KNOWN_GET_QUERY = "QoBz67BdX6yya6pgRRnNX2jxYwQXqXFeSITkosA1Oys="


def test_signatures_match_the_protocol_pages_known_answers():
    from access_control.api.device_auth import request_signature
    from access_control.client import sign

    body = b'{"door": "12"}'
    # the reference client (it is given the query already sorted)
    assert sign(SECRET, "POST", DECISIONS, "", body, TS, NONCE) == KNOWN_POST
    assert sign(SECRET, "GET", "/api/access/v1/allowlist/changes", "limit=10&since=0", b"", TS, NONCE) == (
        KNOWN_GET_QUERY
    )
    # the server (it sorts the query as sent)
    parts = {"ts": TS, "nonce": NONCE}
    changes = "/api/access/v1/allowlist/changes"
    assert request_signature(SECRET, method="POST", path=DECISIONS, query="", body=body, **parts) == (
        KNOWN_POST
    )
    assert (
        request_signature(SECRET, method="get", path=changes, query="since=0&limit=10", body=b"", **parts)
        == KNOWN_GET_QUERY
    )


def test_a_request_signed_by_hand_from_the_formula_is_accepted(client, world):
    # given: a signature built here with hashlib and hmac only, not with the product's helpers
    import base64
    import hashlib
    import hmac

    body = decision_body(world.door)
    ts, nonce = str(int(time.time())), "cd" * 16
    text = "\n".join(["POST", DECISIONS, "", hashlib.sha256(body).hexdigest(), ts, nonce]).encode()
    sig = base64.b64encode(hmac.new(world.keys.secret, text, hashlib.sha256).digest()).decode()
    header = f"ACS1-HMAC-SHA256 key={world.keys.key_id}, ts={ts}, nonce={nonce}, sig={sig}"
    # when
    response = post(client, DECISIONS, body, {"HTTP_AUTHORIZATION": header})
    # then
    assert response.status_code == 200, response.content
    expected = base64.b64encode(
        hmac.new(world.keys.secret, nonce.encode() + b"\n" + response.content, hashlib.sha256).digest()
    ).decode()
    assert response["X-ACS-Signature"] == expected


@pytest.mark.parametrize("offset", [-301, 301])
def test_skewed_clock_is_timestamp_skew_with_server_time(client, world, offset):
    # given: the server's clock stands still on a whole second, so the skew is exactly the offset
    # (a running clock made 301 s read as 300 s when the request took long enough)
    body = decision_body(world.door)
    with time_machine.travel(int(time.time()), tick=False):
        headers = signed_headers(world, "POST", DECISIONS, body, ts=int(time.time()) + offset)
        # when
        response = post(client, DECISIONS, body, headers)
    # then
    assert response.status_code == 401
    data = problem(response)
    assert data["code"] == "timestamp_skew"
    assert data["server_time"].endswith("Z")
    assert AccessEvent.objects.count() == 0


@pytest.mark.parametrize("offset", [-300, -290, 300])
def test_clock_within_300_seconds_is_accepted(client, world, offset):
    body = decision_body(world.door)
    with time_machine.travel(int(time.time()), tick=False):
        headers = signed_headers(world, "POST", DECISIONS, body, ts=int(time.time()) + offset)
        assert post(client, DECISIONS, body, headers).status_code == 200


def test_replayed_nonce_is_refused(client, world):
    # given: one request sent twice, byte for byte
    body = decision_body(world.door)
    headers = signed_headers(world, "POST", DECISIONS, body)
    assert post(client, DECISIONS, body, headers).status_code == 200
    # when
    response = post(client, DECISIONS, body, headers)
    # then
    assert response.status_code == 401
    assert problem(response)["code"] == "nonce_replayed"
    assert AccessEvent.objects.count() == 1


def test_disabled_device_is_refused(client, world):
    # given
    device_services.device_disable(device=world.device)
    body = decision_body(world.door)
    # when
    response = post(client, DECISIONS, body, signed_headers(world, "POST", DECISIONS, body))
    # then
    assert response.status_code == 403
    assert problem(response)["code"] == "device_disabled"
    assert AccessEvent.objects.count() == 0


def test_door_not_bound_to_the_device_is_refused(client, world):
    body = decision_body(world.unbound)
    response = post(client, DECISIONS, body, signed_headers(world, "POST", DECISIONS, body))
    assert response.status_code == 403
    assert problem(response)["code"] == "device_not_bound_to_door"
    assert AccessEvent.objects.count() == 0


def test_unknown_door_is_404(client, world):
    body = json.dumps({"door": "999999", "credential": {"kind": "card", "uid": UID}}).encode()
    response = post(client, DECISIONS, body, signed_headers(world, "POST", DECISIONS, body))
    assert response.status_code == 404
    assert problem(response)["code"] == "unknown_door"


def test_rotated_key_works_and_the_old_one_until_its_overlap_ends(client, world, settings):
    # given
    old_key, old_secret = world.keys.key_id, world.keys.secret
    new = device_services.device_rotate_key(device=world.device)
    body = decision_body(world.door)
    # when / then: both keys work during the overlap
    for key_id, secret in [(new.key_id, new.secret), (old_key, old_secret)]:
        headers = signed_headers(world, "POST", DECISIONS, body, key_id=key_id, secret=secret)
        assert post(client, DECISIONS, body, headers).status_code == 200
    # when the overlap has ended, the old key is unknown
    type(world.device).objects.filter(pk=world.device.pk).update(
        previous_key_expires_at=world.device.created_at
    )
    headers = signed_headers(world, "POST", DECISIONS, body, key_id=old_key, secret=old_secret)
    assert problem(post(client, DECISIONS, body, headers))["code"] == "signature_invalid"


def test_rate_limit_counts_per_device_with_retry_after(client, world, settings):
    # given
    settings.ACCESS_DEVICE_RATE_LIMIT = 3
    settings.ACCESS_DEVICE_RATE_WINDOW_S = 60
    path = "/api/access/v1/ping"
    # when
    statuses = [client.get(path, **signed_headers(world, "GET", path)).status_code for _ in range(4)]
    # then
    assert statuses == [200, 200, 200, 429]
    response = client.get(path, **signed_headers(world, "GET", path))
    assert problem(response)["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    # another device (same IP) is not limited
    other = device_services.device_create(site=world.site, name="Other", doors=[world.door])
    assert client.get(path, **signed_headers(other, "GET", path)).status_code == 200


def test_recorded_answer_does_not_verify_for_another_nonce(client, world):
    # given: an "allow" answer recorded for one request
    body = decision_body(world.door)
    response = post(client, DECISIONS, body, signed_headers(world, "POST", DECISIONS, body, nonce="11" * 16))
    signature = response["X-ACS-Signature"]
    # when / then: replayed to a request with another nonce, the client rejects it
    assert verify_response(world.keys.secret, "11" * 16, response.content, signature)
    assert not verify_response(world.keys.secret, "22" * 16, response.content, signature)
    assert not verify_response(
        world.keys.secret, "11" * 16, response.content.replace(b"allow", b"deny "), signature
    )
    assert ResponseNotSigned.__name__ == "ResponseNotSigned"


def test_nonce_memory_is_per_device_and_expires_with_the_cache(client, world):
    # given: a nonce used once
    body = decision_body(world.door)
    headers = signed_headers(world, "POST", DECISIONS, body, nonce="cd" * 16)
    assert post(client, DECISIONS, body, headers).status_code == 200
    # when the cache forgets it (600 s later), the same nonce is accepted again
    cache.clear()
    headers = signed_headers(world, "POST", DECISIONS, body, nonce="cd" * 16)
    # then
    assert post(client, DECISIONS, body, headers).status_code == 200
