"""Accounts: sign-up for applicants, password reset, invitations, the profile and the password."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import FormView, UpdateView

from accounts.models import User
from core.exceptions import ActionForbidden
from portal.forms.accounts import (
    InvitationNewPersonForm,
    PortalPasswordResetForm,
    ProfileForm,
    SignUpForm,
)
from portal.views.base import PortalView
from tenants.services import companies as company_services

BACKEND = "accounts.lockout.LockoutModelBackend"


@method_decorator(login_not_required, name="dispatch")
class SignUpView(PortalView, FormView):
    """A new founder makes an account (e-mail and password) so they can apply."""

    template_name = "portal/accounts/sign_up.html"
    form_class = SignUpForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not request.user.is_staff:
            return redirect("portal:apply")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        language = getattr(self.request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE
        return {"preferred_language": "zh-hans" if language.startswith("zh") else "en"}

    def form_valid(self, form: SignUpForm) -> HttpResponse:
        data = form.cleaned_data
        user = User.objects.create_user(
            email=data["email"],
            password=data["password1"],
            full_name=data["full_name"].strip(),
            preferred_language=data["preferred_language"],
        )
        login(self.request, user, backend=BACKEND)
        messages.success(self.request, _("Your account is ready. Tell us about your company."))
        return redirect("portal:apply")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(PortalView, auth_views.PasswordResetView):
    template_name = "portal/accounts/password_reset.html"
    form_class = PortalPasswordResetForm
    email_template_name = "registration/portal_password_reset_email.txt"
    subject_template_name = "registration/portal_password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(PortalView, auth_views.PasswordResetDoneView):
    template_name = "portal/accounts/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(PortalView, auth_views.PasswordResetConfirmView):
    template_name = "portal/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(PortalView, auth_views.PasswordResetCompleteView):
    template_name = "portal/accounts/password_reset_complete.html"


class ProfileView(PortalView, UpdateView):
    """Name, phone and preferred language; the language applies at once (the switch follows it)."""

    template_name = "portal/accounts/profile.html"
    form_class = ProfileForm

    def get_object(self, queryset: Any = None) -> Any:
        return self.request.user

    def form_valid(self, form: ProfileForm) -> HttpResponse:
        user = form.save()
        messages.success(self.request, _("Your profile is saved."))
        response = HttpResponseRedirect(reverse("portal:profile"))
        # The language switch's cookie wins over the profile; set it to the new preference.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.preferred_language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response


class PasswordChangeView(PortalView, auth_views.PasswordChangeView):
    template_name = "portal/accounts/password_change.html"
    success_url = reverse_lazy("portal:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response


@method_decorator(login_not_required, name="dispatch")
class InvitationAcceptView(PortalView):
    """The link in the invitation e-mail. A signed-in person accepts with one button; someone new
    chooses a name and a password; someone with an account signs in first (and comes back here)."""

    template_name = "portal/accounts/invitation.html"

    def _invitation(self) -> Any:
        invitation = company_services.invitation_for_token(token=self.kwargs["token"])
        if invitation is None:
            raise Http404
        return invitation

    def _context(self, invitation: Any, form: Any = None, error: str = "") -> dict[str, Any]:
        user = self.request.user
        existing = User.objects.filter(email__iexact=invitation.email).first()
        return {
            "invitation": invitation,
            "form": form,
            "error": error,
            "is_open": invitation.accepted_at is None and invitation.revoked_at is None,
            "needs_sign_in": not user.is_authenticated
            and existing is not None
            and existing.has_usable_password(),
            "login_url": f"{reverse('portal:login')}?next={self.request.path}",
        }

    def _new_person(self) -> bool:
        return not self.request.user.is_authenticated

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        invitation = self._invitation()
        context = self._context(invitation)
        if self._new_person() and not context["needs_sign_in"]:
            context["form"] = InvitationNewPersonForm(email=invitation.email)
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        invitation = self._invitation()
        token = self.kwargs["token"]
        form = None
        try:
            if self._new_person():
                form = InvitationNewPersonForm(request.POST, email=invitation.email)
                if not form.is_valid():
                    return render(request, self.template_name, self._context(invitation, form), status=400)
                membership = company_services.invitation_accept_as_new_person(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, membership.user, backend=BACKEND)
            else:
                membership = company_services.invitation_accept(token=token, user=request.user)
        except (ValidationError, ActionForbidden) as exc:
            if form is not None and isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                form.add_error(None, exc)
                return render(request, self.template_name, self._context(invitation, form), status=400)
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return render(request, self.template_name, self._context(invitation, form, message), status=400)
        request.session["portal_company_id"] = membership.company_id
        messages.success(request, _("Welcome to %(company)s.") % {"company": membership.company.name})
        return redirect("portal:home")
