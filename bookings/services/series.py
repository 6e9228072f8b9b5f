"""Recurring series: an RFC 5545 rule over a local wall-clock time; each occurrence is a ``Booking``.

**Wall-clock times.** A series starts at ``starts_at_local``, a *floating* local time in the
resource's campus zone (``time_zone``). The rule is expanded on naive local datetimes
(``dateutil.rrule``), so every occurrence starts at the same wall-clock time whatever daylight
saving time does; only then is each occurrence localised with ``zoneinfo`` and turned into UTC.
A Berlin meeting at 09:00 is 08:00 UTC in winter and 07:00 UTC in summer.

* A local time that happens twice (clocks go back) is read as its first, earlier instant
  (``fold=0``).
* A local time that does not exist (clocks go forward) is read with the offset in force before
  the change, so 02:30 on the Berlin spring-forward day becomes 03:30 CEST: the meeting starts
  when the wall clock first shows a time at or after the one asked for (``core.calendar`` reads
  local times the same way).
* The duration is elapsed time: a 60-minute booking lasts 60 minutes even across the change.

**Storage.** ``starts_at_local`` is a ``DateTimeField`` in a project with ``USE_TZ``; the naive
wall-clock value is stored *as if it were UTC* (the digits in the column are the local wall-clock
time) and read back with :func:`local_start`. ``exdates`` holds local dates (``YYYY-MM-DD``).

**Rules accepted.** ``FREQ`` ``DAILY``, ``WEEKLY`` (``BYDAY``) or ``MONTHLY`` (``BYMONTHDAY``, or
``BYDAY`` with an ordinal such as ``2TU``/``-1FR``, or with ``BYSETPOS``), with ``INTERVAL``,
``WKST`` and ``BYMONTH``; ``COUNT`` or ``UNTIL`` is required; at most :data:`MAX_OCCURRENCES`
occurrences, one per local date at most (parts that change the time of day are refused). An
``UNTIL`` is kept as the end of a local day (``T235959``, floating): a date-only ``UNTIL`` includes
that day, a UTC one (``…Z``) is read in the campus zone; so moving the time of day never adds or
drops a date. An occurrence is identified by its local date.

**Conflicts.** Each occurrence is booked by ``booking_create`` in its own savepoint and reported
(``created``/``ok`` or the refusal's code and message). ``on_conflict="abort"`` writes nothing if any
occurrence is refused (``series_conflicts``, 409); ``"skip"`` books the others and adds the refused
occurrences' dates to ``exdates`` (the transition log's ``data`` keeps which were skipped and why),
so the series reads the same afterwards as the bookings it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import HOLDING_STATUSES, Booking, BookingSeries, Resource
from bookings.services import bookings as booking_services
from core.calendar import working_calendar
from core.exceptions import ActionForbidden
from core.workflow import transition_log
from tenants.models import Company

MAX_OCCURRENCES = 200
MAX_SPAN_DAYS = 3 * 366  # no series reaches further than the longest policy horizon allows
ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY")
ALLOWED_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYSETPOS", "BYMONTH", "WKST"}
)
OnConflict = Literal["abort", "skip"]
Scope = Literal["this", "following", "all"]
SCOPES = ("this", "following", "all")
ON_CONFLICT = ("abort", "skip")
ACTIVE, CANCELLED = "active", "cancelled"


class SeriesConflicts(ValidationError):
    """Some occurrences cannot be booked and the caller chose to abort; ``report`` says which and why."""

    def __init__(self, report: list[OccurrenceResult]) -> None:
        refused = [r for r in report if not r.ok]
        super().__init__(
            _("%(n)d of %(total)d occurrences cannot be booked: %(dates)s.")
            % {"n": len(refused), "total": len(report), "dates": ", ".join(r.date for r in refused)},
            code="series_conflicts",
        )
        self.report = report


@dataclass(frozen=True)
class Occurrence:
    date: date
    local_start: datetime  # naive wall-clock time
    starts_at: datetime  # aware, UTC
    ends_at: datetime


@dataclass
class OccurrenceResult:
    date: str
    local_start: str
    starts_at: str
    ends_at: str
    status: str  # "created" (written), "ok" (preview: would be booked) or "conflict"
    booking: int | None = None
    code: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "conflict"


# --- wall-clock storage -------------------------------------------------------------------------


def to_wall_column(local: datetime) -> datetime:
    """A naive wall-clock time as the value stored in ``starts_at_local`` (same digits, tagged UTC)."""
    return local.replace(tzinfo=UTC)


def local_start(series: BookingSeries) -> datetime:
    """The series' first start as a naive local wall-clock time."""
    value = series.starts_at_local
    if timezone.is_aware(value):
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def localize(local: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time in ``tz`` as an aware UTC instant (see the module docstring for gaps/folds)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


# --- the rule ------------------------------------------------------------------------------------


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"rrule": ValidationError(message, code=code)})


def _parts(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for chunk in text.strip().strip(";").split(";"):
        key, sep, value = chunk.partition("=")
        key = key.strip().upper()
        if not sep or not key or not value.strip():
            raise _refuse(_("The recurrence rule is not valid RFC 5545."), "invalid_rrule")
        if key in parts:
            raise _refuse(_("%(part)s is given twice.") % {"part": key}, "invalid_rrule")
        parts[key] = value.strip().upper()
    return parts


def _join(parts: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in parts.items())


def _parse_date(value: str) -> date:
    try:
        return datetime.strptime(value[:8], "%Y%m%d").date()  # noqa: DTZ007 (a date)
    except ValueError:
        raise _refuse(_("“%(value)s” is not a date.") % {"value": value}, "invalid_rrule") from None


def split_rule(text: str) -> tuple[str, list[date]]:
    """The RRULE part of ``text`` (``RRULE:`` prefix optional) and the dates of any ``EXDATE`` lines."""
    rule = ""
    exdates: list[date] = []
    for raw in re.split(r"[\r\n]+", text.strip()):
        line = raw.strip()
        if not line:
            continue
        name, colon, value = line.partition(":")
        head = name.split(";")[0].upper()
        if colon and head == "EXDATE":
            exdates.extend(_parse_date(v.strip()) for v in value.split(",") if v.strip())
        elif colon and head == "RRULE":
            rule = value
        elif colon and head == "DTSTART":
            raise _refuse(_("Give the first start separately, not as DTSTART."), "invalid_rrule")
        elif not colon and not rule:
            rule = line
        else:
            raise _refuse(_("The recurrence rule is not valid RFC 5545."), "invalid_rrule")
    if not rule:
        raise _refuse(_("Give a recurrence rule."), "invalid_rrule")
    return rule, exdates


def _end_of_day(day: date) -> str:
    return f"{day:%Y%m%d}T235959"


def normalize_rule(text: str, *, start: datetime, tz: ZoneInfo) -> str:
    """Check ``text`` (an RRULE, no prefix); return it as stored (UNTIL as the end of a local day)."""
    parts = _parts(text)
    unknown = sorted(set(parts) - ALLOWED_PARTS)
    if unknown:
        raise _refuse(
            _("These parts are not supported: %(parts)s.") % {"parts": ", ".join(unknown)},
            "unsupported_rrule",
        )
    if parts.get("FREQ") not in ALLOWED_FREQS:
        raise _refuse(_("Repeat daily, weekly or monthly."), "unsupported_rrule")
    if ("COUNT" in parts) == ("UNTIL" in parts):
        raise _refuse(_("Give either COUNT or UNTIL (an end is required)."), "rrule_unbounded")
    if "COUNT" in parts and not (parts["COUNT"].isdigit() and int(parts["COUNT"]) > 0):
        raise _refuse(_("COUNT must be a positive number."), "invalid_rrule")
    if "UNTIL" in parts:
        value = parts["UNTIL"]
        if "T" not in value:
            last_day = _parse_date(value)
        else:
            try:
                until = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")  # noqa: DTZ007 (floating)
            except ValueError:
                raise _refuse(
                    _("“%(value)s” is not a date-time.") % {"value": value}, "invalid_rrule"
                ) from None
            if value.endswith("Z"):
                until = until.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
            last_day = until.date() if until.time() >= start.time() else until.date() - timedelta(days=1)
        parts["UNTIL"] = _end_of_day(last_day)
    return _join(parts)


def expand(
    *, rule: str, start: datetime, exdates: Iterable[date] = (), limit: int = MAX_OCCURRENCES
) -> list[datetime]:
    """The naive local starts of a stored rule from ``start``, less ``exdates``; refuse beyond ``limit``."""
    try:
        recurrence = rrulestr(rule, dtstart=start, ignoretz=True)
    except (ValueError, TypeError):
        raise _refuse(_("The recurrence rule is not valid RFC 5545."), "invalid_rrule") from None
    excluded = set(exdates)
    starts: list[datetime] = []
    last_allowed = start + timedelta(days=MAX_SPAN_DAYS)
    for index, moment in enumerate(recurrence):
        if index >= limit + len(excluded) or moment > last_allowed:
            raise _refuse(
                _("A series has at most %(n)d occurrences within %(days)d days.")
                % {"n": limit, "days": MAX_SPAN_DAYS},
                "too_many_occurrences",
            )
        if moment.date() not in excluded:
            starts.append(moment)
    if len(starts) > limit:
        raise _refuse(_("A series has at most %(n)d occurrences.") % {"n": limit}, "too_many_occurrences")
    if len({s.date() for s in starts}) != len(starts):
        raise _refuse(_("At most one occurrence a day."), "unsupported_rrule")
    return starts


def occurrences_of(
    *, rule: str, start: datetime, tz: ZoneInfo, duration: timedelta, exdates: Iterable[date] = ()
) -> list[Occurrence]:
    result = []
    for local in expand(rule=rule, start=start, exdates=exdates):
        starts_at = localize(local, tz)
        result.append(Occurrence(local.date(), local, starts_at, starts_at + duration))
    return result


def series_occurrences(series: BookingSeries) -> list[Occurrence]:
    """The series' occurrences as its rule and exceptions say now."""
    return occurrences_of(
        rule=series.rrule,
        start=local_start(series),
        tz=ZoneInfo(series.time_zone),
        duration=timedelta(minutes=series.duration_minutes),
        exdates=_exdates(series),
    )


def _exdates(series: BookingSeries) -> list[date]:
    return [date.fromisoformat(d) for d in series.exdates]


def _add_exdates(series: BookingSeries, days: Iterable[date]) -> None:
    series.exdates = sorted({*series.exdates, *(d.isoformat() for d in days)})


# --- who may act, and what one sees ----------------------------------------------------------------


def _check_manages(actor: Any, series: BookingSeries) -> None:
    """The booker, an owner or admin of the series' company, or staff."""
    if booking_services.may_manage(actor, booked_by_id=series.booked_by_id, company_id=series.company_id):
        return
    raise ActionForbidden(_("You may not change this series."), code="actor_not_allowed")


# --- booking the occurrences -----------------------------------------------------------------------


def _result(occ: Occurrence, tz: ZoneInfo, **fields: Any) -> OccurrenceResult:
    return OccurrenceResult(
        date=occ.date.isoformat(),
        local_start=occ.starts_at.astimezone(tz).replace(tzinfo=None).isoformat(),
        starts_at=occ.starts_at.isoformat(),
        ends_at=occ.ends_at.isoformat(),
        **fields,
    )


def _code_and_message(exc: ValidationError) -> tuple[str, str]:
    if hasattr(exc, "error_dict"):
        first = next(iter(exc.error_dict.values()))[0]
        return first.code or "invalid", " ".join(first.messages)
    if hasattr(exc, "error_list") and exc.error_list and exc.error_list[0] is not exc:
        first = exc.error_list[0]
        return first.code or "invalid", " ".join(first.messages)
    return exc.code or "invalid", " ".join(exc.messages)


def _book_each(
    *,
    series: BookingSeries,
    occurrences: list[Occurrence],
    resource: Resource,
    booked_by: Any,
    company: Company | None,
    title: str,
    attendees: int,
    now: datetime,
) -> list[OccurrenceResult]:
    """Book every occurrence in its own savepoint; report each. Refusals write nothing for that occurrence."""
    tz = resource.tzinfo
    calendar = working_calendar()
    report = []
    for occ in occurrences:
        try:
            with transaction.atomic():
                booking = booking_services.booking_create(
                    resource=resource,
                    booked_by=booked_by,
                    starts_at=occ.starts_at,
                    ends_at=occ.ends_at,
                    company=company,
                    title=title,
                    attendees=attendees,
                    series=series,
                    now=now,
                    calendar=calendar,
                )
        except ValidationError as exc:
            code, message = _code_and_message(exc)
            report.append(_result(occ, tz, status="conflict", code=code, message=message))
        else:
            report.append(_result(occ, tz, status="created", booking=booking.pk))
    return report


def _settle(series: BookingSeries, report: list[OccurrenceResult], on_conflict: str) -> list[date]:
    """Abort (raise, the caller's transaction rolls back) or note the refused dates as exceptions."""
    refused = [r for r in report if not r.ok]
    if refused and on_conflict == "abort":
        raise SeriesConflicts(report)
    days = [date.fromisoformat(r.date) for r in refused]
    _add_exdates(series, days)
    return days


def _check_on_conflict(on_conflict: str) -> None:
    if on_conflict not in ON_CONFLICT:
        raise ValidationError(
            {"on_conflict": ValidationError(_("Choose “abort” or “skip”."), code="invalid_choice")}
        )


def _check_horizon(
    *, resource: Resource, booked_by: Any, occurrences: list[Occurrence], now: datetime
) -> None:
    if not occurrences:
        raise _refuse(_("This rule has no occurrences."), "no_occurrences")
    if booked_by.is_staff:
        return
    horizon = now + timedelta(days=resource.policy.horizon_days)
    if occurrences[-1].starts_at > horizon:
        raise _refuse(
            _("The series runs past the booking horizon (%(n)d days ahead): end it by %(day)s.")
            % {"n": resource.policy.horizon_days, "day": horizon.astimezone(resource.tzinfo).date()},
            "series_beyond_horizon",
        )


@transaction.atomic
def series_create(
    *,
    resource: Resource,
    booked_by: Any,
    rrule: str,
    starts_at_local: datetime,
    duration_minutes: int,
    company: Company | None = None,
    title: str = "",
    attendees: int = 1,
    exdates: Iterable[date] = (),
    on_conflict: OnConflict = "abort",
    now: datetime | None = None,
) -> tuple[BookingSeries, list[OccurrenceResult]]:
    """Create a series and book its occurrences; return it with the per-occurrence report.

    ``starts_at_local`` is a naive wall-clock time in the resource's campus zone (an aware one is
    converted to it). With ``on_conflict="abort"`` any refused occurrence raises ``SeriesConflicts``
    and nothing is written; with ``"skip"`` the refused ones become exceptions of the series.
    """
    now = now or timezone.now()
    _check_on_conflict(on_conflict)
    tz = resource.tzinfo
    if timezone.is_aware(starts_at_local):
        starts_at_local = starts_at_local.astimezone(tz).replace(tzinfo=None)
    starts_at_local = starts_at_local.replace(microsecond=0)
    if duration_minutes < 1:
        raise ValidationError(
            {"duration_minutes": ValidationError(_("Give a positive duration."), code="min_value")}
        )
    rule_text, rule_exdates = split_rule(rrule)
    rule = normalize_rule(rule_text, start=starts_at_local, tz=tz)
    excluded = sorted({*exdates, *rule_exdates})
    occurrences = occurrences_of(
        rule=rule,
        start=starts_at_local,
        tz=tz,
        duration=timedelta(minutes=duration_minutes),
        exdates=excluded,
    )
    _check_horizon(resource=resource, booked_by=booked_by, occurrences=occurrences, now=now)
    company = booking_services.booking_company(user=booked_by, company=company)
    series = BookingSeries(
        resource=resource,
        company=company,
        booked_by=booked_by,
        title=title,
        rrule=rule,
        starts_at_local=to_wall_column(starts_at_local),
        duration_minutes=duration_minutes,
        time_zone=str(tz.key),
        exdates=[d.isoformat() for d in excluded],
    )
    series.full_clean()
    series.save()
    report = _book_each(
        series=series,
        occurrences=occurrences,
        resource=resource,
        booked_by=booked_by,
        company=company,
        title=title,
        attendees=attendees,
        now=now,
    )
    skipped = _settle(series, report, on_conflict)
    if skipped:
        series.save(update_fields=["exdates", "updated_at"])
    transition_log(
        obj=series,
        action="create",
        from_state="",
        to_state=ACTIVE,
        actor=booked_by,
        data={
            "rrule": rule,
            "created": sum(1 for r in report if r.ok),
            "skipped": [{"date": r.date, "code": r.code} for r in report if not r.ok],
        },
    )
    return series, report


class _Rollback(Exception):
    pass


def series_preview(**kwargs: Any) -> list[OccurrenceResult]:
    """What ``series_create`` would book, occurrence by occurrence, without writing anything.

    It runs ``series_create`` itself (in "skip" mode, so every occurrence is tried) inside a
    transaction that is always rolled back: the preview cannot disagree with the real thing.
    """
    kwargs["on_conflict"] = "skip"
    report: list[OccurrenceResult] = []
    try:
        with transaction.atomic():
            _series, report = series_create(**kwargs)
            raise _Rollback
    except _Rollback:
        pass
    for r in report:
        if r.ok:
            r.status, r.booking = "ok", None
    return report


def report_as_dicts(report: list[OccurrenceResult]) -> list[dict[str, Any]]:
    return [asdict(r) for r in report]


# --- cancel and update ---------------------------------------------------------------------------


def _locked(series: BookingSeries) -> BookingSeries:
    return BookingSeries.objects.select_for_update().get(pk=series.pk)


def _affected(series: BookingSeries, *, scope: str, occurrence: date | None, now: datetime) -> list[Booking]:
    """The series' holding bookings that have not begun, within ``scope`` (by local date), locked, by pk."""
    if scope not in SCOPES:
        raise ValidationError(
            {"scope": ValidationError(_("Choose “this”, “following” or “all”."), code="invalid_choice")}
        )
    if scope != "all" and occurrence is None:
        raise ValidationError(
            {"occurrence": ValidationError(_("Say which occurrence (its local date)."), code="required")}
        )
    tz = ZoneInfo(series.time_zone)
    bookings = list(
        Booking.objects.select_for_update()
        .filter(series=series, status__in=HOLDING_STATUSES, starts_at__gt=now)
        .order_by("pk")
    )

    def in_scope(b: Booking) -> bool:
        day = b.starts_at.astimezone(tz).date()
        return scope == "all" or (day == occurrence if scope == "this" else day >= occurrence)  # type: ignore[operator]

    chosen = sorted((b for b in bookings if in_scope(b)), key=lambda b: b.starts_at)
    if scope == "this" and not chosen:
        raise ValidationError(
            {
                "occurrence": ValidationError(
                    _("This series has no upcoming booking on %(day)s.") % {"day": occurrence},
                    code="occurrence_not_found",
                )
            }
        )
    return chosen


def _truncate_before(series: BookingSeries, day: date) -> None:
    """End the rule before ``day`` (the series no longer extends); no occurrence left: cancelled."""
    parts = _parts(series.rrule)
    parts.pop("COUNT", None)
    parts["UNTIL"] = _end_of_day(day - timedelta(days=1))
    series.rrule = _join(parts)
    series.exdates = [d for d in series.exdates if d < day.isoformat()]


def _check_open(series: BookingSeries) -> None:
    if series.cancelled_at is not None:
        raise ValidationError(_("This series has been cancelled."), code="series_cancelled")


@transaction.atomic
def series_cancel(
    *,
    series: BookingSeries,
    actor: Any,
    scope: Scope,
    occurrence: date | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> tuple[BookingSeries, list[Booking]]:
    """Cancel one occurrence, it and the following ones, or all that have not begun.

    ``this`` adds the date to the exceptions; ``following`` ends the rule before that date;
    ``all`` (or ``following`` from the first occurrence) cancels the series itself.
    Returns the series and the bookings cancelled.
    """
    now = now or timezone.now()
    series = _locked(series)
    _check_manages(actor, series)
    _check_open(series)
    bookings = _affected(series, scope=scope, occurrence=occurrence, now=now)
    cancelled = [
        booking_services.booking_cancel(booking=b, actor=actor, reason=reason, now=now) for b in bookings
    ]
    from_rule = series.rrule
    if scope == "this":
        _add_exdates(series, [occurrence])  # type: ignore[list-item]
    elif scope == "following":
        _truncate_before(series, occurrence)  # type: ignore[arg-type]
    if scope == "all" or (scope == "following" and occurrence <= local_start(series).date()):  # type: ignore[operator]
        series.cancelled_at = now
    series.full_clean()
    series.save()
    transition_log(
        obj=series,
        action=f"cancel_{scope}",
        from_state=ACTIVE,
        to_state=CANCELLED if series.cancelled_at else ACTIVE,
        actor=actor,
        reason=reason,
        data={
            "occurrence": occurrence.isoformat() if occurrence else None,
            "cancelled": [b.pk for b in cancelled],
            "rrule": [from_rule, series.rrule],
        },
    )
    return series, cancelled


def _split_at(series: BookingSeries, day: date, *, actor: Any) -> BookingSeries:
    """A new series holding ``series``' occurrences from ``day`` on; ``series`` ends the day before.

    The new rule starts on the first occurrence on or after ``day`` (so INTERVAL and BYDAY keep their
    phase); a COUNT becomes the number of the rule's occurrences left (exceptions count, as in RFC 5545).
    """
    start = local_start(series)
    every = expand(rule=series.rrule, start=start, limit=10 * MAX_OCCURRENCES)
    remaining = [s for s in every if s.date() >= day]
    if not remaining:
        raise ValidationError(
            {
                "occurrence": ValidationError(
                    _("This series has no occurrence on or after %(day)s.") % {"day": day},
                    code="occurrence_not_found",
                )
            }
        )
    parts = _parts(series.rrule)
    if "COUNT" in parts:
        parts["COUNT"] = str(len(remaining))
    new = BookingSeries(
        resource=series.resource,
        company=series.company,
        booked_by=series.booked_by,
        title=series.title,
        rrule=_join(parts),
        starts_at_local=to_wall_column(remaining[0]),
        duration_minutes=series.duration_minutes,
        time_zone=series.time_zone,
        exdates=[d for d in series.exdates if d >= day.isoformat()],
    )
    new.full_clean()
    new.save()
    _truncate_before(series, day)
    series.full_clean()
    series.save()
    transition_log(
        obj=new, action="split_from", from_state="", to_state=ACTIVE, actor=actor, data={"series": series.pk}
    )
    transition_log(
        obj=series,
        action="split",
        from_state=ACTIVE,
        to_state=ACTIVE,
        actor=actor,
        data={"occurrence": day.isoformat(), "new_series": new.pk},
    )
    return new


@transaction.atomic
def series_update(
    *,
    series: BookingSeries,
    actor: Any,
    scope: Scope,
    occurrence: date | None = None,
    title: str | None = None,
    starts_at_local_time: time | None = None,
    duration_minutes: int | None = None,
    on_conflict: OnConflict = "abort",
    now: datetime | None = None,
) -> tuple[BookingSeries, list[OccurrenceResult]]:
    """Change the title, start time (local wall clock) or duration of one, following or all occurrences.

    A new time or duration cancels the affected bookings and books the occurrences again, in one
    transaction: with ``abort`` a refused occurrence undoes everything (``series_conflicts``); with
    ``skip`` it stays cancelled and becomes an exception. ``following`` splits the series: a new
    series takes the occurrences from that date on (returned), the old one ends the day before.
    Returns the series that now holds the changed occurrences and the per-occurrence report.
    """
    now = now or timezone.now()
    _check_on_conflict(on_conflict)
    series = _locked(series)
    _check_manages(actor, series)
    _check_open(series)
    if duration_minutes is not None and duration_minutes < 1:
        raise ValidationError(
            {"duration_minutes": ValidationError(_("Give a positive duration."), code="min_value")}
        )
    if scope == "following" and occurrence is not None and occurrence <= local_start(series).date():
        scope = "all"  # from the first occurrence on: the whole series, no split
    bookings = _affected(series, scope=scope, occurrence=occurrence, now=now)
    tz = ZoneInfo(series.time_zone)
    moves = starts_at_local_time is not None or duration_minutes is not None
    new_time = (starts_at_local_time or local_start(series).time()).replace(second=0, microsecond=0)
    new_duration = duration_minutes or series.duration_minutes
    target = series
    if scope == "following":
        target = _split_at(series, occurrence, actor=actor)  # type: ignore[arg-type]
    if scope != "this":
        if title is not None:
            target.title = title
        target.starts_at_local = to_wall_column(datetime.combine(local_start(target).date(), new_time))
        target.duration_minutes = new_duration
        target.full_clean()
        target.save()
    report: list[OccurrenceResult] = []
    if not moves:
        for booking in bookings:
            booking.series = target
            if title is not None:
                booking.title = title
            booking.save(update_fields=["series", "title", "updated_at"])
            local = booking.starts_at.astimezone(tz)
            report.append(
                OccurrenceResult(
                    date=local.date().isoformat(),
                    local_start=local.replace(tzinfo=None).isoformat(),
                    starts_at=booking.starts_at.isoformat(),
                    ends_at=booking.ends_at.isoformat(),
                    status="created",
                    booking=booking.pk,
                )
            )
    else:
        occurrences = []
        for booking in bookings:
            # what is not changed stays as the booking has it (a single occurrence may have been moved)
            was = booking.starts_at.astimezone(tz).replace(tzinfo=None)
            local = datetime.combine(was.date(), new_time if starts_at_local_time else was.time())
            length = (
                timedelta(minutes=duration_minutes)
                if duration_minutes
                else booking.ends_at - booking.starts_at
            )
            starts_at = localize(local, tz)
            occurrences.append(Occurrence(was.date(), local, starts_at, starts_at + length))
            booking_services.booking_cancel(booking=booking, actor=actor, reason=_("Moved"), now=now)
        report = _book_each(
            series=target,
            occurrences=occurrences,
            resource=series.resource,
            booked_by=series.booked_by,
            company=series.company,
            title=title if title is not None else (bookings[0].title if bookings else ""),
            attendees=bookings[0].attendees if bookings else 1,
            now=now,
        )
        if _settle(target, report, on_conflict):
            target.save(update_fields=["exdates", "updated_at"])
    transition_log(
        obj=target,
        action=f"update_{scope}",
        from_state=ACTIVE,
        to_state=ACTIVE,
        actor=actor,
        data={
            "occurrence": occurrence.isoformat() if occurrence else None,
            "title": title,
            "time": new_time.isoformat() if starts_at_local_time else None,
            "duration_minutes": duration_minutes,
            "from_series": series.pk if target.pk != series.pk else None,
            "skipped": [r.date for r in report if not r.ok],
        },
    )
    return target, report
