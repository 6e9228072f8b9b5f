"""Staff admin for recurring series: the rule, its occurrences (read-only) and "cancel all future".

Series are created and changed through the services (the API or the portal); here staff read
them and may cancel the occurrences that have not begun.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, BookingSeries
from bookings.services import series as services
from core.admin import TransitionHistoryInline
from core.exceptions import ActionForbidden


class OccurrenceInline(admin.TabularInline):
    model = Booking
    fk_name = "series"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["starts_at", "ends_at", "status", "title", "booked_by", "cancelled_at"]
    readonly_fields = fields
    ordering = ["starts_at", "pk"]
    verbose_name = _("occurrence")
    verbose_name_plural = _("occurrences")

    def has_add_permission(self, request: HttpRequest, obj: BookingSeries | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BookingSeries | None = None) -> bool:
        return False


@admin.register(BookingSeries)
class BookingSeriesAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "resource",
        "company",
        "booked_by",
        "rrule",
        "starts_at_wall_clock",
        "duration_minutes",
        "time_zone",
        "cancelled_at",
    ]
    list_filter = [("cancelled_at", admin.EmptyFieldListFilter), "time_zone"]
    list_select_related = ["resource", "company", "booked_by"]
    search_fields = ["title", "rrule", "resource__name", "company__name", "booked_by__email"]
    fields = [
        "resource",
        "company",
        "booked_by",
        "title",
        "rrule",
        "starts_at_wall_clock",
        "duration_minutes",
        "time_zone",
        "exdates",
        "cancelled_at",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [OccurrenceInline, TransitionHistoryInline]
    actions = ["cancel_all_future"]

    @admin.display(description=_("first start (local wall-clock time)"), ordering="starts_at_local")
    def starts_at_wall_clock(self, obj: BookingSeries) -> str:
        return f"{services.local_start(obj):%Y-%m-%d %H:%M}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a series is created through the service, which books its occurrences

    def has_delete_permission(self, request: HttpRequest, obj: BookingSeries | None = None) -> bool:
        return False

    @admin.action(description=_("Cancel all future occurrences"))
    def cancel_all_future(self, request: HttpRequest, queryset: QuerySet[BookingSeries]) -> None:
        for series in queryset.order_by("pk"):
            try:
                _series, cancelled = services.series_cancel(
                    series=series, actor=request.user, scope="all", reason=str(_("Cancelled by staff"))
                )
            except (ValidationError, ActionForbidden) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else exc.message
                self.message_user(request, f"{series}: {text}", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(series)s: %(n)d occurrences cancelled.") % {"series": series, "n": len(cancelled)},
                    level=messages.SUCCESS,
                )
