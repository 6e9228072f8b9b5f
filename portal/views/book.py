"""Book: find what is free, a resource's day, book it (once or as a series), list, cancel, check in,
and the waitlist. Thin: the bookings selectors and services decide; these views parse and render."""

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from bookings.models import Booking, BookingStatus, CheckInVia, Resource, WaitlistEntry
from bookings.selectors import resource_availability, resource_free_slots
from bookings.selectors.lists import booking_list_for_company, waitlist_for_person
from bookings.services import bookings as booking_services
from bookings.services import series as series_services
from bookings.services import waitlist as waitlist_services
from portal.forms_book import AvailabilitySearchForm, BookingForm, SeriesForm, local_today
from portal.views.base import CompanyView
from tenants.models import MemberRole

PAGE_SIZE = 25
SEARCH_LIMIT = 50


# --- service errors on forms ----------------------------------------------------------------------


def add_service_error(form: Any, exc: ValidationError | PermissionDenied) -> None:
    """A service's refusal onto the form: field errors where the form has the field, else on the form.

    The services translate their messages with the request's language active, so they show in
    the page language.
    """
    if isinstance(exc, PermissionDenied):
        form.add_error(None, ValidationError(str(getattr(exc, "message", "") or exc), code="forbidden"))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return
    form.add_error(None, exc)


def error_codes(exc: ValidationError | PermissionDenied) -> set[str]:
    if isinstance(exc, PermissionDenied):
        return {getattr(exc, "code", "forbidden")}
    errors = (
        [e for errs in exc.error_dict.values() for e in errs]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    return {e.code for e in errors if e.code}


def training_link(exc: ValidationError) -> dict[str, str] | None:
    """For ``qualification_missing``: the training to take, when the error names its course.

    The labs app is built in parallel; read what it sends defensively: a course object with
    ``get_absolute_url`` or a ``pk``, a mapping with ``url``/``name``, or a URL string.
    """
    errors = (
        [e for errs in exc.error_dict.values() for e in errs]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    for error in errors:
        if error.code != "qualification_missing" or not isinstance(error.params, dict):
            continue
        course = error.params.get("course")
        if course is None:
            continue
        if error.params.get("course_code"):  # the labs gate: the course's row on the trainings page
            url = reverse("portal:trainings") + f"#course-{error.params['course_code']}"
            return {"url": url, "name": str(course)}
        if isinstance(course, str):
            return {"url": course, "name": _("the training")}
        if isinstance(course, dict):
            if course.get("url"):
                return {"url": str(course["url"]), "name": str(course.get("name") or _("the training"))}
            continue
        url = ""
        for name in ("portal:labs-training", "portal:training-detail"):
            try:
                url = reverse(name, args=[course.pk])
                break
            except (NoReverseMatch, AttributeError):
                continue
        if not url and hasattr(course, "get_absolute_url"):
            url = course.get_absolute_url()
        if url:
            return {"url": url, "name": str(course)}
    return None


def _is_manager(view: CompanyView) -> bool:
    membership = view.membership
    return membership is not None and membership.role in (MemberRole.OWNER, MemberRole.ADMIN)


# --- find ------------------------------------------------------------------------------------------


class BookSearchView(CompanyView, TemplateView):
    """Free rooms and desks for a time; the results re-render as the filters change (htmx), or on submit."""

    template_name = "portal/book/search.html"
    partial_template_name = "portal/book/_results.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request") == "true":
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        if "day" in params:
            form = AvailabilitySearchForm(params)
        else:
            form = AvailabilitySearchForm(
                {
                    k: v.isoformat() if hasattr(v, "isoformat") else v
                    for k, v in AvailabilitySearchForm.initial_values().items()
                }
            )
        results: list[Resource] = []
        if form.is_valid():
            data = form.cleaned_data
            results = list(
                resource_availability(
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    building=data.get("building"),
                    kinds=[data["kind"]] if data.get("kind") else None,
                    capacity_min=data.get("capacity"),
                    features=[f.code for f in data.get("features") or []],
                    user=self.request.user,
                )
                .select_related("location__floor__building")
                .prefetch_related("location__features")[:SEARCH_LIMIT]
            )
        context.update(form=form, results=results, limit=SEARCH_LIMIT)
        return context


# --- a resource's day, and booking it --------------------------------------------------------------


def bookable_resources() -> QuerySet[Resource]:
    return Resource.objects.active().select_related("campus", "policy", "location__floor__building")


class ResourceDayView(CompanyView, TemplateView):
    """A resource's free slots on a local day, and the form to book it (GET shows, POST books)."""

    template_name = "portal/book/resource_day.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.waitlist_offered = False
        self.training: dict[str, str] | None = None

    @property
    def resource(self) -> Resource:
        if not hasattr(self, "_resource"):
            self._resource = get_object_or_404(bookable_resources(), pk=self.kwargs["pk"])
        return self._resource

    def day(self) -> date:
        try:
            return date.fromisoformat(self.request.GET.get("day", ""))
        except ValueError:
            return local_today(self.resource.tzinfo)

    def booking_form(self) -> BookingForm:
        day = self.day()
        initial: dict[str, Any] = {"day": day, "attendees": 1}
        for key in ("starts", "ends"):
            if self.request.GET.get(key):
                initial[key] = self.request.GET[key]
        return BookingForm(initial=initial, tz=self.resource.tzinfo)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        resource = self.resource
        form = kwargs.get("form") or self.booking_form()
        day = (getattr(form, "cleaned_data", None) or {}).get("day") or self.day()
        tz = resource.tzinfo
        context.update(
            resource=resource,
            day=day,
            previous_day=day - timedelta(days=1),
            next_day=day + timedelta(days=1),
            slots=resource_free_slots(resource=resource, day=day),
            form=form,
            tz=tz,
            waitlist_offered=self.waitlist_offered,
            training=self.training,
            features=list(resource.location.features.all()),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        resource = self.resource
        form = BookingForm(request.POST, tz=resource.tzinfo)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            booking = booking_services.booking_create(
                resource=resource,
                booked_by=request.user,
                company=self.company,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                title=data.get("title") or "",
                attendees=data["attendees"],
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
            codes = error_codes(exc)
            self.waitlist_offered = "booking_overlap" in codes
            if isinstance(exc, ValidationError) and "qualification_missing" in codes:
                self.training = training_link(exc)
            return self.render_to_response(self.get_context_data(form=form))
        if booking.status == BookingStatus.PENDING_APPROVAL:
            messages.success(
                request, _("Requested: %(booking)s. Staff will confirm it.") % {"booking": resource}
            )
        else:
            messages.success(request, _("Booked: %(resource)s.") % {"resource": resource})
        return HttpResponseRedirect(reverse("portal:booking-detail", args=[booking.pk]))


class WaitlistJoinView(ResourceDayView):
    """Join the waitlist for the slot just found taken (POST the same fields as booking)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        resource = self.resource
        form = BookingForm(request.POST, tz=resource.tzinfo)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            waitlist_services.waitlist_join(
                resource=resource,
                person=request.user,
                company=self.company,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                title=data.get("title") or "",
                attendees=data["attendees"],
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request, _("You are on the waitlist. If the slot is given back, it is offered to you.")
        )
        return HttpResponseRedirect(reverse("portal:waitlist"))


class SeriesCreateView(ResourceDayView):
    """Book a repeating slot: preview each date, then book (skip taken dates or book nothing)."""

    template_name = "portal/book/series_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = TemplateView.get_context_data(self, **kwargs)
        context["membership"] = self.membership
        context["company"] = self.company
        resource = self.resource
        day = self.day()
        form = kwargs.get("form") or SeriesForm(
            initial={
                "day": day,
                "starts": self.request.GET.get("starts") or "09:00",
                "ends": self.request.GET.get("ends") or "10:00",
                "frequency": "WEEKLY",
                "interval": 1,
                "count": 4,
                "attendees": 1,
                "on_conflict": "abort",
            },
            tz=resource.tzinfo,
        )
        context.update(resource=resource, form=form, report=kwargs.get("report"), tz=resource.tzinfo)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        resource = self.resource
        form = SeriesForm(request.POST, tz=resource.tzinfo)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        arguments = {
            "resource": resource,
            "booked_by": request.user,
            "company": self.company,
            **form.service_arguments(),
        }
        try:
            if "preview" in request.POST:
                report = series_services.series_preview(**arguments)
                return self.render_to_response(self.get_context_data(form=form, report=report))
            _series, report = series_services.series_create(
                on_conflict=form.cleaned_data["on_conflict"], **arguments
            )
        except series_services.SeriesConflicts as exc:
            form.add_error(None, exc)
            return self.render_to_response(self.get_context_data(form=form, report=exc.report))
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        booked = sum(1 for r in report if r.ok)
        skipped = len(report) - booked
        messages.success(
            request,
            _("Series booked: %(booked)d dates, %(skipped)d skipped.")
            % {"booked": booked, "skipped": skipped},
        )
        return HttpResponseRedirect(reverse("portal:booking-list") + "?scope=mine")


# --- my and my company's bookings --------------------------------------------------------------------


def with_actions(bookings: list[Booking], *, user: Any, manager: bool, now: Any) -> list[Booking]:
    """Mark on each booking whether this person may cancel or check in now (no queries)."""
    for booking in bookings:
        mine = booking.booked_by_id == user.pk
        booking.can_cancel = (  # type: ignore[attr-defined]
            booking.status in (BookingStatus.PENDING_APPROVAL, BookingStatus.CONFIRMED)
            and booking.ends_at > now
            and (mine or manager)
        )
        opens = booking.starts_at - timedelta(minutes=booking.resource.policy.check_in_opens_minutes)
        booking.can_check_in = booking.status == BookingStatus.CONFIRMED and opens <= now < booking.ends_at  # type: ignore[attr-defined]
    return bookings


class BookingListView(CompanyView, TemplateView):
    """My bookings or my company's, upcoming or past, a page at a time, with cancel and check in."""

    template_name = "portal/book/booking_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scope = "company" if self.request.GET.get("scope") == "company" else "mine"
        when = "past" if self.request.GET.get("when") == "past" else "upcoming"
        now = timezone.now()
        qs = booking_list_for_company(
            company=self.company, person=self.request.user if scope == "mine" else None
        )
        qs = qs.filter(ends_at__gt=now) if when == "upcoming" else qs.filter(ends_at__lte=now).reverse()
        page = Paginator(qs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = with_actions(
            list(page.object_list), user=self.request.user, manager=_is_manager(self), now=now
        )
        context.update(scope=scope, when=when, page=page, bookings=rows)
        return context


def company_bookings(view: CompanyView) -> QuerySet[Booking]:
    return booking_list_for_company(company=view.company)


class BookingDetailView(CompanyView, TemplateView):
    template_name = "portal/book/booking_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        booking = get_object_or_404(company_bookings(self), pk=self.kwargs["pk"])
        with_actions([booking], user=self.request.user, manager=_is_manager(self), now=timezone.now())
        context["booking"] = booking
        return context


class BookingActionView(CompanyView):
    """POST: cancel or check in one of the company's bookings, then back to where the person was."""

    http_method_names = ["post"]
    action = ""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        booking = get_object_or_404(company_bookings(self), pk=kwargs["pk"])
        try:
            if self.action == "cancel":
                booking_services.booking_cancel(
                    booking=booking, actor=request.user, reason=request.POST.get("reason", "")[:500]
                )
                messages.success(request, _("Cancelled: %(booking)s.") % {"booking": booking.resource})
            else:
                booking_services.booking_check_in(booking=booking, actor=request.user, via=CheckInVia.PORTAL)
                messages.success(request, _("Checked in: %(booking)s.") % {"booking": booking.resource})
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        return HttpResponseRedirect(_safe_next(request, reverse("portal:booking-detail", args=[booking.pk])))


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- the waitlist ---------------------------------------------------------------------------------


class WaitlistView(CompanyView, TemplateView):
    """My waitlist entries for this company: accept an offer while it lasts, or leave."""

    template_name = "portal/book/waitlist.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        qs = waitlist_for_person(person=self.request.user, company=self.company)
        page = Paginator(qs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(page=page, entries=list(page.object_list), now=timezone.now())
        return context


class WaitlistActionView(CompanyView):
    http_method_names = ["post"]
    action = ""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        entries = WaitlistEntry.objects.filter(person=request.user, company=self.company).select_related(
            "resource__policy", "resource__campus"
        )
        entry = get_object_or_404(entries, pk=kwargs["pk"])
        try:
            if self.action == "accept":
                entry = waitlist_services.waitlist_accept(entry=entry, actor=request.user)
                messages.success(request, _("Booked: %(resource)s.") % {"resource": entry.resource})
                return HttpResponseRedirect(reverse("portal:booking-detail", args=[entry.booking_id]))
            waitlist_services.waitlist_leave(entry=entry, actor=request.user)
            messages.success(request, _("You left the waitlist."))
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
        return HttpResponseRedirect(reverse("portal:waitlist"))


__all__ = [
    "BookSearchView",
    "BookingActionView",
    "BookingDetailView",
    "BookingListView",
    "ResourceDayView",
    "SeriesCreateView",
    "WaitlistActionView",
    "WaitlistJoinView",
    "WaitlistView",
    "add_service_error",
]
