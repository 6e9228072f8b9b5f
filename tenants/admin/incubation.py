"""Staff admin for incubation: programmes, cohorts, incubations and KPI returns.

State changes go through ``tenants.services.incubation``; actions that need input
(graduation basis, withdrawal or rejection reason) show an intermediate form.
"""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin import TransitionHistoryInline
from tenants.models import (
    Cohort,
    GraduationBasis,
    Incubation,
    IncubationStatus,
    KPIReturn,
    KPIReturnStatus,
    MentorAllocation,
    MentorSession,
    Milestone,
    Programme,
)
from tenants.models.incubation import KPI_FIGURES
from tenants.services import incubation as services

ACTION_TEMPLATE = "admin/tenants/incubation_action.html"


def _run_each(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, command: Any) -> None:
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            command(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{obj}: {text}", level=messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(count)s done.") % {"count": done}, level=messages.SUCCESS)


def _intermediate(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    form_class: type[forms.Form],
    action: str,
    intro: str,
    command: Any,
) -> TemplateResponse | None:
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        _run_each(modeladmin, request, queryset, lambda obj: command(obj, form.cleaned_data))
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": intro,
        "intro": intro,
        "form": form,
        "queryset": queryset,
        "action": action,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, ACTION_TEMPLATE, context)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "name_zh",
        "max_company_age_months",
        "default_limit_months",
        "kpi_frequency",
        "is_active",
    ]
    list_filter = ["is_active", "kpi_frequency"]
    search_fields = ["name", "name_zh"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "starts_on", "ends_on"]
    list_filter = ["programme"]
    search_fields = ["name", "programme__name"]
    list_select_related = ["programme"]
    autocomplete_fields = ["programme"]


class LimitSoonFilter(admin.SimpleListFilter):
    title = _("limit")
    parameter_name = "limit"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("30", _("within 30 days")), ("90", _("within 90 days")), ("passed", _("passed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Incubation]) -> QuerySet[Incubation]:
        today = timezone.localdate(timezone=services.PARK_TZ)
        if self.value() in ("30", "90"):
            days = int(self.value() or 0)
            return queryset.filter(
                status=IncubationStatus.ACTIVE, limit_on__gt=today, limit_on__lte=today + timedelta(days=days)
            )
        if self.value() == "passed":
            return queryset.filter(status=IncubationStatus.ACTIVE, limit_on__lte=today)
        return queryset


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "due_on", "done_on"]


class MentorAllocationInline(admin.TabularInline):
    model = MentorAllocation
    extra = 0
    fields = ["mentor", "starts_on", "ends_on"]
    autocomplete_fields = ["mentor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MentorAllocation]:
        return super().get_queryset(request).select_related("mentor")


class IncubationAdmitForm(forms.ModelForm):
    """Admission by staff: the rules are checked here and the service admits on save."""

    override_reason = forms.CharField(
        label=_("Override the admission rules because"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Incubation
        fields = ["company", "programme", "cohort", "admitted_on"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        failures = services.incubation_admission_check(
            company=data["company"],
            programme=data["programme"],
            cohort=data.get("cohort"),
            admitted_on=data["admitted_on"],
        )
        if failures and not data.get("override_reason", "").strip():
            raise ValidationError(failures)
        return data


class GraduateForm(forms.Form):
    basis = forms.ChoiceField(label=_("graduation basis"), choices=GraduationBasis.choices)
    evidence = forms.CharField(label=_("evidence"), widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(label=_("graduated on"), initial=timezone.localdate)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(label=_("withdrawn on"), initial=timezone.localdate)


@admin.register(Incubation)
class IncubationAdmin(admin.ModelAdmin):
    list_display = ["company", "programme", "cohort", "status", "admitted_on", "limit_on", "ended_on"]
    list_filter = ["status", "programme", "cohort", LimitSoonFilter, "graduation_basis"]
    search_fields = ["company__name", "company__name_zh", "company__uscc"]
    list_select_related = ["company", "programme", "cohort"]
    autocomplete_fields = ["company", "programme", "cohort"]
    date_hierarchy = "admitted_on"
    readonly_fields = [
        "status",
        "limit_on",
        "age_override_reason",
        "graduated_on",
        "graduation_basis",
        "graduation_evidence",
        "ended_on",
        "alert_90_sent_at",
        "alert_30_sent_at",
        "created_at",
        "updated_at",
    ]
    inlines = [MilestoneInline, MentorAllocationInline, TransitionHistoryInline]
    actions = ["graduate", "withdraw"]

    def get_form(
        self, request: HttpRequest, obj: Incubation | None = None, change: bool = False, **kwargs: Any
    ):  # type: ignore[no-untyped-def]
        if obj is None:
            kwargs["form"] = IncubationAdmitForm
            kwargs["fields"] = [*IncubationAdmitForm.Meta.fields, "override_reason"]
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Incubation | None = None) -> list[str]:
        if obj is None:
            return []
        return [*self.readonly_fields, "company", "programme", "admitted_on"]

    def get_fieldsets(self, request: HttpRequest, obj: Incubation | None = None) -> Any:
        if obj is None:
            return [(None, {"fields": [*IncubationAdmitForm.Meta.fields, "override_reason"]})]
        return super().get_fieldsets(request, obj)

    def save_model(self, request: HttpRequest, obj: Incubation, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # only the cohort is editable
            return
        admitted = services.incubation_admit(
            company=obj.company,
            programme=obj.programme,
            cohort=obj.cohort,
            admitted_on=obj.admitted_on,
            actor=request.user,
            override_reason=form.cleaned_data.get("override_reason", ""),
        )
        obj.pk, obj.limit_on, obj.created_at, obj.updated_at = (
            admitted.pk,
            admitted.limit_on,
            admitted.created_at,
            admitted.updated_at,
        )
        obj.age_override_reason = admitted.age_override_reason
        obj._state.adding = False

    @admin.action(description=_("Graduate the selected incubations"))
    def graduate(self, request: HttpRequest, queryset: QuerySet[Incubation]) -> TemplateResponse | None:
        return _intermediate(
            self,
            request,
            queryset,
            GraduateForm,
            "graduate",
            str(_("Graduate these incubations")),
            lambda obj, data: services.incubation_graduate(
                incubation=obj,
                basis=data["basis"],
                evidence=data["evidence"],
                on=data["on"],
                actor=request.user,
            ),
        )

    @admin.action(description=_("Withdraw the selected incubations"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Incubation]) -> TemplateResponse | None:
        return _intermediate(
            self,
            request,
            queryset,
            WithdrawForm,
            "withdraw",
            str(_("Withdraw these incubations")),
            lambda obj, data: services.incubation_withdraw(
                incubation=obj, on=data["on"], reason=data["reason"], actor=request.user
            ),
        )


@admin.register(MentorSession)
class MentorSessionAdmin(admin.ModelAdmin):
    list_display = ["allocation", "held_on", "minutes"]
    search_fields = ["allocation__incubation__company__name", "notes"]
    list_select_related = [
        "allocation__incubation__company",
        "allocation__mentor",
        "allocation__incubation__programme",
    ]
    raw_id_fields = ["allocation"]
    date_hierarchy = "held_on"


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(KPIReturn)
class KPIReturnAdmin(admin.ModelAdmin):
    """The verification queue: submitted returns first, oldest submission first."""

    list_display = ["incubation", "period_start", "period_end", "status", "submitted_at", "verified_at"]
    list_filter = ["status", "incubation__programme", "period_start"]
    search_fields = ["incubation__company__name", "incubation__company__name_zh"]
    list_select_related = ["incubation__company", "incubation__programme"]
    autocomplete_fields = ["incubation"]
    workflow_fields = [
        "status",
        "requested_at",
        "reminded_7_at",
        "reminded_14_at",
        "submitted_at",
        "submitted_by",
        "verified_at",
        "verified_by",
        "rejection_reason",
        "locked_at",
        "created_at",
        "updated_at",
    ]
    inlines = [TransitionHistoryInline]
    actions = ["verify", "reject"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[KPIReturn]:
        queue = Case(
            When(status=KPIReturnStatus.SUBMITTED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return (
            super()
            .get_queryset(request)
            .annotate(queue=queue)
            .order_by("queue", "submitted_at", "-period_start", "pk")
        )

    def get_readonly_fields(self, request: HttpRequest, obj: KPIReturn | None = None) -> list[str]:
        if obj is None:
            return self.workflow_fields
        fixed = [*self.workflow_fields, "incubation", "period_start", "period_end"]
        return [*fixed, *KPI_FIGURES] if obj.is_locked else fixed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # returns are requested by the monthly run

    def has_delete_permission(self, request: HttpRequest, obj: KPIReturn | None = None) -> bool:
        return obj is None or not obj.is_locked

    @admin.action(description=_("Verify (and lock) the selected returns"))
    def verify(self, request: HttpRequest, queryset: QuerySet[KPIReturn]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda obj: services.kpi_return_verify(kpi_return=obj, actor=request.user),
        )

    @admin.action(description=_("Send the selected returns back for correction"))
    def reject(self, request: HttpRequest, queryset: QuerySet[KPIReturn]) -> TemplateResponse | None:
        return _intermediate(
            self,
            request,
            queryset,
            RejectForm,
            "reject",
            str(_("Send these returns back")),
            lambda obj, data: services.kpi_return_reject(
                kpi_return=obj, actor=request.user, reason=data["reason"]
            ),
        )
