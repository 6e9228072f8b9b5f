"""Reads of SLA clocks: a subject's open clock, staff queues, the API list."""

from datetime import datetime

from django.db import models
from django.db.models import BooleanField, Case, F, Q, Value, When

from tenants.models.sla import SLAClock, SLAClockQuerySet, sla_queue_annotate

__all__ = ["sla_clock_list", "sla_clock_open_for", "sla_queue_annotate"]


def sla_clock_open_for(*, subject: models.Model, step: str | None = None) -> SLAClock | None:
    """The subject's open clock for ``step``; without a step, its most urgent open clock
    (expedited first, then the earliest due). ``None`` when no clock is open."""
    clocks = SLAClock.objects.open().for_subject(subject)
    if step is not None:
        clocks = clocks.filter(step=step)
    return clocks.select_related("policy", "assignee").in_queue_order().first()


def sla_clock_list(*, now: datetime) -> SLAClockQuerySet:
    """All clocks for staff, in queue order, with ``is_overdue`` at ``now`` and their relations joined."""
    overdue = Q(stopped_at__isnull=True) & (
        Q(due_at__lte=now) | Q(due_at__isnull=True, consumed_seconds__gte=F("budget_seconds"))
    )
    return (
        SLAClock.objects.select_related("policy", "assignee", "content_type")
        .annotate(
            is_overdue=Case(
                When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .in_queue_order()
    )
