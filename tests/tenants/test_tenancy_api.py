from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tenants.models import AgreementStatus, IncentiveGrant, IncentiveKind, MemberRole, TenancyStatus
from tenants.services import tenancy as services
from tests.accounts.factories import UserFactory
from tests.spaces.factories import CampusFactory
from tests.tenants.factories import CompanyFactory, MembershipFactory
from tests.tenants.factories_tenancy import AgreementFactory, OfficeSuiteFactory

pytestmark = pytest.mark.django_db


def executed(staff, **kwargs):  # type: ignore[no-untyped-def]
    agreement = AgreementFactory(status=AgreementStatus.SIGNED, access_cards=2, **kwargs)
    return services.agreement_execute(agreement=agreement, actor=staff)


@pytest.fixture
def member(api_client):  # type: ignore[no-untyped-def]
    """A member of a company, signed in."""
    membership = MembershipFactory(role=MemberRole.MEMBER)
    api_client.force_authenticate(membership.user)
    return membership


def test_staff_create_and_execute_an_agreement(staff_client):
    # given
    company, suite = CompanyFactory(), OfficeSuiteFactory()
    # when
    created = staff_client.post(
        reverse("api:agreement-list"),
        {
            "company": company.pk,
            "kind": "lease",
            "starts_on": "2026-01-01",
            "ends_on": "2027-01-01",
            "spaces": [suite.pk],
            "deposit": "20000.00",
            "access_cards": 2,
        },
        format="json",
    )
    pk = created.json()["id"]
    for command in ("send", "sign"):
        assert staff_client.post(reverse(f"api:agreement-{command}", args=[pk])).status_code == 200
    response = staff_client.post(reverse("api:agreement-execute", args=[pk]))
    # then
    assert created.status_code == 201
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == TenancyStatus.PENDING_MOVE_IN
    assert [s["space"] for s in body["spaces"]] == [suite.pk]
    assert "issue_card_2" in [i["code"] for i in body["checklists"][0]["items"]]


def test_execute_over_a_let_space_is_a_409_with_the_code(staff_client, staff_user):
    # given
    suite = OfficeSuiteFactory()
    executed(staff_user, spaces=[suite])
    second = AgreementFactory(status=AgreementStatus.SIGNED, spaces=[suite])
    # when
    response = staff_client.post(reverse("api:agreement-execute", args=[second.pk]))
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "tenancy_overlap"


def test_a_refused_command_is_a_400_with_the_code(staff_client):
    agreement = AgreementFactory(status=AgreementStatus.EXECUTED)
    response = staff_client.post(reverse("api:agreement-sign", args=[agreement.pk]))
    assert response.status_code == 400
    assert response.json()["code"] == "transition_not_allowed"


def test_bad_input_is_a_400_not_a_500(staff_client, staff_user):
    tenancy = executed(staff_user)
    response = staff_client.post(reverse("api:tenancy-give-notice", args=[tenancy.pk]), {"ends_on": "soon"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("name", ["agreement", "tenancy", "incentive-grant"])
def test_members_see_their_company_only_and_others_are_404(member, api_client, name):
    # given
    staff = UserFactory(is_staff=True)
    own = executed(staff, company=member.company, free_rent_months=1)
    other = executed(staff, free_rent_months=1)
    objects = {
        "agreement": (own.agreement, other.agreement),
        "tenancy": (own, other),
        "incentive-grant": (
            IncentiveGrant.objects.get(company=member.company),
            IncentiveGrant.objects.exclude(company=member.company).get(),
        ),
    }
    mine, theirs = objects[name]
    # when
    listing = api_client.get(reverse(f"api:{name}-list"))
    # then
    assert [row["id"] for row in listing.json()["results"]] == [mine.pk]
    assert api_client.get(reverse(f"api:{name}-detail", args=[mine.pk])).status_code == 200
    assert api_client.get(reverse(f"api:{name}-detail", args=[theirs.pk])).status_code == 404


def test_an_ended_membership_sees_nothing(member, api_client):
    executed(UserFactory(is_staff=True), company=member.company)
    member.is_active, member.ended_at = False, timezone.now()
    member.save()
    assert api_client.get(reverse("api:tenancy-list")).json()["count"] == 0


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("api:tenancy-move-in", {}),
        ("api:tenancy-give-notice", {"ends_on": "2026-06-01"}),
        ("api:tenancy-start-move-out", {}),
        ("api:tenancy-close", {}),
        ("api:tenancy-release-space", {"space": 1, "on": "2026-06-01"}),
    ],
)
def test_members_may_not_command_their_own_tenancy(member, api_client, url, data):
    tenancy = executed(UserFactory(is_staff=True), company=member.company)
    response = api_client.post(reverse(url, args=[tenancy.pk]), data)
    assert response.status_code == 403
    tenancy.refresh_from_db()
    assert tenancy.status == TenancyStatus.PENDING_MOVE_IN


def test_tenancy_commands_walk_the_lifecycle(staff_client, staff_user):
    # given
    suite, desk_suite = OfficeSuiteFactory(), OfficeSuiteFactory()
    tenancy = executed(staff_user, spaces=[suite, desk_suite])
    url = lambda name: reverse(f"api:tenancy-{name}", args=[tenancy.pk])  # noqa: E731
    # when / then
    assert staff_client.post(url("move-in")).json()["status"] == "active"
    released = staff_client.post(
        url("release-space"), {"space": suite.pk, "on": "2026-06-01", "cards_returned": 1}
    )
    assert released.status_code == 200
    assert [c["kind"] for c in released.json()["checklists"]] == ["move_in", "downgrade"]
    item = released.json()["checklists"][1]["items"][0]["id"]
    done = staff_client.post(url("complete-item"), {"item": item})
    assert done.json()["checklists"][1]["items"][0]["done_at"] is not None
    assert staff_client.post(url("give-notice"), {"ends_on": "2026-12-01"}).json()["ends_on"] == "2026-12-01"
    assert staff_client.post(url("start-move-out")).json()["status"] == "moving_out"
    closed = staff_client.post(url("close"), {"ends_on": "2026-11-01"})
    assert (closed.json()["status"], closed.json()["ends_on"]) == ("closed", "2026-11-01")


def test_incentive_commands(staff_client):
    grant = IncentiveGrant.objects.create(company=CompanyFactory(), kind=IncentiveKind.CASH_SUBSIDY, amount=1)
    for command, status in [("approve", "approved"), ("activate", "active"), ("claw-back", "clawed_back")]:
        response = staff_client.post(reverse(f"api:incentive-grant-{command}", args=[grant.pk]))
        assert response.json()["status"] == status


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_counts_are_constant(staff_client, staff_user, django_assert_num_queries, rows):
    # given
    for _ in range(rows):
        executed(staff_user, free_rent_months=1)
    # when / then: count + page + prefetched relations, whatever the number of rows
    with django_assert_num_queries(5):  # count, tenancies, spaces (+ space), checklists, items
        assert staff_client.get(reverse("api:tenancy-list")).json()["count"] == rows
    with django_assert_num_queries(3):
        assert staff_client.get(reverse("api:agreement-list")).json()["count"] == rows
    with django_assert_num_queries(2):
        assert staff_client.get(reverse("api:incentive-grant-list")).json()["count"] == rows


def test_occupancy_endpoint_is_staff_only_and_reads_the_date(staff_client, staff_user, member, api_client):
    # given
    campus = CampusFactory()
    suite = OfficeSuiteFactory(floor__building__campus=campus, area_m2=Decimal("80"))
    executed(staff_user, spaces=[suite])
    # when
    denied = api_client.get(reverse("api:occupancy-list"), {"campus": campus.pk})
    api_client.force_authenticate(staff_user)
    response = api_client.get(reverse("api:occupancy-list"), {"campus": campus.pk, "on": "2026-03-01"})
    missing = api_client.get(reverse("api:occupancy-list"))
    # then
    assert denied.status_code == 403
    assert response.status_code == 200
    assert response.json()["totals"]["leased_area_m2"] == "80.00"
    assert missing.status_code == 400
