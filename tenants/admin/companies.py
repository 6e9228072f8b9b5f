from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import TransitionHistoryInline
from tenants.models import Company, Invitation, Membership, Sector
from tenants.services import companies as services


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "code", "is_priority", "incubation_limit_months"]
    list_filter = ["is_priority"]
    search_fields = ["name", "name_zh", "code"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "is_active", "ended_at"]
    readonly_fields = ["ended_at"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user")


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "uscc", "sector", "status", "is_high_tech", "is_returnee_founded"]
    list_filter = ["status", "sector", "is_high_tech", "is_returnee_founded"]
    search_fields = ["name", "name_zh", "uscc"]
    list_select_related = ["sector"]
    autocomplete_fields = ["sector"]
    readonly_fields = ["status", "created_at", "updated_at"]
    inlines = [MembershipInline, TransitionHistoryInline]
    actions = ["suspend", "reinstate"]

    @admin.action(description=_("Suspend the selected companies"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[Company]) -> None:
        for company in queryset.order_by("pk"):
            try:
                services.company_suspend(
                    company=company, actor=request.user, reason=str(_("Suspended by staff"))
                )
            except ValidationError as exc:
                self.message_user(request, f"{company}: {' '.join(exc.messages)}", level="error")

    @admin.action(description=_("Reinstate the selected companies"))
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Company]) -> None:
        for company in queryset.order_by("pk"):
            services.company_reinstate(company=company, actor=request.user)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "company", "role", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "company__name"]
    list_select_related = ["company"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_by", "revoked_at", "created_at", "updated_at"]
    autocomplete_fields = ["company", "invited_by"]
