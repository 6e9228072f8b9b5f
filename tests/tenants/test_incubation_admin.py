from datetime import date

import pytest
from django.urls import reverse

from tenants.models import Incubation, IncubationStatus, KPIReturnStatus, MemberRole
from tests.tenants.factories import CompanyFactory, MembershipFactory
from tests.tenants.factories_incubation import IncubationFactory, KPIReturnFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("model", ["programme", "cohort", "incubation", "kpireturn", "mentorsession"])
def test_changelists_and_add_pages_open(admin_client, model):
    IncubationFactory()
    KPIReturnFactory(status=KPIReturnStatus.SUBMITTED)
    assert admin_client.get(reverse(f"admin:tenants_{model}_changelist")).status_code == 200
    if model != "kpireturn":  # returns are created by the monthly request run only
        assert admin_client.get(reverse(f"admin:tenants_{model}_add")).status_code == 200


@pytest.mark.parametrize("limit", ["30", "90", "passed"])
def test_incubations_filter_by_limit_soon(admin_client, limit):
    IncubationFactory()
    response = admin_client.get(reverse("admin:tenants_incubation_changelist"), {"limit": limit})
    assert response.status_code == 200


def test_incubation_change_page_shows_history(admin_client):
    incubation = IncubationFactory()
    response = admin_client.get(reverse("admin:tenants_incubation_change", args=[incubation.pk]))
    assert response.status_code == 200


def test_admin_admission_applies_the_age_rule_and_the_override(admin_client):
    # given
    programme, company = ProgrammeFactory(), CompanyFactory(founded_on=date(2020, 1, 1))
    url = reverse("admin:tenants_incubation_add")
    body = {
        "company": company.pk,
        "programme": programme.pk,
        "admitted_on": "2025-03-15",
        **{f"{p}-{k}": v for p in ("milestones", "mentor_allocations") for k, v in
           {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()},
    }  # fmt: skip
    # when
    refused = admin_client.post(url, body)
    admitted = admin_client.post(url, body | {"override_reason": "Re-founded after a spin-off"})
    # then
    assert refused.status_code == 200
    assert "more than 24 months" in refused.content.decode()
    assert admitted.status_code == 302
    incubation = Incubation.objects.get()
    assert (incubation.limit_on, incubation.age_override_reason) == (
        date(2029, 3, 15),
        "Re-founded after a spin-off",
    )


def test_graduate_action_asks_for_the_basis_then_graduates(admin_client):
    # given
    incubation = IncubationFactory()
    MembershipFactory(company=incubation.company, role=MemberRole.OWNER)
    url = reverse("admin:tenants_incubation_changelist")
    # when
    form = admin_client.post(url, {"action": "graduate", "_selected_action": [incubation.pk]})
    done = admin_client.post(
        url,
        {
            "action": "graduate",
            "_selected_action": [incubation.pk],
            "apply": "1",
            "basis": "acquisition_or_listing",
            "evidence": "Acquired by a listed company",
            "on": "2026-06-01",
        },
    )
    # then
    assert form.status_code == 200
    assert b"graduation basis" in form.content.lower()
    assert done.status_code == 302
    incubation.refresh_from_db()
    assert incubation.status == IncubationStatus.GRADUATED


def test_verify_action_locks_and_the_locked_return_is_read_only(admin_client):
    kpi_return = KPIReturnFactory(status=KPIReturnStatus.SUBMITTED, revenue=5, headcount=3, rd_staff=1)
    admin_client.post(
        reverse("admin:tenants_kpireturn_changelist"),
        {"action": "verify", "_selected_action": [kpi_return.pk]},
    )
    kpi_return.refresh_from_db()
    assert kpi_return.is_locked
    page = admin_client.get(reverse("admin:tenants_kpireturn_change", args=[kpi_return.pk]))
    assert b'name="revenue"' not in page.content
