from typing import Any

from django.views.generic import TemplateView

from portal.views.base import PortalView


class HomeView(PortalView, TemplateView):
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs)
