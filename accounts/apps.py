from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from accounts import lockout

        user_login_failed.connect(lockout.on_user_login_failed, dispatch_uid="accounts.lockout.failed")
        user_logged_in.connect(lockout.on_user_logged_in, dispatch_uid="accounts.lockout.logged_in")
