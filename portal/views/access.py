"""Access: my credentials (kind, label, status; never the identifier) and the doors my grants open now.

The access app has no rotating QR code yet (a QR credential's seed is a static secret and must not be
shown), so a QR credential is listed with its status only.
"""

from typing import Any

from django.views.generic import TemplateView

from access_control.models import CredentialKind
from access_control.selectors import person_credentials, person_doors_now
from portal.forms_book import CAMPUS_TZ
from portal.views.base import PortalView


class AccessView(PortalView, TemplateView):
    template_name = "portal/access/access.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        credentials = person_credentials(person=self.request.user)
        context.update(
            credentials=credentials,
            doors=person_doors_now(person=self.request.user),
            has_qr=any(c.kind == CredentialKind.QR for c in credentials),
            tz=CAMPUS_TZ,
        )
        return context


__all__ = ["AccessView"]
