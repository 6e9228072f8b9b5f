"""Staff view of calendar feeds: who subscribes to what, when it was last fetched; revoke a leaked URL."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings.models import CalendarFeed
from bookings.services import feeds as services


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Feeds are created by their owners (the token is shown to them once); staff only see and revoke."""

    list_display = ["owner", "scope", "company", "resource", "created_at", "last_fetched_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["owner__email", "owner__full_name", "company__name", "resource__name"]
    list_select_related = ["owner", "company", "resource"]
    date_hierarchy = "created_at"
    fields = ["owner", "scope", "company", "resource", "created_at", "last_fetched_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CalendarFeed | None = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected feeds"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        feeds = list(queryset.live().order_by("pk"))
        for feed in feeds:
            services.calendar_feed_revoke(feed=feed, actor=request.user)
        count = len(feeds)
        message = ngettext("%(count)d feed revoked.", "%(count)d feeds revoked.", count) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)
