"""Small builders for portal tests: a founder signed in on their company."""

from django.test import Client

from tenants.models import MemberRole, Membership
from tests.tenants.factories import MembershipFactory


def founder(client: Client | None = None, *, role: str = MemberRole.OWNER, **kwargs: object) -> Membership:
    """An owner (or ``role``) of a new company, signed in on ``client`` when given."""
    membership = MembershipFactory(role=role, **kwargs)
    if client is not None:
        client.force_login(membership.user)
    return membership


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()
