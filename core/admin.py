"""Staff admin for the shared kernel: the transition log, read-only.

``TransitionLogAdmin`` lists every state change of every workflow object.
``TransitionHistoryInline`` shows one object's changes on its own change page; a
workflow app adds it to its model's admin::

    @admin.register(Booking)
    class BookingAdmin(admin.ModelAdmin):
        inlines = [TransitionHistoryInline]
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db import models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.calendar import WorkingCalendar
from core.models import CalendarDay, TransitionLog


def _state_change(log: TransitionLog) -> str:
    return f"{log.from_state or '∅'} → {log.to_state}"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (logs, ledgers, derived rows): staff look, nobody edits here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    """The audit trail: rows are written by ``core.workflow`` only, so staff may only read them."""

    list_display = (
        "created_at",
        "object_type",
        "object_link",
        "action",
        "state_change",
        "actor",
        "actor_label",
    )
    list_filter = (("content_type", admin.RelatedOnlyFieldListFilter), "action")
    list_select_related = ("content_type", "actor")
    search_fields = ("reason",)
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "content_type",
        "object_id",
        "object_link",
        "action",
        "from_state",
        "to_state",
        "actor",
        "actor_label",
        "reason",
        "data",
    )
    readonly_fields = fields

    @admin.display(description=_("object type"), ordering="content_type__model")
    def object_type(self, log: TransitionLog) -> str:
        return str(log.content_type)

    @admin.display(description=_("object id"), ordering="object_id")
    def object_link(self, log: TransitionLog) -> str:
        """The object's id, linking to its change page when this site has an admin for it."""
        model = log.content_type.model_class()
        if model is None or not self.admin_site.is_registered(model):
            return str(log.object_id)
        opts = model._meta
        try:
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[quote(log.object_id)],
                current_app=self.admin_site.name,
            )
        except NoReverseMatch:
            return str(log.object_id)
        return format_html('<a href="{}">{}</a>', url, log.object_id)

    @admin.display(description=_("from → to"))
    def state_change(self, log: TransitionLog) -> str:
        return _state_change(log)


class TransitionHistoryInline(GenericTabularInline):
    """An object's transition history on its change page, oldest first, read-only.

    Whoever may open the object may read its history: the parent admin has checked
    that, so this inline asks for no permission on ``TransitionLog`` itself. It is
    hidden on the add page, where there is no history yet.
    """

    model = TransitionLog
    ct_field = "content_type"
    ct_fk_field = "object_id"
    fields = ("created_at", "action", "state_change", "actor", "actor_label", "reason")
    readonly_fields = fields
    ordering = ("created_at", "pk")
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = _("transition")
    verbose_name_plural = _("transition history")

    @admin.display(description=_("from → to"))
    def state_change(self, log: TransitionLog) -> str:
        return _state_change(log)

    def get_formset(
        self, request: HttpRequest, obj: models.Model | None = None, **kwargs: Any
    ) -> type[BaseInlineFormSet]:
        # core.workflow.transition_log() records a proxy model's own content type.
        kwargs.setdefault("for_concrete_model", False)
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[TransitionLog]:
        # The formset narrows this to the object's rows; a row's label reads its content type.
        return TransitionLog.objects.select_related("content_type", "actor").order_by(*self.ordering)

    def has_view_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return obj is not None

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Staff overrides of the China working-day calendar (next year's schedule, park closures)."""

    list_display = ["date", "kind", "name", "name_zh", "package_says", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "name_zh", "note"]
    date_hierarchy = "date"
    ordering = ["-date"]
    readonly_fields = ["package_says", "created_at", "updated_at"]
    fields = ["date", "kind", "name", "name_zh", "note", "package_says", "created_at", "updated_at"]

    @admin.display(description=_("without this override"))
    def package_says(self, day: CalendarDay) -> str:
        """What the shipped calendar says of the date, to spot redundant or contradicting overrides."""
        if day.date is None:
            return "—"
        shipped = WorkingCalendar(overrides=[])
        kind = _("working day") if shipped.is_working_day(day.date) else _("day off")
        name = shipped.holiday_name(day.date)
        return f"{kind} ({name})" if name else str(kind)
