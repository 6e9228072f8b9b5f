"""Staff admin for waitlist entries: read-only rows; its one action (remove) calls the service."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings.models import WaitlistEntry
from bookings.services import waitlist as services
from core.admin import ReadOnlyAdmin


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "resource",
        "starts_at",
        "ends_at",
        "person",
        "company",
        "status",
        "offer_expires_at",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["resource__name", "person__email", "company__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["resource", "person", "company"]
    actions = ["remove"]

    @admin.action(description=_("Remove from the waitlist (an open offer goes to the next in line)"))
    def remove(self, request: HttpRequest, queryset: QuerySet[WaitlistEntry]) -> None:
        done = 0
        for entry in queryset.order_by("pk"):
            try:
                services.waitlist_leave(entry=entry, actor=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{entry}: {' '.join(exc.messages)}", messages.WARNING)
        self.message_user(
            request, ngettext("%(n)d entry removed.", "%(n)d entries removed.", done) % {"n": done}
        )
