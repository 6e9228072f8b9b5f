"""Staff admin for credit allowances (editable) and the credit ledger (read-only: the services write it)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from bookings.models import CreditAllowance, CreditEntry


@admin.register(CreditAllowance)
class CreditAllowanceAdmin(admin.ModelAdmin):
    list_display = ["resource_kind", "plan", "company", "credits_per_month", "updated_at"]
    list_filter = ["resource_kind", "plan"]
    search_fields = ["company__name"]
    autocomplete_fields = ["company"]


@admin.register(CreditEntry)
class CreditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "company", "resource_kind", "month", "amount", "reason", "booking"]
    list_filter = ["reason", "resource_kind", "month"]
    search_fields = ["company__name", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["company", "booking__resource"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
