"""32 clients hammering the same and overlapping slots through the HTTP API, on real connections.

Whatever the interleaving: no two holding bookings overlap on any shared unit (a room,
an area and its desks), every winner got 201 and every loser 409 ``booking_overlap``.
"""

import itertools
import random
import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import HOLDING_STATUSES, Booking, Resource
from tests.bookings.factories import SHANGHAI, area_with_desks, policy, room, tenant

CLIENTS = 32
ATTEMPTS = 6


def footprint(resource: Resource) -> set[int]:
    return {resource.pk, *Resource.objects.filter(parent=resource).values_list("pk", flat=True)}


def hammer() -> tuple[list[tuple[int, str]], list[Resource]]:
    # given: one room and one area with two desks, 24×7 with 10-minute buffers after
    pol = policy(is_24x7=True, buffer_after_minutes=10, slot_minutes=15, check_in_required=False)
    boardroom = room(pol)
    area, desks = area_with_desks(2, pol)
    targets = [boardroom, area, *desks]
    users = [tenant()[0] for _ in range(CLIENTS)]
    day = (timezone.now().astimezone(SHANGHAI) + timedelta(days=3)).date()
    starts = [datetime.combine(day, time(10), tzinfo=SHANGHAI) + timedelta(minutes=15 * i) for i in range(8)]
    barrier = threading.Barrier(CLIENTS)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def client_run(index: int) -> None:
        rng = random.Random(index)  # noqa: S311  (reproducible test data)
        client = APIClient()
        client.force_authenticate(users[index])
        try:
            barrier.wait(timeout=30)
            for _ in range(ATTEMPTS):
                start = rng.choice(starts)
                target = rng.choice(targets)
                response = client.post(
                    reverse("api:booking-list"),
                    {
                        "resource": target.pk,
                        "starts_at": start.isoformat(),
                        "ends_at": (start + timedelta(minutes=rng.choice([30, 45, 60]))).isoformat(),
                    },
                    format="json",
                )
                with lock:
                    results.append((response.status_code, response.json().get("code", "")))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=client_run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, targets


def assert_no_overlap_and_clean_refusals(results: list[tuple[int, str]], targets: list[Resource]) -> None:
    assert len(results) == CLIENTS * ATTEMPTS
    statuses = {status for status, _ in results}
    assert statuses <= {201, 409}, results
    assert all(code == "booking_overlap" for status, code in results if status == 409)
    won = [s for s, _ in results if s == 201]
    assert won, "somebody must win"
    assert len(won) < len(results), "and, at this contention, somebody must lose"
    bookings = list(Booking.objects.filter(status__in=HOLDING_STATUSES).select_related("resource"))
    assert len(bookings) == len(won)
    units = {r.pk: footprint(r) for r in targets}
    for a, b in itertools.combinations(bookings, 2):
        if units[a.resource_id] & units[b.resource_id]:
            assert a.blocked_until <= b.blocked_from or b.blocked_until <= a.blocked_from, (a.pk, b.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_32_clients_never_double_book_on_postgres():
    assert_no_overlap_and_clean_refusals(*hammer())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_32_clients_never_double_book_on_sqlite(on_postgres):
    if on_postgres:
        pytest.skip("the PostgreSQL race has its own test")
    assert_no_overlap_and_clean_refusals(*hammer())
