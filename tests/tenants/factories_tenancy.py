from datetime import date
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from spaces.models import SpaceKind
from tenants.models import Agreement, AgreementKind, AgreementSpace, MemberRole, Membership
from tests.accounts.factories import UserFactory
from tests.spaces.factories import SpaceFactory
from tests.tenants.factories import CompanyFactory


class OfficeSuiteFactory(SpaceFactory):
    kind = SpaceKind.OFFICE_SUITE
    capacity = 10
    area_m2 = Decimal("100")
    is_bookable = False


class AgreementFactory(DjangoModelFactory):
    """A draft lease of one office suite for 2026 (add ``spaces=[...]`` to choose them)."""

    class Meta:
        model = Agreement
        skip_postgeneration_save = True

    company = factory.SubFactory(CompanyFactory)
    kind = AgreementKind.LEASE
    starts_on = date(2026, 1, 1)
    ends_on = date(2027, 1, 1)
    monthly_rent = Decimal("10000")

    @factory.post_generation
    def spaces(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if not create:
            return
        for space in extracted if extracted is not None else [OfficeSuiteFactory()]:
            AgreementSpace.objects.create(agreement=self, space=space)


def owner_of(company):  # type: ignore[no-untyped-def]
    """The company's owner (created if it has none)."""
    membership = Membership.objects.filter(company=company, role=MemberRole.OWNER).first()
    if membership is None:
        membership = Membership.objects.create(company=company, user=UserFactory(), role=MemberRole.OWNER)
    return membership.user
