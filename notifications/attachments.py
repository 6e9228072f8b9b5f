"""E-mail attachments by notification kind, supplied by the app that owns the kind.

An app registers a provider for a kind or a kind prefix (``"bookings"`` covers
``"bookings.confirmed"``), usually in its ``AppConfig.ready()``::

    attachments.register("bookings.confirmed", booking_ics_attachments)

At send time the e-mail task calls every matching provider with the notification
and attaches what they return: ``(filename, content, mimetype)`` triples. Providers
build the attachment from the notification's subject, so a resent e-mail carries
the same file; they must not write.
"""

from collections.abc import Callable

from notifications.models import Notification

Attachment = tuple[str, str | bytes, str]
AttachmentProvider = Callable[[Notification], list[Attachment]]

_providers: dict[str, list[AttachmentProvider]] = {}


def register(kind: str, provider: AttachmentProvider) -> None:
    """Attach ``provider``'s files to e-mails of ``kind`` (or any kind under it); twice is harmless."""
    providers = _providers.setdefault(kind, [])
    if provider not in providers:
        providers.append(provider)


def attachments_for(notification: Notification) -> list[Attachment]:
    """What the e-mail of ``notification`` carries, from every provider registered for its kind."""
    files: list[Attachment] = []
    for kind, providers in _providers.items():
        if notification.kind == kind or notification.kind.startswith(kind + "."):
            for provider in providers:
                files.extend(provider(notification))
    return files
