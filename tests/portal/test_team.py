import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import BookingStatus
from bookings.services import bookings as booking_services
from notifications.models import Notification
from tenants.models import Invitation, MemberRole, Membership
from tests.bookings.factories import MONDAY, NOW, at, room, tenant
from tests.portal.a11y import assert_accessible
from tests.portal.world import founder, page
from tests.tenants.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_owner_sees_the_team_and_invites_someone(client, mocker):
    owner = founder(client)
    member = MembershipFactory(company=owner.company)
    response = client.get(reverse("portal:team"))
    assert_accessible(response)
    assert member.user.email in page(response)
    response = client.post(
        reverse("portal:team_invite"), {"email": "New@Example.com", "role": MemberRole.ADMIN}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(company=owner.company)
    assert (invitation.email, invitation.role) == ("new@example.com", MemberRole.ADMIN)
    assert "new@example.com" in page(client.get(reverse("portal:team")))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", ["Enter a valid email address.", "This person is already in the company."]),
     ("zh-hans", ["请输入合法的邮件地址。", "此人已是该企业的成员。"])],
)  # fmt: skip
def test_invite_errors_show_in_the_page_language_and_keep_the_input(client, language, expected):
    owner = founder(client)
    member = MembershipFactory(company=owner.company)
    client.cookies["django_language"] = language
    response = client.post(reverse("portal:team_invite"), {"email": "not-an-address", "role": "member"})
    assert response.status_code == 400
    assert expected[0] in page(response)
    assert 'value="not-an-address"' in page(response)
    response = client.post(reverse("portal:team_invite"), {"email": member.user.email, "role": "admin"})
    assert expected[1] in page(response)
    assert f'value="{member.user.email}"' in page(response)
    assert '<option value="admin" selected>' in page(response)
    assert not Invitation.objects.exists()


def test_the_owner_changes_a_role_and_withdraws_an_invitation(client):
    owner = founder(client)
    member = MembershipFactory(company=owner.company)
    client.post(reverse("portal:team_member_role", kwargs={"pk": member.pk}), {"role": MemberRole.ADMIN})
    member.refresh_from_db()
    assert member.role == MemberRole.ADMIN
    client.post(reverse("portal:team_invite"), {"email": "x@example.com", "role": "member"})
    invitation = Invitation.objects.get()
    client.post(reverse("portal:team_invitation_revoke", kwargs={"pk": invitation.pk}))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_removing_a_person_ends_their_future_bookings_with_notice(client, time_machine):
    time_machine.move_to(NOW, tick=False)  # the bookings are "future" as of the factories' Friday
    owner_user, company = tenant()  # a company with a current tenancy, so its people may book
    client.force_login(owner_user)
    owner = Membership.objects.get(user=owner_user)
    leaving_user, _company = tenant(company=company, role=MemberRole.MEMBER)
    leaving = Membership.objects.get(user=leaving_user)
    resource = room()
    future = booking_services.booking_create(
        resource=resource, booked_by=leaving.user, company=owner.company,
        starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11), now=NOW,
    )  # fmt: skip
    owners_booking = booking_services.booking_create(
        resource=resource, booked_by=owner.user, company=owner.company,
        starts_at=at(MONDAY, 12), ends_at=at(MONDAY, 13), now=NOW,
    )  # fmt: skip
    response = client.post(reverse("portal:team_member_remove", kwargs={"pk": leaving.pk}))
    assert response.status_code == 302
    leaving.refresh_from_db()
    assert not leaving.is_active
    future.refresh_from_db()
    owners_booking.refresh_from_db()
    assert future.status == BookingStatus.CANCELLED
    assert owners_booking.status == BookingStatus.CONFIRMED
    assert Notification.objects.filter(recipient=leaving.user, kind="bookings.cancelled").exists()
    assert Notification.objects.filter(recipient=leaving.user, kind="tenants.membership_ended").exists()
    assert leaving.user.email not in page(client.get(reverse("portal:team")))


def test_the_owner_cannot_be_removed(client):
    owner = founder(client, role=MemberRole.ADMIN)
    real_owner = MembershipFactory(company=owner.company, role=MemberRole.OWNER)
    response = client.post(reverse("portal:team_member_remove", kwargs={"pk": real_owner.pk}), follow=True)
    assert "The owner cannot be removed" in page(response)
    real_owner.refresh_from_db()
    assert real_owner.is_active


def test_members_see_the_team_read_only_and_their_posts_are_refused(client):
    owner = founder()
    member = MembershipFactory(company=owner.company, role=MemberRole.MEMBER)
    other = MembershipFactory(company=owner.company, role=MemberRole.MEMBER)
    client.force_login(member.user)
    response = client.get(reverse("portal:team"))
    assert_accessible(response)
    assert "Send invitation" not in page(response)
    assert (
        client.post(reverse("portal:team_invite"), {"email": "x@example.com", "role": "member"}).status_code
        == 403
    )
    assert client.post(reverse("portal:team_member_remove", kwargs={"pk": other.pk})).status_code == 403
    assert (
        client.post(
            reverse("portal:team_member_role", kwargs={"pk": other.pk}), {"role": "admin"}
        ).status_code
        == 403
    )
    assert not Invitation.objects.exists()
    other.refresh_from_db()
    assert (other.is_active, other.role) == (True, MemberRole.MEMBER)


def test_another_companys_members_and_invitations_are_404(client):
    mine = founder(client)
    theirs = founder()
    their_member = MembershipFactory(company=theirs.company)
    invitation = Invitation.objects.create(
        company=theirs.company, email="z@example.com", token_hash="x" * 64, expires_at=NOW.replace(year=2030)
    )
    for url in (
        reverse("portal:team_member_remove", kwargs={"pk": their_member.pk}),
        reverse("portal:team_member_role", kwargs={"pk": their_member.pk}),
        reverse("portal:team_invitation_revoke", kwargs={"pk": invitation.pk}),
    ):
        assert client.post(url, {"role": "admin"}).status_code == 404
    assert Membership.objects.get(pk=their_member.pk).is_active
    assert mine.company != theirs.company


def test_the_team_page_runs_constant_queries(client):
    owner = founder(client)
    MembershipFactory(company=owner.company)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:team"))
    MembershipFactory.create_batch(5, company=owner.company)
    for n in range(5):
        Invitation.objects.create(
            company=owner.company,
            email=f"i{n}@example.com",
            token_hash=f"{n}" * 64,
            expires_at=NOW.replace(year=2030),
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal:team"))
    assert len(many) == len(few)
