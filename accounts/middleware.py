from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation


class LoginRequiredMiddleware(BaseLoginRequiredMiddleware):
    """Sign-in required everywhere not marked otherwise: staff pages (the admin) send to the staff
    sign-in, every other page to the portal's (``LOGIN_URL``)."""

    def get_login_url(self, view_func: Any) -> str:
        if hasattr(view_func, "admin_site") or hasattr(view_func, "model_admin"):
            return reverse("admin:login")
        return super().get_login_url(view_func)


class PreferredLanguageMiddleware:
    """Use a signed-in person's preferred language unless they chose one for this browser.

    Order of precedence: the language switch (cookie), the profile, the browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
