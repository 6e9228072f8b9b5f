import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def staff_user(db):  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(api_client: APIClient, staff_user) -> APIClient:  # type: ignore[no-untyped-def]
    api_client.force_authenticate(staff_user)
    return api_client


@pytest.fixture
def user_client(api_client: APIClient, user) -> APIClient:  # type: ignore[no-untyped-def]
    api_client.force_authenticate(user)
    return api_client


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Tests marked ``postgres`` need PostgreSQL behaviour; skip them on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


# Tests that race real threads use django_db(transaction=True, serialized_rollback=True):
# a transactional test empties every table when it ends, and the rollback restores the
# rows data migrations installed (eligibility rules, SLA policies), which later tests and
# later --reuse-db sessions rely on.
