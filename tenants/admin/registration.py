"""Staff admin of registration cases, their steps and the service-request queue.

States never change by editing a field: actions call the services, which check the
transition, keep who-waits and authority time, and log who did it.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import TransitionHistoryInline
from tenants.admin.sla import SLAOverdueFilter, SLAQueueAdminMixin
from tenants.models import (
    RegistrationCase,
    RegistrationStep,
    RegistrationStepStatus,
    ServiceRequest,
)
from tenants.models.registration import REGISTRATION_CASE_QUEUE_ORDERING, SERVICE_REQUEST_QUEUE_ORDERING
from tenants.services import registration as services


def _each(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any], call: Callable[[Any], Any]
) -> None:
    """Call ``call`` for every selected row in pk order, reporting refusals row by row."""
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            call(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            detail = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{obj}: {detail}", level=messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(count)d changed.") % {"count": done}, level=messages.SUCCESS)


class RegistrationStepInline(admin.TabularInline):
    model = RegistrationStep
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    fields = [
        "order",
        "kind",
        "status",
        "waiting_on",
        "external_reference",
        "authority_seconds",
        "started_at",
        "completed_at",
    ]
    readonly_fields = fields
    ordering = ["order"]


@admin.register(RegistrationCase)
class RegistrationCaseAdmin(SLAQueueAdminMixin, admin.ModelAdmin):
    """The park's queue: open cases first, expedited first, then the pre-check clock due first."""

    list_display = ["company", "track", "status", "officer", "opened_at", "sla_due", "closed_at"]
    list_filter = ["status", "track", SLAOverdueFilter]
    search_fields = ["company__name", "company__name_zh", "company__uscc", "notes"]
    list_select_related = ["company", "officer"]
    autocomplete_fields = ["company", "officer"]
    readonly_fields = ["status", "opened_at", "closed_at", "created_at", "updated_at"]
    inlines = [RegistrationStepInline, TransitionHistoryInline]
    actions = ["cancel_cases"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RegistrationCase]:
        return RegistrationCase.objects.queue_order()  # open, expedited, due first; annotated

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return REGISTRATION_CASE_QUEUE_ORDERING

    def get_readonly_fields(self, request: HttpRequest, obj: RegistrationCase | None = None) -> list[str]:
        # the company and track are chosen when the case is opened (by the service)
        return [*self.readonly_fields, "company", "track"] if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: RegistrationCase, form: Any, change: bool) -> None:
        if change:  # officer and notes only
            super().save_model(request, obj, form, change)
            return
        opened = services.registration_case_open(
            company=obj.company, track=obj.track, officer=obj.officer, actor=request.user, notes=obj.notes
        )
        obj.pk = opened.pk
        obj._state.adding = False

    @admin.action(description=_("Cancel the selected cases"))
    def cancel_cases(self, request: HttpRequest, queryset: QuerySet[RegistrationCase]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda case: services.registration_case_cancel(
                case=case, actor=request.user, reason=str(_("Cancelled by staff"))
            ),
        )


def _step_action(status: str, description: str) -> Callable[..., None]:
    def act(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[RegistrationStep]) -> None:
        _each(
            modeladmin,
            request,
            queryset,
            lambda step: services.registration_step_update(
                step=step, status=status, actor=request.user, reason=str(_("Changed in the admin"))
            ),
        )

    act.__name__ = f"mark_{status}"
    return admin.action(description=description)(act)


@admin.register(RegistrationStep)
class RegistrationStepAdmin(admin.ModelAdmin):
    """Steps change state through the actions; the facts recorded with a state go through the API."""

    list_display = [
        "case",
        "order",
        "kind",
        "status",
        "waiting_on",
        "external_reference",
        "authority_seconds",
    ]
    list_filter = ["status", "waiting_on", "kind", "case__track"]
    search_fields = ["case__company__name", "case__company__name_zh", "external_reference"]
    list_select_related = ["case__company"]
    readonly_fields = [
        "case",
        "kind",
        "order",
        "status",
        "waiting_on",
        "data",
        "started_at",
        "submitted_at",
        "completed_at",
        "authority_seconds",
        "authority_since",
        "created_at",
        "updated_at",
    ]
    inlines = [TransitionHistoryInline]
    actions = [
        _step_action(RegistrationStepStatus.PREPARING, _("Mark as preparing (start, correct or reopen)")),
        _step_action(RegistrationStepStatus.SUBMITTED, _("Mark as submitted")),
        _step_action(RegistrationStepStatus.WAITING_AUTHORITY, _("Mark as waiting for the authority")),
        _step_action(RegistrationStepStatus.NEEDS_CORRECTION, _("Mark as needing correction")),
        _step_action(RegistrationStepStatus.DONE, _("Mark as done")),
        _step_action(RegistrationStepStatus.NOT_APPLICABLE, _("Mark as not applicable")),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # steps come with their case

    def has_delete_permission(self, request: HttpRequest, obj: RegistrationStep | None = None) -> bool:
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(SLAQueueAdminMixin, admin.ModelAdmin):
    """The park's queue: requests still open first, expedited first, then the first response due first."""

    list_display = [
        "subject",
        "company",
        "category",
        "track",
        "status",
        "assignee",
        "created_at",
        "sla_due",
        "first_response_at",
    ]
    list_filter = ["status", "track", SLAOverdueFilter, "category", "campus"]
    search_fields = ["subject", "description", "company__name", "company__name_zh"]
    list_select_related = ["company", "assignee"]
    autocomplete_fields = ["company", "requested_by", "assignee", "campus"]
    readonly_fields = [
        "status",
        "track",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "satisfaction",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    inlines = [TransitionHistoryInline]
    actions = ["acknowledge", "resolve", "close"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceRequest]:
        return ServiceRequest.objects.queue_order()

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return SERVICE_REQUEST_QUEUE_ORDERING

    def save_model(self, request: HttpRequest, obj: ServiceRequest, form: Any, change: bool) -> None:
        if change:  # subject, description, category, assignee: rule-free fields
            super().save_model(request, obj, form, change)
            return
        created = services.service_request_create(
            company=obj.company,
            requested_by=obj.requested_by,
            category=obj.category,
            subject=obj.subject,
            description=obj.description,
            campus=obj.campus,
        )
        obj.pk = created.pk
        obj._state.adding = False

    @admin.action(description=_("Acknowledge the selected requests"))
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[ServiceRequest]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda r: services.service_request_acknowledge(service_request=r, actor=request.user),
        )

    @admin.action(description=_("Resolve the selected requests"))
    def resolve(self, request: HttpRequest, queryset: QuerySet[ServiceRequest]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda r: services.service_request_resolve(service_request=r, actor=request.user),
        )

    @admin.action(description=_("Close the selected requests"))
    def close(self, request: HttpRequest, queryset: QuerySet[ServiceRequest]) -> None:
        _each(
            self,
            request,
            queryset,
            lambda r: services.service_request_close(service_request=r, actor=request.user),
        )
