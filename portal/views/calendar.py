"""Calendar: a week (Monday to Sunday, campus local time) of my or my company's bookings, and the
iCalendar subscription links (created and revoked through the bookings feed services)."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from bookings.models import CalendarFeed, FeedScope
from bookings.selectors.lists import CALENDAR_STATUSES, booking_list_for_company
from bookings.services import feeds as feed_services
from notifications.services import notification_absolute_url
from portal.forms_book import CAMPUS_TZ, WeekForm, local_today
from portal.views.base import CompanyView


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


class CalendarWeekView(CompanyView, TemplateView):
    """Seven days from Monday in the campus's zone; each day lists its bookings in time order."""

    template_name = "portal/calendar/week.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = WeekForm(self.request.GET)
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        monday = monday_of(data.get("week") or local_today())
        scope = data.get("scope") or "mine"
        starts = datetime.combine(monday, time(0), tzinfo=CAMPUS_TZ)
        ends = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=CAMPUS_TZ)
        bookings = booking_list_for_company(
            company=self.company,
            person=self.request.user if scope == "mine" else None,
            ends_after=starts,
            starts_before=ends,
            statuses=CALENDAR_STATUSES,
        )
        days: list[dict[str, Any]] = [{"date": monday + timedelta(days=i), "bookings": []} for i in range(7)]
        for booking in bookings:
            first = booking.starts_at.astimezone(CAMPUS_TZ).date()
            last = (booking.ends_at - timedelta(microseconds=1)).astimezone(CAMPUS_TZ).date()
            for day in days:
                if first <= day["date"] <= last:
                    day["bookings"].append(booking)
        context.update(
            days=days,
            monday=monday,
            sunday=monday + timedelta(days=6),
            previous_week=monday - timedelta(days=7),
            next_week=monday + timedelta(days=7),
            this_week=monday_of(local_today()),
            today=local_today(),
            scope=scope,
            form=form,
            tz=CAMPUS_TZ,
        )
        return context


class FeedListView(CompanyView, TemplateView):
    """My subscription links for this company: create one (its URL is shown once) or revoke one."""

    template_name = "portal/calendar/feeds.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        feeds = (
            CalendarFeed.objects.filter(owner=self.request.user, scope=FeedScope.PERSON)
            | CalendarFeed.objects.filter(
                owner=self.request.user, scope=FeedScope.COMPANY, company=self.company
            )
        ).order_by("-created_at", "-pk")
        context.update(feeds=list(feeds), created_url=kwargs.get("created_url"), scopes=FeedScope)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scope = request.POST.get("scope")
        if scope not in (FeedScope.PERSON, FeedScope.COMPANY):
            messages.error(request, _("Choose my bookings or my company's bookings."))
            return HttpResponseRedirect(reverse("portal:calendar-feeds"))
        try:
            _feed, token = feed_services.calendar_feed_create(
                owner=request.user, scope=scope, company=self.company if scope == FeedScope.COMPANY else None
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return HttpResponseRedirect(reverse("portal:calendar-feeds"))
        path = reverse("calendar-feed", kwargs={"token": token})
        url = notification_absolute_url(link=path) or request.build_absolute_uri(path)
        # The token is kept only as a hash: this response is the one time it is shown, so it is
        # rendered here (not through a redirect) and never cached.
        response = self.render_to_response(self.get_context_data(created_url=url))
        response["Cache-Control"] = "no-store"
        return response


class FeedRevokeView(CompanyView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        feed = get_object_or_404(CalendarFeed.objects.filter(owner=request.user), pk=kwargs["pk"])
        feed_services.calendar_feed_revoke(feed=feed, actor=request.user)
        messages.success(request, _("The subscription link is revoked: calendars using it stop updating."))
        return HttpResponseRedirect(reverse("portal:calendar-feeds"))


__all__ = ["CalendarWeekView", "FeedListView", "FeedRevokeView"]
