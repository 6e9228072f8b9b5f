import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from core.models import TransitionLog
from tenants.models import ApplicationStatus, MoreInfoRequest
from tests.accounts.factories import UserFactory
from tests.tenants.factories_applications import application_in

pytestmark = pytest.mark.django_db

S = ApplicationStatus
CHANGELIST = "admin:tenants_application_changelist"


@pytest.fixture
def admin_client(client, staff_user):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize(
    "query", [{}, {"status": "submitted"}, {"track": "expedited"}, {"eligible": "no"}, {"q": "Startup"}]
)
def test_the_application_queue_renders_with_filters(admin_client, query):
    application_in(S.SUBMITTED, track="expedited")
    application_in(S.IN_REVIEW)
    response = admin_client.get(reverse(CHANGELIST), query)
    assert response.status_code == 200


def test_the_change_page_shows_the_inlines_and_history(admin_client):
    app = application_in(S.MORE_INFO)
    response = admin_client.get(reverse("admin:tenants_application_change", args=[app.pk]))
    assert response.status_code == 200
    assert b"transition history" in response.content.lower()


def test_start_screening_action_calls_the_service_and_reports_refusals(admin_client, staff_user):
    # given
    ready, draft = application_in(S.SUBMITTED), application_in(S.DRAFT)
    # when
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "start_screening", ACTION_CHECKBOX_NAME: [ready.pk, draft.pk]},
        follow=True,
    )
    # then
    ready.refresh_from_db()
    draft.refresh_from_db()
    assert (ready.status, draft.status) == (S.SCREENING, S.DRAFT)
    assert TransitionLog.objects.for_object(ready).get().actor == staff_user
    assert "Cannot start screening" in response.content.decode()


def test_request_more_info_asks_for_the_question_first(admin_client):
    # given
    app = application_in(S.SCREENING)
    data = {"action": "request_more_info", ACTION_CHECKBOX_NAME: [app.pk]}
    # when: the first post shows the form
    response = admin_client.post(reverse(CHANGELIST), data)
    # then
    assert response.status_code == 200
    assert b"Question to the applicant" in response.content
    app.refresh_from_db()
    assert app.status == S.SCREENING
    # when: the form is confirmed
    admin_client.post(reverse(CHANGELIST), {**data, "apply": "1", "question": "Send the licence."})
    # then
    app.refresh_from_db()
    assert app.status == S.MORE_INFO
    assert MoreInfoRequest.objects.get(application=app).question == "Send the licence."


def test_assign_reviewer_action_uses_an_intermediate_form(admin_client):
    app = application_in(S.IN_REVIEW)
    reviewer = UserFactory()
    data = {
        "action": "assign_reviewer",
        ACTION_CHECKBOX_NAME: [app.pk],
        "apply": "1",
        "reviewer": reviewer.pk,
    }
    admin_client.post(reverse(CHANGELIST), data)
    assert app.reviews.filter(reviewer=reviewer).exists()
