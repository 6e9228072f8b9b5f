"""Access: my credentials (kind, label, status; never the identifier), my rotating QR codes, and the
doors my grants open now.

A QR credential's seed stays on the server: the page shows the code of the current 30-second step
(``access_control.services.qr``) as an inline SVG, and the fragment reloads itself (htmx) when the
code turns over.
"""

from typing import Any

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from access_control.models import Credential, CredentialKind, CredentialStatus
from access_control.selectors import person_credentials, person_doors_now
from access_control.services import qr
from portal.forms_book import CAMPUS_TZ
from portal.views.base import PortalView


def _usable(credential: Credential, now: Any) -> bool:
    return (
        credential.kind == CredentialKind.QR
        and credential.status == CredentialStatus.ACTIVE
        and credential.valid_from <= now
        and (credential.valid_until is None or now < credential.valid_until)
    )


def _qr_code(credential_id: int, seed: str, now: Any) -> dict[str, Any]:
    """The code to show now: its payload, an inline SVG of it and the seconds it has left."""
    shown = qr.payload(credential_id=credential_id, seed=seed, at=now)
    svg = segno.make(shown, error="m").svg_inline(scale=5, border=4, title=_("Access QR code"))
    return {"id": credential_id, "svg": svg, "code": shown.rsplit(":", 1)[1], "seconds": qr.seconds_left(now)}


class AccessView(PortalView, TemplateView):
    template_name = "portal/access/access.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        credentials = person_credentials(person=self.request.user)
        usable = [c.pk for c in credentials if _usable(c, now)]
        seeds = (
            dict(Credential.objects.filter(pk__in=usable).values_list("pk", "identifier")) if usable else {}
        )
        context.update(
            credentials=credentials,
            qr_codes=[_qr_code(pk, seeds[pk], now) for pk in usable],
            doors=person_doors_now(person=self.request.user),
            tz=CAMPUS_TZ,
        )
        return context


class AccessQrView(PortalView, View):
    """The current code of one of my usable QR credentials (the fragment the page reloads)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        now = timezone.now()
        credential = Credential.objects.filter(pk=pk, person=request.user).first()
        if credential is None or not _usable(credential, now):
            raise Http404
        return render(
            request, "portal/access/_qr.html", {"qr": _qr_code(credential.pk, credential.identifier, now)}
        )


__all__ = ["AccessQrView", "AccessView"]
