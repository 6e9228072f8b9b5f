"""Every page is scoped to the signed-in person's company: a second company's founder gets 404 for the
first company's objects by URL; staff are sent to the admin; visitors to sign in."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tenants.models import Invitation
from tests.portal.world import founder
from tests.tenants.factories import MembershipFactory
from tests.tenants.factories_applications import ApplicationFactory
from tests.tenants.factories_incubation import IncubationFactory, KPIReturnFactory
from tests.tenants.factories_registration import ServiceRequestFactory

pytestmark = pytest.mark.django_db


def _first_companys_urls():
    first = founder()
    member = MembershipFactory(company=first.company)
    invitation = Invitation.objects.create(
        company=first.company,
        email="invitee@example.com",
        token_hash="a" * 64,
        expires_at=timezone.now() + timezone.timedelta(days=3),
    )
    application = ApplicationFactory(applicant=first.user, company=first.company)
    kpi_return = KPIReturnFactory(incubation=IncubationFactory(company=first.company))
    service_request = ServiceRequestFactory(company=first.company, requested_by=first.user)
    return [
        ("get", reverse("portal:apply_status", kwargs={"pk": application.pk})),
        ("post", reverse("portal:apply_status", kwargs={"pk": application.pk})),
        ("get", reverse("portal:apply_step", kwargs={"pk": application.pk, "step": "review"})),
        ("get", reverse("portal:kpi_detail", kwargs={"pk": kpi_return.pk})),
        ("post", reverse("portal:kpi_detail", kwargs={"pk": kpi_return.pk})),
        ("get", reverse("portal:request_detail", kwargs={"pk": service_request.pk})),
        ("post", reverse("portal:request_detail", kwargs={"pk": service_request.pk})),
        ("post", reverse("portal:team_member_role", kwargs={"pk": member.pk})),
        ("post", reverse("portal:team_member_remove", kwargs={"pk": member.pk})),
        ("post", reverse("portal:team_invitation_revoke", kwargs={"pk": invitation.pk})),
    ]


def test_a_second_companys_founder_gets_404_for_the_first_companys_objects(client):
    urls = _first_companys_urls()
    founder(client)  # the owner of another company
    for method, url in urls:
        response = getattr(client, method)(url, {"role": "admin", "answer": "x"})
        assert response.status_code == 404, (method, url, response.status_code)


def test_lists_show_only_the_own_companys_rows(client):
    first = founder()
    ServiceRequestFactory(company=first.company, requested_by=first.user, subject="First's secret")
    KPIReturnFactory(incubation=IncubationFactory(company=first.company))
    founder(client)
    for name in ("portal:requests", "portal:kpi", "portal:team", "portal:apply", "portal:home"):
        html = client.get(reverse(name)).content.decode()
        assert "First's secret" not in html
        assert first.user.email not in html


@pytest.mark.parametrize(
    "name",
    [
        "portal:apply",
        "portal:team",
        "portal:kpi",
        "portal:requests",
        "portal:profile",
        "portal:notifications",
    ],
)
def test_staff_are_sent_to_the_admin_and_visitors_to_sign_in(client, staff_user, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))
    client.force_login(staff_user)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url == "/admin/"


def test_company_pages_lead_an_applicant_without_a_company_home(client, user):
    client.force_login(user)
    for name in ("portal:team", "portal:kpi", "portal:requests"):
        assert client.get(reverse(name)).url == reverse("portal:home")
