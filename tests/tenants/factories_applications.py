from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from tenants.models import (
    Application,
    ApplicationDocument,
    ApplicationFounder,
    ApplicationStatus,
    DocumentKind,
    MoreInfoRequest,
    ReviewAssignment,
)
from tenants.services.applications import ADMISSIONS_LEADS_GROUP
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory, SectorFactory

S = ApplicationStatus
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name: str = "plan.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    applicant = factory.SubFactory(UserFactory)
    applicant_email = factory.LazyAttribute(
        lambda o: o.applicant.email if o.applicant else "someone@example.com"
    )
    applicant_name = factory.LazyAttribute(lambda o: o.applicant.full_name if o.applicant else "Someone")
    company_name = factory.Sequence(lambda n: f"Applicant Startup {n}")
    company_name_zh = factory.Sequence(lambda n: f"申请公司{n}")
    sector = factory.SubFactory(SectorFactory)
    founded_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=200))
    team_size = 4


class FounderFactory(DjangoModelFactory):
    class Meta:
        model = ApplicationFounder

    application = factory.SubFactory(ApplicationFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"founder{n}@example.com")


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = ApplicationDocument

    application = factory.SubFactory(ApplicationFactory)
    kind = DocumentKind.BUSINESS_PLAN
    file = factory.LazyFunction(pdf_file)


def lead_user(**kwargs):  # type: ignore[no-untyped-def]
    user = UserFactory(is_staff=True, **kwargs)
    group, _ = Group.objects.get_or_create(name=ADMISSIONS_LEADS_GROUP)
    user.groups.add(group)
    return user


def application_in(status: str, *, return_status: str = S.SCREENING, **kwargs) -> Application:  # type: ignore[no-untyped-def]
    """An application already in ``status``, with the rows that state implies.

    It has a business plan, and from ``submitted`` on an assigned reviewer whose review is
    still open; from ``in_review`` on also a second reviewer's submitted review.
    """
    now = timezone.now()
    fields = {"status": status, **kwargs}
    if status not in (S.DRAFT, S.WITHDRAWN):
        fields.setdefault("submitted_at", now)
        fields.setdefault("eligibility_passed", True)
    if status in (S.APPROVED, S.REJECTED, S.ONBOARDING, S.DONE):
        fields.setdefault("decided_at", now)
    if status in (S.APPROVED, S.ONBOARDING, S.DONE):
        fields.setdefault("company", CompanyFactory())
    if status == S.MORE_INFO:
        fields["more_info_return_status"] = return_status
    application = ApplicationFactory(**fields)
    DocumentFactory(application=application)
    if status not in (S.DRAFT, S.WITHDRAWN):
        ReviewAssignment.objects.create(application=application, reviewer=UserFactory())
    if status in (S.IN_REVIEW, S.APPROVED, S.REJECTED, S.ONBOARDING, S.DONE):
        ReviewAssignment.objects.create(
            application=application,
            reviewer=UserFactory(),
            recommendation="approve",
            score=8,
            submitted_at=now,
        )
    if status == S.MORE_INFO:
        MoreInfoRequest.objects.create(application=application, question="Why?", requested_at=now)
    return application
