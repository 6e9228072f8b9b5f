"""Staff admin for admission applications: the queue, configuration rows and workflow actions.

Every state change is an ``@admin.action`` that calls the service; actions that need input
(a question, a reviewer, a decision note) show an intermediate form first.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.admin import TransitionHistoryInline
from tenants.admin.sla import SLAOverdueFilter, SLAQueueAdminMixin
from tenants.models import (
    Application,
    ApplicationDocument,
    ApplicationFounder,
    EligibilityRule,
    ExpeditedCriterion,
    MoreInfoRequest,
    ReviewAssignment,
)
from tenants.models.applications import APPLICATION_QUEUE_ORDERING
from tenants.services import applications as services


class ApplicationFounderInline(admin.TabularInline):
    model = ApplicationFounder
    extra = 0
    fields = ["name", "email", "title", "is_returnee"]


class ApplicationDocumentInline(admin.TabularInline):
    model = ApplicationDocument
    extra = 0
    fields = ["kind", "file", "uploaded_by", "created_at"]
    readonly_fields = ["uploaded_by", "created_at"]


class ReviewAssignmentInline(admin.TabularInline):
    model = ReviewAssignment
    extra = 0
    fields = ["reviewer", "assigned_by", "recommendation", "score", "comment", "submitted_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # through the "assign reviewer" action, which logs it

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewAssignment]:
        return super().get_queryset(request).select_related("reviewer", "assigned_by")


class MoreInfoRequestInline(admin.TabularInline):
    model = MoreInfoRequest
    extra = 0
    fields = ["question", "requested_by", "requested_at", "answer", "answered_at", "answered_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # through the "request more information" action


class EligibilityFilter(admin.SimpleListFilter):
    title = _("eligibility")
    parameter_name = "eligible"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("yes", _("Eligible")),
            ("no", _("Not eligible")),
            ("overridden", _("Overridden")),
            ("unchecked", _("Not checked")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Application]) -> QuerySet[Application]:
        value = self.value()
        if value == "yes":
            return queryset.filter(eligibility_passed=True)
        if value == "no":
            return queryset.filter(eligibility_passed=False)
        if value == "overridden":
            return queryset.exclude(eligibility_override_reason="")
        if value == "unchecked":
            return queryset.filter(eligibility_passed__isnull=True)
        return queryset


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Question to the applicant"), widget=forms.Textarea)


class ReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=User.objects.filter(is_active=True))


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Decision note"), widget=forms.Textarea, required=False)


class OverrideForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Override reason"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Only needed to pass applications that fail an eligibility rule."),
    )


@admin.register(Application)
class ApplicationAdmin(SLAQueueAdminMixin, admin.ModelAdmin):
    """The admissions queue: expedited first, then the open SLA clock due first, then the oldest."""

    list_display = [
        "company_name",
        "applicant_name",
        "sector",
        "track",
        "status",
        "eligibility_passed",
        "lead",
        "submitted_at",
        "sla_due",
    ]
    list_filter = ["status", "track", SLAOverdueFilter, "sector", EligibilityFilter, "requested_space"]
    search_fields = ["company_name", "company_name_zh", "applicant_name", "applicant_email"]
    list_select_related = ["sector", "lead"]
    autocomplete_fields = ["applicant", "sector", "lead", "company"]
    readonly_fields = [
        "status",
        "track",
        "more_info_return_status",
        "eligibility",
        "eligibility_passed",
        "eligibility_override_reason",
        "eligibility_overridden_by",
        "submitted_at",
        "decided_at",
        "decision_note",
        "company",
        "created_at",
        "updated_at",
    ]
    inlines = [
        ApplicationFounderInline,
        ApplicationDocumentInline,
        ReviewAssignmentInline,
        MoreInfoRequestInline,
        TransitionHistoryInline,
    ]
    actions = [
        "start_screening",
        "screen",
        "request_more_info",
        "assign_reviewer",
        "approve",
        "reject",
        "start_onboarding",
        "complete",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return Application.objects.queue()  # annotated with the SLA track rank and due time

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return APPLICATION_QUEUE_ORDERING  # over the annotations of queue()

    def _run(
        self, request: HttpRequest, queryset: QuerySet[Application], call: Callable[[Application], Any]
    ) -> None:
        done = 0
        for application in queryset.order_by("pk"):
            try:
                call(application)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(getattr(exc, "messages", None) or [str(exc)])
                self.message_user(request, f"{application}: {text}", level=messages.ERROR)
        if done:
            self.message_user(
                request, _("%(count)s application(s) updated.") % {"count": done}, level=messages.SUCCESS
            )

    def _with_form(
        self,
        request: HttpRequest,
        queryset: QuerySet[Application],
        form_class: type[forms.Form],
        title: Any,
        call: Callable[[Application, dict[str, Any]], Any],
    ) -> HttpResponse | None:
        """Show ``form_class`` for the selection; on a valid POST run ``call`` for each."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._run(request, queryset, lambda app: call(app, form.cleaned_data))
            return None
        return TemplateResponse(
            request,
            "admin/tenants/application/action_form.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "form": form,
                "queryset": queryset,
                "action": request.POST.get("action", ""),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Start screening"))
    def start_screening(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._run(
            request,
            queryset,
            lambda app: services.application_start_screening(application=app, actor=request.user),
        )

    @admin.action(description=_("Screen (pass if eligible, else reject with the reasons)"))
    def screen(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse | None:
        return self._with_form(
            request,
            queryset,
            OverrideForm,
            _("Screen applications"),
            lambda app, data: services.application_screen(
                application=app, actor=request.user, override_reason=data["override_reason"]
            ),
        )

    @admin.action(description=_("Request more information"))
    def request_more_info(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse | None:
        return self._with_form(
            request,
            queryset,
            QuestionForm,
            _("Request more information"),
            lambda app, data: services.application_request_more_info(
                application=app, actor=request.user, question=data["question"]
            ),
        )

    @admin.action(description=_("Assign a reviewer"))
    def assign_reviewer(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse | None:
        return self._with_form(
            request,
            queryset,
            ReviewerForm,
            _("Assign a reviewer"),
            lambda app, data: services.application_assign_reviewer(
                application=app, actor=request.user, reviewer=data["reviewer"]
            ),
        )

    @admin.action(description=_("Approve"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse | None:
        return self._with_form(
            request,
            queryset,
            DecisionForm,
            _("Approve applications"),
            lambda app, data: services.application_decide(
                application=app, actor=request.user, decision="approve", note=data["note"]
            ),
        )

    @admin.action(description=_("Reject"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Application]) -> HttpResponse | None:
        return self._with_form(
            request,
            queryset,
            DecisionForm,
            _("Reject applications"),
            lambda app, data: services.application_decide(
                application=app, actor=request.user, decision="reject", note=data["note"]
            ),
        )

    @admin.action(description=_("Start onboarding"))
    def start_onboarding(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._run(
            request,
            queryset,
            lambda app: services.application_start_onboarding(application=app, actor=request.user),
        )

    @admin.action(description=_("Complete onboarding"))
    def complete(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._run(
            request, queryset, lambda app: services.application_complete(application=app, actor=request.user)
        )


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "parameter", "is_active", "message"]
    list_filter = ["is_active"]
    search_fields = ["kind", "message", "message_zh"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(ExpeditedCriterion)
class ExpeditedCriterionAdmin(admin.ModelAdmin):
    list_display = ["kind", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["kind"]
    readonly_fields = ["created_at", "updated_at"]
