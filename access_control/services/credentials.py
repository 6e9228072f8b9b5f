"""Credentials: issue, suspend, reinstate, revoke. The identifier is stored normalised and never shown."""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access_control import crypto
from access_control.models import Credential, CredentialKind, CredentialStatus
from access_control.services import qr
from access_control.services.sync import entries_refresh
from core.workflow import Transition, Workflow, transition_log

S = CredentialStatus


def _staff(actor: Any, obj: Any) -> bool:
    return bool(getattr(actor, "is_staff", False))


CREDENTIAL_WORKFLOW = Workflow(
    [
        Transition("suspend", (S.ACTIVE,), S.SUSPENDED, allowed=_staff),
        Transition("reinstate", (S.SUSPENDED,), S.ACTIVE, allowed=_staff),
        Transition("revoke", (S.ACTIVE, S.SUSPENDED), S.REVOKED, allowed=_staff),
    ]
)

TAKEN = _("This identifier is already issued to someone.")


@transaction.atomic
def credential_issue(
    *,
    person: Any,
    kind: str,
    uid: str,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    actor: Any,
) -> Credential:
    """Issue a card, PIN or QR credential; ``label`` keeps the last four characters for people to see.

    A QR credential without a ``uid`` gets a generated seed: its holder shows rotating codes
    (``services.qr``) from the portal, and the seed never leaves the server."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied(_("Only staff issue credentials."))
    if kind == CredentialKind.QR and not (uid or "").strip():
        uid = qr.new_seed()  # a rotating QR code's seed: generated, never shown
    identifier = crypto.normalise_uid(uid or "")
    if not identifier:
        raise ValidationError(
            {"uid": ValidationError(_("Give the card UID, PIN or QR seed."), code="required")}
        )
    if kind in (CredentialKind.CARD,) and any(c not in "0123456789ABCDEF" for c in identifier):
        raise ValidationError({"uid": ValidationError(_("A card UID is hexadecimal."), code="invalid")})
    credential = Credential(
        person=person,
        kind=kind,
        identifier=identifier,
        label="" if kind == CredentialKind.QR else identifier[-4:],  # no part of a QR seed is shown
        valid_from=valid_from or timezone.now(),
        valid_until=valid_until,
    )
    taken = ValidationError({"uid": ValidationError(TAKEN, code="credential_taken")})
    if Credential.objects.filter(kind=kind, identifier=identifier).exclude(status=S.REVOKED).exists():
        raise taken
    credential.full_clean(validate_constraints=False)  # the live-identifier rule is checked above
    try:
        with transaction.atomic():
            credential.save()
    except IntegrityError as exc:  # a concurrent issue of the same identifier won
        raise taken from exc
    transition_log(obj=credential, action="issue", from_state="", to_state=credential.status, actor=actor)
    entries_refresh(credential_ids=[credential.pk])
    return credential


def _change(action: str) -> Any:
    @transaction.atomic
    def perform(*, credential: Credential, actor: Any, reason: str = "") -> Credential:
        credential = CREDENTIAL_WORKFLOW.perform(credential, action=action, actor=actor, reason=reason)
        entries_refresh(credential_ids=[credential.pk])
        return credential

    perform.__name__ = perform.__qualname__ = f"credential_{action}"
    perform.__doc__ = (
        f"``{action}`` a credential (staff); its allow-list entries change in the same transaction."
    )
    return perform


credential_suspend = _change("suspend")
credential_reinstate = _change("reinstate")
credential_revoke = _change("revoke")
