"""One company, eight concurrent bookings of eight different rooms, credits for three: never overspent."""

import threading
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from bookings.models import Booking, CreditAllowance, CreditEntry
from bookings.services import bookings as services
from tenants.models import AgreementKind
from tests.bookings.factories import SHANGHAI, policy, room, tenant

CLIENTS = 8
ALLOWANCE = Decimal("3")


def race() -> tuple[list[str], object]:
    # given: eight rooms, one company with 3 credits a month for boardrooms (1 credit an hour)
    pol = policy(is_24x7=True)
    rooms = [room(pol) for _ in range(CLIENTS)]
    user, company = tenant(kind=AgreementKind.MEMBERSHIP)
    CreditAllowance.objects.create(
        plan=AgreementKind.MEMBERSHIP, resource_kind="boardroom", credits_per_month=ALLOWANCE
    )
    # the same local day for everyone, well inside one month
    today = timezone.now().astimezone(SHANGHAI).date()
    day = (today.replace(day=1) + timedelta(days=40)).replace(day=10)
    start = datetime.combine(day, time(10), tzinfo=SHANGHAI)
    barrier = threading.Barrier(CLIENTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def client_run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            try:
                services.booking_create(
                    resource=rooms[index], booked_by=user, starts_at=start, ends_at=start + timedelta(hours=1)
                )
                outcome = "booked"
            except ValidationError as exc:
                outcome = exc.code or "?"
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=client_run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes, company


def assert_exactly_the_allowance_was_spent(outcomes: list[str], company: object) -> None:
    # then: exactly 3 bookings, the other 5 refused with quota_exhausted, the ledger within the allowance
    assert sorted(outcomes) == ["booked"] * 3 + ["quota_exhausted"] * 5, outcomes
    assert Booking.objects.filter(company=company).count() == 3
    spent = CreditEntry.objects.filter(company=company).aggregate(total=Sum("amount"))["total"]
    assert spent == ALLOWANCE
    assert CreditEntry.objects.filter(company=company).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_bookings_never_overspend_on_postgres():
    assert_exactly_the_allowance_was_spent(*race())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_bookings_never_overspend_on_sqlite(on_postgres):
    if on_postgres:
        pytest.skip("the PostgreSQL race has its own test")
    assert_exactly_the_allowance_was_spent(*race())
