"""Who is asking and for which company: every portal page is scoped through here."""

from typing import Any

from django.http import HttpRequest

from tenants.models import Membership

SESSION_COMPANY = "portal_company_id"


def memberships_of(user: Any) -> list[Membership]:
    """The person's active memberships, their companies loaded, oldest first (one query)."""
    return list(Membership.objects.active().filter(user=user).select_related("company").order_by("pk"))


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership the portal acts under: the company chosen in this session, else the first.

    Cached on the request so a page asks once.
    """
    if not request.user.is_authenticated:  # pages open to visitors (sign-up, invitations, reset)
        return None
    if hasattr(request, "_portal_membership"):
        return request._portal_membership  # type: ignore[attr-defined,no-any-return]
    memberships = memberships_of(request.user)
    chosen = request.session.get(SESSION_COMPANY)
    membership = next((m for m in memberships if m.company_id == chosen), None)
    if membership is None and memberships:
        membership = memberships[0]
    request._portal_membership = membership  # type: ignore[attr-defined]
    request._portal_memberships = memberships  # type: ignore[attr-defined]
    return membership
