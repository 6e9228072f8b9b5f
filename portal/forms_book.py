"""Portal forms for booking: find a free resource, book one, book a series, subscribe to a calendar.

Times are typed as a local date and wall-clock times in the campus's zone; the forms turn them
into aware datetimes. Business rules stay in the bookings services: these forms only check
what a person typed (a time, a date, a number) and build the arguments.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import ResourceKind
from spaces.models import Building, Feature

CAMPUS_TZ = ZoneInfo(settings.CAMPUS_DEFAULT_TIME_ZONE)

# Kinds a founder books from the portal (equipment is booked from its lab).
SEARCH_KINDS = [
    (ResourceKind.BOARDROOM.value, ResourceKind.BOARDROOM.label),
    (ResourceKind.PHONE_ROOM.value, ResourceKind.PHONE_ROOM.label),
    (ResourceKind.HOT_DESK.value, ResourceKind.HOT_DESK.label),
    (ResourceKind.DEDICATED_DESK.value, ResourceKind.DEDICATED_DESK.label),
    (ResourceKind.EVENT_HALL.value, ResourceKind.EVENT_HALL.label),
    (ResourceKind.COWORKING_AREA.value, ResourceKind.COWORKING_AREA.label),
    (ResourceKind.LAB.value, ResourceKind.LAB.label),
    (ResourceKind.EQUIPMENT.value, ResourceKind.EQUIPMENT.label),
]


def local_today(tz: ZoneInfo = CAMPUS_TZ) -> date:
    return timezone.now().astimezone(tz).date()


def aware(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """A local wall-clock date and time in ``tz`` as an aware datetime (a gap reads as before it)."""
    return datetime.combine(day, moment).replace(tzinfo=tz, fold=0)


def next_half_hour(tz: ZoneInfo = CAMPUS_TZ) -> datetime:
    now = timezone.now().astimezone(tz).replace(second=0, microsecond=0)
    return now + timedelta(minutes=30 - now.minute % 30)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class TimeRangeMixin:
    """Local ``day``, ``starts`` and ``ends``; ``cleaned_data`` gains aware ``starts_at``/``ends_at``."""

    tz: ZoneInfo = CAMPUS_TZ
    cleaned_data: dict[str, Any]

    def clean_time_range(self) -> None:
        day, starts, ends = (self.cleaned_data.get(k) for k in ("day", "starts", "ends"))
        if day is None or starts is None or ends is None:
            return
        starts_at = aware(day, starts, self.tz)
        # An end at 00:00 means midnight at the end of the day.
        ends_day = day + timedelta(days=1) if ends == time(0) else day
        ends_at = aware(ends_day, ends, self.tz)
        if ends_at <= starts_at:
            self.add_error("ends", ValidationError(_("End after the start."), code="ends_before_start"))  # type: ignore[attr-defined]
            return
        self.cleaned_data["starts_at"] = starts_at
        self.cleaned_data["ends_at"] = ends_at


class AvailabilitySearchForm(TimeRangeMixin, forms.Form):
    """Find what is free: a local day and times, and optionally building, size, features and kind."""

    day = forms.DateField(label=_("Date"), widget=DateInput())
    starts = forms.TimeField(label=_("From"), widget=TimeInput())
    ends = forms.TimeField(label=_("Until"), widget=TimeInput())
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *SEARCH_KINDS])
    building = forms.ModelChoiceField(
        label=_("Building"), required=False, queryset=Building.objects.none(), empty_label=_("Any building")
    )
    capacity = forms.IntegerField(
        label=_("People"), required=False, min_value=1, max_value=10_000, widget=forms.NumberInput()
    )
    features = forms.ModelMultipleChoiceField(
        label=_("Features"),
        required=False,
        queryset=Feature.objects.none(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(is_active=True).order_by("name", "pk")  # type: ignore[attr-defined]
        self.fields["features"].queryset = Feature.objects.order_by("name", "code")  # type: ignore[attr-defined]

    @classmethod
    def initial_values(cls) -> dict[str, Any]:
        start = next_half_hour()
        return {"day": start.date(), "starts": start.time(), "ends": (start + timedelta(hours=1)).time()}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.clean_time_range()
        starts_at, ends_at = self.cleaned_data.get("starts_at"), self.cleaned_data.get("ends_at")
        if starts_at and ends_at and ends_at - starts_at > timedelta(days=14):
            self.add_error("ends", ValidationError(_("Search at most 14 days."), code="range_too_long"))
        return cleaned


class BookingForm(TimeRangeMixin, forms.Form):
    """Book one resource: the local day and times, a title and how many come."""

    day = forms.DateField(label=_("Date"), widget=DateInput())
    starts = forms.TimeField(label=_("From"), widget=TimeInput())
    ends = forms.TimeField(label=_("Until"), widget=TimeInput())
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    attendees = forms.IntegerField(label=_("People"), min_value=1, max_value=10_000, initial=1)

    def __init__(self, *args: Any, tz: ZoneInfo = CAMPUS_TZ, **kwargs: Any) -> None:
        self.tz = tz
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.clean_time_range()
        return cleaned


WEEKDAYS = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]


class SeriesForm(TimeRangeMixin, forms.Form):
    """A repeating booking, chosen in words; ``rrule()`` builds the RFC 5545 rule from it."""

    FREQUENCIES = [("WEEKLY", _("Every week")), ("MONTHLY", _("Every month, on the same day of the month"))]
    ON_CONFLICT = [
        ("abort", _("Book nothing if any date is taken")),
        ("skip", _("Skip the dates that are taken and book the rest")),
    ]

    day = forms.DateField(label=_("First date"), widget=DateInput())
    starts = forms.TimeField(label=_("From"), widget=TimeInput())
    ends = forms.TimeField(label=_("Until"), widget=TimeInput())
    frequency = forms.ChoiceField(label=_("Repeat"), choices=FREQUENCIES, initial="WEEKLY")
    weekdays = forms.MultipleChoiceField(
        label=_("On (weekly)"),
        required=False,
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to repeat on the weekday of the first date."),
    )
    interval = forms.IntegerField(
        label=_("Every how many weeks or months"), min_value=1, max_value=12, initial=1
    )
    count = forms.IntegerField(
        label=_("Number of times"),
        required=False,
        min_value=1,
        max_value=200,
        help_text=_("Give the number of times or the last date."),
    )
    until = forms.DateField(label=_("Last date"), required=False, widget=DateInput())
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    attendees = forms.IntegerField(label=_("People"), min_value=1, max_value=10_000, initial=1)
    on_conflict = forms.ChoiceField(
        label=_("If a date is taken"), choices=ON_CONFLICT, initial="abort", widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, tz: ZoneInfo = CAMPUS_TZ, **kwargs: Any) -> None:
        self.tz = tz
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.clean_time_range()
        count, until, day = cleaned.get("count"), cleaned.get("until"), cleaned.get("day")
        if not count and not until and "count" not in self.errors and "until" not in self.errors:
            self.add_error(
                "count", ValidationError(_("Give the number of times or the last date."), code="required")
            )
        elif count and until:
            self.add_error(
                "until",
                ValidationError(_("Give the number of times or the last date, not both."), code="both"),
            )
        if until and day and until < day:
            self.add_error("until", ValidationError(_("The last date is before the first."), code="invalid"))
        return cleaned

    def rrule(self) -> str:
        """The RFC 5545 rule for the chosen repetition (the service checks and normalises it)."""
        data = self.cleaned_data
        parts = [f"FREQ={data['frequency']}"]
        if data["interval"] > 1:
            parts.append(f"INTERVAL={data['interval']}")
        if data["frequency"] == "WEEKLY":
            days = data.get("weekdays") or [WEEKDAYS[data["day"].weekday()][0]]
            order = [code for code, _label in WEEKDAYS]
            parts.append("BYDAY=" + ",".join(sorted(days, key=order.index)))
        else:
            parts.append(f"BYMONTHDAY={data['day'].day}")
        if data.get("count"):
            parts.append(f"COUNT={data['count']}")
        else:
            parts.append(f"UNTIL={data['until']:%Y%m%d}")
        return ";".join(parts)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "rrule": self.rrule(),
            "starts_at_local": datetime.combine(data["day"], data["starts"]),
            "duration_minutes": int((data["ends_at"] - data["starts_at"]).total_seconds() // 60),
            "title": data.get("title") or "",
            "attendees": data["attendees"],
        }


class WeekForm(forms.Form):
    """Which week the calendar shows (any day in it) and whose bookings."""

    SCOPES = [("mine", _("My bookings")), ("company", _("My company's bookings"))]

    week = forms.DateField(label=_("Week of"), required=False, widget=DateInput())
    scope = forms.ChoiceField(label=_("Show"), required=False, choices=SCOPES)
