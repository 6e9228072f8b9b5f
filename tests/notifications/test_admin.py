import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import tasks
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("query", [{}, {"read": "no"}, {"email": "pending"}, {"email": "sent"}, {"q": "ada"}])
def test_notification_changelist_renders(admin_client, query):
    # given
    NotificationFactory.create_batch(3, recipient=UserFactory(email="ada@example.com"))
    # when
    response = admin_client.get(reverse("admin:notifications_notification_changelist"), query)
    # then
    assert response.status_code == 200


def test_notification_change_page_renders(admin_client):
    # given
    notification = NotificationFactory(subject_obj=UserFactory())
    # when
    response = admin_client.get(reverse("admin:notifications_notification_change", args=[notification.pk]))
    # then
    assert response.status_code == 200


def test_notification_admin_resend_email_action(admin_client, mocker, django_capture_on_commit_callbacks):
    # given
    delay = mocker.patch.object(tasks.notification_email_send_task, "delay")
    sent = NotificationFactory(email_requested=True, email_sent_at=timezone.now())
    unreachable = NotificationFactory(recipient=UserFactory(is_active=False))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notifications_notification_changelist"),
            {"action": "resend_email", "_selected_action": [sent.pk, unreachable.pk]},
            follow=True,
        )
    # then
    assert response.status_code == 200
    delay.assert_called_once_with(sent.pk)
    sent.refresh_from_db()
    assert sent.email_sent_at is None
    assert sent.email_requested is True
    messages = [str(m) for m in response.context["messages"]]
    assert "1 e-mail queued." in messages
    assert any("inactive" in m for m in messages)
