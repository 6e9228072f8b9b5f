import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tenants.models import CompanyStatus, Invitation, MemberRole, Membership
from tenants.services import companies as services
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_companies():  # type: ignore[no-untyped-def]
    mine = MembershipFactory(role=MemberRole.OWNER)
    theirs = MembershipFactory(role=MemberRole.OWNER)
    return mine, theirs


def test_a_founder_sees_only_their_own_company_and_people(api_client, two_companies):
    # given
    mine, theirs = two_companies
    api_client.force_authenticate(mine.user)
    # when / then
    companies = api_client.get(reverse("api:company-list")).json()["results"]
    assert [c["id"] for c in companies] == [mine.company_id]
    assert api_client.get(reverse("api:company-detail", args=[theirs.company_id])).status_code == 404
    people = api_client.get(reverse("api:membership-list")).json()["results"]
    assert {p["id"] for p in people} == {mine.pk}
    assert api_client.get(reverse("api:membership-detail", args=[theirs.pk])).status_code == 404
    assert api_client.post(reverse("api:membership-end", args=[theirs.pk])).status_code == 404


def test_only_staff_suspend_a_company(api_client, two_companies):
    mine, _ = two_companies
    api_client.force_authenticate(mine.user)
    assert api_client.post(reverse("api:company-suspend", args=[mine.company_id])).status_code == 403
    staff_client = APIClient()
    staff_client.force_authenticate(UserFactory(is_staff=True))
    response = staff_client.post(reverse("api:company-suspend", args=[mine.company_id]), {"reason": "Unpaid"})
    assert response.status_code == 200
    assert response.json()["status"] == CompanyStatus.SUSPENDED
    bad = staff_client.post(reverse("api:company-reinstate", args=[mine.company_id]), {"reason": "x" * 3000})
    assert bad.status_code == 400
    assert bad.json()["errors"]["reason"][0]["code"] == "max_length"


def test_owner_invites_and_the_invitee_accepts_through_the_api(api_client, two_companies):
    # given
    mine, theirs = two_companies
    api_client.force_authenticate(mine.user)
    # when
    created = api_client.post(
        reverse("api:invitation-list"),
        {"company": mine.company_id, "email": "dev@example.com", "role": "member"},
    )
    # then
    assert created.status_code == 201, created.json()
    token = created.json()["token"]
    invitee = UserFactory(email="dev@example.com")
    api_client.force_authenticate(invitee)
    accepted = api_client.post(reverse("api:invitation-accept"), {"token": token})
    assert accepted.status_code == 200
    assert Membership.objects.get(user=invitee).company == mine.company
    # and an invitation to another company is refused as not found
    api_client.force_authenticate(mine.user)
    other = api_client.post(
        reverse("api:invitation-list"),
        {"company": theirs.company_id, "email": "x@example.com", "role": "member"},
    )
    assert other.status_code == 404
    assert Invitation.objects.count() == 1


def test_bad_invitation_input_is_a_400_with_codes(api_client, two_companies):
    mine, _ = two_companies
    api_client.force_authenticate(mine.user)
    response = api_client.post(
        reverse("api:invitation-list"), {"company": mine.company_id, "email": "not-an-email", "role": "king"}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["email"][0]["code"] == "invalid"
    assert errors["role"][0]["code"] == "invalid_choice"
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("url", ["api:company-list", "api:membership-list", "api:invitation-list"])
def test_company_lists_run_constant_queries(api_client, url):
    # given
    owner = MembershipFactory(role=MemberRole.OWNER)
    api_client.force_authenticate(UserFactory(is_staff=True))

    def add(n: int) -> None:
        for _ in range(n):
            MembershipFactory(company=CompanyFactory())
            email = f"p{Invitation.objects.count()}@example.com"
            services.invitation_create(
                company=owner.company, email=email, role="member", invited_by=owner.user
            )

    def counted() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get(reverse(url)).status_code == 200
        return len(ctx.captured_queries)

    # when / then
    add(3)
    few = counted()
    add(30)
    assert counted() == few


def test_a_founder_signs_in_to_the_api_with_a_session_and_sees_their_company(client):
    # given a founder with a password
    owner = MembershipFactory(role=MemberRole.OWNER)
    MembershipFactory(role=MemberRole.OWNER)  # another company
    # when they sign in on the API's login page
    response = client.post(
        reverse("rest_framework:login"),
        {"username": owner.user.email, "password": "pass-word-123", "next": reverse("api:company-list")},
    )
    # then the session reaches their company and no other
    assert response.status_code == 302
    companies = client.get(reverse("api:company-list")).json()["results"]
    assert [c["id"] for c in companies] == [owner.company_id]
