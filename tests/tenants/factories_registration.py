import factory
from factory.django import DjangoModelFactory

from tenants.models import MemberRole, ServiceRequest, ServiceRequestCategory
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory, MembershipFactory


def company_with_owner(**kwargs):  # type: ignore[no-untyped-def]
    """An unregistered company (no USCC yet) and its owner."""
    kwargs.setdefault("uscc", "")
    company = CompanyFactory(**kwargs)
    owner = MembershipFactory(company=company, role=MemberRole.OWNER).user
    return company, owner


class ServiceRequestFactory(DjangoModelFactory):
    class Meta:
        model = ServiceRequest

    company = factory.SubFactory(CompanyFactory)
    requested_by = factory.SubFactory(UserFactory)
    category = ServiceRequestCategory.FACILITIES
    subject = factory.Sequence(lambda n: f"Request {n}")
