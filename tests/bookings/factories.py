"""Bookings test data: resources come from bookable spaces (the receiver makes them)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bookings.models import BookingPolicy, OpeningHours, Resource
from spaces.models import Space
from tenants.models import AgreementKind, AgreementStatus, MemberRole, Membership, Tenancy, TenancyStatus
from tests.accounts.factories import UserFactory
from tests.spaces.factories import CoworkingAreaFactory, DeskFactory, SpaceFactory
from tests.tenants.factories import CompanyFactory
from tests.tenants.factories_tenancy import AgreementFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday well inside every test tenancy; tests pass ``now`` or travel to it.
MONDAY = date(2027, 3, 1)
NOW = datetime(2027, 2, 26, 9, 0, tzinfo=SHANGHAI)


def at(day: date, hh: int, mm: int = 0, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=tz)


def policy(**fields: object) -> BookingPolicy:
    """A policy open Mon–Fri 08:00–20:00 (override any field)."""
    fields.setdefault("name", f"Policy {BookingPolicy.objects.count() + 1}")
    fields.setdefault("check_in_required", False)
    pol = BookingPolicy.objects.create(**fields)
    if not pol.is_24x7:
        OpeningHours.objects.bulk_create(
            OpeningHours(policy=pol, weekday=d, opens_at=time(8), closes_at=time(20)) for d in range(5)
        )
    return pol


def resource_of(space: Space, pol: BookingPolicy | None = None) -> Resource:
    resource = Resource.objects.select_related("campus", "policy").get(space=space)
    if pol is not None:
        resource.policy = pol
        resource.save(update_fields=["policy"])
    return resource


def room(pol: BookingPolicy | None = None, **space_fields: object) -> Resource:
    return resource_of(SpaceFactory(**space_fields), pol or policy())


def area_with_desks(n: int = 2, pol: BookingPolicy | None = None) -> tuple[Resource, list[Resource]]:
    pol = pol or policy()
    area = CoworkingAreaFactory()
    desks = [DeskFactory(parent=area, floor=area.floor) for _ in range(n)]
    return resource_of(area, pol), [resource_of(d, pol) for d in desks]


def tenant(company=None, role: str = MemberRole.OWNER, kind: str = AgreementKind.MEMBERSHIP):  # type: ignore[no-untyped-def]
    """A person in a company that holds a current tenancy (2026–2028)."""
    if company is None:
        company = CompanyFactory()
        agreement = AgreementFactory(
            company=company,
            kind=kind,
            status=AgreementStatus.EXECUTED,
            starts_on=date(2026, 1, 1),
            ends_on=date(2028, 1, 1),
        )
        Tenancy.objects.create(
            company=company,
            agreement=agreement,
            status=TenancyStatus.ACTIVE,
            starts_on=agreement.starts_on,
            ends_on=agreement.ends_on,
            plan_schedule="24x7",
        )
    user = UserFactory()
    Membership.objects.create(company=company, user=user, role=role)
    return user, company
