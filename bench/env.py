"""What every benchmark shares: its throwaway database, its own Redis and gunicorn, and printing.

Each benchmark drops and recreates its own PostgreSQL database on the server ``DATABASE_URL``
names (never that database itself), and starts its own Redis (where ``redis-server`` is installed)
and gunicorn on free loopback ports, stopped by their own pids at the end. With Redis the server
runs as production does: cache, nonces and rate limits in Redis, tasks queued to the broker
rather than run in the request.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NAME = "campus_bench"


def bench_database_url(*, name_variable: str = "BENCH_DB_NAME", default: str = DEFAULT_NAME) -> str:
    """``DATABASE_URL`` with the database name replaced by the benchmark's own."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("The benchmarks need PostgreSQL: set DATABASE_URL=postgres://user@host:port/anything")
    name = os.environ.get(name_variable, default)
    if name == parts.path.lstrip("/"):
        sys.exit(f"{name_variable} {name!r} is the database DATABASE_URL names; the benchmark drops its own.")
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, what: str) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"{what} did not start")


def stop(proc: subprocess.Popen | None) -> None:  # type: ignore[type-arg]
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def start_redis() -> tuple[subprocess.Popen | None, str]:  # type: ignore[type-arg]
    """A private ``redis-server`` (nothing on disk) and its URL; ``(None, "")`` where none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None, ""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [binary, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_port(port, proc, "redis-server")
    return proc, f"redis://{HOST}:{port}/0"


def server_env(url: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of the Django processes (this one and the server): debug off, quiet logs."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LOG_LEVEL": "ERROR",
        "PYTHONWARNINGS": "ignore::UserWarning",
        **extra,
    }


def start_gunicorn(
    env: dict[str, str], *, workers: int = 3, threads: int = 1
) -> tuple[subprocess.Popen, int]:  # type: ignore[type-arg]
    """gunicorn as ``bin/web`` serves (sync workers, one request at a time each) unless ``threads`` > 1
    asks for gthread workers; returns the process and its port."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    worker = (
        ["--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "30"] if threads > 1 else []
    )
    proc = subprocess.Popen(  # noqa: S603
        [
            str(gunicorn),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            *worker,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    wait_port(port, proc, "gunicorn")
    return proc, port


def setup(*, fresh: bool = True, redis_url: str = "") -> str:
    """Create (or reuse) the benchmark database, point Django at it, migrate. Returns its URL."""
    url = bench_database_url()
    if fresh:
        recreate_database(url)
    os.environ.update(server_env(url, redis_url))
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
