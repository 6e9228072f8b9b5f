import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [row["id"] for row in response.json()["results"]]


def test_notification_list_requires_sign_in(api_client):
    # when
    response = api_client.get(reverse("api:notification-list"))
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


def test_notification_list_shows_only_own_newest_first(user_client, user):
    # given
    older = NotificationFactory(recipient=user)
    newer = NotificationFactory(recipient=user, subject_obj=older, link="/portal/x/")
    NotificationFactory()  # someone else's
    # when
    response = user_client.get(reverse("api:notification-list"))
    # then
    assert response.status_code == 200
    assert _ids(response) == [newer.pk, older.pk]
    row = response.json()["results"][0]
    assert row["subject_type"] == "notifications.notification"
    assert row["object_id"] == older.pk
    assert row["link"] == "/portal/x/"
    assert row["is_read"] is False
    assert response.json()["results"][1]["subject_type"] is None


def test_notification_list_filters_unread(user_client, user):
    # given
    unread = NotificationFactory(recipient=user)
    read = NotificationFactory(recipient=user, read_at=timezone.now())
    url = reverse("api:notification-list")
    # when
    unread_response = user_client.get(url, {"unread": "true"})
    read_response = user_client.get(url, {"unread": "false"})
    # then
    assert _ids(unread_response) == [unread.pk]
    assert _ids(read_response) == [read.pk]


def test_notification_list_runs_the_same_queries_for_3_and_30_rows(
    user_client, user, django_assert_num_queries
):
    # given
    about = UserFactory()
    url = reverse("api:notification-list")
    NotificationFactory.create_batch(3, recipient=user, subject_obj=about)
    # when / then: COUNT for pagination + one SELECT joined to the content type
    with django_assert_num_queries(2):
        few = user_client.get(url)
    NotificationFactory.create_batch(27, recipient=user, subject_obj=about)
    with django_assert_num_queries(2):
        many = user_client.get(url)
    assert few.json()["count"] == 3
    assert many.json()["count"] == 30


def test_notification_retrieve_of_another_users_notification_is_404(user_client):
    # given
    other = NotificationFactory()
    # when
    response = user_client.get(reverse("api:notification-detail", args=[other.pk]))
    # then
    assert response.status_code == 404


def test_notification_read_marks_it_read(user_client, user):
    # given
    notification = NotificationFactory(recipient=user)
    # when
    response = user_client.post(reverse("api:notification-read", args=[notification.pk]))
    # then
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_notification_read_of_another_users_notification_is_404(user_client):
    # given
    other = NotificationFactory()
    # when
    response = user_client.post(reverse("api:notification-read", args=[other.pk]))
    # then
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_notification_read_all_marks_only_own(user_client, user):
    # given
    NotificationFactory.create_batch(3, recipient=user)
    NotificationFactory(recipient=user, read_at=timezone.now())
    other = NotificationFactory()
    # when
    response = user_client.post(reverse("api:notification-read-all"))
    # then
    assert response.status_code == 200
    assert response.json() == {"marked": 3}
    assert not Notification.objects.for_recipient(user).unread().exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_notification_unread_count(user_client, user):
    # given
    NotificationFactory.create_batch(2, recipient=user)
    NotificationFactory(recipient=user, read_at=timezone.now())
    NotificationFactory()
    # when
    response = user_client.get(reverse("api:notification-unread-count"))
    # then
    assert response.json() == {"unread": 2}


def test_notification_read_all_requires_sign_in(api_client):
    # when
    response = api_client.post(reverse("api:notification-read-all"))
    # then
    assert response.status_code == 403
