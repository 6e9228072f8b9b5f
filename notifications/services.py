"""Notifications: tell one person something, in their language, and optionally e-mail it.

Adding a kind
-------------
A kind is a dotted key such as ``"bookings.confirmed"``. Its text lives in
``templates/notifications/bookings/confirmed/subject.txt`` and ``body.txt``. Both are
plain text (no HTML escaping), start with ``{% load i18n %}`` and put every sentence
through ``{% translate %}`` / ``{% blocktranslate %}``, so ``makemessages`` picks them
up. They are rendered under the recipient's ``preferred_language`` with the caller's
``context`` plus ``recipient``, ``subject_obj``, ``link`` and ``link_url`` (``link``
made absolute with ``settings.SITE_URL``; blank when that is not set). The subject is
folded onto one line.

Then call, inside the service that caused it::

    notify(recipient=booking.booked_by, kind="bookings.confirmed",
           context={"booking": booking}, subject_obj=booking, link=booking.get_absolute_url())

The row is written in the caller's transaction; the e-mail is enqueued only after it
commits, and sent at most once however often the task runs.
"""

import contextlib
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import DatabaseError, transaction
from django.db.models import F, Model
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.db import save_or_existing
from core.enqueue import enqueue_on_commit
from core.exceptions import ActionForbidden
from notifications import attachments, tasks
from notifications.models import Notification

logger = logging.getLogger(__name__)

KIND_PATTERN = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)+$")
EMAIL_TEMPLATE = "notifications/email_message.txt"
# The sweep leaves rows alone for this long after their last change, so it does not
# race the first enqueue or a task that is still retrying.
EMAIL_SWEEP_GRACE = timedelta(minutes=2)
EMAIL_SWEEP_BATCH_SIZE = 500
EMAIL_SWEEP_MAX_ROWS = 5000
# After this many failed or successful attempts the sweep gives up on a row; staff can
# still resend it from the admin.
EMAIL_MAX_ATTEMPTS = 20


# --- rendering ----------------------------------------------------------------------------------------


def notification_language(*, recipient: User) -> str:
    """The language the recipient reads: their preference if the site offers it."""
    available = {code for code, _name in settings.LANGUAGES}
    language = recipient.preferred_language
    return language if language in available else settings.LANGUAGE_CODE


def notification_absolute_url(*, link: str) -> str:
    """``link`` (a path) as an absolute URL for e-mails; blank without ``settings.SITE_URL``."""
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{link}" if link and base else ""


def _render_text(template_name: str, context: Mapping[str, Any]) -> str:
    # Plain text: no HTML escaping (a name like O'Brien stays as it is).
    template = Engine.get_default().get_template(template_name)
    text = template.render(Context(dict(context), autoescape=False))
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def notification_render(*, kind: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Render ``(subject, body)`` of ``kind`` in ``language``.

    Raises ``ValueError`` for a malformed kind and ``TemplateDoesNotExist`` for an
    unknown one: both are programming errors, not user input.
    """
    if not KIND_PATTERN.match(kind):
        raise ValueError(
            f"Notification kind {kind!r} must be dotted lower-case words, e.g. 'account.welcome'."
        )
    folder = "notifications/" + kind.replace(".", "/")
    with translation.override(language):
        subject = _render_text(f"{folder}/subject.txt", context)
        body = _render_text(f"{folder}/body.txt", context)
    subject = Truncator(" ".join(subject.split())).chars(Notification._meta.get_field("subject").max_length)
    return subject, body


def _can_email(recipient: User) -> bool:
    return bool(recipient.is_active and recipient.email)


# --- creating -----------------------------------------------------------------------------------------


def _notification_existing(*, recipient: User, dedupe_key: str) -> Notification | None:
    return Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).first()


def notify(
    *,
    recipient: User,
    kind: str,
    context: Mapping[str, Any] | None = None,
    subject_obj: Model | None = None,
    link: str = "",
    email: bool = True,
    dedupe_key: str = "",
    fresh_key: bool = False,
) -> Notification:
    """Notify ``recipient`` with the ``kind`` templates rendered in their language.

    With ``email``, the e-mail is enqueued after commit (not for an inactive recipient
    or one without an address). A ``dedupe_key`` already used for this recipient
    returns the existing notification and sends nothing, also when a concurrent call
    wins the race to insert it.

    The insert goes first and the existing row is read only when the key is taken:
    a fresh key (most of them) costs no lookup. That insert is the only write, so the
    call needs no transaction of its own; it runs in a savepoint, so that a taken key
    leaves the caller's transaction usable.

    ``fresh_key``: the key names something made in the caller's transaction (a booking
    just created), so nobody can have used it: no savepoint (on PostgreSQL a write in one
    is a subtransaction). Should the key be taken after all, the error fails the caller.
    """
    if subject_obj is not None and subject_obj.pk is None:
        raise ValueError("subject_obj must be saved before it is notified about.")
    language = notification_language(recipient=recipient)
    subject, body = notification_render(
        kind=kind,
        language=language,
        context={
            "recipient": recipient,
            "subject_obj": subject_obj,
            "link": link,
            "link_url": notification_absolute_url(link=link),
            **(context or {}),
        },
    )
    notification = Notification(
        recipient=recipient,
        kind=kind,
        subject=subject,
        body=body,
        language=language,
        link=link,
        email_requested=email and _can_email(recipient),
        dedupe_key=dedupe_key,
    )
    if subject_obj is not None:
        notification.subject_obj = subject_obj
    # Field rules and clean() (link is a path). The foreign keys are instances we were
    # given, the subject pair is set together above, and the dedupe constraint is
    # handled as insert-or-get below, so skip their extra queries.
    notification.full_clean(exclude=["recipient", "content_type"], validate_constraints=False)
    if not dedupe_key or fresh_key:
        notification.save()
    else:
        # This key may have been used before (a second run), or by a concurrent notify().
        saved = save_or_existing(
            notification, existing=lambda: _notification_existing(recipient=recipient, dedupe_key=dedupe_key)
        )
        if saved is not notification:
            return saved
    if notification.email_requested:
        enqueue_on_commit(tasks.notification_email_send_task, notification.pk)
    return notification


@transaction.atomic
def notify_many(
    *,
    recipients: Iterable[User],
    kind: str,
    context: Mapping[str, Any] | None = None,
    subject_obj: Model | None = None,
    link: str = "",
    email: bool = True,
    dedupe_key: str = "",
) -> list[Notification]:
    """``notify()`` each recipient once (each in their own language), all or none."""
    notifications = []
    seen: set[int] = set()
    for recipient in recipients:
        if recipient.pk in seen:
            continue
        seen.add(recipient.pk)
        notifications.append(
            notify(
                recipient=recipient,
                kind=kind,
                context=context,
                subject_obj=subject_obj,
                link=link,
                email=email,
                dedupe_key=dedupe_key,
            )
        )
    return notifications


# --- reading state ------------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    """Mark one of ``user``'s notifications read; reading it again keeps the first time."""
    if notification.recipient_id != user.pk:
        raise ActionForbidden(_("This notification is addressed to someone else."), code="not_recipient")
    now = timezone.now()
    marked = Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=now, updated_at=now)
    if marked:
        notification.read_at = notification.updated_at = now
    else:
        notification.refresh_from_db(fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    """Mark all of ``user``'s unread notifications read; returns how many changed."""
    now = timezone.now()
    return Notification.objects.for_recipient(user).unread().update(read_at=now, updated_at=now)


# --- e-mail -------------------------------------------------------------------------------------------


def _email_message(notification: Notification) -> EmailMessage:
    with translation.override(notification.language):
        body = _render_text(
            EMAIL_TEMPLATE,
            {"notification": notification, "link_url": notification_absolute_url(link=notification.link)},
        )
    message = EmailMessage(
        subject=notification.subject,
        body=body,
        to=[notification.recipient.email],
        headers={"Auto-Submitted": "auto-generated"},  # RFC 3834: no vacation auto-replies
    )
    for filename, content, mimetype in attachments.attachments_for(notification):
        message.attach(filename, content, mimetype)
    return message


@transaction.atomic
def _notification_email_claim_and_send(*, notification: Notification) -> None:
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification.pk, email_requested=True, email_sent_at=None
    ).update(email_sent_at=now, email_attempts=F("email_attempts") + 1, updated_at=now)
    if not claimed:  # sent already (or no longer wanted): a duplicate or retried task
        return
    # The row lock is held until commit, so a concurrent duplicate waits, then no-ops.
    _email_message(notification).send()
    # If send() raises, the claim rolls back and the retry sends again (at least once).


def notification_email_send(*, notification: Notification) -> None:
    """Send the notification's e-mail at most once, however often the task runs.

    Not atomic as a whole on purpose: the claim and the send share one transaction,
    which a failed send rolls back; the failed attempt is then counted outside it
    (it pushes the row's ``updated_at``, so the sweep waits for the task's retries).
    """
    recipient = notification.recipient
    if not _can_email(recipient):
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, email_requested=True, email_sent_at=None).update(
            email_requested=False, updated_at=now
        )
        logger.info(
            "Notification %s: recipient %s is inactive or has no e-mail; skipped",
            notification.pk,
            recipient.pk,
        )
        return
    try:
        _notification_email_claim_and_send(notification=notification)
    except Exception:
        with contextlib.suppress(DatabaseError):  # the counter must not hide the real error
            Notification.objects.filter(pk=notification.pk, email_sent_at=None).update(
                email_attempts=F("email_attempts") + 1, updated_at=timezone.now()
            )
        raise


@transaction.atomic
def notification_email_resend(*, notification: Notification) -> Notification:
    """Send the e-mail (again): staff's "resend" after a bounce or a changed address."""
    if not _can_email(notification.recipient):
        raise ValidationError(
            _("The recipient is inactive or has no e-mail address."),
            code="notification_recipient_unreachable",
        )
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk).update(
        email_requested=True, email_sent_at=None, updated_at=now
    )
    notification.email_requested, notification.email_sent_at, notification.updated_at = True, None, now
    enqueue_on_commit(tasks.notification_email_send_task, notification.pk)
    return notification


def notification_email_sweep(
    *,
    grace: timedelta = EMAIL_SWEEP_GRACE,
    batch_size: int = EMAIL_SWEEP_BATCH_SIZE,
    max_rows: int = EMAIL_SWEEP_MAX_ROWS,
) -> int:
    """Re-enqueue e-mails that are wanted, unsent and untouched for ``grace``.

    Covers an enqueue lost after commit (a crash, a broker outage) and a task whose
    retries ran out. Safe to run any time: the send claims each row once. Reads in
    primary-key batches; returns how many it enqueued (at most ``max_rows`` per run).
    """
    pending = (
        Notification.objects.email_pending()
        .filter(updated_at__lt=timezone.now() - grace, email_attempts__lt=EMAIL_MAX_ATTEMPTS)
        .order_by("pk")
    )
    enqueued, last_pk = 0, 0
    while enqueued < max_rows:
        ids = list(
            pending.filter(pk__gt=last_pk).values_list("pk", flat=True)[
                : min(batch_size, max_rows - enqueued)
            ]
        )
        if not ids:
            break
        for pk in ids:
            enqueue_on_commit(tasks.notification_email_send_task, pk)
        enqueued += len(ids)
        last_pk = ids[-1]
    if enqueued:
        logger.info("Notification e-mail sweep re-enqueued %s e-mails", enqueued)
    return enqueued
