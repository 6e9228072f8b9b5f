from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tenants.models import IncubationStatus, KPIReturn, KPIReturnStatus, MemberRole
from tests.tenants.factories import CompanyFactory, MembershipFactory
from tests.tenants.factories_incubation import (
    CohortFactory,
    IncubationFactory,
    KPIReturnFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

FIGURES = {
    "revenue": "1250000.00",
    "headcount": 18,
    "rd_staff": 11,
    "rd_spend": "640000.00",
    "patents_filed": 2,
    "patents_granted": 0,
    "software_copyrights": 3,
    "funding_raised": "0",
    "tax_paid": "41000.50",
}


def _person(company, role=MemberRole.MEMBER):
    return MembershipFactory(company=company, role=role).user


# --- scoping ------------------------------------------------------------------------------------------


def test_a_companys_people_see_their_own_incubations_and_returns_only(api_client):
    # given
    mine, theirs = IncubationFactory(), IncubationFactory()
    KPIReturnFactory(incubation=mine)
    other_return = KPIReturnFactory(incubation=theirs)
    api_client.force_authenticate(_person(mine.company))
    # when
    incubations = api_client.get(reverse("api:incubation-list")).json()
    returns = api_client.get(reverse("api:kpi-return-list")).json()
    other = api_client.get(reverse("api:kpi-return-detail", args=[other_return.pk]))
    other_incubation = api_client.get(reverse("api:incubation-detail", args=[theirs.pk]))
    # then
    assert [i["id"] for i in incubations["results"]] == [mine.pk]
    assert [r["incubation"] for r in returns["results"]] == [mine.pk]
    assert (other.status_code, other_incubation.status_code) == (404, 404)


def test_a_signed_in_user_without_a_company_sees_no_incubations(user_client):
    IncubationFactory()
    assert user_client.get(reverse("api:incubation-list")).json()["count"] == 0
    assert user_client.get(reverse("api:kpi-return-list")).json()["count"] == 0


def test_anonymous_requests_are_refused(api_client):
    assert api_client.get(reverse("api:incubation-list")).status_code == 403
    assert api_client.get(reverse("api:programme-list")).status_code == 403


def test_programmes_and_cohorts_are_read_by_users_and_written_by_staff(user_client, staff_user):
    # given
    programme = ProgrammeFactory()
    CohortFactory(programme=programme)
    # when
    read = user_client.get(reverse("api:cohort-list"))
    write = user_client.post(reverse("api:programme-list"), {"name": "Hard tech"})
    user_client.force_authenticate(staff_user)
    created = user_client.post(
        reverse("api:programme-list"), {"name": "Hard tech", "default_limit_months": 0}
    )
    # then
    assert read.json()["count"] == 1
    assert write.status_code == 403
    assert created.status_code == 400
    assert created.json()["code"] == "tenants_programme_limit_positive"


# --- incubation commands ------------------------------------------------------------------------------


def test_staff_admit_and_the_age_rule_answers_400_with_its_code(staff_client):
    # given
    programme = ProgrammeFactory()
    old = CompanyFactory(founded_on=date(2020, 1, 1))
    # when
    refused = staff_client.post(
        reverse("api:incubation-list"),
        {"company": old.pk, "programme": programme.pk, "admitted_on": "2025-03-15"},
    )
    overridden = staff_client.post(
        reverse("api:incubation-list"),
        {
            "company": old.pk,
            "programme": programme.pk,
            "admitted_on": "2025-03-15",
            "override_reason": "Re-founded",
        },
    )
    # then
    assert refused.status_code == 400
    assert refused.json()["code"] == "company_too_old"
    assert overridden.status_code == 201
    assert overridden.json()["limit_on"] == "2029-03-15"


def test_graduate_by_staff_and_not_by_the_company(api_client, staff_user):
    # given
    incubation = IncubationFactory()
    url = reverse("api:incubation-graduate", args=[incubation.pk])
    body = {"basis": "high_tech_recognition", "evidence": "GR2025110001", "on": "2026-05-01"}
    # when
    api_client.force_authenticate(_person(incubation.company, MemberRole.OWNER))
    by_owner = api_client.post(url, body)
    api_client.force_authenticate(staff_user)
    bad = api_client.post(url, body | {"basis": "won_a_prize"})
    by_staff = api_client.post(url, body)
    again = api_client.post(url, body)
    # then
    assert by_owner.status_code == 403
    assert bad.status_code == 400
    assert by_staff.json()["status"] == IncubationStatus.GRADUATED
    assert (again.status_code, again.json()["code"]) == (400, "transition_not_allowed")


# --- KPI return commands ------------------------------------------------------------------------------


def test_submit_verify_then_a_locked_return_answers_400_kpi_return_locked(api_client, staff_user):
    # given
    kpi_return = KPIReturnFactory()
    member = _person(kpi_return.incubation.company)
    # when
    api_client.force_authenticate(member)
    submitted = api_client.post(
        reverse("api:kpi-return-submit", args=[kpi_return.pk]), FIGURES, format="json"
    )
    api_client.force_authenticate(staff_user)
    verified = api_client.post(reverse("api:kpi-return-verify", args=[kpi_return.pk]))
    api_client.force_authenticate(member)
    late = api_client.post(
        reverse("api:kpi-return-submit", args=[kpi_return.pk]), FIGURES | {"revenue": "1"}, format="json"
    )
    # then
    assert submitted.status_code == 200
    assert verified.json()["is_locked"] is True
    assert (late.status_code, late.json()["code"]) == (400, "kpi_return_locked")
    kpi_return.refresh_from_db()
    assert kpi_return.revenue == Decimal("1250000.00")


def test_reject_then_resubmit_over_the_api(api_client, staff_user):
    kpi_return = KPIReturnFactory(status=KPIReturnStatus.SUBMITTED)
    owner = _person(kpi_return.incubation.company, MemberRole.OWNER)
    api_client.force_authenticate(staff_user)
    no_reason = api_client.post(reverse("api:kpi-return-reject", args=[kpi_return.pk]), {})
    rejected = api_client.post(reverse("api:kpi-return-reject", args=[kpi_return.pk]), {"reason": "VAT"})
    api_client.force_authenticate(owner)
    resubmitted = api_client.post(
        reverse("api:kpi-return-submit", args=[kpi_return.pk]), FIGURES, format="json"
    )
    assert no_reason.status_code == 400
    assert rejected.json()["status"] == KPIReturnStatus.REJECTED
    assert resubmitted.json()["status"] == KPIReturnStatus.SUBMITTED


def test_bad_figures_answer_400_with_codes(api_client):
    kpi_return = KPIReturnFactory()
    api_client.force_authenticate(_person(kpi_return.incubation.company))
    url = reverse("api:kpi-return-submit", args=[kpi_return.pk])
    negative = api_client.post(url, FIGURES | {"revenue": "-5"}, format="json")
    too_many = api_client.post(url, FIGURES | {"rd_staff": 40}, format="json")
    assert (negative.status_code, negative.json()["code"]) == (400, "min_value")
    assert (too_many.status_code, too_many.json()["code"]) == (
        400,
        "tenants_kpireturn_rd_staff_within_headcount",
    )


def test_a_member_of_another_company_cannot_submit_or_see(api_client):
    kpi_return = KPIReturnFactory()
    api_client.force_authenticate(_person(CompanyFactory(), MemberRole.OWNER))
    response = api_client.post(reverse("api:kpi-return-submit", args=[kpi_return.pk]), FIGURES, format="json")
    assert response.status_code == 404
    kpi_return.refresh_from_db()
    assert kpi_return.status == KPIReturnStatus.REQUESTED


def test_company_people_cannot_verify_and_staff_cannot_submit(api_client, staff_user):
    kpi_return = KPIReturnFactory(status=KPIReturnStatus.SUBMITTED)
    api_client.force_authenticate(_person(kpi_return.incubation.company, MemberRole.OWNER))
    verify = api_client.post(reverse("api:kpi-return-verify", args=[kpi_return.pk]))
    api_client.force_authenticate(staff_user)
    submit = api_client.post(
        reverse("api:kpi-return-submit", args=[KPIReturnFactory().pk]), FIGURES, format="json"
    )
    assert verify.status_code == 403
    assert (submit.status_code, submit.json()["code"]) == (403, "actor_not_allowed")


# --- query counts -------------------------------------------------------------------------------------


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.parametrize("list_url", ["api:incubation-list", "api:kpi-return-list"])
@pytest.mark.parametrize("as_staff", [True, False])
def test_lists_run_the_same_queries_for_3_and_30_rows(api_client, staff_user, list_url, as_staff):
    # given
    company = CompanyFactory()
    api_client.force_authenticate(staff_user if as_staff else _person(company))
    counts = []
    for n in (3, 30):
        KPIReturn.objects.all().delete()
        for incubation in company.incubations.all():
            incubation.delete()
        for i in range(n):
            status = {"status": IncubationStatus.ACTIVE} if i == 0 else {
                "status": IncubationStatus.WITHDRAWN, "ended_on": date(2025, 6, 1)
            }  # fmt: skip
            incubation = IncubationFactory(company=company, cohort=CohortFactory(), **status)
            KPIReturnFactory(incubation=incubation)
        counts.append(_count_queries(api_client, reverse(list_url)))
    # then
    (few, few_rows), (many, many_rows) = counts
    assert (few_rows, many_rows) == (3, 30)
    assert few == many


@pytest.mark.parametrize("list_url", ["api:programme-list", "api:cohort-list"])
def test_reference_lists_run_constant_queries(user_client, list_url, django_assert_num_queries):
    CohortFactory.create_batch(3)
    few = _count_queries(user_client, reverse(list_url))[0]
    CohortFactory.create_batch(27)
    with django_assert_num_queries(few):
        user_client.get(reverse(list_url), {"page_size": 100})
