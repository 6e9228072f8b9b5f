import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenants.models import ServiceRequest, ServiceRequestStatus
from tests.portal.a11y import assert_accessible
from tests.portal.world import founder, page
from tests.tenants.factories_registration import ServiceRequestFactory

pytestmark = pytest.mark.django_db


def test_a_member_asks_the_park_and_follows_the_request(client):
    membership = founder(client)
    response = client.get(reverse("portal:requests"))
    assert_accessible(response)
    response = client.post(
        reverse("portal:requests"),
        {"category": "it_network", "subject": "Wi-Fi drops", "description": "Room 301"},
    )
    service_request = ServiceRequest.objects.get(company=membership.company)
    assert response.url == reverse("portal:request_detail", kwargs={"pk": service_request.pk})
    response = client.get(response.url)
    assert_accessible(response)
    assert "Wi-Fi drops" in page(response)
    assert "Open" in page(response)
    client.post(reverse("portal:request_detail", kwargs={"pk": service_request.pk}))
    service_request.refresh_from_db()
    assert service_request.status == ServiceRequestStatus.CANCELLED


@pytest.mark.parametrize(
    ("language", "required", "choice"),
    [("en", "This field is required.", "Select a valid choice."),
     ("zh-hans", "该字段是必填项。", "选择一个有效的选项")],
)  # fmt: skip
def test_request_errors_show_in_the_page_language_and_keep_the_input(client, language, required, choice):
    founder(client)
    client.cookies["django_language"] = language
    response = client.post(
        reverse("portal:requests"), {"category": "nope", "subject": "", "description": "kept text"}
    )
    html = page(response)
    assert response.status_code == 400
    assert required in html
    assert choice in html
    assert "kept text" in html
    assert not ServiceRequest.objects.exists()


def test_another_companys_request_is_404(client):
    founder(client)
    theirs = ServiceRequestFactory()
    url = reverse("portal:request_detail", kwargs={"pk": theirs.pk})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ServiceRequestStatus.OPEN


def test_the_request_list_runs_constant_queries(client):
    membership = founder(client)
    ServiceRequestFactory(company=membership.company, requested_by=membership.user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:requests"))
    ServiceRequestFactory.create_batch(6, company=membership.company, requested_by=membership.user)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("portal:requests"))
    assert page(response).count("/portal/requests/") >= 7
    assert len(many) == len(few)
