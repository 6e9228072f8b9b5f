"""Staff admin for what can be booked: policies (with their opening hours), resources and pools.

A space's resource follows its space (name, capacity, containment: see
``bookings.services.resources``); here staff choose its policy and may switch it off.
"""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bookings.models import BookingPolicy, OpeningHours, Resource, ResourcePool
from spaces.admin import change_url


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    fields = ["weekday", "opens_at", "closes_at"]


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "is_24x7",
        "min_duration_minutes",
        "max_duration_minutes",
        "slot_minutes",
        "requires_approval",
        "audience",
        "check_in_required",
        "credits_per_hour",
    ]
    list_filter = ["is_24x7", "requires_approval", "audience", "check_in_required"]
    search_fields = ["name"]
    filter_horizontal = ["companies"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [OpeningHoursInline]
    fieldsets = [
        (None, {"fields": ["name", "is_24x7"]}),
        (
            _("Times"),
            {
                "fields": [
                    "min_duration_minutes",
                    "max_duration_minutes",
                    "slot_minutes",
                    "lead_minutes",
                    "horizon_days",
                    "buffer_before_minutes",
                    "buffer_after_minutes",
                ]
            },
        ),
        (_("Who may book"), {"fields": ["requires_approval", "audience", "plans", "companies"]}),
        (
            _("Check-in, cancellation and cost"),
            {
                "fields": [
                    "check_in_required",
                    "check_in_opens_minutes",
                    "check_in_grace_minutes",
                    "cancel_cutoff_minutes",
                    "waitlist_offer_minutes",
                    "credits_per_hour",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    """Resources of spaces are made and kept in step by the spaces they are; staff set the policy."""

    list_display = ["name", "kind", "campus", "building", "space_link", "capacity", "policy", "is_active"]
    list_filter = ["campus", "kind", "is_active", "policy"]
    list_editable = ["policy"]
    search_fields = ["name", "name_zh", "space__code", "location__code"]
    list_select_related = ["campus", "location__floor__building", "space", "policy"]
    autocomplete_fields = ["policy", "parent", "location", "space", "campus"]
    readonly_fields = ["space_link", "created_at", "updated_at"]
    fields = [
        "name",
        "name_zh",
        "kind",
        "campus",
        "location",
        "space",
        "space_link",
        "parent",
        "capacity",
        "policy",
        "is_active",
        "created_at",
        "updated_at",
    ]

    SPACE_FIELDS = ["name", "name_zh", "kind", "campus", "location", "space", "parent", "capacity"]

    def get_readonly_fields(self, request: HttpRequest, obj: Resource | None = None) -> list[str]:
        if obj is not None and obj.space_id is not None:
            # follows its space (resource_sync_for_space); edit the space instead
            return [*self.readonly_fields, *self.SPACE_FIELDS]
        return list(self.readonly_fields)

    @admin.display(description=_("building"), ordering="location__floor__building__code")
    def building(self, resource: Resource) -> str:
        return str(resource.location.floor.building.name)

    @admin.display(description=_("space"))
    def space_link(self, resource: Resource) -> str:
        if resource.space is None:
            return self.get_empty_value_display()
        url = change_url(resource.space, site_name=self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, resource.space) if url else str(resource.space)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Resource]:
        return super().get_queryset(request).select_related("location__floor__building", "space")


@admin.register(ResourcePool)
class ResourcePoolAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "campus", "member_count", "is_active"]
    list_filter = ["campus", "is_active"]
    search_fields = ["code", "name", "name_zh"]
    list_select_related = ["campus"]
    autocomplete_fields = ["campus", "members"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description=_("members"))
    def member_count(self, pool: ResourcePool) -> int:
        return pool.member_total  # type: ignore[attr-defined]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResourcePool]:
        return super().get_queryset(request).annotate(member_total=Count("members"))
