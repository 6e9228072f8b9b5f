"""SLA clocks: start, pause, resume, stop and reassign them; the sweep that warns, breaches, escalates.

Any saved model instance can be a clock's subject. Other lifecycles call these services from their
own transitions, e.g. an application entering ``screening``::

    sla_clock_start(subject=application, step="screening", track=application.track, assignee=officer)
    sla_clock_pause(subject=application, reason="more_info")   # the applicant has the ball
    sla_clock_resume(subject=application)                       # with the remaining budget
    sla_clock_stop(subject=application, step="screening")       # met or breached

Time is working time on the China calendar (``core.calendar``) in the subject's zone
(``subject.sla_time_zone`` if it has one, else Asia/Shanghai).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from core.calendar import DAY_SECONDS, SHANGHAI, WorkingCalendar, working_calendar
from core.db import save_or_existing
from notifications.models import Notification
from notifications.services import notify
from tenants.models.sla import SLAClock, SLALevel, SLAOutcome, SLAPolicy, Track

logger = logging.getLogger(__name__)

DEFAULT_TIME_ZONE = SHANGHAI.key
# At most this many SLA notifications reach one person about one subject, all steps together.
MAX_REMINDERS_PER_PERSON_PER_SUBJECT = 3
SLA_KIND_PREFIX = "tenants.sla."


@dataclass(frozen=True, slots=True)
class _Level:
    level: SLALevel
    fraction: float
    field: str
    kind: str


LEVELS: Sequence[_Level] = (
    _Level(SLALevel.WARNING, 0.75, "warned_at", "tenants.sla.warning"),
    _Level(SLALevel.BREACH, 1.0, "breached_at", "tenants.sla.breach"),
    _Level(SLALevel.ESCALATION, 1.5, "escalated_at", "tenants.sla.escalation"),
)


# --- helpers ------------------------------------------------------------------------------------------


def sla_subject_type(*, subject: models.Model, subject_type: str | None = None) -> str:
    """The policy key of ``subject``: explicit, else its ``SLA_SUBJECT_TYPE``, else its model name."""
    return subject_type or getattr(subject, "SLA_SUBJECT_TYPE", None) or subject._meta.model_name or ""


def _subject_time_zone(subject: models.Model) -> str:
    value = getattr(subject, "sla_time_zone", None)
    if value is None or value == "":
        return DEFAULT_TIME_ZONE
    name = getattr(value, "key", None) or str(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{type(subject).__name__}.sla_time_zone is not a known zone: {name!r}") from exc
    return name


def _zone(clock: SLAClock) -> tzinfo:
    return ZoneInfo(clock.time_zone)


def _now(at: datetime | None) -> datetime:
    return at if at is not None else timezone.now()


def _budget_seconds(*, policy: SLAPolicy, start: datetime, calendar: WorkingCalendar, tz: tzinfo) -> int:
    """The clock's budget in working seconds (on the full-day window) for a start at ``start``."""
    if policy.budget_hours is not None:
        return round(policy.budget_hours * 3600)
    days = policy.budget_working_days or 0
    if days:
        return days * DAY_SECONDS
    # Same working day: what is left of the start's working day (a whole day if it starts on a day off).
    day = calendar.next_working_day(start.astimezone(tz).date(), inclusive=True)
    end_of_day = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return round(calendar.working_seconds_between(start, end_of_day, tz=tz))


def _consumed_at(clock: SLAClock, at: datetime, calendar: WorkingCalendar) -> int:
    """Working seconds the clock has consumed by ``at``."""
    consumed = clock.consumed_seconds
    if clock.running_since is not None:
        consumed += max(0, round(calendar.working_seconds_between(clock.running_since, at, tz=_zone(clock))))
    return consumed


def _open_clocks(subject: models.Model, step: str | None) -> models.QuerySet[SLAClock]:
    clocks = SLAClock.objects.open().for_subject(subject)
    return clocks.filter(step=step) if step is not None else clocks


def _open_clock_locked(*, subject: models.Model, step: str | None) -> SLAClock | None:
    """The subject's open clock for ``step`` (or its only one), row-locked; ``None`` if none is open."""
    if subject.pk is None:
        raise ValueError("An SLA clock's subject must be saved first.")
    clocks = list(_open_clocks(subject, step).select_for_update().order_by("pk")[:2])
    if len(clocks) > 1:
        raise ValidationError(
            gettext("This item has several open SLA clocks; say which step."), code="sla_clock_ambiguous"
        )
    return clocks[0] if clocks else None


def _save(clock: SLAClock, fields: list[str]) -> None:
    clock.full_clean(validate_unique=False, validate_constraints=True)
    clock.save(update_fields=[*fields, "updated_at"])


# --- commands -----------------------------------------------------------------------------------------


@transaction.atomic
def sla_clock_start(
    *,
    subject: models.Model,
    step: str,
    track: str,
    assignee: User | None = None,
    at: datetime | None = None,
    subject_type: str | None = None,
) -> SLAClock:
    """Start the ``step`` clock on ``subject`` with the active policy's budget.

    A second start while the step's clock is open returns that clock unchanged. No active
    policy for (subject type, step, track): ``ValidationError`` code ``sla_policy_missing``.
    """
    at = _now(at)
    existing = _open_clock_locked(subject=subject, step=step)
    if existing is not None:
        return existing
    if track not in Track.values:
        raise ValidationError(
            gettext("Unknown SLA track “%(track)s”."), code="sla_track_invalid", params={"track": track}
        )
    key = sla_subject_type(subject=subject, subject_type=subject_type)
    policy = SLAPolicy.objects.active().filter(subject_type=key, step=step, track=track).first()
    if policy is None:
        raise ValidationError(
            gettext("There is no active SLA policy for %(subject_type)s / %(step)s (%(track)s)."),
            code="sla_policy_missing",
            params={"subject_type": key, "step": step, "track": track},
        )
    zone_name = _subject_time_zone(subject)
    tz = ZoneInfo(zone_name)
    calendar = working_calendar()
    budget = _budget_seconds(policy=policy, start=at, calendar=calendar, tz=tz)
    clock = SLAClock(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        policy=policy,
        step=step,
        track=track,
        assignee=assignee,
        time_zone=zone_name,
        started_at=at,
        budget_seconds=budget,
        running_since=at,
        due_at=calendar.add_working_seconds(at, budget, tz=tz),
    )
    clock.full_clean(exclude=["content_type", "policy", "assignee"], validate_constraints=False)
    # A concurrent start of the same step may have committed first: its clock is the open one.
    return save_or_existing(clock, existing=lambda: _open_clock_locked(subject=subject, step=step))


@transaction.atomic
def sla_clock_pause(
    *, subject: models.Model, step: str | None = None, at: datetime | None = None, reason: str = ""
) -> SLAClock | None:
    """Pause the clock (the ball is in the applicant's or the authority's court).

    Keeps the working time consumed so far; a paused clock has no due time. Pausing a paused
    clock changes nothing. Returns ``None`` when no clock is open.
    """
    at = _now(at)
    clock = _open_clock_locked(subject=subject, step=step)
    if clock is None or clock.running_since is None:
        return clock
    clock.consumed_seconds = _consumed_at(clock, at, working_calendar())
    clock.running_since = None
    clock.due_at = None
    clock.paused_reason = reason[: SLAClock._meta.get_field("paused_reason").max_length]
    _save(clock, ["consumed_seconds", "running_since", "due_at", "paused_reason"])
    return clock


@transaction.atomic
def sla_clock_resume(
    *, subject: models.Model, step: str | None = None, at: datetime | None = None
) -> SLAClock | None:
    """Resume a paused clock with its remaining budget (due now if none is left).

    Resuming a running clock changes nothing. Returns ``None`` when no clock is open.
    """
    at = _now(at)
    clock = _open_clock_locked(subject=subject, step=step)
    if clock is None or clock.running_since is not None:
        return clock
    remaining = max(0, clock.budget_seconds - clock.consumed_seconds)
    clock.running_since = at
    clock.due_at = working_calendar().add_working_seconds(at, remaining, tz=_zone(clock))
    clock.paused_reason = ""
    _save(clock, ["running_since", "due_at", "paused_reason"])
    return clock


@transaction.atomic
def sla_clock_stop(
    *, subject: models.Model, step: str | None = None, at: datetime | None = None
) -> SLAClock | None:
    """Stop the clock: ``met`` if stopped by its due time (or within budget while paused), else
    ``breached``. Returns ``None`` when no clock is open (stopping again is a no-op)."""
    at = _now(at)
    clock = _open_clock_locked(subject=subject, step=step)
    if clock is None:
        return None
    consumed = _consumed_at(clock, at, working_calendar())
    # Running: by its due time; paused: within its budget.
    met = at <= clock.due_at if clock.due_at is not None else consumed <= clock.budget_seconds
    clock.consumed_seconds = consumed
    clock.running_since = None
    clock.paused_reason = ""
    clock.stopped_at = at
    clock.outcome = SLAOutcome.MET if met else SLAOutcome.BREACHED
    _save(clock, ["consumed_seconds", "running_since", "paused_reason", "stopped_at", "outcome"])
    return clock


@transaction.atomic
def sla_clocks_stop_open(*, subject: models.Model, at: datetime | None = None) -> list[SLAClock]:
    """Stop every clock still open on ``subject`` (it reached a final state), each met or breached."""
    at = _now(at)
    steps = list(_open_clocks(subject, None).order_by("pk").values_list("step", flat=True))
    return [clock for step in steps if (clock := sla_clock_stop(subject=subject, step=step, at=at))]


@transaction.atomic
def sla_clock_reassign(
    *, subject: models.Model, assignee: User | None, step: str | None = None
) -> SLAClock | None:
    """Hand the open clock to another assignee (the 75 % warning goes to whoever holds it then)."""
    clock = _open_clock_locked(subject=subject, step=step)
    if clock is None or clock.assignee_id == (assignee.pk if assignee else None):
        return clock
    clock.assignee = assignee
    _save(clock, ["assignee"])
    return clock


# --- sweep --------------------------------------------------------------------------------------------


def _staff_in_group(group_name: str) -> list[User]:
    return list(
        User.objects.filter(is_staff=True, is_active=True, groups__name=group_name).distinct().order_by("pk")
    )


class _Recipients:
    """Team leads and directors, read once per sweep (and only if needed)."""

    def __init__(self) -> None:
        self._cache: dict[str, list[User]] = {}

    def for_level(self, level: SLALevel, clock: SLAClock) -> list[User]:
        if level == SLALevel.WARNING:
            assignee = clock.assignee
            return [assignee] if assignee is not None and assignee.is_active else []
        group = settings.SLA_TEAM_LEAD_GROUP if level == SLALevel.BREACH else settings.SLA_DIRECTOR_GROUP
        if group not in self._cache:
            self._cache[group] = _staff_in_group(group)
        return self._cache[group]


def _pending_levels(clock: SLAClock, fraction: float) -> list[_Level]:
    return [lv for lv in LEVELS if fraction >= lv.fraction and getattr(clock, lv.field) is None]


def _fraction(clock: SLAClock, now: datetime, calendar: WorkingCalendar) -> float:
    consumed = _consumed_at(clock, now, calendar)
    if clock.budget_seconds <= 0:
        return float("inf")
    return consumed / clock.budget_seconds


def _subject_link(subject: Any) -> str:
    get_url = getattr(subject, "get_absolute_url", None)
    if get_url is None:
        return ""
    try:
        link = str(get_url())
    except Exception:  # a subject whose URL needs context it lacks: no link rather than no warning
        logger.warning("SLA: %r has no usable get_absolute_url()", subject)
        return ""
    return link if link.startswith("/") and not link.startswith("//") else ""


def _reminders_already_sent(*, recipient: User, clock: SLAClock) -> int:
    return Notification.objects.filter(
        recipient=recipient,
        content_type_id=clock.content_type_id,
        object_id=clock.object_id,
        kind__startswith=SLA_KIND_PREFIX,
    ).count()


@transaction.atomic
def _sla_clock_alert(
    *, clock_id: int, now: datetime, calendar: WorkingCalendar, recipients: _Recipients
) -> dict[str, int]:
    """Send the levels this clock has reached and not yet sent, in order, each once.

    The subject's clocks are row-locked (in pk order), so a concurrent sweep waits here and then
    sees the markers this one set; each level is also claimed with a conditional UPDATE. The
    notifications are written in this transaction and their e-mails go after commit.
    """
    sent: dict[str, int] = {}
    head = SLAClock.objects.filter(pk=clock_id).values("content_type_id", "object_id").first()
    if head is None:
        return sent
    locked = list(
        SLAClock.objects.select_for_update()
        .filter(content_type_id=head["content_type_id"], object_id=head["object_id"])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if clock_id not in locked:
        return sent
    clock = (
        SLAClock.objects.select_related("policy", "assignee", "content_type")
        .filter(pk=clock_id, stopped_at__isnull=True, running_since__isnull=False)
        .first()
    )
    if clock is None:  # paused or stopped since the batch was read
        return sent
    pending = _pending_levels(clock, _fraction(clock, now, calendar))
    if not pending:
        return sent
    subject = clock.subject
    link = _subject_link(subject) if subject is not None else ""
    due_local = clock.due_at.astimezone(_zone(clock)) if clock.due_at else None
    notified = 0
    for level in pending:
        claimed = SLAClock.objects.filter(pk=clock.pk, **{f"{level.field}__isnull": True}).update(
            **{level.field: now, "updated_at": now}
        )
        if not claimed:
            continue
        setattr(clock, level.field, now)
        sent[level.level] = 1
        context = {
            "clock": clock,
            "policy": clock.policy,
            "subject": subject,
            "subject_label": str(subject) if subject is not None else f"#{clock.object_id}",
            "due_local": due_local.strftime("%Y-%m-%d %H:%M") if due_local else "",
            "time_zone": clock.time_zone,
            "percent": round(level.fraction * 100),
        }
        for recipient in recipients.for_level(level.level, clock):
            if (
                _reminders_already_sent(recipient=recipient, clock=clock)
                >= MAX_REMINDERS_PER_PERSON_PER_SUBJECT
            ):
                logger.info("SLA clock %s: %s already had 3 reminders; skipped", clock.pk, recipient.pk)
                continue
            notify(
                recipient=recipient,
                kind=level.kind,
                context=context,
                subject_obj=subject,
                link=link,
                dedupe_key=f"sla:{clock.pk}:{level.level}",
            )
            notified += 1
    if notified:
        SLAClock.objects.filter(pk=clock.pk).update(reminders_sent=F("reminders_sent") + notified)
    sent["notifications"] = notified
    return sent


def sla_sweep(*, now: datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """Warn (75 %), breach (100 %) and escalate (150 %) running clocks, each level once per clock.

    Safe to run at any time and on several workers at once: every clock is handled in its own
    transaction that claims each level before it notifies. A clock first seen late gets the
    levels it has not had, in order. Reads running clocks in primary-key batches.
    """
    now = now if now is not None else timezone.now()
    calendar = working_calendar()
    recipients = _Recipients()
    counts = {"checked": 0, "warning": 0, "breach": 0, "escalation": 0, "notifications": 0, "failed": 0}
    candidates = SLAClock.objects.running().filter(escalated_at__isnull=True).order_by("pk")
    last_pk = 0
    while True:
        batch = list(
            candidates.filter(pk__gt=last_pk).only(
                "pk",
                "time_zone",
                "running_since",
                "consumed_seconds",
                "budget_seconds",
                "warned_at",
                "breached_at",
                "escalated_at",
            )[:batch_size]
        )
        if not batch:
            break
        last_pk = batch[-1].pk
        for clock in batch:
            counts["checked"] += 1
            if not _pending_levels(clock, _fraction(clock, now, calendar)):
                continue
            try:
                sent = _sla_clock_alert(clock_id=clock.pk, now=now, calendar=calendar, recipients=recipients)
            except Exception:  # one broken clock (a template, a subject) must not stop the sweep
                logger.exception("SLA sweep: clock %s failed", clock.pk)
                counts["failed"] += 1
                continue
            for key, value in sent.items():
                counts[key] += value
    if counts["warning"] or counts["breach"] or counts["escalation"]:
        logger.info("SLA sweep at %s: %s", now.astimezone(UTC).isoformat(), counts)
    return counts
