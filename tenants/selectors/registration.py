"""Reads of registration cases and the service-request ledger."""

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from spaces.models import Campus
from tenants.models import (
    RegistrationCase,
    RegistrationStep,
    ServiceRequest,
    ServiceRequestCategory,
    ServiceRequestStatus,
)
from tenants.models.registration import STEP_FINISHED


def registration_case_list(*, user: Any) -> QuerySet[RegistrationCase]:
    """Cases the user may see, open and expedited first, with their steps in order (two queries)."""
    return (
        RegistrationCase.objects.visible_to(user)
        .select_related("company", "officer")
        .prefetch_related(Prefetch("steps", queryset=RegistrationStep.objects.order_by("order")))
        .queue_order()
    )


def registration_case_progress(*, case: RegistrationCase, now: dt.datetime | None = None) -> dict[str, Any]:
    """The case's steps in order: status, who waits on whom, time with the authority (running waits too).

    Uses the prefetched steps when there are any (as ``registration_case_list`` gives).
    """
    now = now or timezone.now()
    steps = sorted(case.steps.all(), key=lambda s: s.order)
    finished = sum(1 for s in steps if s.status in STEP_FINISHED)
    rows = [
        {
            "kind": s.kind,
            "order": s.order,
            "status": s.status,
            "waiting_on": s.waiting_on,
            "authority_seconds": s.authority_seconds_at(now),
            "started_at": s.started_at,
            "submitted_at": s.submitted_at,
            "completed_at": s.completed_at,
        }
        for s in steps
    ]
    current = next((s for s in steps if s.status not in STEP_FINISHED), None)
    return {
        "steps": rows,
        "finished": finished,
        "total": len(steps),
        "current_step": current.kind if current else None,
        "waiting_on": sorted({s.waiting_on for s in steps if s.waiting_on and s.status not in STEP_FINISHED}),
        "authority_seconds": sum(r["authority_seconds"] for r in rows),
    }


def service_request_list(*, user: Any) -> QuerySet[ServiceRequest]:
    """Requests the user may see: the park's queue order (still open first, oldest first)."""
    return (
        ServiceRequest.objects.visible_to(user)
        .select_related("company", "requested_by", "assignee", "campus")
        .queue_order()
    )


def _seconds(later: dt.datetime | None, earlier: dt.datetime) -> float | None:
    return None if later is None else (later - earlier).total_seconds()


def _rates(rows: Iterable[tuple[str, dt.datetime, dt.datetime | None, dt.datetime | None]]) -> dict[str, Any]:
    rows = list(rows)
    total = len(rows)
    response = [s for _st, created, first, _res in rows if (s := _seconds(first, created)) is not None]
    resolve = [s for _st, created, _first, res in rows if (s := _seconds(res, created)) is not None]
    completed = sum(
        1 for status, *_rest in rows if status in (ServiceRequestStatus.RESOLVED, ServiceRequestStatus.CLOSED)
    )
    return {
        "total": total,
        "responded": len(response),
        "response_rate": round(len(response) / total, 4) if total else None,
        "first_response_median_seconds": statistics.median(response) if response else None,
        "first_response_avg_seconds": statistics.fmean(response) if response else None,
        "completed": completed,
        "completion_rate": round(completed / total, 4) if total else None,
        "resolve_median_seconds": statistics.median(resolve) if resolve else None,
    }


def service_request_rates(
    *, since: dt.datetime, until: dt.datetime, campus: Campus | None = None
) -> dict[str, Any]:
    """Response and completion rates of requests made in ``[since, until)``, overall and per category.

    Cancelled requests (withdrawn by the company) are left out of every rate. Response
    rate: share acknowledged (or otherwise answered); first-response time: from the
    request to the first answer. Completion rate: share resolved or closed; time to
    resolve: from the request to its resolution. Times are wall-clock seconds. One query.
    """
    qs = ServiceRequest.objects.filter(created_at__gte=since, created_at__lt=until).exclude(
        status=ServiceRequestStatus.CANCELLED
    )
    if campus is not None:
        qs = qs.filter(campus=campus)
    by_category: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    everything = []
    for category, *row in qs.order_by().values_list(
        "category", "status", "created_at", "first_response_at", "resolved_at"
    ):
        by_category[category].append(tuple(row))
        everything.append(tuple(row))
    return {
        "since": since,
        "until": until,
        "campus": campus.pk if campus else None,
        "overall": _rates(everything),
        "by_category": [
            {"category": category, **_rates(by_category[category])}
            for category in ServiceRequestCategory.values
            if by_category[category]
        ],
    }
