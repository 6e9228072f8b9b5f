"""Credits: allowances per plan or company, charged on confirm, refunded before the cut-off."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from bookings.models import Booking, BookingClaim, BookingStatus, CreditAllowance, CreditEntry, CreditReason
from bookings.selectors import company_credit_balance
from bookings.services import bookings as services
from bookings.services.quotas import company_allowances
from core.models import TransitionLog
from tenants.models import AgreementKind, AgreementStatus, Tenancy, TenancyStatus
from tests.accounts.factories import UserFactory
from tests.bookings.factories import MONDAY, NOW, at, policy, room, tenant
from tests.tenants.factories_tenancy import AgreementFactory

pytestmark = pytest.mark.django_db

MARCH = date(2027, 3, 1)
BOARDROOM = "boardroom"


@pytest.fixture(autouse=True)
def _friday_before():
    with time_machine.travel(NOW, tick=False):
        yield


def plan_allowance(plan: str, credits: str, kind: str = BOARDROOM) -> CreditAllowance:
    return CreditAllowance.objects.create(plan=plan, resource_kind=kind, credits_per_month=Decimal(credits))


def add_tenancy(company, kind: str, status: str = TenancyStatus.ACTIVE) -> Tenancy:  # type: ignore[no-untyped-def]
    agreement = AgreementFactory(
        company=company,
        kind=kind,
        status=AgreementStatus.EXECUTED,
        starts_on=date(2026, 1, 1),
        ends_on=date(2028, 1, 1),
    )
    return Tenancy.objects.create(
        company=company,
        agreement=agreement,
        status=status,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        plan_schedule="24x7",
        closed_on=date(2026, 6, 30) if status == TenancyStatus.CLOSED else None,
    )


def book(resource, user, hh: int = 10, hours: int = 1, day: date = MONDAY, **kw) -> Booking:  # type: ignore[no-untyped-def]
    return services.booking_create(
        resource=resource, booked_by=user, starts_at=at(day, hh), ends_at=at(day, hh + hours), now=NOW, **kw
    )


# --- allowances ---------------------------------------------------------------------------------


def test_plan_allowance_is_the_largest_of_the_current_plans_and_an_override_wins():
    # given: a member company that also holds a lease (a third, ended lab tenancy does not count)
    _user, company = tenant(kind=AgreementKind.MEMBERSHIP)
    add_tenancy(company, AgreementKind.LEASE)
    add_tenancy(company, AgreementKind.LAB_ACCESS, status=TenancyStatus.CLOSED)
    plan_allowance(AgreementKind.MEMBERSHIP, "4")
    plan_allowance(AgreementKind.LEASE, "10")
    plan_allowance(AgreementKind.LAB_ACCESS, "50")
    plan_allowance(AgreementKind.MEMBERSHIP, "2", kind="phone_room")
    # when / then: the largest, not the sum, and the ended tenancy's plan is ignored
    assert company_allowances(company=company, month=MARCH) == {
        BOARDROOM: Decimal("10"),
        "phone_room": Decimal("2"),
    }
    # when: a company override for boardrooms
    CreditAllowance.objects.create(company=company, resource_kind=BOARDROOM, credits_per_month=Decimal("1"))
    # then: it replaces the plans' figure, also when smaller
    assert company_allowances(company=company, month=MARCH)[BOARDROOM] == Decimal("1")


def test_allowance_needs_exactly_one_of_plan_and_company_and_is_unique():
    _user, company = tenant()
    with pytest.raises(ValidationError):
        CreditAllowance(
            plan=AgreementKind.LEASE, company=company, resource_kind=BOARDROOM, credits_per_month=1
        ).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAllowance.objects.create(plan="", company=None, resource_kind=BOARDROOM, credits_per_month=1)
    plan_allowance(AgreementKind.LEASE, "3")
    with pytest.raises(IntegrityError), transaction.atomic():
        plan_allowance(AgreementKind.LEASE, "5")
    CreditAllowance.objects.create(company=company, resource_kind=BOARDROOM, credits_per_month=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAllowance.objects.create(company=company, resource_kind=BOARDROOM, credits_per_month=2)


def test_a_kind_without_an_allowance_is_not_metered():
    # given: only phone rooms are metered for members
    user, _company = tenant()
    plan_allowance(AgreementKind.MEMBERSHIP, "1", kind="phone_room")
    resource = room()
    # when: a boardroom for 8 hours
    booking = book(resource, user, hh=9, hours=8)
    # then
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.credits == 0
    assert not CreditEntry.objects.exists()


# --- charging -----------------------------------------------------------------------------------


def test_confirmed_booking_is_charged_hours_times_credits_per_hour():
    # given: 1.5 credits an hour, 10 a month
    user, company = tenant()
    plan_allowance(AgreementKind.MEMBERSHIP, "10")
    resource = room(policy(credits_per_hour=Decimal("1.5")))
    # when: 90 minutes
    booking = services.booking_create(
        resource=resource, booked_by=user, starts_at=at(MONDAY, 10), ends_at=at(MONDAY, 11, 30), now=NOW
    )
    # then
    booking.refresh_from_db()
    assert booking.credits == Decimal("2.25")
    entry = CreditEntry.objects.get()
    assert (entry.company, entry.resource_kind, entry.month, entry.amount, entry.reason, entry.booking) == (
        company,
        BOARDROOM,
        MARCH,
        Decimal("2.25"),
        CreditReason.CHARGE,
        booking,
    )


def test_exhausted_allowance_refuses_with_remaining_and_needed_and_writes_nothing():
    # given: 3 credits, 2 used
    user, _company = tenant()
    plan_allowance(AgreementKind.MEMBERSHIP, "3")
    resource = room()
    book(resource, user, hh=9, hours=2)
    # when: 2 more hours
    with pytest.raises(ValidationError) as refused:
        book(resource, user, hh=14, hours=2)
    # then
    assert refused.value.code == "quota_exhausted"
    assert "1.00 left" in refused.value.messages[0]
    assert "needs 2.00" in refused.value.messages[0]
    assert Booking.objects.count() == 1
    assert BookingClaim.objects.count() == 1
    assert CreditEntry.objects.count() == 1
    # and exactly what is left still fits
    assert book(resource, user, hh=14, hours=1).credits == Decimal("1.00")


def test_month_is_the_campus_local_month():
    # given: a 24×7 room; 07:00 on 1 April in Shanghai is still 31 March in UTC
    user, _company = tenant()
    plan_allowance(AgreementKind.MEMBERSHIP, "1")
    resource = room(policy(is_24x7=True))
    # when
    book(resource, user, hh=7, day=date(2027, 4, 1))
    # then: April's credits were used, March's are untouched
    assert CreditEntry.objects.get().month == date(2027, 4, 1)
    book(resource, user, hh=7, day=date(2027, 3, 31))
    assert set(CreditEntry.objects.values_list("month", flat=True)) == {MARCH, date(2027, 4, 1)}


def test_pending_booking_is_charged_on_approval_and_approval_fails_when_exhausted():
    # given: approval needed, 1 credit a month
    user, _company = tenant()
    plan_allowance(AgreementKind.MEMBERSHIP, "1")
    resource = room(policy(requires_approval=True))
    staff = UserFactory(is_staff=True)
    first = book(resource, user, hh=9)
    second = book(resource, user, hh=11)
    assert not CreditEntry.objects.exists()  # pending: not charged
    # when
    approved = services.booking_approve(booking=first, actor=staff)
    # then
    assert approved.credits == Decimal("1.00")
    with pytest.raises(ValidationError) as refused:
        services.booking_approve(booking=second, actor=staff)
    assert refused.value.code == "quota_exhausted"
    second.refresh_from_db()
    assert second.status == BookingStatus.PENDING_APPROVAL
    assert not TransitionLog.objects.filter(object_id=second.pk, action="approve").exists()
    # and a rejected pending booking never costs anything
    services.booking_reject(booking=second, actor=staff)
    assert CreditEntry.objects.count() == 1


def test_staff_park_bookings_are_not_metered():
    plan_allowance(AgreementKind.MEMBERSHIP, "0")
    booking = book(room(), UserFactory(is_staff=True))
    assert booking.company is None
    assert booking.credits == 0
    assert not CreditEntry.objects.exists()


# --- refunds ------------------------------------------------------------------------------------


def test_cancel_before_the_cut_off_refunds_and_the_credits_can_be_used_again():
    # given: a 2-hour cut-off, 1 credit, used
    user, company = tenant()
    plan_allowance(AgreementKind.MEMBERSHIP, "1")
    resource = room(policy(cancel_cutoff_minutes=120))
    booking = book(resource, user, hh=10)
    # when: cancelled exactly at the cut-off
    services.booking_cancel(booking=booking, actor=user, now=at(MONDAY, 8))
    # then
    refund = CreditEntry.objects.get(reason=CreditReason.REFUND)
    assert (refund.amount, refund.booking, refund.month) == (Decimal("-1.00"), booking, MARCH)
    assert company_credit_balance(company=company, month=MARCH)[0].remaining == Decimal("1.00")
    assert book(resource, user, hh=15).credits == Decimal("1.00")


def test_cancel_after_the_cut_off_keeps_the_charge_and_writes_nothing():
    user, company = tenant()
    plan_allowance(AgreementKind.MEMBERSHIP, "1")
    booking = book(room(policy(cancel_cutoff_minutes=120)), user, hh=10)
    # when: one minute late
    services.booking_cancel(booking=booking, actor=user, now=at(MONDAY, 8, 1))
    # then
    assert list(CreditEntry.objects.values_list("reason", "amount")) == [
        (CreditReason.CHARGE, Decimal("1.00"))
    ]
    assert company_credit_balance(company=company, month=MARCH)[0].remaining == Decimal("0.00")


# --- balance: selector and API ------------------------------------------------------------------


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_balance_lists_metered_kinds_and_kinds_with_usage():
    user, company = tenant()
    plan_allowance(AgreementKind.MEMBERSHIP, "5")
    plan_allowance(AgreementKind.MEMBERSHIP, "2", kind="phone_room")
    book(room(), user, hh=9, hours=2)
    CreditAllowance.objects.filter(resource_kind=BOARDROOM).delete()  # boardrooms no longer metered
    # when
    response = client_for(user).get(reverse("api:credit-balance-list"), {"month": "2027-03"})
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {
        "company": company.pk,
        "month": "2027-03",
        "balances": [
            {"resource_kind": BOARDROOM, "allowance": None, "used": "2.00", "remaining": None},
            {"resource_kind": "phone_room", "allowance": "2.00", "used": "0.00", "remaining": "2.00"},
        ],
    }


def test_balance_is_scoped_to_the_callers_company():
    user, _company = tenant()
    _other_user, other = tenant()
    staff = UserFactory(is_staff=True)
    url = reverse("api:credit-balance-list")
    # a member naming another company: 403; staff must name one; staff naming it: 200
    assert client_for(user).get(url, {"company": other.pk}).json()["code"] == "not_a_member"
    assert client_for(user).get(url, {"company": other.pk}).status_code == 403
    missing = client_for(staff).get(url)
    assert missing.status_code == 400
    assert "company_required" in str(missing.json())
    assert client_for(staff).get(url, {"company": other.pk}).json()["company"] == other.pk
    bad = client_for(user).get(url, {"month": "March"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    # without a month: this month (Beijing time)
    assert client_for(user).get(url).json()["month"] == "2027-02"


def test_balance_runs_a_constant_number_of_queries():
    user, company = tenant()
    client = client_for(user)
    kinds = ["boardroom", "phone_room", "hot_desk", "lab", "event_hall"]
    for kind in kinds:
        plan_allowance(AgreementKind.MEMBERSHIP, "100", kind=kind)

    def charge(n: int) -> None:
        for i in range(n):
            CreditEntry.objects.create(
                company=company, resource_kind=kinds[i % 5], month=MARCH, amount=1, reason=CreditReason.CHARGE
            )

    def counted() -> tuple[Decimal, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("api:credit-balance-list"), {"month": "2027-03"})
        assert response.status_code == 200
        return sum(Decimal(row["used"]) for row in response.json()["balances"]), len(ctx.captured_queries)

    charge(3)
    used, few = counted()
    assert used == 3
    charge(20)
    used, many = counted()
    assert used == 23
    assert few == many
