from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator

from portal.forms.accounts import SignInForm


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "portal/registration/login.html"
    redirect_authenticated_user = True
    form_class = SignInForm


class SignOutView(auth_views.LogoutView):
    pass
