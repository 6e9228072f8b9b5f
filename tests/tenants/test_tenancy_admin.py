from decimal import Decimal

import pytest
from django.urls import reverse

from tenants.models import AgreementStatus, Tenancy, TenancyStatus
from tenants.services import tenancy as services
from tests.tenants.factories_tenancy import AgreementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("model", ["agreement", "tenancy", "checklist", "deposit", "incentivegrant"])
def test_admin_changelist_and_change_pages_render(admin_client, staff_user, model):
    # given
    agreement = AgreementFactory(status=AgreementStatus.SIGNED, deposit=Decimal("100"), free_rent_months=1)
    tenancy = services.agreement_execute(agreement=agreement, actor=staff_user)
    obj = {
        "agreement": agreement,
        "tenancy": tenancy,
        "checklist": tenancy.checklists.get(),
        "deposit": tenancy.deposit,
        "incentivegrant": agreement.incentive_grants.get(),
    }[model]
    # when
    changelist = admin_client.get(reverse(f"admin:tenants_{model}_changelist"))
    change = admin_client.get(reverse(f"admin:tenants_{model}_change", args=[obj.pk]))
    # then
    assert changelist.status_code == 200
    assert change.status_code == 200


def test_admin_execute_action_calls_the_service_and_reports_refusals(admin_client):
    # given
    signed, draft = AgreementFactory(status=AgreementStatus.SIGNED), AgreementFactory()
    # when
    response = admin_client.post(
        reverse("admin:tenants_agreement_changelist"),
        {"action": "execute", "_selected_action": [signed.pk, draft.pk]},
        follow=True,
    )
    # then
    assert Tenancy.objects.get().agreement == signed
    assert Tenancy.objects.get().status == TenancyStatus.PENDING_MOVE_IN
    texts = [str(m) for m in response.context["messages"]]
    assert any("draft" in t for t in texts)
