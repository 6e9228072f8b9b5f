"""Access follows tenancies, bookings, companies, memberships, people and doors: each receiver runs
inside the sender's transaction, so grants and the allow-list change log commit with the change."""

from typing import Any

from access_control.models import Credential, Door
from access_control.services import grants, sync


def on_booking_changed(sender: Any, *, booking: Any, action: str = "", **kwargs: Any) -> None:
    grants.booking_grants_sync(booking=booking, new=action == "create")


def on_qualification_changed(sender: Any, *, qualification: Any, **kwargs: Any) -> None:
    """A lab qualification granted, renewed or revoked: the person's lab doors follow."""
    grants.qualification_grants_sync(qualification=qualification)


def on_tenancy_changed(sender: Any, *, tenancy: Any, **kwargs: Any) -> None:
    grants.tenancy_grants_sync(tenancy=tenancy)


def on_company_status_changed(sender: Any, *, company: Any, **kwargs: Any) -> None:
    grants.company_access_refresh(company=company)


def on_membership_changed(sender: Any, *, membership: Any, **kwargs: Any) -> None:
    grants.company_grants_sync(company=membership.company)


def on_user_saved(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """A person made inactive (or active again): their entries follow."""
    if raw or (update_fields is not None and "is_active" not in update_fields):
        return
    if Credential.objects.filter(person_id=instance.pk).exists():
        sync.entries_refresh(person_ids=[instance.pk])


def on_door_saved(
    sender: Any, instance: Door, raw: bool = False, created: bool = False, **kwargs: Any
) -> None:
    """A door added or moved: the tenancies and bookings that may open it derive their grants again.
    Enabled or disabled: the site's entries follow."""
    if raw:
        return
    grants.door_grants_derive(door=instance)
    if not created:
        sync.entries_refresh(site_ids=[instance.site_id])
