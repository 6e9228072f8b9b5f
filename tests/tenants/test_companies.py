from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.exceptions import ActionForbidden
from core.models import TransitionLog
from notifications.models import Notification
from tenants.models import CompanyStatus, MemberRole, Membership
from tenants.services import companies as services
from tenants.validators import validate_uscc
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory, MembershipFactory, make_uscc

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y43", None),  # a published example
        ("91350100M000100Y44", "uscc_checksum"),
        ("91350100M000100Y4", "uscc_length"),
        ("91350100M00O100Y43", "uscc_characters"),
        ("9135A100M000100Y43", "uscc_region"),
    ],
)
def test_uscc_is_validated_by_its_checksum(code, error):
    if error is None:
        validate_uscc(code)
        return
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert exc.value.code == error


def test_company_create_makes_the_owner_membership_and_logs_it():
    # given
    owner, staff = UserFactory(), UserFactory(is_staff=True)
    # when
    company = services.company_create(
        name="Deep Robotics", owner=owner, actor=staff, uscc=make_uscc(7).lower()
    )
    # then
    assert company.uscc == make_uscc(7)
    assert Membership.objects.get(company=company).role == MemberRole.OWNER
    log = TransitionLog.objects.for_object(company).get()
    assert (log.action, log.to_state, log.actor) == ("create", "active", staff)


def test_company_create_with_a_bad_uscc_writes_nothing():
    with pytest.raises(ValidationError) as exc:
        services.company_create(name="X", owner=UserFactory(), uscc="91350100M000100Y44")
    assert exc.value.error_dict["uscc"][0].code == "uscc_checksum"
    assert not Membership.objects.exists()


def test_two_companies_cannot_share_a_uscc_but_may_both_have_none():
    CompanyFactory(uscc="")
    CompanyFactory(uscc="")
    CompanyFactory(uscc=make_uscc(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyFactory(uscc=make_uscc(1))


def test_a_company_has_one_owner():
    company = CompanyFactory()
    MembershipFactory(company=company, role=MemberRole.OWNER)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(company=company, role=MemberRole.OWNER)


def test_suspend_needs_a_reason_and_is_logged():
    company = CompanyFactory()
    with pytest.raises(ValidationError):
        services.company_suspend(company=company, actor=None, reason=" ")
    company = services.company_suspend(company=company, actor=None, reason="Rent overdue")
    assert company.status == CompanyStatus.SUSPENDED
    assert TransitionLog.objects.for_object(company).get().reason == "Rent overdue"


def test_invitation_is_accepted_once_by_the_invited_address():
    # given
    owner = MembershipFactory(role=MemberRole.OWNER)
    invitation, token = services.invitation_create(
        company=owner.company, email="New.Hire@Example.com", role=MemberRole.ADMIN, invited_by=owner.user
    )
    assert invitation.token_hash != token  # only a hash is stored
    stranger, invitee = UserFactory(), UserFactory(email="new.hire@example.com")
    # when someone else uses the token
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=token, user=stranger)
    assert exc.value.code == "invitation_other_email"
    # when the invitee does
    membership = services.invitation_accept(token=token, user=invitee)
    # then
    assert (membership.company, membership.role) == (owner.company, MemberRole.ADMIN)
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=token, user=invitee)
    assert exc.value.code == "invitation_used"


def test_invitation_expires_and_only_team_managers_invite():
    owner = MembershipFactory(role=MemberRole.OWNER)
    member = MembershipFactory(company=owner.company)
    with pytest.raises(ActionForbidden) as exc:
        services.invitation_create(
            company=owner.company, email="a@example.com", role="member", invited_by=member.user
        )
    assert exc.value.code == "not_team_manager"
    _, token = services.invitation_create(
        company=owner.company, email="a@example.com", role="member", invited_by=owner.user
    )
    with time_machine.travel(timedelta(days=15), tick=False), pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=token, user=UserFactory(email="a@example.com"))
    assert exc.value.code == "invitation_expired"


def test_a_second_open_invitation_for_the_same_person_is_refused():
    owner = MembershipFactory(role=MemberRole.OWNER)
    services.invitation_create(
        company=owner.company, email="a@example.com", role="member", invited_by=owner.user
    )
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(
            company=owner.company, email="A@example.com", role="member", invited_by=owner.user
        )
    assert exc.value.code == "invitation_open"


def test_removing_a_member_ends_the_membership_and_tells_them(django_capture_on_commit_callbacks):
    # given
    owner = MembershipFactory(role=MemberRole.OWNER)
    member = MembershipFactory(company=owner.company)
    # when
    with django_capture_on_commit_callbacks(execute=False):
        ended = services.membership_end(membership=member, actor=owner.user, reason="Left the team")
    # then
    assert not ended.is_active
    assert ended.ended_at is not None
    note = Notification.objects.get(recipient=member.user)
    assert owner.company.name in note.subject
    assert "Left the team" in note.body
    with pytest.raises(ValidationError) as exc:
        services.membership_end(membership=owner, actor=owner.user)
    assert exc.value.code == "owner_removal"
    assert not mail.outbox  # e-mail goes out only after commit, through the task
