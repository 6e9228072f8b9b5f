import factory
from factory.django import DjangoModelFactory

from tenants.models import Company, MemberRole, Membership, Sector
from tenants.validators import uscc_check_character
from tests.accounts.factories import UserFactory


def make_uscc(n: int) -> str:
    """A valid unified social credit code: a company (91), Beijing E-Town region 110115, serial n."""
    first17 = f"91110115{n:09d}"
    return first17 + uscc_check_character(first17)


class SectorFactory(DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"sector-{n}")
    name = factory.Sequence(lambda n: f"Sector {n}")


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Startup {n}")
    name_zh = factory.Sequence(lambda n: f"创业公司{n}")
    uscc = factory.Sequence(make_uscc)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    company = factory.SubFactory(CompanyFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.MEMBER
