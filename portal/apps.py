from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The startup self-service portal: server-rendered pages for founders and their teams."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = _("Startup portal")
