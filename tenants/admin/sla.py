"""Staff admin for SLA policies (editable) and clocks (read-only; the services and the sweep own them)."""

from datetime import datetime
from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.calendar import SHANGHAI
from tenants.models import SLAClock, SLAPolicy
from tenants.models.sla import SLALevel

# --- for the admins of the objects clocks run on (applications, registration cases, requests) ----------


class SLAOverdueFilter(admin.SimpleListFilter):
    """Rows with an open clock past its due time (or paused with its budget used up), or without."""

    title = _("SLA overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in ("yes", "no"):
            return queryset
        overdue = Exists(
            SLAClock.objects.overdue(timezone.now()).of_model(queryset.model).filter(object_id=OuterRef("pk"))
        )
        return queryset.filter(overdue) if value == "yes" else queryset.filter(~overdue)


class SLAQueueAdminMixin:
    """The "due" column of a staff queue annotated by ``sla_queue_annotate`` (Beijing time)."""

    @admin.display(description=_("due (Beijing time)"), ordering="sla_due_at")
    def sla_due(self, obj: Any) -> str | None:
        due: datetime | None = getattr(obj, "sla_due_at", None)
        return due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if due is not None else None


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "name_zh",
        "subject_type",
        "step",
        "track",
        "budget_working_days",
        "budget_hours",
        "is_active",
    ]
    list_filter = ["subject_type", "track", "is_active"]
    search_fields = ["name", "name_zh", "subject_type", "step"]
    readonly_fields = ["created_at", "updated_at"]


class SLAClockStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("open", _("Open")),
            ("running", _("Running")),
            ("paused", _("Paused")),
            ("overdue", _("Overdue")),
            ("stopped", _("Stopped")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[SLAClock]) -> QuerySet[SLAClock]:
        value = self.value()
        if value == "open":
            return queryset.open()
        if value == "running":
            return queryset.running()
        if value == "paused":
            return queryset.paused()
        if value == "overdue":
            return queryset.overdue(timezone.now())
        if value == "stopped":
            return queryset.stopped()
        return queryset


class SLAClockLevelFilter(admin.SimpleListFilter):
    title = _("level reached")
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("none", _("None")), *SLALevel.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[SLAClock]) -> QuerySet[SLAClock]:
        value = self.value()
        if value == "none":
            return queryset.filter(warned_at__isnull=True)
        if value in SLALevel.values:
            return queryset.level_reached(value)
        return queryset


@admin.register(SLAClock)
class SLAClockAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "content_type",
        "object_id",
        "step",
        "track",
        "assignee",
        "due_at",
        "state_display",
        "outcome",
        "warned_at",
        "breached_at",
        "escalated_at",
    ]
    list_filter = [
        SLAClockStateFilter,
        SLAClockLevelFilter,
        "track",
        "outcome",
        "step",
        "policy__subject_type",
    ]
    search_fields = ["step", "object_id", "assignee__email", "policy__name"]
    list_select_related = ["policy", "assignee", "content_type"]
    date_hierarchy = "started_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SLAClock]:
        return super().get_queryset(request).in_queue_order()

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return []  # keep in_queue_order(): expedited first, then the earliest due

    @admin.display(description=_("state"))
    def state_display(self, clock: SLAClock) -> str:
        return {"running": _("Running"), "paused": _("Paused"), "stopped": _("Stopped")}[clock.state]

    def get_readonly_fields(self, request: HttpRequest, obj: SLAClock | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SLAClock | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SLAClock | None = None) -> bool:
        return False
