import threading
from datetime import timedelta
from smtplib import SMTPException, SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Notification
from notifications.services import notification_email_resend, notify
from notifications.tasks import notification_email_send_task, notification_email_sweep_task
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

SEND_MESSAGES = "django.core.mail.backends.locmem.EmailBackend.send_messages"


@pytest.fixture
def delay(mocker):  # type: ignore[no-untyped-def]
    return mocker.patch.object(tasks.notification_email_send_task, "delay")


@pytest.fixture
def welcome(delay) -> Notification:  # type: ignore[no-untyped-def]
    user = UserFactory(full_name="Ada Lovelace", email="ada@example.com")
    return notify(recipient=user, kind="account.welcome", link="/portal/")


# --- sending ------------------------------------------------------------------------------------------


@override_settings(SITE_URL="https://campus.example.cn/")
def test_email_send_task_run_twice_sends_one_email(welcome):
    # when
    notification_email_send_task(welcome.pk)
    notification_email_send_task(welcome.pk)
    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Welcome to the campus portal"
    assert message.body.startswith("Hello Ada Lovelace,")
    assert "Open in the campus portal: https://campus.example.cn/portal/" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    welcome.refresh_from_db()
    assert welcome.email_sent_at is not None
    assert welcome.email_attempts == 1


def test_email_send_task_returns_when_the_notification_is_gone():
    # when / then: no error, no mail
    notification_email_send_task(123456)
    assert mail.outbox == []


def test_email_send_with_a_transient_error_rolls_the_claim_back(welcome, mocker):
    # given
    mocker.patch(SEND_MESSAGES, side_effect=SMTPServerDisconnected("connection lost"))
    # when
    with pytest.raises(SMTPException):
        notification_email_send_task(welcome.pk)
    # then: unsent, so the retry sends; the failed attempt is counted
    welcome.refresh_from_db()
    assert welcome.email_sent_at is None
    assert welcome.email_requested is True
    assert welcome.email_attempts == 1


def test_email_send_task_retries_a_transient_error_until_it_succeeds(welcome, mocker):
    # given: the first attempt fails, the second goes through
    send = mocker.patch(SEND_MESSAGES, side_effect=[SMTPServerDisconnected("connection lost"), 1])
    # when
    result = notification_email_send_task.apply(args=[welcome.pk])
    # then
    assert result.successful()
    assert send.call_count == 2
    welcome.refresh_from_db()
    assert welcome.email_sent_at is not None
    assert welcome.email_attempts == 2


def test_email_send_task_gives_up_after_five_retries(welcome, mocker):
    # given
    send = mocker.patch(SEND_MESSAGES, side_effect=TimeoutError("smtp timed out"))
    # when
    result = notification_email_send_task.apply(args=[welcome.pk])
    # then
    assert result.failed()
    assert send.call_count == 6
    welcome.refresh_from_db()
    assert welcome.email_sent_at is None


def test_email_send_task_does_not_retry_other_errors(welcome, mocker):
    # given
    send = mocker.patch(SEND_MESSAGES, side_effect=ValueError("bad header"))
    # when
    result = notification_email_send_task.apply(args=[welcome.pk])
    # then
    assert result.failed()
    assert send.call_count == 1
    assert issubclass(SMTPException, notification_email_send_task.autoretry_for)
    assert not issubclass(ValueError, notification_email_send_task.autoretry_for)
    assert notification_email_send_task.retry_backoff is True
    assert notification_email_send_task.retry_jitter is True
    assert notification_email_send_task.max_retries == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_email_send_concurrent_duplicate_waits_for_the_claim_and_sends_nothing(mocker):
    # given: one task run is in the middle of sending
    notification = NotificationFactory(email_requested=True)
    sending, release = threading.Event(), threading.Event()
    send_messages = EmailBackend.send_messages

    def slow_send(backend, messages):  # type: ignore[no-untyped-def]
        sending.set()
        release.wait(5)
        return send_messages(backend, messages)

    mocker.patch(SEND_MESSAGES, autospec=True, side_effect=slow_send)

    def run() -> None:
        try:
            notification_email_send_task(notification.pk)
        finally:
            connection.close()

    first = threading.Thread(target=run)
    first.start()
    assert sending.wait(5)
    # when: a duplicate of the task starts
    duplicate = threading.Thread(target=run)
    duplicate.start()
    duplicate.join(0.5)
    # then: it waits on the claimed row, and once the first commits it sends nothing
    assert duplicate.is_alive()
    release.set()
    first.join(5)
    duplicate.join(5)
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_attempts == 1


def test_email_send_skips_a_user_deactivated_after_enqueue(welcome):
    # given
    welcome.recipient.is_active = False
    welcome.recipient.save()
    # when
    notification_email_send_task(welcome.pk)
    # then: no mail, and no longer pending, so the sweep leaves it alone
    assert mail.outbox == []
    welcome.refresh_from_db()
    assert welcome.email_requested is False
    assert welcome.email_sent_at is None


def test_email_resend_sends_again(welcome, delay, django_capture_on_commit_callbacks):
    # given
    notification_email_send_task(welcome.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification_email_resend(notification=welcome)
    notification_email_send_task(welcome.pk)
    # then
    assert len(mail.outbox) == 2
    delay.assert_called_with(welcome.pk)


# --- sweep --------------------------------------------------------------------------------------------


def _age(notification: Notification, minutes: int) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        updated_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_email_sweep_re_enqueues_only_stale_unsent_rows(delay, django_capture_on_commit_callbacks):
    # given
    stale = NotificationFactory(email_requested=True)
    _age(stale, 10)
    NotificationFactory(email_requested=True)  # fresh: its own enqueue is still on the way
    sent = NotificationFactory(email_requested=True, email_sent_at=timezone.now())
    unrequested = NotificationFactory(email_requested=False)
    given_up = NotificationFactory(email_requested=True, email_attempts=services.EMAIL_MAX_ATTEMPTS)
    for row in (sent, unrequested, given_up):
        _age(row, 10)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        enqueued = notification_email_sweep_task()
    # then
    assert enqueued == 1
    delay.assert_called_once_with(stale.pk)


def test_email_sweep_walks_all_batches_and_is_idempotent(delay, django_capture_on_commit_callbacks):
    # given
    rows = NotificationFactory.create_batch(5, email_requested=True)
    for row in rows:
        _age(row, 10)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        enqueued = services.notification_email_sweep(batch_size=2)
    for (pk,), _kwargs in delay.call_args_list:
        notification_email_send_task(pk)
        notification_email_send_task(pk)  # a duplicate from the sweep and the original enqueue
    # then
    assert enqueued == 5
    assert sorted(call.args[0] for call in delay.call_args_list) == sorted(row.pk for row in rows)
    assert len(mail.outbox) == 5
    assert services.notification_email_sweep() == 0
