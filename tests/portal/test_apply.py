from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tenants.models import Application, ApplicationStatus, DocumentKind
from tenants.services import applications as services
from tests.accounts.factories import UserFactory
from tests.portal.a11y import assert_accessible
from tests.portal.world import page
from tests.tenants.factories import SectorFactory
from tests.tenants.factories_applications import ApplicationFactory, pdf_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(client):
    user = UserFactory(full_name="Wang Fang")
    client.force_login(user)
    return user


def _company_data(sector, **overrides):
    return {
        "applicant_name": "Wang Fang",
        "applicant_phone": "13800000000",
        "company_name": "Lotus Robotics",
        "company_name_zh": "莲花机器人",
        "sector": sector.pk,
        "founded_on": (timezone.localdate() - timedelta(days=300)).isoformat(),
        "team_size": 5,
        "funding_stage": "seed",
        "summary": "Robots that pick lotus roots.",
        **overrides,
    }


def _founders(*rows):
    data = {"founders-TOTAL_FORMS": str(len(rows)), "founders-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"founders-{i}-{key}"] = value
    return data


def test_a_founder_applies_step_by_step_and_sees_the_status(client, applicant):
    sector = SectorFactory()
    # company: a draft is saved
    response = client.get(reverse("portal:apply_new"))
    assert_accessible(response)
    response = client.post(reverse("portal:apply_new"), _company_data(sector))
    application = Application.objects.get(applicant=applicant)
    assert application.status == ApplicationStatus.DRAFT
    assert application.company_name == "Lotus Robotics"
    assert response.url == reverse("portal:apply_step", kwargs={"pk": application.pk, "step": "founders"})
    # founders
    response = client.get(response.url)
    assert_accessible(response)
    response = client.post(
        response.request["PATH_INFO"],
        _founders({"name": "Wang Fang", "email": "wang@example.com", "is_returnee": "on"}, {"name": ""}),
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert [f.name for f in application.founders.all()] == ["Wang Fang"]
    assert application.is_returnee_founded
    # needs
    needs = reverse("portal:apply_step", kwargs={"pk": application.pk, "step": "needs"})
    assert_accessible(client.get(needs))
    client.post(needs, {"requested_space": "coworking_desks", "requested_desks": 4, "requested_start_on": ""})
    application.refresh_from_db()
    assert application.requested_desks == 4
    # documents: upload, then move on
    documents = reverse("portal:apply_step", kwargs={"pk": application.pk, "step": "documents"})
    assert_accessible(client.get(documents))
    response = client.post(documents, {"kind": DocumentKind.BUSINESS_PLAN, "file": pdf_file()})
    assert response.status_code == 302
    assert application.documents.count() == 1
    response = client.post(documents, {"next": "1"})
    review = reverse("portal:apply_step", kwargs={"pk": application.pk, "step": "review"})
    assert response.url == review
    # review and submit
    response = client.get(review)
    assert_accessible(response)
    assert "Lotus Robotics" in page(response)
    response = client.post(review)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.track == "expedited"  # a returnee founder
    # the status page: state, eligibility, when the next step is due
    response = client.get(response.url)
    html = page(response)
    assert_accessible(response)
    assert "Submitted" in html
    assert "Screening: the park expects to finish this step by" in html
    assert "Pass" in html


def test_a_draft_is_resumed_where_it_was_left(client, applicant):
    application = ApplicationFactory(applicant=applicant, company_name="Half Done")
    response = client.get(reverse("portal:apply"))
    assert_accessible(response)
    assert reverse("portal:apply_step", kwargs={"pk": application.pk, "step": "company"}) in page(response)
    response = client.get(reverse("portal:apply_step", kwargs={"pk": application.pk, "step": "company"}))
    assert 'value="Half Done"' in page(response)


@pytest.mark.parametrize(
    ("language", "required", "min_value"),
    [("en", "This field is required.", "Ensure this value is greater than or equal to 1."),
     ("zh-hans", "该字段是必填项。", "确保该值大于或等于1。")],
)  # fmt: skip
def test_the_company_step_shows_errors_in_the_page_language_and_keeps_the_input(
    client, applicant, language, required, min_value
):
    client.cookies["django_language"] = language
    sector = SectorFactory()
    response = client.post(reverse("portal:apply_new"), _company_data(sector, company_name="", team_size=0))
    html = page(response)
    assert response.status_code == 400
    assert required in html
    assert min_value in html
    assert 'value="莲花机器人"' in html
    assert "Robots that pick lotus roots." in html
    assert not Application.objects.exists()
    assert_accessible(response)


def test_the_founders_step_needs_a_founder(client, applicant):
    application = ApplicationFactory(applicant=applicant)
    url = reverse("portal:apply_step", kwargs={"pk": application.pk, "step": "founders"})
    response = client.post(url, _founders({"name": "", "email": "bad"}, {"name": "", "title": "CTO"}))
    assert response.status_code == 400
    assert "Enter a valid email address." in page(response)
    assert "Give the founder&#x27;s name." in page(response)
    assert 'value="CTO"' in page(response)


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (SimpleUploadedFile("plan.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
         "Upload a PDF, PNG, JPEG or Word (.docx) file."),
        (SimpleUploadedFile("plan.pdf", b"not really a pdf", content_type="application/pdf"),
         "The file&#x27;s content is not a .pdf file."),
        (SimpleUploadedFile("plan.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), content_type="application/pdf"),
         "The file is larger than 10 MB."),
    ],
)  # fmt: skip
def test_documents_are_checked_for_type_and_size(client, applicant, upload, error):
    application = ApplicationFactory(applicant=applicant)
    url = reverse("portal:apply_step", kwargs={"pk": application.pk, "step": "documents"})
    response = client.post(url, {"kind": DocumentKind.BUSINESS_PLAN, "file": upload})
    assert response.status_code == 400
    assert error in page(response)
    assert application.documents.count() == 0
    assert f'<option value="{DocumentKind.BUSINESS_PLAN}" selected>' in page(response)


def test_the_park_asks_for_more_information_and_the_applicant_answers(client, applicant, staff_user):
    application = ApplicationFactory(applicant=applicant)
    application = services.application_submit(application=application, actor=applicant)
    application = services.application_start_screening(application=application, actor=staff_user)
    services.application_request_more_info(application=application, actor=staff_user, question="Which lab?")
    url = reverse("portal:apply_status", kwargs={"pk": application.pk})
    response = client.get(url)
    html = page(response)
    assert_accessible(response)
    assert "Which lab?" in html
    assert "its clock is paused" in html
    # an empty answer is refused, in Chinese too
    client.cookies["django_language"] = "zh-hans"
    response = client.post(url, {"answer": ""})
    assert response.status_code == 400
    assert "该字段是必填项。" in page(response)
    client.cookies["django_language"] = "en"
    response = client.post(url, {"answer": "The EMC chamber."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SCREENING
    assert application.more_info_requests.get().answer == "The EMC chamber."


def test_a_failed_rule_shows_its_reason(client, applicant):
    application = ApplicationFactory(
        applicant=applicant, team_size=1, founded_on=timezone.localdate() - timedelta(days=3000)
    )
    services.application_submit(application=application, actor=applicant)
    html = page(client.get(reverse("portal:apply_status", kwargs={"pk": application.pk})))
    assert "does not meet every admission rule" in html
    assert "Not met" in html


def test_a_submitted_application_cannot_be_edited(client, applicant):
    application = services.application_submit(
        application=ApplicationFactory(applicant=applicant), actor=applicant
    )
    url = reverse("portal:apply_step", kwargs={"pk": application.pk, "step": "company"})
    assert client.post(url, {"company_name": "Changed"}).url == reverse(
        "portal:apply_status", kwargs={"pk": application.pk}
    )
    application.refresh_from_db()
    assert application.company_name != "Changed"


def test_another_persons_application_is_404(client, applicant):
    other = ApplicationFactory()
    for url in (
        reverse("portal:apply_status", kwargs={"pk": other.pk}),
        reverse("portal:apply_step", kwargs={"pk": other.pk, "step": "company"}),
        reverse("portal:apply_step", kwargs={"pk": other.pk, "step": "documents"}),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"answer": "x"}).status_code == 404


def test_the_applications_list_runs_constant_queries(client, applicant, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ApplicationFactory(applicant=applicant)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("portal:apply"))
    ApplicationFactory.create_batch(5, applicant=applicant)
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("portal:apply"))
    assert response.status_code == 200
    assert len(six) == len(one)


@pytest.mark.parametrize(("has_password", "expected"), [(True, "sign in with your e-mail address"),
                                                         (False, "Forgot your password?")])  # fmt: skip
def test_the_approval_e_mail_fits_how_the_owner_signs_in(
    django_capture_on_commit_callbacks, settings, has_password, expected
):
    settings.SITE_URL = "https://campus.example.cn"
    from notifications.models import Notification
    from tests.tenants.factories_applications import application_in, lead_user

    owner = UserFactory()
    if not has_password:
        owner.set_unusable_password()
        owner.save()
    application = application_in(ApplicationStatus.IN_REVIEW, applicant=owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(application=application, actor=lead_user(), decision="approve")
    notification = Notification.objects.get(recipient=owner, kind="tenants.applications.approved")
    assert expected in notification.body
    # the approval is the owner's invitation: it links to the portal
    assert notification.link == reverse("portal:home")
    assert f"Open the portal here:\nhttps://campus.example.cn{reverse('portal:home')}" in notification.body
