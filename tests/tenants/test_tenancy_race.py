"""Two executions letting the same space at the same moment, from two connections: exactly one wins."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tenants.models import Agreement, AgreementStatus, Tenancy, TenancySpace
from tenants.services import tenancy as services
from tests.accounts.factories import UserFactory
from tests.tenants.factories_tenancy import AgreementFactory, OfficeSuiteFactory


def race_two_executions() -> list[object]:
    # given: two signed agreements for the same suite, overlapping dates
    staff = UserFactory(is_staff=True)
    suite = OfficeSuiteFactory()
    agreements = [
        AgreementFactory(
            status=AgreementStatus.SIGNED,
            spaces=[suite],
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 1),
        ),
        AgreementFactory(
            status=AgreementStatus.SIGNED,
            spaces=[suite],
            starts_on=date(2026, 6, 1),
            ends_on=date(2027, 1, 1),
        ),
    ]
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = services.agreement_execute(agreement=agreements[index], actor=staff)
        except ValidationError as exc:
            outcomes[index] = exc
        finally:
            connection.close()  # each thread has its own connection

    # when
    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def assert_exactly_one_won(outcomes: list[object]) -> None:
    winners = [o for o in outcomes if isinstance(o, Tenancy)]
    losers = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert losers[0].code == "tenancy_overlap"
    assert Tenancy.objects.count() == 1
    assert TenancySpace.objects.count() == 1
    assert Agreement.objects.filter(status=AgreementStatus.EXECUTED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_executions_at_the_same_moment_on_postgres_exactly_one_wins():
    assert_exactly_one_won(race_two_executions())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_executions_at_the_same_moment_on_sqlite_are_serialised(on_postgres):
    if on_postgres:
        pytest.skip("the PostgreSQL race has its own test")
    assert_exactly_one_won(race_two_executions())
