from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessControlConfig(AppConfig):
    name = "access_control"
    verbose_name = _("Access control")

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from access_control import receivers
        from access_control.models import Door
        from bookings.signals import booking_changed
        from hardware_labs.signals import qualification_changed
        from tenants.signals import company_status_changed, membership_changed, tenancy_changed, tenancy_ended

        booking_changed.connect(receivers.on_booking_changed, dispatch_uid="access_control.booking_changed")
        qualification_changed.connect(
            receivers.on_qualification_changed, dispatch_uid="access_control.qualification_changed"
        )
        tenancy_changed.connect(receivers.on_tenancy_changed, dispatch_uid="access_control.tenancy_changed")
        tenancy_ended.connect(receivers.on_tenancy_changed, dispatch_uid="access_control.tenancy_ended")
        company_status_changed.connect(
            receivers.on_company_status_changed, dispatch_uid="access_control.company_status_changed"
        )
        membership_changed.connect(
            receivers.on_membership_changed, dispatch_uid="access_control.membership_changed"
        )
        post_save.connect(
            receivers.on_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="access_control.user"
        )
        post_save.connect(receivers.on_door_saved, sender=Door, dispatch_uid="access_control.door")
