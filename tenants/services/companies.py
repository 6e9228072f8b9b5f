"""Companies, their people and invitations."""

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.enqueue import enqueue_on_commit
from core.exceptions import ActionForbidden
from core.workflow import transition_log
from notifications.services import (
    notification_absolute_url,
    notification_language,
    notification_render,
    notify,
)
from tenants.models import Company, CompanyStatus, Invitation, MemberRole, Membership, Sector
from tenants.signals import company_status_changed, membership_changed

INVITATION_VALID_FOR = timedelta(days=14)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def person_get_or_create(
    *, email: str, full_name: str = "", preferred_language: str = ""
) -> tuple[User, bool]:
    """The account for an e-mail address, created without a usable password if new."""
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User(email=email, full_name=full_name)
    if preferred_language:
        user.preferred_language = preferred_language
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user, True


@transaction.atomic
def company_create(
    *,
    name: str,
    owner: User,
    actor: User | None = None,
    name_zh: str = "",
    uscc: str = "",
    sector: Sector | None = None,
    founded_on: date | None = None,
    is_high_tech: bool = False,
    is_returnee_founded: bool = False,
    website: str = "",
) -> Company:
    """Create a company with its owner's membership, logged as created."""
    company = Company(
        name=name,
        name_zh=name_zh,
        uscc=uscc,
        sector=sector,
        founded_on=founded_on,
        is_high_tech=is_high_tech,
        is_returnee_founded=is_returnee_founded,
        website=website,
    )
    company.full_clean()
    company.save()
    Membership.objects.create(company=company, user=owner, role=MemberRole.OWNER)
    transition_log(obj=company, action="create", from_state="", to_state=company.status, actor=actor)
    return company


def _set_company_status(
    *, company: Company, status: str, action: str, actor: User | None, reason: str
) -> Company:
    locked = Company.objects.select_for_update().get(pk=company.pk)
    if locked.status == status:
        return locked
    previous = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    transition_log(
        obj=locked, action=action, from_state=previous, to_state=status, actor=actor, reason=reason
    )
    company_status_changed.send(sender=Company, company=locked)
    return locked


@transaction.atomic
def company_suspend(*, company: Company, actor: User | None, reason: str) -> Company:
    if not reason.strip():
        raise ValidationError(
            {"reason": ValidationError(_("Say why the company is suspended."), code="required")}
        )
    return _set_company_status(
        company=company, status=CompanyStatus.SUSPENDED, action="suspend", actor=actor, reason=reason
    )


@transaction.atomic
def company_reinstate(*, company: Company, actor: User | None, reason: str = "") -> Company:
    return _set_company_status(
        company=company, status=CompanyStatus.ACTIVE, action="reinstate", actor=actor, reason=reason
    )


def _require_team_manager(*, company: Company, actor: User) -> None:
    if actor.is_staff:
        return
    if not Membership.objects.filter(
        company=company, user=actor, is_active=True, role__in=[MemberRole.OWNER, MemberRole.ADMIN]
    ).exists():
        raise ActionForbidden(
            _("Only the company's owner and admins manage its team."), code="not_team_manager"
        )


@transaction.atomic
def invitation_create(*, company: Company, email: str, role: str, invited_by: User) -> tuple[Invitation, str]:
    """Invite a person by e-mail; returns the invitation and the one-time token to send them."""
    _require_team_manager(company=company, actor=invited_by)
    if role == MemberRole.OWNER:
        raise ValidationError(
            {"role": ValidationError(_("Ownership is transferred, not invited."), code="invalid")}
        )
    email = User.objects.normalize_email(email).strip().lower()
    if Membership.objects.filter(company=company, user__email__iexact=email, is_active=True).exists():
        raise ValidationError(_("This person is already in the company."), code="already_member")
    open_invitation = ValidationError(
        _("This person already has an open invitation to the company."), code="invitation_open"
    )
    if Invitation.objects.filter(
        company=company, email__iexact=email, accepted_at=None, revoked_at=None
    ).exists():
        raise open_invitation
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        company=company,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + INVITATION_VALID_FOR,
    )
    invitation.full_clean(validate_constraints=False)  # the open-invitation rule is checked above
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:  # a concurrent invitation to the same address won
        raise open_invitation from exc
    from tenants import tasks  # tasks import the services: a module import here breaks the cycle

    enqueue_on_commit(tasks.invitation_email_send_task, invitation.pk, token)
    return invitation, token


def invitation_accept_path(*, token: str) -> str:
    """Where the invited person accepts: the portal's invitation page for this token."""
    return reverse("portal:invitation_accept", kwargs={"token": token})


def invitation_email_send(*, invitation: Invitation, token: str) -> None:
    """E-mail the invitation with its acceptance link, in the invitee's language if they have an
    account, else the inviter's. The token is only in the e-mail, never stored (only its hash is)."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return
    if invitation.token_hash != _token_hash(token):
        raise ValueError("The token does not belong to this invitation.")
    invitee = User.objects.filter(email__iexact=invitation.email).first()
    reader = invitee or invitation.invited_by
    language = notification_language(recipient=reader) if reader is not None else ""
    link_url = notification_absolute_url(link=invitation_accept_path(token=token))
    subject, body = notification_render(
        kind="tenants.invitation",
        language=language or "en",
        context={
            "invitation": invitation,
            "company": invitation.company,
            "link_url": link_url,
            "invitee": invitee,
        },
    )
    EmailMessage(
        subject=subject, body=body, to=[invitation.email], headers={"Auto-Submitted": "auto-generated"}
    ).send()


def invitation_for_token(*, token: str) -> Invitation | None:
    """The invitation a token stands for (any state), its company and inviter loaded; None if unknown."""
    return (
        Invitation.objects.select_related("company", "invited_by")
        .filter(token_hash=_token_hash(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the company the token invites to, in the invited role."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError(_("This invitation is not valid."), code="invitation_invalid")
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."), code="invitation_used")
    if invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired; ask for a new one."), code="invitation_expired")
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(
            _("This invitation was sent to another e-mail address."), code="invitation_other_email"
        )
    membership, _created = Membership.objects.update_or_create(
        company=invitation.company,
        user=user,
        defaults={"role": invitation.role, "is_active": True, "ended_at": None},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    membership_changed.send(sender=Membership, membership=membership)
    return membership


@transaction.atomic
def invitation_accept_as_new_person(*, token: str, full_name: str, password: str) -> Membership:
    """Accept for someone without a usable password: their account is created (or, for an account the
    park made for them, completed) with this name and password, then the invitation is accepted.

    Holding the token proves the e-mail address is theirs. An account that already has a password
    must sign in to accept instead.
    """
    invitation = Invitation.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
    if invitation is None:
        raise ValidationError(_("This invitation is not valid."), code="invitation_invalid")
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationError({"full_name": ValidationError(_("Say your name."), code="required")})
    user, _created = person_get_or_create(email=invitation.email, full_name=full_name)
    if user.has_usable_password():
        raise ValidationError(
            _("An account with this e-mail address exists: sign in to accept."), code="account_exists"
        )
    validate_password(password, user)
    user.full_name = full_name
    user.set_password(password)
    user.save(update_fields=["full_name", "password"])
    return invitation_accept(token=token, user=user)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    _require_team_manager(company=invitation.company, actor=actor)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is None and locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
    return locked


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: User) -> Membership:
    _require_team_manager(company=membership.company, actor=actor)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if MemberRole.OWNER in (locked.role, role) and not actor.is_staff:
        raise ActionForbidden(_("Only park staff transfer ownership."), code="owner_change_staff_only")
    previous = locked.role
    locked.role = role
    locked.full_clean()
    locked.save(update_fields=["role", "updated_at"])
    transition_log(obj=locked, action="change_role", from_state=previous, to_state=role, actor=actor)
    return locked


@transaction.atomic
def membership_end(*, membership: Membership, actor: User, reason: str = "") -> Membership:
    """Remove a person from a company (their access and future bookings end via the signal)."""
    _require_team_manager(company=membership.company, actor=actor)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == MemberRole.OWNER:
        raise ValidationError(
            _("The owner cannot be removed; transfer ownership first."), code="owner_removal"
        )
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.ended_at = timezone.now()
    locked.save(update_fields=["is_active", "ended_at", "updated_at"])
    transition_log(
        obj=locked, action="end", from_state="active", to_state="ended", actor=actor, reason=reason
    )
    membership_changed.send(sender=Membership, membership=locked)
    notify(
        recipient=locked.user,
        kind="tenants.membership_ended",
        context={"company": locked.company, "reason": reason},
        subject_obj=locked.company,
    )
    return locked


def company_people(*, company: Company) -> Any:
    return Membership.objects.filter(company=company, is_active=True).select_related("user")
