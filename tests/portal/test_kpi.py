import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenants.models import KPIReturnStatus
from tests.portal.a11y import assert_accessible
from tests.portal.world import founder, page
from tests.tenants.factories_incubation import IncubationFactory, KPIReturnFactory

pytestmark = pytest.mark.django_db

FIGURES = {
    "revenue": "120000.00",
    "rd_spend": "30000",
    "funding_raised": "0",
    "tax_paid": "5000",
    "headcount": "12",
    "rd_staff": "7",
    "patents_filed": "1",
    "patents_granted": "0",
    "software_copyrights": "2",
}


def _return_for(membership, **kwargs):
    return KPIReturnFactory(incubation=IncubationFactory(company=membership.company), **kwargs)


def test_a_founder_submits_the_figures_and_sees_the_status(client):
    membership = founder(client)
    kpi_return = _return_for(membership)
    response = client.get(reverse("portal:kpi"))
    assert_accessible(response)
    assert "Requested" in page(response)
    url = reverse("portal:kpi_detail", kwargs={"pk": kpi_return.pk})
    assert_accessible(client.get(url))
    response = client.post(url, FIGURES)
    assert response.status_code == 302
    kpi_return.refresh_from_db()
    assert kpi_return.status == KPIReturnStatus.SUBMITTED
    assert kpi_return.headcount == 12
    assert kpi_return.submitted_by == membership.user
    assert "Submitted" in page(client.get(url))


@pytest.mark.parametrize(
    ("language", "required", "constraint"),
    [("en", "This field is required.", "R&amp;D staff cannot outnumber the headcount."),
     ("zh-hans", "该字段是必填项。", "研发人员数不能超过员工人数。")],
)  # fmt: skip
def test_bad_figures_show_errors_in_the_page_language_and_keep_the_input(
    client, language, required, constraint
):
    membership = founder(client)
    kpi_return = _return_for(membership)
    client.cookies["django_language"] = language
    url = reverse("portal:kpi_detail", kwargs={"pk": kpi_return.pk})
    response = client.post(url, {**FIGURES, "revenue": "", "headcount": "3", "rd_staff": "9"})
    html = page(response)
    assert response.status_code == 400
    assert required in html
    assert constraint in html
    assert 'value="9"' in html
    kpi_return.refresh_from_db()
    assert kpi_return.status == KPIReturnStatus.REQUESTED


def test_a_verified_return_is_read_only(client):
    membership = founder(client)
    kpi_return = _return_for(membership)
    from django.utils import timezone

    kpi_return.status, kpi_return.locked_at = KPIReturnStatus.VERIFIED, timezone.now()
    kpi_return.save()
    url = reverse("portal:kpi_detail", kwargs={"pk": kpi_return.pk})
    assert "Submit the figures" not in page(client.get(url))
    response = client.post(url, FIGURES)
    assert response.status_code == 400
    assert "cannot be changed any more" in page(response)


def test_another_companys_return_is_404(client):
    founder(client)
    theirs = _return_for(founder())
    url = reverse("portal:kpi_detail", kwargs={"pk": theirs.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, FIGURES).status_code == 404


def test_the_kpi_list_runs_constant_queries(client):
    from datetime import date

    membership = founder(client)
    incubation = IncubationFactory(company=membership.company)
    KPIReturnFactory(incubation=incubation)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:kpi"))
    for month in range(2, 8):
        KPIReturnFactory(
            incubation=incubation, period_start=date(2025, month, 1), period_end=date(2025, month, 28)
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("portal:kpi"))
    assert len(many) == len(few)
