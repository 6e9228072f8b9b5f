"""Forms of sign-in, sign-up, password reset, invitations and the profile."""

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.lockout import LOCKOUT_DURATION, signin_locked
from accounts.models import Language, User


class SignInForm(AuthenticationForm):
    """E-mail and password; refused with a clear message while the e-mail + IP pair is locked out."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed sign-in attempts. For your security, signing in is paused for %(minutes)s "
            "minutes; try again later or reset your password."
        ),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("E-mail address")
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "autofocus": True})

    def _refuse_if_locked(self, email: str) -> None:
        if email and signin_locked(email=email, request=self.request):
            raise ValidationError(
                self.error_messages["locked"],
                code="signin_locked",
                params={"minutes": int(LOCKOUT_DURATION.total_seconds() // 60)},
            )

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username") or ""
        self._refuse_if_locked(email)
        try:
            return super().clean()
        except ValidationError:
            self._refuse_if_locked(email)  # this failure was the one that locked it: say so now
            raise


class _PasswordPair(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def _password_user(self) -> User | None:
        return None

    def clean_password2(self) -> str:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2") or ""
        if first and first != second:
            raise ValidationError(_("The two passwords differ."), code="password_mismatch")
        return second

    def _post_clean_password(self) -> None:
        password = self.cleaned_data.get("password2")
        if password:
            try:
                password_validation.validate_password(password, self._password_user())
            except ValidationError as exc:
                self.add_error("password1", exc)


class SignUpForm(_PasswordPair):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    field_order = ["full_name", "email", "password1", "password2", "preferred_language"]

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _(
                    "An account with this e-mail address exists. Sign in, or reset the password if you "
                    "have none yet."
                ),
                code="account_exists",
            )
        return email

    def _password_user(self) -> User | None:
        return User(
            email=self.cleaned_data.get("email", ""), full_name=self.cleaned_data.get("full_name", "")
        )

    def _post_clean(self) -> None:
        super()._post_clean()
        self._post_clean_password()


class InvitationNewPersonForm(_PasswordPair):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    field_order = ["full_name", "password1", "password2"]

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        self.email = email
        super().__init__(*args, **kwargs)

    def _password_user(self) -> User | None:
        return User(email=self.email, full_name=self.cleaned_data.get("full_name", ""))

    def _post_clean(self) -> None:
        super()._post_clean()
        self._post_clean_password()


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone", "preferred_language"]
        labels = {
            "full_name": _("Full name"),
            "phone": _("Phone"),
            "preferred_language": _("Preferred language"),
        }

    def clean_full_name(self) -> str:
        name = (self.cleaned_data.get("full_name") or "").strip()
        if not name:
            raise ValidationError(_("Say your name."), code="required")
        return name

    def clean_phone(self) -> str:
        phone = (self.cleaned_data.get("phone") or "").strip()
        if phone and not all(c.isdigit() or c in "+- ()" for c in phone):
            raise ValidationError(_("Use digits, spaces and + - ( ) only."), code="phone_invalid")
        return phone


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form; the e-mail is written in the person's preferred language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        language = getattr(context.get("user"), "preferred_language", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )
