"""Enqueue a Celery task once the current transaction commits, without failing the caller.

``task.delay_on_commit`` raises in the caller when the broker is down, after the
caller's data has already been committed: the request answers 500 for work that
was saved. Here the broker error is logged instead, and the task's periodic sweep
(every task enqueued this way has one) picks the row up later.
"""

import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: Any) -> None:
    def send() -> None:
        try:
            task.delay(*args)
        except OperationalError:
            logger.warning("Broker unavailable: %s%r left for its sweep", task.name, args)

    transaction.on_commit(send)
