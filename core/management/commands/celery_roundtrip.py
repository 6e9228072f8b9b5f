import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.tasks import ping_task


class Command(BaseCommand):
    help = "Send a task through the broker and wait for a worker to answer it."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("Tasks run in-process (REDIS_URL is unset): no broker to cross.")
        token = uuid.uuid4().hex
        result = ping_task.delay(token).get(timeout=options["timeout"])
        if result.get("token") != token:
            raise CommandError(f"Worker answered with the wrong token: {result!r}")
        self.stdout.write(
            f"task {ping_task.name} round-tripped via the broker, answered by {result['hostname']}"
        )
