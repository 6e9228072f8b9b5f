from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HardwareLabsConfig(AppConfig):
    name = "hardware_labs"
    verbose_name = _("Hardware labs")

    def ready(self) -> None:
        from bookings import checks
        from hardware_labs.services import gates

        checks.register(gates.qualification_check)
        checks.register(gates.maintenance_check)
