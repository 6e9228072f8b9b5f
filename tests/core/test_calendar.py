"""The China working-day calendar.

The 2026 cases follow the State Council's 2026 schedule (国办发明电〔2025〕7号) as the
``holidays`` package encodes it: New Year 1-3 Jan off, Sun 4 Jan worked; Spring Festival
15-23 Feb off, Sat 14 Feb and Sat 28 Feb worked; Labour Day 1-5 May off, Sat 9 May worked;
National Day and Mid-Autumn 1-7 Oct off, Sun 20 Sep and Sat 10 Oct worked.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.calendar import DAY_SECONDS, WorkingCalendar, working_calendar
from core.models import CalendarDay, CalendarDayKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def cal() -> WorkingCalendar:
    """The package calendar alone: no override rows, no database."""
    return WorkingCalendar(overrides=[])


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def override(day: date, kind: CalendarDayKind, name: str, name_zh: str = "") -> CalendarDay:
    return CalendarDay.objects.create(date=day, kind=kind, name=name, name_zh=name_zh)


# -- which days are worked (package only) -------------------------------------------------------


def test_calendar_spring_festival_2026_is_off_with_two_saturdays_worked(cal: WorkingCalendar) -> None:
    # given the 2026 Spring Festival bridge, Sun 15 Feb to Mon 23 Feb
    festival = days(date(2026, 2, 15), date(2026, 2, 23))
    # then all nine days are off, the weekdays among them are holidays, the Sunday is just a weekend
    assert [cal.is_working_day(d) for d in festival] == [False] * 9
    assert [d for d in festival if cal.is_holiday(d)] == [
        date(2026, 2, 16),
        date(2026, 2, 17),
        date(2026, 2, 18),
        date(2026, 2, 19),
        date(2026, 2, 20),
        date(2026, 2, 23),
    ]
    assert cal.holiday_name(date(2026, 2, 17)) == "Chinese New Year (Spring Festival)"
    assert cal.holiday_name(date(2026, 2, 17), zh=True) == "春节"
    assert cal.holiday_name(date(2026, 2, 15)) is None
    # and the Saturdays either side are make-up workdays, work resumes Tue 24 Feb
    for saturday in (date(2026, 2, 14), date(2026, 2, 28)):
        assert cal.is_working_day(saturday)
        assert cal.is_makeup_workday(saturday)
        assert not cal.is_holiday(saturday)
    assert cal.is_working_day(date(2026, 2, 24))
    assert not cal.is_makeup_workday(date(2026, 2, 24))


def test_calendar_national_day_2026_is_off_1_to_7_october_with_two_weekend_days_worked(
    cal: WorkingCalendar,
) -> None:
    # given the 2026 National Day week
    week = days(date(2026, 10, 1), date(2026, 10, 7))
    # then 1-7 Oct are off; Sun 4 Oct is a weekend, the other six are named holidays
    assert [cal.is_working_day(d) for d in week] == [False] * 7
    assert [d for d in week if not cal.is_holiday(d)] == [date(2026, 10, 4)]
    assert cal.holiday_name(date(2026, 10, 1)) == "National Day"
    assert cal.holiday_name(date(2026, 10, 7)) == "Day off (substituted from 10/10/2026)"
    assert cal.is_working_day(date(2026, 10, 8))
    # and Sun 20 Sep and Sat 10 Oct are worked
    assert cal.is_makeup_workday(date(2026, 9, 20))
    assert cal.is_makeup_workday(date(2026, 10, 10))
    assert not cal.is_working_day(date(2026, 10, 11))


def test_calendar_sunday_4_january_2026_is_a_workday(cal: WorkingCalendar) -> None:
    # when / then: New Year 1-3 Jan is off and Sunday 4 Jan is worked in exchange
    assert [cal.is_working_day(d) for d in days(date(2026, 1, 1), date(2026, 1, 5))] == [
        False,  # Thu, New Year's Day
        False,  # Fri, day off substituted from Sun 4 Jan
        False,  # Sat
        True,  # Sun, make-up workday
        True,  # Mon
    ]
    assert cal.is_makeup_workday(date(2026, 1, 4))
    assert cal.holiday_name(date(2026, 1, 2), zh=True) == "休息日（由 2026-01-04 调休）"


def test_calendar_ordinary_weekend_is_off(cal: WorkingCalendar) -> None:
    # given an ordinary weekend in March 2026
    saturday, sunday, monday = date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)
    # then it is neither worked nor a holiday
    for day in (saturday, sunday):
        assert not cal.is_working_day(day)
        assert not cal.is_holiday(day)
        assert not cal.is_makeup_workday(day)
        assert cal.holiday_name(day) is None
    assert cal.is_working_day(monday)


def test_calendar_next_working_day_skips_the_spring_festival(cal: WorkingCalendar) -> None:
    # when / then
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)
    assert cal.next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
    assert cal.next_working_day(date(2026, 2, 14), inclusive=True) == date(2026, 2, 14)
    assert cal.next_working_day(date(2026, 2, 15), inclusive=True) == date(2026, 2, 24)
    assert cal.next_working_day(date(2026, 10, 9)) == date(2026, 10, 10)


def test_calendar_working_days_between_counts_the_half_open_range(cal: WorkingCalendar) -> None:
    # given Fri 13 Feb to Wed 25 Feb 2026: worked are 13, Sat 14 and 24 Feb
    start, end = date(2026, 2, 13), date(2026, 2, 25)
    # when / then
    assert cal.working_days_between(start, end) == 3
    assert cal.working_days_between(end, start) == -3
    assert cal.working_days_between(start, start) == 0
    assert cal.working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5


# -- overrides ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_calendar_overrides_beat_the_package() -> None:
    # given a worked Saturday, a park closure on a Tuesday, and a 2027 schedule the package lacks
    override(date(2026, 3, 14), CalendarDayKind.WORKDAY, "Move-in weekend", "入驻周末")
    override(date(2026, 3, 10), CalendarDayKind.HOLIDAY, "Park closure", "园区停电检修")
    override(date(2027, 2, 20), CalendarDayKind.WORKDAY, "Make-up workday", "调休上班")
    override(date(2027, 2, 11), CalendarDayKind.HOLIDAY, "Spring Festival", "春节")
    override(date(2027, 2, 10), CalendarDayKind.WORKDAY, "Not a holiday after all")
    # when
    cal = working_calendar()
    # then the Saturday is worked
    assert cal.is_working_day(date(2026, 3, 14))
    assert cal.is_makeup_workday(date(2026, 3, 14))
    assert cal.holiday_name(date(2026, 3, 14)) is None
    # and the Tuesday is a named day off
    assert not cal.is_working_day(date(2026, 3, 10))
    assert cal.is_holiday(date(2026, 3, 10))
    assert cal.holiday_name(date(2026, 3, 10)) == "Park closure"
    assert cal.holiday_name(date(2026, 3, 10), zh=True) == "园区停电检修"
    # and 2027 follows the overrides where the package says otherwise
    assert cal.is_makeup_workday(date(2027, 2, 20))
    assert not cal.is_working_day(date(2027, 2, 11))
    assert cal.holiday_name(date(2027, 2, 11), zh=True) == "春节"
    assert WorkingCalendar(overrides=[]).is_holiday(date(2027, 2, 10))  # the package's guess
    assert cal.is_working_day(date(2027, 2, 10))
    assert not cal.is_holiday(date(2027, 2, 10))
    assert cal.holiday_name(date(2027, 2, 10)) is None
    # and a blank Chinese name falls back to the English one
    override(date(2026, 3, 11), CalendarDayKind.HOLIDAY, "Fire drill")
    assert working_calendar().holiday_name(date(2026, 3, 11), zh=True) == "Fire drill"


@pytest.mark.django_db
def test_working_calendar_costs_no_query_until_used_and_one_for_a_whole_year(
    django_assert_num_queries, django_assert_max_num_queries
) -> None:
    # given overrides in two years
    override(date(2026, 3, 10), CalendarDayKind.HOLIDAY, "Park closure")
    override(date(2026, 3, 14), CalendarDayKind.WORKDAY, "Move-in weekend")
    override(date(2027, 1, 4), CalendarDayKind.HOLIDAY, "Park closure")
    # when the calendar is built
    with django_assert_num_queries(0):
        cal = working_calendar()
    # and used over every day of 2026 and into 2027
    with django_assert_max_num_queries(1):
        worked = [d for d in days(date(2026, 1, 1), date(2026, 12, 31)) if cal.is_working_day(d)]
        names = [cal.holiday_name(d) for d in days(date(2026, 1, 1), date(2027, 1, 31))]
        due = cal.add_working_days(datetime(2026, 12, 31, 10, tzinfo=SHANGHAI), 2)
        seconds = cal.working_seconds_between(
            datetime(2026, 1, 1, tzinfo=SHANGHAI), datetime(2027, 1, 1, tzinfo=SHANGHAI)
        )
    # then the overrides were applied: 2026 has 261 weekdays - 19 holidays + 6 make-up days = 248
    # working days, one closure and one extra Saturday leave 248
    assert len(worked) == 248
    assert seconds == 248 * DAY_SECONDS
    assert "Park closure" in names
    assert due == datetime(2027, 1, 6, 10, tzinfo=SHANGHAI)  # 1 Jan holiday, 2-3 weekend, 4 Jan closed


# -- working-day clocks ------------------------------------------------------------------------


def test_add_working_days_across_the_spring_festival_keeps_the_time_of_day(cal: WorkingCalendar) -> None:
    # given Friday 13 Feb 2026, 10:00 in Shanghai
    start = datetime(2026, 2, 13, 10, tzinfo=SHANGHAI)
    # when / then: +1 is the make-up Saturday, +2 is the first day after the festival
    one = cal.add_working_days(start, 1)
    assert one == datetime(2026, 2, 14, 2, tzinfo=UTC)
    assert one.tzinfo is UTC
    assert cal.add_working_days(start, 2) == datetime(2026, 2, 24, 2, tzinfo=UTC)
    assert cal.add_working_days(start, 3) == datetime(2026, 2, 25, 2, tzinfo=UTC)
    assert cal.add_working_days(start, 0) == start


def test_add_working_days_from_a_non_working_day_counts_from_the_next_working_days_start(
    cal: WorkingCalendar,
) -> None:
    # given a Sunday afternoon inside the festival
    start = datetime(2026, 2, 15, 15, 30, tzinfo=SHANGHAI)
    # when / then: the clock starts Tue 24 Feb 00:00, so 1 working day ends at its midnight
    assert cal.add_working_days(start, 1) == datetime(2026, 2, 25, tzinfo=SHANGHAI)
    assert cal.add_working_days(start, 1) == datetime(2026, 2, 24, 16, tzinfo=UTC)
    # and 5 working days (24-27 Feb and Sat 28 Feb) end at midnight after the make-up Saturday
    assert cal.add_working_days(start, 5) == datetime(2026, 3, 1, tzinfo=SHANGHAI)
    # and an ordinary Saturday + 1 is the end of Monday
    saturday = datetime(2026, 3, 7, 15, tzinfo=SHANGHAI)
    assert cal.add_working_days(saturday, 1) == datetime(2026, 3, 10, tzinfo=SHANGHAI)


def test_add_working_days_from_midnight_ends_at_the_last_days_midnight(cal: WorkingCalendar) -> None:
    # given Friday 6 March 2026 at 00:00
    start = datetime(2026, 3, 6, tzinfo=SHANGHAI)
    # when / then: the whole of Friday is one working day; "same working day" is midnight + 1
    assert cal.add_working_days(start, 1) == datetime(2026, 3, 7, tzinfo=SHANGHAI)
    assert cal.add_working_days(start, 2) == datetime(2026, 3, 10, tzinfo=SHANGHAI)


def test_add_working_hours_across_a_night_and_a_holiday(cal: WorkingCalendar) -> None:
    # given business hours 9:00-18:00
    thursday = datetime(2026, 2, 12, 16, tzinfo=SHANGHAI)
    makeup_saturday = datetime(2026, 2, 14, 15, tzinfo=SHANGHAI)
    # when / then: 2 h on Thursday, 2 h on Friday morning
    assert cal.add_working_hours(thursday, 4) == datetime(2026, 2, 13, 3, tzinfo=UTC)
    # and 3 h on the make-up Saturday, then 5 h on the first day after the festival
    assert cal.add_working_hours(makeup_saturday, 8) == datetime(2026, 2, 24, 14, tzinfo=SHANGHAI)
    # and a budget ending at closing time ends that day, a start before opening waits for it
    assert cal.add_working_hours(thursday, 2) == datetime(2026, 2, 12, 18, tzinfo=SHANGHAI)
    early = datetime(2026, 2, 12, 7, tzinfo=SHANGHAI)
    assert cal.add_working_hours(early, 1.5) == datetime(2026, 2, 12, 10, 30, tzinfo=SHANGHAI)
    # and other opening hours can be passed
    assert cal.add_working_hours(thursday, 2, day_start=time(8, 30), day_end=time(17)) == datetime(
        2026, 2, 13, 9, 30, tzinfo=SHANGHAI
    )


def test_working_seconds_between_across_a_holiday(cal: WorkingCalendar) -> None:
    # given the make-up Saturday 10:00 to the first day after the festival, 10:00
    start = datetime(2026, 2, 14, 10, tzinfo=SHANGHAI)
    end = datetime(2026, 2, 24, 10, tzinfo=SHANGHAI)
    # when / then: 14 h + 10 h of working days, 8 h + 1 h of business hours
    assert cal.working_seconds_between(start, end) == DAY_SECONDS
    assert cal.working_seconds_between(start, end, day_start=time(9), day_end=time(18)) == 9 * 3600
    assert cal.working_seconds_between(end, start) == -DAY_SECONDS
    assert cal.working_seconds_between(start, start) == 0
    # and nothing is counted inside the festival
    assert (
        cal.working_seconds_between(
            datetime(2026, 2, 15, tzinfo=SHANGHAI), datetime(2026, 2, 24, tzinfo=SHANGHAI)
        )
        == 0
    )


def test_sla_clock_paused_over_the_festival_resumes_with_the_remaining_budget(cal: WorkingCalendar) -> None:
    # given a 2-working-day clock started Thu 12 Feb 10:00, paused Fri 13 Feb 16:00
    budget = 2 * DAY_SECONDS
    started = datetime(2026, 2, 12, 10, tzinfo=SHANGHAI)
    used = cal.working_seconds_between(started, datetime(2026, 2, 13, 16, tzinfo=SHANGHAI))
    # when it resumes on Wed 25 Feb at 11:00
    due = cal.add_working_seconds(datetime(2026, 2, 25, 11, tzinfo=SHANGHAI), budget - used)
    # then 30 h were used and the remaining 18 h run to Thursday 05:00
    assert used == 30 * 3600
    assert due == datetime(2026, 2, 26, 5, tzinfo=SHANGHAI)
    # and adding then measuring gives the budget back
    assert cal.working_seconds_between(started, cal.add_working_seconds(started, budget)) == budget


# -- daylight saving time ----------------------------------------------------------------------


def test_working_time_keeps_berlin_wall_clock_across_the_spring_dst_change(cal: WorkingCalendar) -> None:
    # given Friday 27 March 2026 in Berlin (CET, +01:00); clocks go forward on Sunday 29 March
    friday_10 = datetime(2026, 3, 27, 10, tzinfo=BERLIN)
    friday_16 = datetime(2026, 3, 27, 16, tzinfo=BERLIN)
    monday_10 = datetime(2026, 3, 30, 10, tzinfo=BERLIN)
    # when / then: Monday keeps 10:00 local, now CEST (+02:00)
    assert cal.add_working_days(friday_10, 1, tz=BERLIN) == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert cal.add_working_hours(friday_16, 4, tz=BERLIN) == datetime(2026, 3, 30, 9, tzinfo=UTC)
    # and working time is wall-clock time, though only 71 real hours pass
    assert monday_10.astimezone(UTC) - friday_10.astimezone(UTC) == timedelta(hours=71)
    assert cal.working_seconds_between(friday_10, monday_10, tz=BERLIN) == DAY_SECONDS
    assert (
        cal.working_seconds_between(friday_10, monday_10, tz=BERLIN, day_start=time(9), day_end=time(18))
        == (8 + 1) * 3600
    )


def test_working_time_counts_a_worked_dst_day_as_24_wall_clock_hours() -> None:
    # given the spring-forward Sunday made a working day
    cal = WorkingCalendar(
        overrides=[CalendarDay(date=date(2026, 3, 29), kind=CalendarDayKind.WORKDAY, name="Inventory")]
    )
    # when / then: it runs 00:00 to 24:00 local, 23 real hours
    start = datetime(2026, 3, 28, 12, tzinfo=BERLIN)
    assert cal.add_working_days(start, 1, tz=BERLIN) == datetime(2026, 3, 30, tzinfo=BERLIN)
    assert cal.add_working_hours(start, 9, tz=BERLIN) == datetime(2026, 3, 29, 18, tzinfo=BERLIN)


# -- input checks ------------------------------------------------------------------------------


def test_calendar_rejects_naive_datetimes_datetimes_as_dates_and_negative_budgets(
    cal: WorkingCalendar,
) -> None:
    # when / then
    with pytest.raises(ValueError, match="aware"):
        cal.add_working_days(datetime(2026, 2, 13, 10), 1)  # noqa: DTZ001
    with pytest.raises(TypeError, match="datetime"):
        cal.is_working_day(datetime(2026, 2, 13, tzinfo=SHANGHAI))
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(datetime(2026, 2, 13, tzinfo=SHANGHAI), -1)
    with pytest.raises(ValueError, match="after day_start"):
        cal.add_working_hours(datetime(2026, 2, 13, tzinfo=SHANGHAI), 1, day_start=time(18), day_end=time(9))
