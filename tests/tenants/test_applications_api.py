import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import TransitionLog
from tenants.models import Application, ApplicationDocument, ApplicationFounder, ApplicationStatus
from tenants.models import applications as models
from tests.accounts.factories import UserFactory
from tests.tenants.factories import SectorFactory
from tests.tenants.factories_applications import PDF_BYTES, ApplicationFactory, application_in, lead_user

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def _url(name, app=None):  # type: ignore[no-untyped-def]
    return reverse(f"api:application-{name}", args=[app.pk] if app else [])


def test_an_applicant_creates_a_draft_with_founders(api_client):
    # given
    applicant = UserFactory(email="lin@example.com", full_name="Lin Wei")
    SectorFactory(code="ai")
    api_client.force_authenticate(applicant)
    # when
    response = api_client.post(
        _url("list"),
        {
            "company_name": "Deep Drone",
            "sector": "ai",
            "team_size": 3,
            "founders": [{"name": "Lin Wei", "is_returnee": True}],
        },
        format="json",
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["applicant"], body["applicant_email"]) == (
        "draft",
        applicant.pk,
        "lin@example.com",
    )
    assert body["founders"][0]["is_returnee"] is True


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"company_name": "X", "sector": "ai", "team_size": 0}, "team_size", "team_size_min"),
        ({"company_name": "X", "sector": "nope"}, "sector", "does_not_exist"),
        ({"sector": "ai"}, "company_name", "required"),
        (
            {"company_name": "X", "sector": "ai", "requested_space": "castle"},
            "requested_space",
            "invalid_choice",
        ),
        ({"company_name": "X", "sector": "ai", "founders": [{"email": "a@b.c"}]}, "founders", "required"),
    ],
)
def test_bad_draft_input_is_a_400_with_a_code_and_writes_nothing(user_client, payload, field, code):
    # given
    SectorFactory(code="ai")
    # when
    response = user_client.post(_url("list"), payload, format="json")
    # then
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"]
    assert body["code"] == code
    assert not Application.objects.exists()
    assert not ApplicationFounder.objects.exists()


def test_another_applicants_application_is_404_for_reads_and_writes(api_client):
    # given
    theirs = application_in(S.DRAFT)
    api_client.force_authenticate(UserFactory())
    # when / then
    assert api_client.get(_url("detail", theirs)).status_code == 404
    assert api_client.patch(_url("detail", theirs), {"team_size": 9}, format="json").status_code == 404
    assert api_client.post(_url("submit", theirs)).status_code == 404
    assert api_client.post(_url("withdraw", theirs)).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.team_size) == (S.DRAFT, 4)


def test_applicants_see_only_their_own_applications_and_those_matching_their_email(api_client):
    # given
    me = UserFactory(email="me@example.com")
    mine = ApplicationFactory(applicant=me)
    by_email = ApplicationFactory(applicant=None, applicant_email="ME@example.com")
    ApplicationFactory()
    api_client.force_authenticate(me)
    # when
    response = api_client.get(_url("list"))
    # then
    assert {row["id"] for row in response.json()["results"]} == {mine.pk, by_email.pk}


def test_an_applicant_cannot_run_staff_commands(api_client):
    # given
    app = application_in(S.SUBMITTED)
    api_client.force_authenticate(app.applicant)
    # when
    response = api_client.post(_url("start-screening", app))
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "actor_not_allowed"
    app.refresh_from_db()
    assert app.status == S.SUBMITTED


def test_a_command_in_the_wrong_state_is_a_400_transition_not_allowed(staff_client):
    app = application_in(S.DRAFT)
    response = staff_client.post(_url("complete", app))
    assert response.status_code == 400
    assert response.json()["code"] == "transition_not_allowed"


def test_anonymous_is_refused(api_client):
    app = application_in(S.DRAFT)
    assert api_client.get(_url("list")).status_code == 403
    assert api_client.post(_url("submit", app)).status_code == 403


def test_staff_walk_an_application_to_a_decision_through_the_api(api_client):
    # given
    app = application_in(S.DRAFT)
    staff, lead, reviewer = UserFactory(is_staff=True), lead_user(), UserFactory()
    # when
    api_client.force_authenticate(app.applicant)
    assert api_client.post(_url("submit", app)).json()["status"] == "submitted"
    api_client.force_authenticate(staff)
    assert api_client.post(_url("start-screening", app)).json()["status"] == "screening"
    assert api_client.post(_url("screen", app), {}, format="json").json()["status"] == "in_review"
    response = api_client.post(_url("assign-reviewer", app), {"reviewer": reviewer.pk}, format="json")
    assert response.status_code == 201
    api_client.force_authenticate(reviewer)
    assert api_client.get(_url("detail", app)).status_code == 200
    response = api_client.post(_url("review", app), {"recommendation": "approve", "score": 8}, format="json")
    assert response.status_code == 200
    api_client.force_authenticate(lead)
    response = api_client.post(_url("decide", app), {"decision": "approve"}, format="json")
    # then
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["company"] is not None


def test_review_score_out_of_range_is_a_400_and_changes_nothing(api_client):
    app = application_in(S.IN_REVIEW)
    reviewer = app.reviews.get(submitted_at=None).reviewer
    api_client.force_authenticate(reviewer)
    logs = TransitionLog.objects.count()
    response = api_client.post(_url("review", app), {"recommendation": "approve", "score": 11}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["score"][0]["code"] == "max_value"
    assert TransitionLog.objects.count() == logs
    assert app.reviews.get(reviewer=reviewer).submitted_at is None


@pytest.mark.parametrize(
    ("name", "content", "size", "code"),
    [
        ("plan.exe", b"MZ\x90\x00", None, "document_type_not_allowed"),
        ("plan.pdf", b"\x89PNG\r\n\x1a\nfake", None, "document_type_mismatch"),
        ("plan.pdf", b"", None, "document_empty"),
        ("plan.pdf", PDF_BYTES, models.DOCUMENT_MAX_BYTES + 1, "document_too_large"),
    ],
)
def test_document_upload_refuses_bad_types_and_sizes(api_client, name, content, size, code):
    # given
    app = application_in(S.DRAFT)
    api_client.force_authenticate(app.applicant)
    before = ApplicationDocument.objects.count()
    if size:
        content = content + b"0" * (size - len(content))
    # when
    response = api_client.post(
        _url("documents", app),
        {"kind": "licence", "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    # then
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert ApplicationDocument.objects.count() == before


def test_document_upload_accepts_a_pdf(api_client):
    app = application_in(S.DRAFT)
    api_client.force_authenticate(app.applicant)
    response = api_client.post(
        _url("documents", app),
        {"kind": "licence", "file": SimpleUploadedFile("licence.pdf", PDF_BYTES)},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert app.documents.filter(kind="licence").exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_takes_a_constant_number_of_queries(staff_client, django_assert_num_queries, rows):
    # given
    for _ in range(rows):
        application_in(S.MORE_INFO)
    # when
    with django_assert_num_queries(5):  # count, page, founders, documents, more-info requests
        response = staff_client.get(_url("list"))
    # then
    assert response.status_code == 200
    assert response.json()["count"] == rows


def test_the_staff_list_puts_expedited_first_then_oldest(staff_client):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    old_standard = application_in(S.SUBMITTED, submitted_at=now - timedelta(days=3))
    new_expedited = application_in(S.SUBMITTED, submitted_at=now, track="expedited")
    old_expedited = application_in(S.SUBMITTED, submitted_at=now - timedelta(days=1), track="expedited")
    ids = [row["id"] for row in staff_client.get(_url("list")).json()["results"]]
    assert ids == [old_expedited.pk, new_expedited.pk, old_standard.pk]
