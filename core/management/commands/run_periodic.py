"""Run the Celery beat schedule in this process, for the embedded mode (no Redis, no beat).

``bin/dev`` starts it beside the development server, so SLA sweeps, reminders and
lifecycle tasks happen on a laptop as they do in production. Each due task runs in
this process (``Task.apply``); the tasks are idempotent, as beat requires anyway.
With Redis and a real beat (production), do not run this too.
"""

import logging
import time
from datetime import datetime

from celery.schedules import schedule as every
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic tasks of CELERY_BEAT_SCHEDULE in this process (embedded mode)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--once", action="store_true", help="Run every scheduled task once now and exit.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        entries = {
            name: (
                entry["task"],
                entry["schedule"] if hasattr(entry["schedule"], "is_due") else every(entry["schedule"]),
            )
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        if options["once"]:
            for name, (task, _) in entries.items():
                self._run(name, task)
            return
        last_run: dict[str, datetime] = dict.fromkeys(entries, timezone.now())
        self.stdout.write(f"Running {len(entries)} periodic tasks in-process; Ctrl-C stops.")
        while True:
            wait = 60.0
            for name, (task, sched) in entries.items():
                due, next_in = sched.is_due(last_run[name])
                if due:
                    last_run[name] = timezone.now()
                    self._run(name, task)
                wait = min(wait, next_in)
            time.sleep(max(wait, 1.0))

    def _run(self, name: str, task: str) -> None:
        result = import_string(task).apply()  # task names are their dotted import paths
        if result.failed():
            logger.error("Periodic task %s (%s) failed: %s", name, task, result.result)
        else:
            logger.info("Periodic task %s ran: %s", name, result.result)
