"""Access-control test data: sites, doors, credentials, and the situations grants derive from."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from access_control.models import Door, DoorKind, Site
from spaces.models import Space
from tenants.models import AgreementStatus, MemberRole, Membership, Tenancy, TenancySpace, TenancyStatus
from tests.spaces.factories import CampusFactory
from tests.tenants.factories import CompanyFactory
from tests.tenants.factories_tenancy import AgreementFactory, OfficeSuiteFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=SHANGHAI)


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    campus = factory.SubFactory(CampusFactory)
    code = factory.Sequence(lambda n: f"site-{n}")
    name = factory.Sequence(lambda n: f"Site {n}")


class DoorFactory(DjangoModelFactory):
    """A room door of ``space`` (pass ``space=``); building and floor follow the space."""

    class Meta:
        model = Door

    site = factory.SubFactory(SiteFactory)
    space = None
    building = factory.LazyAttribute(lambda o: o.space.floor.building if o.space else None)
    floor = None
    code = factory.Sequence(lambda n: f"door-{n}")
    name = factory.Sequence(lambda n: f"Door {n}")
    kind = DoorKind.ROOM


def tenancy_of(
    *,
    space: Space | None = None,
    plan_schedule: str = "24x7",
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2028, 1, 1),
    status: str = TenancyStatus.ACTIVE,
):  # type: ignore[no-untyped-def]
    """A company holding ``space`` (an office suite by default) from ``starts_on`` to ``ends_on``."""
    company = CompanyFactory()
    space = space or OfficeSuiteFactory()
    agreement = AgreementFactory(
        company=company, status=AgreementStatus.EXECUTED, starts_on=starts_on, ends_on=ends_on, spaces=[space]
    )
    tenancy = Tenancy.objects.create(
        company=company,
        agreement=agreement,
        status=status,
        starts_on=starts_on,
        ends_on=ends_on,
        plan_schedule=plan_schedule,
    )
    TenancySpace.objects.create(
        tenancy=tenancy, space=space, company=company, starts_on=starts_on, ends_on=ends_on
    )
    return tenancy


def member_of(company, role: str = MemberRole.MEMBER):  # type: ignore[no-untyped-def]
    from tests.accounts.factories import UserFactory

    user = UserFactory()
    Membership.objects.create(company=company, user=user, role=role)
    return user
