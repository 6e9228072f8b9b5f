"""Staff admin for the labs: equipment, courses, sessions (record results), qualifications (revoke),
maintenance windows, usage sessions, incidents, pilot runs (actions call the services) and a
utilisation page. Writes with rules go through the services; refusals show as messages."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin import TransitionHistoryInline
from core.exceptions import ActionForbidden
from hardware_labs.models import (
    Attendance,
    AttendanceResult,
    Consumable,
    ConsumableUse,
    Course,
    Equipment,
    Incident,
    MaintenanceWindow,
    PilotRun,
    PilotRunItem,
    Qualification,
    TrainingSession,
    UsageSession,
)
from hardware_labs.selectors import lab_utilisation
from hardware_labs.services import equipment as equipment_services
from hardware_labs.services import maintenance, pilot_runs, trainings, usage

ACTION_TEMPLATE = "admin/hardware_labs/action_form.html"


def _run_each(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, call: Callable[[Any], Any]
) -> None:
    """Call the service for each selected row; report refusals row by row."""
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            call(obj)
        except (ValidationError, PermissionDenied, ActionForbidden) as exc:
            text = (
                " ".join(exc.messages)
                if isinstance(exc, ValidationError)
                else str(getattr(exc, "message", exc))
            )
            model_admin.message_user(request, f"{obj}: {text}", level=messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(request, _("%(count)s done.") % {"count": done}, level=messages.SUCCESS)


class TextForm(forms.Form):
    text = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


def _with_text(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    action: str,
    intro: str,
    call: Callable[[Any, str], Any],
) -> TemplateResponse | None:
    form = TextForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        _run_each(model_admin, request, queryset, lambda obj: call(obj, form.cleaned_data["text"]))
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": intro,
        "intro": intro,
        "form": form,
        "queryset": queryset,
        "action": action,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, ACTION_TEMPLATE, context)


# --- equipment --------------------------------------------------------------------------------


class ConsumableInline(admin.TabularInline):
    model = Consumable
    extra = 0


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ["name", "asset_tag", "lab", "kind", "hazard_level", "status", "hourly_rate"]
    list_filter = ["status", "kind", "hazard_level", ("lab", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["lab"]
    search_fields = ["name", "name_zh", "asset_tag", "serial", "make", "model_name"]
    filter_horizontal = ["required_courses"]
    readonly_fields = ["resource"]
    inlines = [ConsumableInline, TransitionHistoryInline]

    def save_model(self, request: HttpRequest, obj: Equipment, form: forms.ModelForm, change: bool) -> None:
        fields = {f: form.cleaned_data[f] for f in equipment_services.EDITABLE if f in form.cleaned_data}
        if change:
            saved = equipment_services.equipment_update(
                equipment=obj, actor=request.user, lab=form.cleaned_data["lab"], **fields
            )
        else:
            saved = equipment_services.equipment_create(
                lab=form.cleaned_data["lab"],
                asset_tag=form.cleaned_data["asset_tag"],
                actor=request.user,
                **fields,
            )
        obj.pk, obj.resource_id, obj.status = saved.pk, saved.resource_id, saved.status
        obj._state.adding = False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "utilisation/",
                self.admin_site.admin_view(self.utilisation_view),
                name="hardware_labs_utilisation",
            ),
            *super().get_urls(),
        ]

    def utilisation_view(self, request: HttpRequest) -> TemplateResponse:
        """Per lab and equipment in a month: available, booked and used hours, no-shows, by company."""
        if not request.user.is_staff:
            raise PermissionDenied
        try:
            year, month = (int(p) for p in request.GET.get("month", "").split("-"))
            first = date(year, month, 1)
        except ValueError:
            first = timezone.localdate().replace(day=1)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Lab utilisation"),
            "month": first,
            "rows": lab_utilisation(month=first),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/hardware_labs/utilisation.html", context)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "validity_months", "is_lab_induction", "lab"]
    list_filter = ["is_lab_induction"]
    search_fields = ["code", "name", "name_zh"]
    filter_horizontal = ["prerequisites"]


# --- trainings ------------------------------------------------------------------------------------


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 1
    autocomplete_fields = ["person"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["course", "starts_at", "ends_at", "trainer", "capacity", "results_recorded_at"]
    list_filter = ["course"]
    list_select_related = ["course", "trainer"]
    date_hierarchy = "starts_at"
    inlines = [AttendanceInline, TransitionHistoryInline]
    actions = ["record_results"]

    @admin.action(description=_("Record results (passes grant the qualification)"))
    def record_results(self, request: HttpRequest, queryset: QuerySet[TrainingSession]) -> None:
        def call(session: TrainingSession) -> None:
            results = {
                a.person_id: a.result for a in session.attendances.exclude(result=AttendanceResult.PENDING)
            }
            trainings.session_record_results(session=session, results=results, actor=request.user)

        _run_each(self, request, queryset, call)


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["person", "course", "granted_at", "expires_at", "revoked_at", "granted_by"]
    list_filter = ["course", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["person", "course", "granted_by"]
    search_fields = ["person__email", "person__full_name", "course__code", "course__name"]
    autocomplete_fields = ["person"]
    fields = [
        "person",
        "course",
        "granted_at",
        "expires_at",
        "renewed_at",
        "granted_by",
        "session",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]
    readonly_fields = [
        "expires_at",
        "renewed_at",
        "granted_by",
        "session",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]
    inlines = [TransitionHistoryInline]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Qualification | None = None) -> list[str]:
        return (
            [*self.readonly_fields, "person", "course", "granted_at"] if obj else list(self.readonly_fields)
        )

    def save_model(
        self, request: HttpRequest, obj: Qualification, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            return  # nothing editable: revoke with the action
        saved = trainings.qualification_grant(
            person=obj.person, course=obj.course, granted_by=request.user, at=obj.granted_at
        )
        obj.pk = saved.pk
        obj._state.adding = False

    @admin.action(description=_("Revoke (cancels their bookings that need it)"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Qualification]) -> TemplateResponse | None:
        return _with_text(
            self,
            request,
            queryset,
            "revoke",
            _("Revoke these qualifications"),
            lambda q, reason: trainings.qualification_revoke(
                qualification=q, actor=request.user, reason=reason
            ),
        )


# --- maintenance -------------------------------------------------------------------------------


class MaintenanceWindowForm(forms.ModelForm):
    """The service runs in ``clean()`` so that its refusal shows on the form (the add view runs in
    one transaction)."""

    actor: Any = None

    class Meta:
        model = MaintenanceWindow
        fields = ["equipment", "kind", "mode", "starts_at", "ends_at", "reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        self.instance = maintenance.maintenance_window_create(actor=self.actor, **data)
        return data


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ["equipment", "kind", "starts_at", "ends_at", "mode", "cancelled_at", "notices_sent_at"]
    list_filter = ["kind", ("cancelled_at", admin.EmptyFieldListFilter)]
    list_select_related = ["equipment"]
    date_hierarchy = "starts_at"
    readonly_fields = ["created_by", "block", "cancelled_at", "notices_sent_at"]
    inlines = [TransitionHistoryInline]
    actions = ["cancel_windows"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        if obj is None:
            kwargs["form"] = MaintenanceWindowForm
            form = super().get_form(request, obj, change, **kwargs)
            form.actor = request.user
            return form
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["equipment", "kind", "mode", "starts_at", "ends_at", "reason", *self.readonly_fields]

    def save_model(
        self, request: HttpRequest, obj: MaintenanceWindow, form: forms.ModelForm, change: bool
    ) -> None:
        """Written by the service in the form's ``clean()``."""

    @admin.action(description=_("Cancel the windows (the time is bookable again)"))
    def cancel_windows(self, request: HttpRequest, queryset: QuerySet[MaintenanceWindow]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda w: maintenance.maintenance_window_cancel(window=w, actor=request.user),
        )


# --- usage ---------------------------------------------------------------------------------------


class ConsumableUseInline(admin.TabularInline):
    model = ConsumableUse
    extra = 0
    readonly_fields = ["consumable", "quantity"]
    can_delete = False


@admin.register(UsageSession)
class UsageSessionAdmin(admin.ModelAdmin):
    list_display = ["equipment", "person", "company", "checked_in_at", "checked_out_at", "minutes", "via"]
    list_filter = [
        ("checked_out_at", admin.EmptyFieldListFilter),
        ("equipment", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["equipment", "person", "company"]
    date_hierarchy = "checked_in_at"
    readonly_fields = [
        "equipment",
        "person",
        "company",
        "booking",
        "checked_in_at",
        "checked_out_at",
        "minutes",
        "via",
    ]
    inlines = [ConsumableUseInline, TransitionHistoryInline]
    actions = ["check_out"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Check out"))
    def check_out(self, request: HttpRequest, queryset: QuerySet[UsageSession]) -> None:
        _run_each(self, request, queryset, lambda s: usage.usage_check_out(session=s, actor=request.user))


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["equipment", "kind", "severity", "status", "reported_by", "company", "created_at"]
    list_filter = ["status", "kind", "severity"]
    list_select_related = ["equipment", "reported_by", "company"]
    readonly_fields = ["status", "resolution", "resolved_at"]
    inlines = [TransitionHistoryInline]
    actions = ["resolve"]

    @admin.action(description=_("Resolve"))
    def resolve(self, request: HttpRequest, queryset: QuerySet[Incident]) -> TemplateResponse | None:
        return _with_text(
            self,
            request,
            queryset,
            "resolve",
            _("How were they resolved?"),
            lambda i, text: usage.incident_resolve(incident=i, actor=request.user, resolution=text),
        )


# --- pilot runs ------------------------------------------------------------------------------------


class PilotRunItemInline(admin.TabularInline):
    model = PilotRunItem
    extra = 0
    readonly_fields = ["booking"]
    autocomplete_fields = ["operator"]


@admin.register(PilotRun)
class PilotRunAdmin(admin.ModelAdmin):
    list_display = ["title", "company", "lab", "status", "safety_approved", "created_at"]
    list_filter = ["status", ("lab", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["company", "lab"]
    search_fields = ["title", "company__name"]
    readonly_fields = ["status", "safety_reviewer", "safety_notes", "safety_approved", "reviewed_at"]
    inlines = [PilotRunItemInline, TransitionHistoryInline]
    actions = ["approve", "schedule", "start", "complete", "cancel"]

    @admin.action(description=_("Approve (record the safety review)"))
    def approve(self, request: HttpRequest, queryset: QuerySet[PilotRun]) -> TemplateResponse | None:
        return _with_text(
            self,
            request,
            queryset,
            "approve",
            _("Safety review notes"),
            lambda r, notes: pilot_runs.pilot_run_approve(run=r, actor=request.user, notes=notes),
        )

    @admin.action(description=_("Schedule (book everything, or nothing)"))
    def schedule(self, request: HttpRequest, queryset: QuerySet[PilotRun]) -> None:
        _run_each(self, request, queryset, lambda r: pilot_runs.pilot_run_schedule(run=r, actor=request.user))

    @admin.action(description=_("Start"))
    def start(self, request: HttpRequest, queryset: QuerySet[PilotRun]) -> None:
        _run_each(self, request, queryset, lambda r: pilot_runs.pilot_run_start(run=r, actor=request.user))

    @admin.action(description=_("Complete"))
    def complete(self, request: HttpRequest, queryset: QuerySet[PilotRun]) -> None:
        _run_each(self, request, queryset, lambda r: pilot_runs.pilot_run_complete(run=r, actor=request.user))

    @admin.action(description=_("Cancel (and its bookings)"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[PilotRun]) -> TemplateResponse | None:
        return _with_text(
            self,
            request,
            queryset,
            "cancel",
            _("Why are these runs cancelled?"),
            lambda r, reason: pilot_runs.pilot_run_cancel(run=r, actor=request.user, reason=reason),
        )
