from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "portal/registration/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass
