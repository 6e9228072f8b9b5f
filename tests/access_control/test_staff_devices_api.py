"""Staff API for sites, doors, devices, lockdowns and remote unlock; the management command; admin."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from access_control.crypto import device_secret, site_pepper
from access_control.models import Device, DeviceCommand, Lockdown, Site
from access_control.services import devices as device_services
from tests.access_control.devices_world import make_world, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_device_create_shows_key_secret_and_pepper_once(staff_client, world):
    # when
    response = staff_client.post(
        reverse("api:access-device-list"),
        {"site": world.site.pk, "name": "Turnstile 1", "doors": [world.door.pk, world.door2.pk]},
        format="json",
    )
    # then
    assert response.status_code == 201, response.content
    data = response.json()
    device = Device.objects.get(pk=data["device"]["id"])
    assert data["key_id"] == device.key_id
    assert bytes.fromhex(data["secret_hex"]) == device_secret(device.key_id)
    assert bytes.fromhex(data["pepper_hex"]) == site_pepper(world.site.pk, world.site.pepper_id)
    assert sorted(data["device"]["doors"]) == sorted([world.door.pk, world.door2.pk])
    # and never again
    detail = staff_client.get(reverse("api:access-device-detail", args=[device.pk])).json()
    assert "secret_hex" not in detail
    assert "pepper_hex" not in detail


def test_device_cannot_drive_doors_of_another_site(staff_client, world):
    other = make_world(suffix="2", uid="0A0B0C0D")
    response = staff_client.post(
        reverse("api:access-device-list"),
        {"site": world.site.pk, "name": "Mixed", "doors": [other.door.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "door_other_site"


def test_device_disable_enable_rotate_and_bind(staff_client, world):
    url = lambda action: reverse(f"api:access-device-{action}", args=[world.device.pk])  # noqa: E731
    assert staff_client.post(url("disable")).json()["is_enabled"] is False
    assert staff_client.post(url("enable")).json()["is_enabled"] is True
    old_key = world.device.key_id
    rotated = staff_client.post(url("rotate")).json()
    assert rotated["key_id"] != old_key
    device = Device.objects.get(pk=world.device.pk)
    assert (device.key_id, device.previous_key_id) == (rotated["key_id"], old_key)
    assert device.previous_key_expires_at is not None
    bound = staff_client.post(url("bind-doors"), {"doors": [world.unbound.pk]}, format="json").json()
    assert bound["doors"] == [world.unbound.pk]


def test_device_list_query_count_is_constant(staff_client, world, django_assert_num_queries):
    for n in range(3):
        device_services.device_create(site=world.site, name=f"Reader {n}", doors=[world.door])
    with django_assert_num_queries(3):  # count, devices, their doors
        response = staff_client.get(reverse("api:access-device-list"))
    assert response.json()["count"] == 4
    for n in range(17):
        device_services.device_create(site=world.site, name=f"More {n}", doors=[world.door, world.door2])
    with django_assert_num_queries(3):
        assert staff_client.get(reverse("api:access-device-list")).json()["count"] == 21


def test_site_door_lockdown_lists_query_counts(staff_client, world, django_assert_num_queries):
    device_services.lockdown_start(site=world.site, started_by=world.staff, reason="Drill")
    for name in ["access-site", "door", "lockdown"]:
        with django_assert_num_queries(2):
            assert staff_client.get(reverse(f"api:{name}-list")).status_code == 200


def test_lockdown_start_and_end_through_the_api(staff_client, staff_user, world):
    # given
    before = Site.objects.get(pk=world.site.pk).version
    # when
    started = staff_client.post(
        reverse("api:lockdown-list"), {"site": world.site.pk, "reason": "Gas leak"}, format="json"
    )
    # then
    assert started.status_code == 201, started.content
    lockdown = Lockdown.objects.get(pk=started.json()["id"])
    assert (lockdown.started_by, lockdown.reason) == (staff_user, "Gas leak")
    assert Site.objects.get(pk=world.site.pk).version == before + 1
    # a second one on the same site is refused
    again = staff_client.post(
        reverse("api:lockdown-list"), {"site": world.site.pk, "reason": "x"}, format="json"
    )
    assert again.status_code == 400
    # when it is ended with DELETE
    ended = staff_client.delete(
        reverse("api:lockdown-detail", args=[lockdown.pk]), {"reason": "All clear"}, format="json"
    )
    # then
    assert ended.status_code == 200, ended.content
    lockdown.refresh_from_db()
    assert (lockdown.ended_by, lockdown.end_reason) == (staff_user, "All clear")
    assert lockdown.ended_at is not None
    assert Site.objects.get(pk=world.site.pk).version == before + 2
    # ending twice is refused
    twice = staff_client.post(reverse("api:lockdown-end", args=[lockdown.pk]), {}, format="json")
    assert twice.status_code == 400


def test_remote_unlock_is_idempotent_per_key(staff_client, world):
    # given
    url = reverse("api:door-unlock", args=[world.door.pk])
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    # when the same key and body are sent twice
    first = staff_client.post(url, {"reason": "Delivery"}, format="json", **headers)
    second = staff_client.post(url, {"reason": "Delivery"}, format="json", **headers)
    # then one command
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert DeviceCommand.objects.count() == 1
    command = DeviceCommand.objects.get()
    assert command.device == world.device
    assert (command.expires_at - command.created_at).total_seconds() == pytest.approx(10, abs=1)
    # when the same key comes with another body
    other = staff_client.post(url, {"reason": "Something else"}, format="json", **headers)
    # then
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_mismatch"
    assert DeviceCommand.objects.count() == 1


def test_remote_unlock_without_a_device_is_refused(staff_client, world):
    response = staff_client.post(reverse("api:door-unlock", args=[world.unbound.pk]), {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "no_device"


def test_staff_endpoints_are_refused_to_members(user_client, world):
    for url in [reverse("api:access-device-list"), reverse("api:lockdown-list"), reverse("api:door-list")]:
        assert user_client.get(url).status_code == 403
    response = user_client.post(reverse("api:door-unlock", args=[world.door.pk]), {}, format="json")
    assert response.status_code == 403
    assert DeviceCommand.objects.count() == 0


def test_access_device_create_command_prints_the_keys_once(world):
    # given
    out = io.StringIO()
    # when
    call_command(
        "access_device_create",
        "--site",
        world.site.code,
        "--name",
        "Gate",
        "--door",
        world.door.code,
        stdout=out,
    )
    # then
    device = Device.objects.get(name="Gate")
    text = out.getvalue()
    assert device.key_id in text
    assert device_secret(device.key_id).hex() in text
    assert site_pepper(world.site.pk, world.site.pepper_id).hex() in text
    assert list(device.doors.all()) == [world.door]


def test_access_device_create_command_refuses_unknown_doors(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("access_device_create", "--site", world.site.code, "--name", "Gate", "--door", "nope")
    assert not Device.objects.filter(name="Gate").exists()


@pytest.mark.parametrize("model", ["site", "door", "device", "lockdown", "devicecommand"])
def test_admin_changelists_render(admin_client, world, model):
    device_services.lockdown_start(site=world.site, started_by=world.staff, reason="Drill")
    device_services.door_unlock(door=world.door, requested_by=world.staff)
    response = admin_client.get(reverse(f"admin:access_control_{model}_changelist"))
    assert response.status_code == 200


def test_admin_device_rotate_action_shows_the_new_key(admin_client, world):
    response = admin_client.post(
        reverse("admin:access_control_device_changelist"),
        {"action": "rotate_key", "_selected_action": [world.device.pk]},
        follow=True,
    )
    device = Device.objects.get(pk=world.device.pk)
    assert device.key_id.encode() in response.content
    assert json.dumps(device.previous_key_id)[1:-1] == world.keys.key_id
