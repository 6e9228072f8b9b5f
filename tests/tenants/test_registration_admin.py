import pytest
from django.urls import reverse

from tenants.models import RegistrationStepStatus, ServiceRequestStatus
from tenants.services import registration as services
from tests.tenants.factories_registration import ServiceRequestFactory, company_with_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    return client


def test_registration_admin_pages_render(admin_client):
    # given
    company, _owner = company_with_owner()
    case = services.registration_case_open(company=company, actor=None)
    step = case.steps.get(kind="seals")
    # when / then
    assert admin_client.get(reverse("admin:tenants_registrationcase_changelist")).status_code == 200
    assert (
        admin_client.get(reverse("admin:tenants_registrationcase_change", args=[case.pk])).status_code == 200
    )
    assert admin_client.get(reverse("admin:tenants_registrationstep_changelist")).status_code == 200
    assert (
        admin_client.get(reverse("admin:tenants_registrationstep_change", args=[step.pk])).status_code == 200
    )
    assert admin_client.get(reverse("admin:tenants_servicerequest_changelist")).status_code == 200


def test_step_admin_action_moves_through_the_service_and_reports_refusals(admin_client):
    # given
    company, _owner = company_with_owner()
    case = services.registration_case_open(company=company, actor=None)
    seals, bank = case.steps.get(kind="seals"), case.steps.get(kind="bank_account")
    url = reverse("admin:tenants_registrationstep_changelist")
    # when
    admin_client.post(url, {"action": "mark_preparing", "_selected_action": [seals.pk]})
    response = admin_client.post(url, {"action": "mark_done", "_selected_action": [bank.pk]}, follow=True)
    # then
    seals.refresh_from_db()
    bank.refresh_from_db()
    assert seals.status == RegistrationStepStatus.PREPARING
    assert bank.status == RegistrationStepStatus.NOT_STARTED
    assert "cannot go from" in response.content.decode()


def test_service_request_admin_acknowledges_through_the_service(admin_client, staff_user):
    # given
    request = ServiceRequestFactory()
    # when
    admin_client.post(
        reverse("admin:tenants_servicerequest_changelist"),
        {"action": "acknowledge", "_selected_action": [request.pk]},
    )
    # then
    request.refresh_from_db()
    assert (request.status, request.assignee) == (ServiceRequestStatus.ACKNOWLEDGED, staff_user)
    assert request.first_response_at is not None
