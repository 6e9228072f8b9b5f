from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Tenants")

    def ready(self) -> None:
        from tenants import receivers, signals

        signals.incubation_ended.connect(
            receivers.incubation_incentives_end, dispatch_uid="tenants.incubation_incentives_end"
        )
