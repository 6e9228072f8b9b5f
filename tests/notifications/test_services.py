import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation

from core.exceptions import ActionForbidden
from notifications import services, tasks
from notifications.models import Notification
from notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notify,
    notify_many,
)
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delay(mocker):  # type: ignore[no-untyped-def]
    return mocker.patch.object(tasks.notification_email_send_task, "delay")


def _zh_catalogue_loaded() -> bool:
    with translation.override("zh-hans"):
        message = "Your account on the campus portal is ready."
        return translation.gettext(message) != message


# --- rendering ----------------------------------------------------------------------------------------


def test_notify_renders_the_welcome_in_english_for_an_english_user(delay):
    # given
    user = UserFactory(full_name="Ada O'Brien", email="ada@example.com", preferred_language="en")
    # when
    notification = notify(recipient=user, kind="account.welcome")
    # then
    assert notification.language == "en"
    assert notification.subject == "Welcome to the campus portal"
    assert notification.body.startswith("Hello Ada O'Brien,\n\n")  # plain text: no HTML escaping
    assert "ada@example.com" in notification.body
    assert "\n\n\n" not in notification.body


def test_notify_renders_under_the_recipients_language(delay, mocker):
    # given
    user = UserFactory(full_name="王芳", preferred_language="zh-hans")
    override = mocker.spy(translation, "override")
    # when
    notification = notify(recipient=user, kind="account.welcome")
    # then
    assert notification.language == "zh-hans"
    override.assert_any_call("zh-hans")
    assert "王芳" in notification.body


@pytest.mark.skipif(
    not _zh_catalogue_loaded(),
    # TODO(i18n): runs once locale/zh_Hans holds the strings of notifications/TRANSLATIONS_zh.md.
    reason="needs the zh-hans catalogue with the notifications strings",
)
def test_notify_renders_the_welcome_in_chinese_for_a_chinese_user(delay):
    # given
    user = UserFactory(full_name="王芳", preferred_language="zh-hans")
    # when
    notification = notify(recipient=user, kind="account.welcome")
    # then
    assert notification.subject == "欢迎使用园区门户"
    assert notification.body.startswith("王芳，您好：")


def test_notify_generic_message_uses_title_and_message(delay):
    # given
    user = UserFactory(full_name="Li Lei")
    # when
    notification = notify(
        recipient=user,
        kind="generic.message",
        context={
            "title": "Water off\non Friday",
            "message": "Tower A has no water 9:00–12:00 <b>Friday</b>.",
        },
    )
    # then
    assert notification.subject == "Water off on Friday"  # folded onto one line
    assert notification.body == "Hello Li Lei,\n\nTower A has no water 9:00–12:00 <b>Friday</b>."


def test_notify_points_at_the_subject_object_and_link(delay):
    # given
    user = UserFactory()
    about = UserFactory()
    # when
    notification = notify(
        recipient=user, kind="generic.message", context={"title": "t", "message": "m"},
        subject_obj=about, link="/portal/people/1/",
    )  # fmt: skip
    # then
    notification.refresh_from_db()
    assert notification.subject_obj == about
    assert notification.link == "/portal/people/1/"
    assert list(Notification.objects.about(about)) == [notification]


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "portal/x"])
def test_notify_rejects_a_link_that_is_not_a_path(delay, link):
    # when / then
    with pytest.raises(ValidationError) as excinfo:
        notify(
            recipient=UserFactory(), kind="generic.message", context={"title": "t", "message": "m"}, link=link
        )
    assert excinfo.value.error_dict["link"][0].code == "link_not_path"
    assert not Notification.objects.exists()


def test_link_must_be_a_path_in_the_database():
    # given
    notification = NotificationFactory.build(recipient=UserFactory(), link="https://evil.example/")
    # when / then
    with pytest.raises(IntegrityError):
        notification.save()


@pytest.mark.parametrize("kind", ["welcome", "../secrets", "Account.Welcome"])
def test_notify_rejects_a_malformed_kind(delay, kind):
    # when / then
    with pytest.raises(ValueError, match="kind"):
        notify(recipient=UserFactory(), kind=kind)


# --- e-mail enqueueing --------------------------------------------------------------------------------


def test_notify_enqueues_the_email_only_on_commit(delay, django_capture_on_commit_callbacks):
    # given
    user = UserFactory()
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(recipient=user, kind="account.welcome")
        delay.assert_not_called()
    for callback in callbacks:
        callback()
    # then
    delay.assert_called_once_with(notification.pk)
    assert notification.email_requested is True


def test_notify_without_email_enqueues_nothing(delay, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=UserFactory(), kind="account.welcome", email=False)
    # then
    delay.assert_not_called()
    assert notification.email_requested is False


@pytest.mark.parametrize("user_kwargs", [{"is_active": False}, {"email": ""}])
def test_notify_does_not_email_an_unreachable_user(delay, django_capture_on_commit_callbacks, user_kwargs):
    # given
    user = UserFactory(**user_kwargs)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=user, kind="account.welcome")
    # then
    delay.assert_not_called()
    assert notification.email_requested is False


# --- dedupe -------------------------------------------------------------------------------------------


def test_notify_with_a_used_dedupe_key_returns_the_same_row_and_enqueues_once(
    delay, django_capture_on_commit_callbacks
):
    # given
    user = UserFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(recipient=user, kind="account.welcome", dedupe_key="welcome")
        second = notify(recipient=user, kind="account.welcome", dedupe_key="welcome")
    # then
    assert second.pk == first.pk
    assert Notification.objects.count() == 1
    delay.assert_called_once_with(first.pk)


def test_notify_dedupe_key_is_per_recipient(delay):
    # when
    one = notify(recipient=UserFactory(), kind="account.welcome", dedupe_key="welcome")
    other = notify(recipient=UserFactory(), kind="account.welcome", dedupe_key="welcome")
    # then
    assert one.pk != other.pk


def test_notify_inserts_first_and_reads_the_row_only_when_its_key_is_taken(
    delay, mocker, django_capture_on_commit_callbacks
):
    # given: a row with the key, from an earlier run or a concurrent call that won the insert
    user = UserFactory()
    winner = NotificationFactory(recipient=user, dedupe_key="sla:42:warning")
    lookup = mocker.spy(services, "_notification_existing")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        fresh = notify(recipient=user, kind="account.welcome", dedupe_key="sla:43:warning")
        result = notify(recipient=user, kind="account.welcome", dedupe_key="sla:42:warning")
    # then: the taken key returns the winner's row; only it was looked up; only the fresh one is mailed
    assert result == winner
    assert lookup.call_count == 1
    assert set(Notification.objects.values_list("pk", flat=True)) == {winner.pk, fresh.pk}
    delay.assert_called_once_with(fresh.pk)


def test_a_fresh_key_is_inserted_without_a_savepoint_and_a_taken_one_fails_the_caller(
    delay, django_capture_on_commit_callbacks
):
    # given
    from django.db import IntegrityError, connection, transaction
    from django.test.utils import CaptureQueriesContext

    user = UserFactory()
    # when: a key naming something made in this transaction
    with CaptureQueriesContext(connection) as ctx:
        fresh = notify(
            recipient=user, kind="account.welcome", dedupe_key="booking:1:confirmed", fresh_key=True
        )
    # then
    assert fresh.pk is not None
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT")]
    # and a key said to be fresh that is taken is a loud error, not a quiet duplicate
    with pytest.raises(IntegrityError), transaction.atomic():
        notify(recipient=user, kind="account.welcome", dedupe_key="booking:1:confirmed", fresh_key=True)
    assert Notification.objects.filter(recipient=user).count() == 1


def test_blank_dedupe_keys_do_not_collide(delay):
    # given
    user = UserFactory()
    # when
    notify(recipient=user, kind="account.welcome")
    notify(recipient=user, kind="account.welcome")
    # then
    assert Notification.objects.filter(recipient=user).count() == 2


def test_notify_many_notifies_each_recipient_once_in_their_language(
    delay, django_capture_on_commit_callbacks
):
    # given
    en, zh = UserFactory(preferred_language="en"), UserFactory(preferred_language="zh-hans")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notifications = notify_many(
            recipients=[en, zh, en], kind="generic.message", context={"title": "t", "message": "m"}
        )
    # then
    assert [(n.recipient, n.language) for n in notifications] == [(en, "en"), (zh, "zh-hans")]
    assert delay.call_count == 2


# --- reading ------------------------------------------------------------------------------------------


def test_notification_mark_read_sets_read_at_once():
    # given
    notification = NotificationFactory()
    # when
    first = notification_mark_read(notification=notification, user=notification.recipient).read_at
    again = notification_mark_read(
        notification=Notification.objects.get(pk=notification.pk), user=notification.recipient
    )
    # then
    assert first is not None
    assert again.read_at == first


def test_notification_mark_read_rejects_another_user():
    # given
    notification = NotificationFactory()
    # when / then
    with pytest.raises(ActionForbidden):
        notification_mark_read(notification=notification, user=UserFactory())
    notification.refresh_from_db()
    assert notification.read_at is None


def test_notification_mark_all_read_marks_only_the_users_unread():
    # given
    user = UserFactory()
    NotificationFactory.create_batch(2, recipient=user)
    other = NotificationFactory()
    # when
    marked = notification_mark_all_read(user=user)
    # then
    assert marked == 2
    assert not Notification.objects.for_recipient(user).unread().exists()
    other.refresh_from_db()
    assert other.read_at is None
