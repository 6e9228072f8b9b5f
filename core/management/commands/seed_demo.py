"""``manage.py seed_demo [--scale N]``: load the demo data of every app that has some.

Pluggable, so that no app imports a higher one: each installed app may have a module
``<app>.demo`` with ``demo_seed(*, scale: int, stdout) -> None``. They run in
``INSTALLED_APPS`` order (``spaces`` builds the campus before ``tenants`` lets it),
all in one transaction: a failure leaves nothing half seeded.
"""

import importlib
import importlib.util
import time
from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

Seeder = Callable[..., None]


def demo_seeders() -> list[tuple[str, Seeder]]:
    """``(app label, demo_seed)`` of every installed app with a ``demo`` module, in INSTALLED_APPS order."""
    seeders = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if importlib.util.find_spec(name) is None:
            continue
        seed = getattr(importlib.import_module(name), "demo_seed", None)
        if callable(seed):
            seeders.append((config.label, seed))
    return seeders


class Command(BaseCommand):
    help = (
        "Create or bring up to date the demo data of every app: the demo campus (E-Town Innovation Park), "
        "demo users and demo companies at every lifecycle stage. Safe to run again: a second run changes "
        "nothing. Prints the demo logins."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiplies coworking buildings (towers modestly); 20 gives 2,000+ bookable spaces.",
            metavar="N",
        )

    def handle(self, *args: Any, scale: int, **options: Any) -> None:
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        seeders = demo_seeders()
        started = time.perf_counter()
        with transaction.atomic():
            for label, seed in seeders:
                app_started = time.perf_counter()
                seed(scale=scale, stdout=self.stdout)
                self.stdout.write(f"  ({label}: {time.perf_counter() - app_started:.2f} s)")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data of {', '.join(label for label, _ in seeders)} seeded at scale {scale} "
                f"in {elapsed:.2f} s."
            )
        )
