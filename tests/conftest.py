import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache (the test settings use a per-process locmem cache)."""
    cache.clear()


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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Leave the test database as migrations made it, for the next ``--reuse-db`` session.

    Tests that race real threads use ``django_db(transaction=True, serialized_rollback=True)``.
    pytest-django runs them last; each empties every table when it ends and Django restores
    the rows data migrations installed (eligibility rules, SLA policies) only when the next
    such test starts. So the session would end with empty tables: restore them here.
    """
    yield
    with django_db_blocker.unblock():
        for alias in connections:
            connection = connections[alias]
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                call_command(
                    "flush", database=alias, interactive=False, inhibit_post_migrate=True, verbosity=0
                )
                connection.creation.deserialize_db_from_string(contents)
