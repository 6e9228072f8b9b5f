"""The throwaway benchmark database and Django pointed at it."""

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_NAME = "campus_bench"


def bench_database_url() -> str:
    """``DATABASE_URL`` with the database name replaced by the benchmark's own."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("The benchmarks need PostgreSQL: set DATABASE_URL=postgres://user@host:port/anything")
    name = os.environ.get("BENCH_DB_NAME", DEFAULT_NAME)
    if name == parts.path.lstrip("/"):
        sys.exit(f"BENCH_DB_NAME {name!r} is the database DATABASE_URL names; the benchmark drops its own.")
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_conninfo(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql", path="/postgres"))


def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin_conninfo(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def server_env(url: str) -> dict[str, str]:
    """The environment of the Django processes (this one and the server): local settings, debug off."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }


def setup(*, fresh: bool = True) -> str:
    """Create (or reuse) the benchmark database, point Django at it, migrate. Returns its URL."""
    url = bench_database_url()
    if fresh:
        recreate_database(url)
    os.environ.update(server_env(url))
    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    name = urlsplit(url).path.lstrip("/")
    say(f"database {name} ready (migrated in {time.perf_counter() - started:.1f} s)")
    return url


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@contextmanager
def timed(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    say(f"  {label}: {time.perf_counter() - started:.1f} s")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)
