"""Recurring series: RFC 5545 dates, wall-clock times across DST, holidays, conflicts, cancel and update."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from bookings.models import Booking, BookingSeries, BookingStatus
from bookings.services import bookings as booking_services
from bookings.services import series as services
from core.models import TransitionLog
from tests.accounts.factories import UserFactory
from tests.bookings.factories import MONDAY, NOW, at, policy, room, tenant
from tests.spaces.factories import CampusFactory

pytestmark = pytest.mark.django_db


def wall(*parts: int) -> datetime:
    """A naive local wall-clock time: what a series' first start is."""
    return datetime(*parts)  # noqa: DTZ001


def code_of(excinfo) -> str:  # type: ignore[no-untyped-def]
    exc = excinfo.value
    if hasattr(exc, "error_dict"):
        return next(iter(exc.error_dict.values()))[0].code
    return exc.code


def dates(rule: str, start: datetime) -> list[date]:
    text, _exdates = services.split_rule(rule)
    return [
        d.date()
        for d in services.expand(rule=services.normalize_rule(text, start=start, tz=UTC), start=start)
    ]


def create(resource, user, rule, start, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("duration_minutes", 60)
    kw.setdefault("now", NOW)
    return services.series_create(resource=resource, booked_by=user, rrule=rule, starts_at_local=start, **kw)


# --- the dates RFC 5545 says ------------------------------------------------------------------------


def test_weekly_on_monday_and_wednesday_count_6():
    # 2027-03-01 is a Monday
    assert dates("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6", wall(2027, 3, 1, 9)) == [
        date(2027, 3, 1),
        date(2027, 3, 3),
        date(2027, 3, 8),
        date(2027, 3, 10),
        date(2027, 3, 15),
        date(2027, 3, 17),
    ]


def test_monthly_on_the_31st_skips_months_without_one():
    # RFC 5545 §3.3.10: invalid dates (Feb 31, Apr 31) are ignored, not moved
    assert dates("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=5", wall(2027, 1, 31, 9)) == [
        date(2027, 1, 31),
        date(2027, 3, 31),
        date(2027, 5, 31),
        date(2027, 7, 31),
        date(2027, 8, 31),
    ]


def test_monthly_on_the_last_friday_and_the_second_tuesday():
    assert dates("FREQ=MONTHLY;BYDAY=-1FR;COUNT=4", wall(2027, 1, 29, 9)) == [
        date(2027, 1, 29),
        date(2027, 2, 26),
        date(2027, 3, 26),
        date(2027, 4, 30),
    ]
    assert dates("FREQ=MONTHLY;BYDAY=2TU;UNTIL=20270511", wall(2027, 1, 12, 9)) == [
        date(2027, 1, 12),
        date(2027, 2, 9),
        date(2027, 3, 9),
        date(2027, 4, 13),
        date(2027, 5, 11),  # a date-only UNTIL includes that day
    ]
    # the same by BYSETPOS: the second Tuesday of the month
    assert dates("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;COUNT=3", wall(2027, 1, 12, 9)) == [
        date(2027, 1, 12),
        date(2027, 2, 9),
        date(2027, 3, 9),
    ]


def test_daily_with_interval_and_until():
    assert dates("RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20270307T090000", wall(2027, 3, 1, 9)) == [
        date(2027, 3, 1),
        date(2027, 3, 3),
        date(2027, 3, 5),
        date(2027, 3, 7),
    ]


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", "rrule_unbounded"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270401", "rrule_unbounded"),
        ("FREQ=HOURLY;COUNT=3", "unsupported_rrule"),
        ("FREQ=DAILY;BYHOUR=9,10;COUNT=3", "unsupported_rrule"),
        ("FREQ=DAILY;COUNT=201", "too_many_occurrences"),
        ("FREQ=WEEKLY;COUNT=x", "invalid_rrule"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=3", "invalid_rrule"),
        ("nonsense", "invalid_rrule"),
        ("FREQ=DAILY;UNTIL=20270101;", "no_occurrences"),
        ("FREQ=WEEKLY;COUNT=20", "series_beyond_horizon"),  # 20 weeks > 60 days ahead
    ],
)
def test_bad_rules_are_refused_with_a_code_and_write_nothing(rule, code):
    resource = room(policy(is_24x7=True))
    user, _ = tenant()
    with pytest.raises(ValidationError) as excinfo:
        create(resource, user, rule, wall(2027, 3, 1, 9))
    assert code_of(excinfo) == code
    assert not BookingSeries.objects.exists()
    assert not Booking.objects.exists()


# --- wall-clock times across DST --------------------------------------------------------------------


def test_weekly_over_the_berlin_spring_change_stays_at_nine_local():
    # given: a campus in Berlin; clocks go forward on Sunday 2027-03-28
    resource = room(policy(is_24x7=True), floor__building__campus=CampusFactory(time_zone="Europe/Berlin"))
    staff = UserFactory(is_staff=True)
    # when
    series, report = create(resource, staff, "FREQ=WEEKLY;BYDAY=TU;COUNT=4", wall(2027, 3, 16, 9))
    # then: 09:00 local every week; UTC 08:00 before the change, 07:00 after
    bookings = list(series.bookings.order_by("starts_at"))
    assert [b.starts_at.astimezone(UTC).hour for b in bookings] == [8, 8, 7, 7]
    assert [b.starts_at.astimezone(resource.tzinfo).time() for b in bookings] == [time(9)] * 4
    assert [b.ends_at - b.starts_at for b in bookings] == [timedelta(hours=1)] * 4
    assert [r.local_start for r in report] == [
        "2027-03-16T09:00:00",
        "2027-03-23T09:00:00",
        "2027-03-30T09:00:00",
        "2027-04-06T09:00:00",
    ]
    assert services.local_start(BookingSeries.objects.get()) == wall(2027, 3, 16, 9)
    assert series.time_zone == "Europe/Berlin"


def test_a_local_time_the_spring_change_skips_starts_when_the_clock_shows_it_next():
    # 02:30 on 2027-03-28 does not exist in Berlin: the occurrence starts at 03:30 CEST (01:30 UTC)
    tz = CampusFactory.build(time_zone="Europe/Berlin").tzinfo
    starts = services.localize(wall(2027, 3, 28, 2, 30), tz)
    assert starts == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert starts.astimezone(tz).strftime("%H:%M %Z") == "03:30 CEST"
    # 02:30 on 2027-10-31 happens twice: the first (CEST, 00:30 UTC)
    assert services.localize(wall(2027, 10, 31, 2, 30), tz) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


# --- holidays and conflicts -------------------------------------------------------------------------


def _national_day_week(pol):  # type: ignore[no-untyped-def]
    """A Thursday series over National Day (Thu 2026-10-01) in Shanghai, booked by staff."""
    resource = room(pol)
    staff = UserFactory(is_staff=True)
    now = datetime(2026, 9, 1, 9, tzinfo=resource.tzinfo)
    return resource, staff, now


def test_a_closed_resource_reports_the_holiday_and_skip_books_the_others():
    resource, staff, now = _national_day_week(policy())
    # when
    series, report = create(
        resource, staff, "FREQ=WEEKLY;BYDAY=TH;COUNT=4", wall(2026, 9, 24, 10), now=now, on_conflict="skip"
    )
    # then
    assert [(r.date, r.status, r.code) for r in report] == [
        ("2026-09-24", "created", ""),
        ("2026-10-01", "conflict", "closed_holiday"),
        ("2026-10-08", "created", ""),
        ("2026-10-15", "created", ""),
    ]
    assert "public holiday" in report[1].message
    assert [b.starts_at.date() for b in series.bookings.order_by("starts_at")] == [
        date(2026, 9, 24),
        date(2026, 10, 8),
        date(2026, 10, 15),
    ]
    assert series.exdates == ["2026-10-01"]
    assert services.series_occurrences(series)[1].date == date(2026, 10, 8)
    log = TransitionLog.objects.for_object(series).get()
    assert log.data["skipped"] == [{"date": "2026-10-01", "code": "closed_holiday"}]


def test_abort_on_a_holiday_writes_nothing_and_lists_the_occurrence():
    resource, staff, now = _national_day_week(policy())
    with pytest.raises(services.SeriesConflicts) as excinfo:
        create(resource, staff, "FREQ=WEEKLY;BYDAY=TH;COUNT=4", wall(2026, 9, 24, 10), now=now)
    assert excinfo.value.code == "series_conflicts"
    assert [r.date for r in excinfo.value.report if not r.ok] == ["2026-10-01"]
    assert "2026-10-01" in excinfo.value.messages[0]
    assert not BookingSeries.objects.exists()
    assert not Booking.objects.exists()
    assert not TransitionLog.objects.exists()


def test_a_24x7_resource_books_the_holiday_occurrence():
    resource, staff, now = _national_day_week(policy(is_24x7=True))
    series, report = create(resource, staff, "FREQ=WEEKLY;BYDAY=TH;COUNT=4", wall(2026, 9, 24, 10), now=now)
    assert [r.status for r in report] == ["created"] * 4
    assert series.bookings.filter(starts_at__date=date(2026, 10, 1)).exists()


def test_an_existing_booking_is_reported_on_its_occurrence_only():
    # given: someone holds the second Monday 10:30-11:30
    resource = room()
    user, _ = tenant()
    other, _ = tenant()
    taken = booking_services.booking_create(
        resource=resource,
        booked_by=other,
        starts_at=at(MONDAY + timedelta(days=7), 10, 30),
        ends_at=at(MONDAY + timedelta(days=7), 11, 30),
        now=NOW,
    )
    # when: a preview, then an abort, then a skip
    preview = services.series_preview(
        resource=resource,
        booked_by=user,
        rrule="FREQ=WEEKLY;COUNT=3",
        starts_at_local=wall(2027, 3, 1, 10),
        duration_minutes=60,
        now=NOW,
    )
    assert [(r.status, r.code) for r in preview] == [("ok", ""), ("conflict", "booking_overlap"), ("ok", "")]
    assert not BookingSeries.objects.exists()
    assert Booking.objects.count() == 1
    with pytest.raises(services.SeriesConflicts):
        create(resource, user, "FREQ=WEEKLY;COUNT=3", wall(2027, 3, 1, 10))
    assert list(Booking.objects.all()) == [taken]
    series, report = create(resource, user, "FREQ=WEEKLY;COUNT=3", wall(2027, 3, 1, 10), on_conflict="skip")
    # then
    assert [r.code for r in report] == ["", "booking_overlap", ""]
    assert series.bookings.count() == 2
    assert all(b.status == BookingStatus.CONFIRMED for b in series.bookings.all())


def test_exdates_are_left_out_and_occurrences_may_be_given_as_exdate_lines():
    resource = room()
    user, _ = tenant()
    series, report = create(
        resource,
        user,
        "RRULE:FREQ=DAILY;COUNT=5\nEXDATE:20270303T100000",
        wall(2027, 3, 1, 10),
        exdates=[date(2027, 3, 4)],
    )
    assert [r.date for r in report] == ["2027-03-01", "2027-03-02", "2027-03-05"]
    assert series.rrule == "FREQ=DAILY;COUNT=5"
    assert series.exdates == ["2027-03-03", "2027-03-04"]


# --- cancel and update ------------------------------------------------------------------------------


def _weekly(n: int = 4):  # type: ignore[no-untyped-def]
    resource = room()
    user, _company = tenant()
    series, _ = create(resource, user, f"FREQ=WEEKLY;BYDAY=MO;COUNT={n}", wall(2027, 3, 1, 10))
    return resource, user, series


def _statuses(series) -> list[tuple[date, str]]:  # type: ignore[no-untyped-def]
    return [
        (b.starts_at.date(), b.status) for b in Booking.objects.filter(series=series).order_by("starts_at")
    ]


def test_cancel_this_one_cancels_it_and_adds_an_exception():
    _resource, user, series = _weekly()
    series, cancelled = services.series_cancel(
        series=series, actor=user, scope="this", occurrence=date(2027, 3, 8), reason="Off", now=NOW
    )
    assert [b.starts_at.date() for b in cancelled] == [date(2027, 3, 8)]
    assert [s for d, s in _statuses(series)] == ["confirmed", "cancelled", "confirmed", "confirmed"]
    assert series.exdates == ["2027-03-08"]
    assert series.cancelled_at is None
    assert len(services.series_occurrences(series)) == 3
    with pytest.raises(ValidationError) as excinfo:
        services.series_cancel(series=series, actor=user, scope="this", occurrence=date(2027, 3, 8), now=NOW)
    assert code_of(excinfo) == "occurrence_not_found"


def test_cancel_following_truncates_the_rule():
    _resource, user, series = _weekly()
    series, cancelled = services.series_cancel(
        series=series, actor=user, scope="following", occurrence=date(2027, 3, 15), now=NOW
    )
    assert len(cancelled) == 2
    assert [s for d, s in _statuses(series)] == ["confirmed", "confirmed", "cancelled", "cancelled"]
    assert series.rrule == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270314T235959"
    assert [o.date for o in services.series_occurrences(series)] == [date(2027, 3, 1), date(2027, 3, 8)]
    log = TransitionLog.objects.for_object(series).latest("pk")
    assert (log.action, log.actor) == ("cancel_following", user)


def test_cancel_all_leaves_begun_ones_and_marks_the_series():
    _resource, user, series = _weekly()
    during_first = at(MONDAY, 10, 30)
    series, cancelled = services.series_cancel(series=series, actor=user, scope="all", now=during_first)
    assert len(cancelled) == 3
    assert [s for d, s in _statuses(series)] == ["confirmed", "cancelled", "cancelled", "cancelled"]
    assert series.cancelled_at == during_first
    with pytest.raises(ValidationError) as excinfo:
        services.series_cancel(series=series, actor=user, scope="all", now=during_first)
    assert code_of(excinfo) == "series_cancelled"


def test_only_the_booker_their_company_admins_or_staff_change_a_series():
    _resource, _user, series = _weekly()
    stranger, _ = tenant()
    colleague, _ = tenant(company=series.company, role="member")
    for actor in (stranger, colleague):
        with pytest.raises(Exception) as excinfo:  # noqa: PT011
            services.series_cancel(series=series, actor=actor, scope="all", now=NOW)
        assert getattr(excinfo.value, "code", None) == "actor_not_allowed"
    assert Booking.objects.filter(status=BookingStatus.CANCELLED).count() == 0


def test_update_following_moves_the_time_and_splits_the_series():
    _resource, user, series = _weekly()
    first_ids = list(Booking.objects.filter(series=series).order_by("starts_at").values_list("pk", flat=True))
    new, report = services.series_update(
        series=series,
        actor=user,
        scope="following",
        occurrence=date(2027, 3, 15),
        title="Later stand-up",
        starts_at_local_time=time(14),
        duration_minutes=30,
        now=NOW,
    )
    series.refresh_from_db()
    # the old series keeps the first two, ending the day before
    assert series.rrule == "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270314T235959"
    assert _statuses(series) == [
        (date(2027, 3, 1), "confirmed"),
        (date(2027, 3, 8), "confirmed"),
        (date(2027, 3, 15), "cancelled"),
        (date(2027, 3, 22), "cancelled"),
    ]
    assert Booking.objects.filter(pk__in=first_ids[:2], series=series).count() == 2
    # the new one starts on the 15th at 14:00 local with the two remaining occurrences
    assert new.pk != series.pk
    assert (new.rrule, services.local_start(new), new.duration_minutes, new.title) == (
        "FREQ=WEEKLY;BYDAY=MO;COUNT=2",
        wall(2027, 3, 15, 14),
        30,
        "Later stand-up",
    )
    moved = list(Booking.objects.filter(series=new).order_by("starts_at"))
    assert [(b.starts_at, b.ends_at, b.title) for b in moved] == [
        (at(date(2027, 3, 15), 14), at(date(2027, 3, 15), 14, 30), "Later stand-up"),
        (at(date(2027, 3, 22), 14), at(date(2027, 3, 22), 14, 30), "Later stand-up"),
    ]
    assert [r.status for r in report] == ["created", "created"]
    assert [o.date for o in services.series_occurrences(new)] == [date(2027, 3, 15), date(2027, 3, 22)]


def test_update_all_in_abort_mode_is_all_or_nothing():
    # given: someone else holds 15:00 on the third Monday
    resource, user, series = _weekly()
    other, _ = tenant()
    booking_services.booking_create(
        resource=resource,
        booked_by=other,
        starts_at=at(date(2027, 3, 15), 15),
        ends_at=at(date(2027, 3, 15), 16),
        now=NOW,
    )
    before = _statuses(series)
    # when
    with pytest.raises(services.SeriesConflicts) as excinfo:
        services.series_update(series=series, actor=user, scope="all", starts_at_local_time=time(15), now=NOW)
    # then: nothing moved
    assert [(r.date, r.code) for r in excinfo.value.report if not r.ok] == [("2027-03-15", "booking_overlap")]
    assert _statuses(series) == before
    assert all(b.starts_at.hour == 2 for b in Booking.objects.filter(series=series))  # 10:00 Shanghai
    # with skip: the free ones move, the taken one is dropped as an exception
    target, _report = services.series_update(
        series=series, actor=user, scope="all", starts_at_local_time=time(15), on_conflict="skip", now=NOW
    )
    assert target.pk == series.pk
    assert target.exdates == ["2027-03-15"]
    assert services.local_start(target) == wall(2027, 3, 1, 15)
    holding = Booking.objects.filter(series=series).holding().order_by("starts_at")
    assert [b.starts_at for b in holding] == [at(date(2027, 3, d), 15) for d in (1, 8, 22)]


def test_update_this_title_only_changes_that_booking():
    _resource, user, series = _weekly(2)
    target, _report = services.series_update(
        series=series, actor=user, scope="this", occurrence=date(2027, 3, 8), title="Board", now=NOW
    )
    assert target.pk == series.pk
    titles = list(Booking.objects.filter(series=series).order_by("starts_at").values_list("title", "status"))
    assert titles == [("", "confirmed"), ("Board", "confirmed")]


def test_update_this_moves_one_then_all_changes_the_duration_and_keeps_that_move():
    _resource, user, series = _weekly(3)
    # given: the second occurrence moved to 16:00
    services.series_update(
        series=series,
        actor=user,
        scope="this",
        occurrence=date(2027, 3, 8),
        starts_at_local_time=time(16),
        now=NOW,
    )
    # when: all become 30 minutes
    services.series_update(series=series, actor=user, scope="all", duration_minutes=30, now=NOW)
    # then
    holding = Booking.objects.filter(series=series).holding().order_by("starts_at")
    assert [(b.starts_at, b.ends_at) for b in holding] == [
        (at(date(2027, 3, 1), 10), at(date(2027, 3, 1), 10, 30)),
        (at(date(2027, 3, 8), 16), at(date(2027, 3, 8), 16, 30)),
        (at(date(2027, 3, 15), 10), at(date(2027, 3, 15), 10, 30)),
    ]
    assert Booking.objects.filter(series=series, status=BookingStatus.CANCELLED).count() == 4
    series.refresh_from_db()
    assert series.duration_minutes == 30
    assert [log.action for log in TransitionLog.objects.for_object(series).order_by("pk")] == [
        "create",
        "update_this",
        "update_all",
    ]
