"""``manage.py seed_demo [--scale N]``: load the E-Town demo campus and demo logins."""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spaces.demo import demo_seed


class Command(BaseCommand):
    help = (
        "Create or bring up to date the demo campus (E-Town Innovation Park) and demo users. "
        "Safe to run again: a second run changes nothing. Prints the demo logins."
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
        started = time.perf_counter()
        result = demo_seed(scale=scale)
        elapsed = time.perf_counter() - started

        campus = result.campus
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo campus “{campus.name}” ({campus.name_zh}) seeded at scale {scale} in {elapsed:.2f} s."
            )
        )
        self.stdout.write(
            f"  buildings: {result.buildings:,}  floors: {result.floors:,}  spaces: {result.spaces:,}  "
            f"bookable spaces: {result.bookable_spaces:,}  rows written: {result.rows_written:,}"
        )
        self.stdout.write(
            "Demo logins (local demo data; change them before anyone else can reach this site):"
        )
        for login in result.logins:
            self.stdout.write(
                f"  {login.role:<8} {login.email:<34} password: {login.password}  "
                f"({login.full_name}, {login.preferred_language})"
            )
