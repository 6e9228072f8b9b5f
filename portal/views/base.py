"""What every portal page shares: sign-in required, staff sent to the admin, the company in scope."""

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views import View

from portal.context import current_membership
from tenants.models import Company, Membership


class PortalView(View):
    """Base for portal pages. Anonymous people are sent to sign in (LoginRequiredMiddleware);
    staff are sent to the admin, which is theirs."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and request.user.is_staff:
            return HttpResponseRedirect(f"/{settings.ADMIN_URL}")
        # Times show in campus time: rendered here, so the zone is never left active for another request.
        timezone.activate(ZoneInfo(settings.CAMPUS_DEFAULT_TIME_ZONE))
        try:
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response
        finally:
            timezone.deactivate()

    @property
    def membership(self) -> Membership | None:
        return current_membership(self.request)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["membership"] = self.membership
        context["company"] = self.membership.company if self.membership else None
        return context


class CompanyView(PortalView):
    """A page about the person's company. Without a company (an applicant) it leads home."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_staff and current_membership(request) is None:
            return HttpResponseRedirect(reverse("portal:home"))
        return super().dispatch(request, *args, **kwargs)

    @property
    def company(self) -> Company:
        membership = self.membership
        if membership is None:  # dispatch redirected already; a guard for direct calls
            raise Http404
        return membership.company
