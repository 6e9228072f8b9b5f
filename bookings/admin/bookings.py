"""Staff admin for bookings: the changelist (times in the campus's local time), the approval
queue, actions that call the booking services, booking on behalf of a company, and the day view.

Status and the claim fields are read-only: every state change is an action calling
``bookings.services.bookings``, which checks the rules and writes the transition log.
Rejecting and cancelling ask for a reason on an intermediate page.
"""

from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bookings import checks
from bookings.admin.day_view import day_view
from bookings.models import Booking, BookingStatus, CheckInVia
from bookings.services import bookings as services
from core.admin import TransitionHistoryInline
from core.exceptions import ActionForbidden

ACTION_TEMPLATE = "admin/bookings/action_form.html"
QUEUE = "approval"  # ?queue=approval: the bookings awaiting approval, soonest first


def _run_each(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Booking], call: Callable[..., Any]
) -> None:
    """Call the service for each selected booking; report refusals booking by booking."""
    done = 0
    for booking in queryset.select_related("resource__campus", "resource__policy").order_by("pk"):
        try:
            call(booking)
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            model_admin.message_user(request, f"{local_label(booking)}: {text}", level=messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(request, _("%(count)s done.") % {"count": done}, level=messages.SUCCESS)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


def _with_reason(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Booking],
    action: str,
    intro: str,
    call: Callable[[Booking, str], Any],
) -> TemplateResponse | None:
    """Ask for a reason on an intermediate page, then run ``call`` for each booking."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        _run_each(model_admin, request, queryset, lambda b: call(b, form.cleaned_data["reason"]))
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": intro,
        "intro": intro,
        "form": form,
        "queryset": queryset.select_related("resource"),
        "action": action,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, ACTION_TEMPLATE, context)


def local_label(booking: Booking) -> str:
    """The resource and the start in the campus's local time."""
    return f"{booking.resource} {booking.starts_at.astimezone(booking.resource.tzinfo):%Y-%m-%d %H:%M}"


def as_local(moment: datetime, tz: ZoneInfo) -> datetime:
    """The wall-clock time ``moment`` was entered as (in the active zone), read in ``tz`` instead."""
    return timezone.make_naive(moment).replace(tzinfo=tz)


class BookingAddForm(forms.ModelForm):
    """Staff book on behalf of a company (or for the park): the service checks the rules and books.

    The service runs in ``clean()`` so that its refusal shows on the form; the admin's
    add view runs in one transaction, and the service writes nothing when it refuses.
    """

    booked_by: Any = None  # set per request by BookingAdmin.get_form

    person = forms.ModelChoiceField(
        label=_("on behalf of"),
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        help_text=_("The person the booking is for; their qualifications and the company's rules apply."),
    )
    override_reason = forms.CharField(
        label=_("override reason"),
        required=False,
        help_text=_("Book past the checks (e.g. a missing qualification); the reason is recorded."),
    )

    class Meta:
        model = Booking
        fields = ["resource", "company", "title", "attendees", "starts_at", "ends_at"]
        help_texts = {
            "starts_at": _("Local time of the resource's campus."),
            "ends_at": _("Local time of the resource's campus."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        resource = data["resource"]
        data["starts_at"] = as_local(data["starts_at"], resource.tzinfo)
        data["ends_at"] = as_local(data["ends_at"], resource.tzinfo)
        person = data.get("person")
        override = data.get("override_reason", "").strip()
        try:
            with checks.staff_override(actor=self.booked_by, reason=override) if override else nullcontext():
                self.instance = self._book(data, resource, person)
        except ActionForbidden as exc:
            raise ValidationError(exc.message, code=exc.code) from exc
        return data

    def _book(self, data: dict[str, Any], resource: Any, person: Any) -> Booking:
        return services.booking_create(
            resource=resource,
            booked_by=person or self.booked_by,
            actor=self.booked_by,
            company=data.get("company"),
            title=data.get("title") or "",
            attendees=data["attendees"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
        )


ADD_FIELDS = [*BookingAddForm.Meta.fields, "person", "override_reason"]


class BookingStatusFilter(admin.SimpleListFilter):
    """The approval queue (pending approval, soonest first: see get_ordering) and what is upcoming."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(QUEUE, _("Awaiting approval")), ("upcoming", _("Upcoming"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Booking]) -> QuerySet[Booking]:
        if self.value() == QUEUE:
            return queryset.filter(status=BookingStatus.PENDING_APPROVAL)
        if self.value() == "upcoming":
            return queryset.upcoming()  # type: ignore[attr-defined]
        return queryset


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "resource",
        "building",
        "company",
        "local_start",
        "local_end",
        "status",
        "booked_by",
        "title",
    ]
    list_display_links = ["__str__"]
    list_filter = [
        BookingStatusFilter,
        "status",
        "resource__kind",
        ("resource__location__floor__building", admin.RelatedOnlyFieldListFilter),
        ("resource__campus", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["resource__name", "company__name", "company__name_zh", "booked_by__email", "title"]
    list_select_related = ["resource__campus", "resource__location__floor__building", "company", "booked_by"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "-pk"]
    autocomplete_fields = ["resource", "company"]
    inlines = [TransitionHistoryInline]
    actions = ["approve", "reject", "cancel", "check_in", "mark_no_show", "complete"]
    change_list_template = "admin/bookings/booking/change_list.html"
    readonly_fields = [
        "resource",
        "company",
        "booked_by",
        "series",
        "local_start",
        "local_end",
        "attendees",
        "status",
        "blocked_from",
        "blocked_until",
        "credits",
        "checked_in_at",
        "checked_in_via",
        "cancelled_at",
        "released_at",
        "confirmation_sent_at",
        "reminder_sent_at",
        "created_at",
        "updated_at",
    ]
    fields = ["title", *readonly_fields]

    # -- pages ----------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        return (
            super()
            .get_queryset(request)
            .select_related("resource__campus", "resource__location__floor__building", "company", "booked_by")
        )

    def get_ordering(self, request: HttpRequest) -> list[str]:
        if request.GET.get(BookingStatusFilter.parameter_name) == QUEUE:
            return ["starts_at", "pk"]
        return list(self.ordering)

    def get_form(self, request: HttpRequest, obj: Booking | None = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        if obj is None:
            kwargs["form"] = BookingAddForm
            kwargs["fields"] = ADD_FIELDS
            form = super().get_form(request, obj, change, **kwargs)
            form.booked_by = request.user
            return form
        return super().get_form(request, obj, change, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False  # bookings are cancelled or rejected (logged), never deleted

    def get_readonly_fields(self, request: HttpRequest, obj: Booking | None = None) -> list[str]:
        return [] if obj is None else list(self.readonly_fields)

    def get_fields(self, request: HttpRequest, obj: Booking | None = None) -> list[str]:
        return list(ADD_FIELDS) if obj is None else list(self.fields)

    def save_model(self, request: HttpRequest, obj: Booking, form: forms.ModelForm, change: bool) -> None:
        if not change:
            return  # BookingAddForm.clean() booked through the service
        obj.save(update_fields=["title", "updated_at"])

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.day_view)
        return [path("day/", view, name="bookings_booking_day"), *super().get_urls()]

    def day_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return day_view(self, request)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        extra_context = {
            **(extra_context or {}),
            "day_view_url": reverse(f"{self.admin_site.name}:bookings_booking_day"),
            "queue_url": f"?{BookingStatusFilter.parameter_name}={QUEUE}",
        }
        return super().changelist_view(request, extra_context)

    # -- columns --------------------------------------------------------------------------------

    @admin.display(description=_("building"), ordering="resource__location__floor__building__code")
    def building(self, booking: Booking) -> str:
        return booking.resource.location.floor.building.name

    @admin.display(description=_("starts (local time)"), ordering="starts_at")
    def local_start(self, booking: Booking) -> str:
        return _local(booking.starts_at, booking.resource.tzinfo, with_date=True)

    @admin.display(description=_("ends (local time)"), ordering="ends_at")
    def local_end(self, booking: Booking) -> str:
        tz = booking.resource.tzinfo
        same_day = booking.starts_at.astimezone(tz).date() == booking.ends_at.astimezone(tz).date()
        return _local(booking.ends_at, tz, with_date=not same_day)

    # -- actions --------------------------------------------------------------------------------

    @admin.action(description=_("Approve the selected bookings"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        _run_each(self, request, queryset, lambda b: services.booking_approve(booking=b, actor=request.user))

    @admin.action(description=_("Reject the selected bookings"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Booking]) -> TemplateResponse | None:
        return _with_reason(
            self,
            request,
            queryset,
            "reject",
            str(_("Reject these bookings")),
            lambda b, reason: services.booking_reject(booking=b, actor=request.user, reason=reason),
        )

    @admin.action(description=_("Cancel the selected bookings"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Booking]) -> TemplateResponse | None:
        return _with_reason(
            self,
            request,
            queryset,
            "cancel",
            str(_("Cancel these bookings")),
            lambda b, reason: services.booking_cancel(booking=b, actor=request.user, reason=reason),
        )

    @admin.action(description=_("Check in the selected bookings (at the front desk)"))
    def check_in(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda b: services.booking_check_in(booking=b, actor=request.user, via=CheckInVia.STAFF),
        )

    @admin.action(description=_("Mark the selected bookings as no-shows (release the time)"))
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        _run_each(
            self, request, queryset, lambda b: services.booking_mark_no_show(booking=b, actor=request.user)
        )

    @admin.action(description=_("Complete the selected bookings"))
    def complete(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        _run_each(self, request, queryset, lambda b: services.booking_complete(booking=b, actor=request.user))


def _local(moment: datetime | None, tz: ZoneInfo, *, with_date: bool) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(tz)
    return format_html(
        "{}<span title='{}'>{}</span>",
        local.strftime("%Y-%m-%d ") if with_date else "",
        str(tz),
        local.strftime("%H:%M"),
    )
