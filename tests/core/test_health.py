import pytest
from django.db import DatabaseError
from django.urls import reverse

from core import health

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_reports_ok_without_redis(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not_configured",
        "beat_last_seen": None,
    }


def test_healthz_is_503_when_the_database_fails(client, mocker, settings):
    settings.REDIS_URL = ""
    mocker.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=DatabaseError("down"))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_healthz_is_503_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["redis"] == "error"


def test_healthz_shows_when_beat_last_ran(client, settings):
    settings.REDIS_URL = ""
    health.beat_heartbeat_record()
    assert client.get(reverse("healthz")).json()["beat_last_seen"] is not None


def test_enqueue_on_commit_survives_a_broker_outage(mocker, django_capture_on_commit_callbacks, caplog):
    from kombu.exceptions import OperationalError

    from core.enqueue import enqueue_on_commit
    from core.tasks import ping_task

    # given a broker that refuses connections
    delay = mocker.patch.object(ping_task, "delay", side_effect=OperationalError("connection refused"))
    # when the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(ping_task, "token")
    # then the caller is not failed; the miss is logged for the sweep
    delay.assert_called_once_with("token")
    assert "left for its sweep" in caplog.text
