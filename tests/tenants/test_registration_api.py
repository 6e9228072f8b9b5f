import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tenants.models import MemberRole, RegistrationCase, ServiceRequest, ServiceRequestStatus
from tenants.services import registration as services
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory, MembershipFactory, make_uscc
from tests.tenants.factories_registration import ServiceRequestFactory, company_with_owner

pytestmark = pytest.mark.django_db


def _open_case(company=None):  # type: ignore[no-untyped-def]
    if company is None:
        company, _owner = company_with_owner()
    return services.registration_case_open(company=company, actor=None)


def _detail(name, obj, action=None):  # type: ignore[no-untyped-def]
    suffix = f"-{action}" if action else "-detail"
    return reverse(f"api:{name}{suffix}", args=[obj.pk])


@pytest.mark.parametrize("rows", [3, 30])
def test_registration_case_list_for_staff_in_constant_queries(staff_client, django_assert_num_queries, rows):
    # given
    for _ in range(rows):
        _open_case()
    # when: COUNT, cases with company and officer, their steps
    with django_assert_num_queries(3):
        response = staff_client.get(reverse("api:registration-case-list"), {"page_size": 50})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == rows
    assert [s["kind"] for s in body["results"][0]["steps"]][:2] == ["name_declaration", "domicile_proof"]
    assert [s["order"] for s in body["results"][0]["steps"]] == list(range(1, 10))


@pytest.mark.parametrize("rows", [3, 30])
def test_registration_case_list_for_a_member_shows_only_their_company(
    api_client, django_assert_num_queries, rows
):
    # given
    company, owner = company_with_owner()
    mine = _open_case(company)
    for _ in range(rows):
        _open_case()
    api_client.force_authenticate(owner)
    # when
    with django_assert_num_queries(3):
        response = api_client.get(reverse("api:registration-case-list"))
    # then
    assert [c["id"] for c in response.json()["results"]] == [mine.pk]


def test_registration_case_of_another_company_is_404(api_client):
    # given
    _company, owner = company_with_owner()
    other = _open_case()
    api_client.force_authenticate(owner)
    # when / then
    assert api_client.get(_detail("registration-case", other)).status_code == 404


def test_registration_case_open_and_step_update_are_staff_only(api_client):
    # given
    company, owner = company_with_owner()
    case = _open_case(company)
    api_client.force_authenticate(owner)
    # when
    create = api_client.post(reverse("api:registration-case-list"), {"company": company.pk})
    update = api_client.post(
        _detail("registration-case", case, "update-step"), {"kind": "seals", "status": "preparing"}
    )
    # then
    assert (create.status_code, update.status_code) == (403, 403)


def test_staff_open_a_case_and_record_the_licence(staff_client, staff_user):
    # given
    company, _owner = company_with_owner()
    # when
    response = staff_client.post(
        reverse("api:registration-case-list"),
        {"company": company.pk, "track": "expedited", "officer": staff_user.pk},
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    case = RegistrationCase.objects.get(pk=response.json()["id"])
    url = _detail("registration-case", case, "update-step")
    for status in ("preparing", "submitted", "waiting_authority"):
        assert staff_client.post(url, {"kind": "business_licence", "status": status}).status_code == 200
    response = staff_client.post(
        url,
        {
            "kind": "business_licence",
            "status": "done",
            "data": {"uscc": make_uscc(9), "issued_on": "2025-04-01"},
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    licence = next(s for s in response.json()["steps"] if s["kind"] == "business_licence")
    assert (licence["status"], licence["waiting_on"]) == ("done", "")
    company.refresh_from_db()
    assert company.uscc == make_uscc(9)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"kind": "seals", "status": "done"}, "transition_not_allowed"),
        ({"kind": "teleport", "status": "preparing"}, "invalid_choice"),
        ({"kind": "seals", "status": "flying"}, "invalid_choice"),
        ({"kind": "seals", "status": "preparing", "waiting_on": "authority"}, "waiting_on_invalid"),
        (
            {"kind": "bank_account", "status": "preparing", "data": {"opened_on": "yesterday"}},
            "step_data_invalid",
        ),
        (
            {"kind": "business_licence", "status": "preparing", "data": {"uscc": "91350100M000100Y44"}},
            "uscc_checksum",
        ),
        ({"kind": "seals", "status": "preparing", "data": ["not", "an", "object"]}, "not_a_dict"),
    ],
)
def test_step_update_bad_input_is_400_with_a_code(staff_client, payload, code):
    # given
    case = _open_case()
    # when
    response = staff_client.post(_detail("registration-case", case, "update-step"), payload, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_step_update_of_a_taken_uscc_is_400_uscc_taken(staff_client):
    # given
    CompanyFactory(uscc=make_uscc(3))
    case = _open_case()
    # when
    response = staff_client.post(
        _detail("registration-case", case, "update-step"),
        {"kind": "business_licence", "status": "preparing", "data": {"uscc": make_uscc(3)}},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json()["code"] == "uscc_taken"


def test_registration_case_cancel_needs_a_reason(staff_client):
    case = _open_case()
    url = _detail("registration-case", case, "cancel")
    assert staff_client.post(url, {}).json()["code"] == "reason_required"
    assert staff_client.post(url, {"reason": "Moved to Shenzhen"}).json()["status"] == "cancelled"


# --- service requests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_service_request_list_in_constant_queries(staff_client, django_assert_num_queries, rows):
    # given
    ServiceRequestFactory.create_batch(rows)
    # when: COUNT and one joined SELECT
    with django_assert_num_queries(2):
        response = staff_client.get(reverse("api:service-request-list"), {"page_size": 50})
    # then
    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_service_request_list_for_a_member_shows_only_their_company(
    api_client, django_assert_num_queries, rows
):
    # given
    member = MembershipFactory()
    mine = ServiceRequestFactory.create_batch(2, company=member.company, requested_by=member.user)
    ServiceRequestFactory.create_batch(rows)
    api_client.force_authenticate(member.user)
    # when
    with django_assert_num_queries(2):
        response = api_client.get(reverse("api:service-request-list"))
    # then
    assert sorted(r["id"] for r in response.json()["results"]) == sorted(r.pk for r in mine)


def test_service_request_queue_puts_open_requests_first_oldest_first(staff_client, staff_user):
    # given
    first, second, third = ServiceRequestFactory.create_batch(3)
    services.service_request_resolve(service_request=first, actor=staff_user)
    # when
    response = staff_client.get(reverse("api:service-request-list"))
    # then
    assert [r["id"] for r in response.json()["results"]] == [second.pk, third.pk, first.pk]


def test_member_creates_a_request_for_their_company_only(api_client):
    # given
    member = MembershipFactory()
    other = CompanyFactory()
    api_client.force_authenticate(member.user)
    url = reverse("api:service-request-list")
    # when
    ok = api_client.post(url, {"company": member.company.pk, "category": "mail", "subject": "Parcel for us"})
    foreign = api_client.post(url, {"company": other.pk, "category": "mail", "subject": "Parcel"})
    bad = api_client.post(url, {"company": member.company.pk, "category": "pizza", "subject": "Lunch"})
    # then
    assert ok.status_code == 201
    assert ok.json()["requested_by"] == member.user.pk
    assert (foreign.status_code, foreign.json()["code"]) == (400, "does_not_exist")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_choice")
    assert ServiceRequest.objects.count() == 1


def test_service_request_of_another_company_is_404(api_client):
    member = MembershipFactory()
    other = ServiceRequestFactory()
    api_client.force_authenticate(member.user)
    assert api_client.get(_detail("service-request", other)).status_code == 404
    assert api_client.post(_detail("service-request", other, "cancel")).status_code == 404


def test_staff_answer_and_the_requester_cancels_or_closes(api_client, staff_client):
    # given
    member = MembershipFactory(role=MemberRole.ADMIN)
    first = ServiceRequestFactory(company=member.company, requested_by=member.user)
    second = ServiceRequestFactory(company=member.company, requested_by=member.user)
    requester = APIClient()
    requester.force_authenticate(member.user)
    # when / then
    assert requester.post(_detail("service-request", first, "acknowledge")).status_code == 403
    assert (
        staff_client.post(_detail("service-request", first, "acknowledge")).json()["status"] == "acknowledged"
    )
    again = staff_client.post(_detail("service-request", first, "acknowledge"))
    assert (again.status_code, again.json()["code"]) == (400, "transition_not_allowed")
    assert staff_client.post(_detail("service-request", first, "resolve")).json()["status"] == "resolved"
    closed = requester.post(_detail("service-request", first, "close"), {"satisfaction": 4})
    assert (closed.json()["status"], closed.json()["satisfaction"]) == ("closed", 4)
    assert requester.post(_detail("service-request", second, "cancel")).json()["status"] == "cancelled"
    assert ServiceRequest.objects.get(pk=second.pk).status == ServiceRequestStatus.CANCELLED


def test_service_request_close_rating_out_of_range_is_400(staff_client, staff_user):
    request = services.service_request_resolve(service_request=ServiceRequestFactory(), actor=staff_user)
    response = staff_client.post(_detail("service-request", request, "close"), {"satisfaction": 9})
    assert (response.status_code, response.json()["code"]) == (400, "max_value")


def test_service_request_rates_endpoint_is_staff_only_and_checks_the_period(staff_client):
    # given
    ServiceRequestFactory.create_batch(2)
    url = reverse("api:service-request-rates")
    member_client = APIClient()
    member_client.force_authenticate(UserFactory())
    # when / then
    period = {"since": "2020-01-01T00:00Z", "until": "2100-01-01T00:00Z"}
    assert member_client.get(url, period).status_code == 403
    response = staff_client.get(url, period)
    assert response.status_code == 200
    assert response.json()["overall"]["total"] == 2
    backwards = staff_client.get(url, {"since": "2025-01-02T00:00Z", "until": "2025-01-01T00:00Z"})
    assert (backwards.status_code, backwards.json()["code"]) == (400, "period_order")
    missing = staff_client.get(url)
    assert (missing.status_code, missing.json()["code"]) == (400, "required")
