"""Staff admin for agreements, tenancies, checklists, deposits and incentive grants.

State fields are read-only; every state change is an action calling a service.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import TransitionHistoryInline
from core.exceptions import ActionForbidden
from tenants.models import (
    Agreement,
    AgreementSpace,
    Checklist,
    ChecklistItem,
    Deposit,
    IncentiveGrant,
    Tenancy,
    TenancySpace,
)
from tenants.services import tenancy as services


def _run_each(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any], call: Callable[[Any], Any]
) -> None:
    """Call the service for each selected row; report refusals row by row."""
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            call(obj)
        except (ValidationError, ActionForbidden) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else exc.message
            model_admin.message_user(request, f"{obj}: {text}", level=messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(request, _("%(count)s done.") % {"count": done}, level=messages.SUCCESS)


class AgreementSpaceInline(admin.TabularInline):
    model = AgreementSpace
    extra = 0
    autocomplete_fields = ["space"]

    def has_change_permission(self, request: HttpRequest, obj: Agreement | None = None) -> bool:
        return obj is None or obj.status == "draft"

    has_add_permission = has_delete_permission = has_change_permission  # type: ignore[assignment]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "company",
        "kind",
        "status",
        "starts_on",
        "ends_on",
        "monthly_rent",
        "expires_at",
    ]
    list_filter = ["status", "kind", "plan_schedule"]
    search_fields = ["company__name", "company__name_zh", "notes"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    date_hierarchy = "starts_on"
    readonly_fields = [
        "status",
        "sent_at",
        "signed_at",
        "executed_at",
        "expires_at",
        "created_at",
        "updated_at",
    ]
    inlines = [AgreementSpaceInline, TransitionHistoryInline]
    actions = ["send", "sign", "execute", "void"]

    @admin.action(description=_("Send the selected agreements"))
    def send(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        _run_each(self, request, queryset, lambda a: services.agreement_send(agreement=a, actor=request.user))

    @admin.action(description=_("Record the signature of the selected agreements"))
    def sign(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        _run_each(self, request, queryset, lambda a: services.agreement_sign(agreement=a, actor=request.user))

    @admin.action(description=_("Execute the selected agreements (create the tenancies)"))
    def execute(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        _run_each(
            self, request, queryset, lambda a: services.agreement_execute(agreement=a, actor=request.user)
        )

    @admin.action(description=_("Void the selected agreements"))
    def void(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda a: services.agreement_void(
                agreement=a, actor=request.user, reason=str(_("Voided by staff"))
            ),
        )


class TenancySpaceInline(admin.TabularInline):
    model = TenancySpace
    extra = 0
    fields = ["space", "starts_on", "ends_on", "released_on"]
    readonly_fields = fields
    can_delete = False
    max_num = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[TenancySpace]:
        return super().get_queryset(request).select_related("space")


class ChecklistInline(admin.TabularInline):
    model = Checklist
    extra = 0
    fields = ["kind", "completed_at", "created_at"]
    readonly_fields = fields
    can_delete = False
    max_num = 0
    show_change_link = True


@admin.register(Tenancy)
class TenancyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "company", "status", "starts_on", "ends_on", "plan_schedule", "closed_on"]
    list_filter = ["status", "plan_schedule"]
    search_fields = ["company__name", "company__name_zh"]
    list_select_related = ["company"]
    autocomplete_fields = ["company", "agreement"]
    date_hierarchy = "starts_on"
    readonly_fields = [
        "company",
        "agreement",
        "status",
        "starts_on",
        "ends_on",
        "moved_in_at",
        "closed_on",
        "created_at",
        "updated_at",
    ]
    inlines = [TenancySpaceInline, ChecklistInline, TransitionHistoryInline]
    actions = ["move_in", "give_notice", "start_move_out", "close"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tenancies come from executing an agreement

    @admin.action(description=_("Record the move-in of the selected tenancies"))
    def move_in(self, request: HttpRequest, queryset: QuerySet[Tenancy]) -> None:
        _run_each(self, request, queryset, lambda t: services.tenancy_move_in(tenancy=t, actor=request.user))

    @admin.action(description=_("Give notice: the selected tenancies end on their end date"))
    def give_notice(self, request: HttpRequest, queryset: QuerySet[Tenancy]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda t: services.tenancy_give_notice(tenancy=t, ends_on=t.ends_on, actor=request.user),
        )

    @admin.action(description=_("Start the move-out of the selected tenancies"))
    def start_move_out(self, request: HttpRequest, queryset: QuerySet[Tenancy]) -> None:
        _run_each(
            self, request, queryset, lambda t: services.tenancy_start_move_out(tenancy=t, actor=request.user)
        )

    @admin.action(description=_("Close the selected tenancies (spaces free from today)"))
    def close(self, request: HttpRequest, queryset: QuerySet[Tenancy]) -> None:
        _run_each(self, request, queryset, lambda t: services.tenancy_close(tenancy=t, actor=request.user))


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["position", "code", "title", "title_zh", "required", "done_at", "done_by", "note"]
    readonly_fields = ["position", "code", "title", "title_zh", "required", "done_at", "done_by"]
    can_delete = False
    max_num = 0


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ["__str__", "tenancy", "kind", "completed_at", "created_at"]
    list_filter = ["kind", ("completed_at", admin.EmptyFieldListFilter)]
    search_fields = ["tenancy__company__name"]
    list_select_related = ["tenancy__company"]
    autocomplete_fields = ["tenancy"]
    readonly_fields = ["tenancy", "kind", "completed_at", "created_at", "updated_at"]
    inlines = [ChecklistItemInline]
    actions = ["complete_all"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # generated by the services

    @admin.action(description=_("Tick off every open item of the selected checklists"))
    def complete_all(self, request: HttpRequest, queryset: QuerySet[Checklist]) -> None:
        items = ChecklistItem.objects.filter(checklist__in=queryset, done_at__isnull=True)
        _run_each(
            self, request, items, lambda i: services.checklist_item_complete(item=i, actor=request.user)
        )


@admin.register(Deposit)
class DepositAdmin(admin.ModelAdmin):
    list_display = ["__str__", "agreement", "amount", "status", "received_on", "settled_on", "settled_amount"]
    list_filter = ["status"]
    search_fields = ["agreement__company__name"]
    list_select_related = ["agreement__company"]
    autocomplete_fields = ["agreement", "tenancy"]
    readonly_fields = [
        "agreement",
        "tenancy",
        "amount",
        "status",
        "settled_on",
        "settled_amount",
        "created_at",
    ]
    inlines = [TransitionHistoryInline]
    actions = ["refund_in_full"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created by executing the agreement

    @admin.action(description=_("Refund the selected deposits in full"))
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Deposit]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda d: services.deposit_settle(deposit=d, refunded_amount=d.amount, actor=request.user),
        )


@admin.register(IncentiveGrant)
class IncentiveGrantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "company", "kind", "amount", "months", "status", "starts_on", "ends_on"]
    list_filter = ["status", "kind", "incubation_only"]
    search_fields = ["company__name", "company__name_zh", "note"]
    list_select_related = ["company"]
    autocomplete_fields = ["company", "agreement"]
    readonly_fields = ["status", "created_at", "updated_at"]
    inlines = [TransitionHistoryInline]
    actions = ["approve", "activate", "complete", "claw_back", "cancel"]

    def _each(self, request: HttpRequest, queryset: QuerySet[IncentiveGrant], service: Any) -> None:
        _run_each(self, request, queryset, lambda g: service(grant=g, actor=request.user))

    @admin.action(description=_("Approve the selected grants"))
    def approve(self, request: HttpRequest, queryset: QuerySet[IncentiveGrant]) -> None:
        self._each(request, queryset, services.incentive_approve)

    @admin.action(description=_("Activate the selected grants"))
    def activate(self, request: HttpRequest, queryset: QuerySet[IncentiveGrant]) -> None:
        self._each(request, queryset, services.incentive_activate)

    @admin.action(description=_("Complete the selected grants"))
    def complete(self, request: HttpRequest, queryset: QuerySet[IncentiveGrant]) -> None:
        self._each(request, queryset, services.incentive_complete)

    @admin.action(description=_("Claw back the selected grants"))
    def claw_back(self, request: HttpRequest, queryset: QuerySet[IncentiveGrant]) -> None:
        self._each(request, queryset, services.incentive_claw_back)

    @admin.action(description=_("Cancel the selected grants"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[IncentiveGrant]) -> None:
        self._each(request, queryset, services.incentive_cancel)
