from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from bookings import receivers  # noqa: F401  (connects the signal receivers)
        from bookings.services import notifications

        notifications.register_attachments()  # the .ics on confirmation and cancellation e-mails
