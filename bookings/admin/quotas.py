"""Staff admin for credit allowances (editable) and the credit ledger (read-only: the services write it)."""

from django.contrib import admin

from bookings.models import CreditAllowance, CreditEntry
from core.admin import ReadOnlyAdmin


@admin.register(CreditAllowance)
class CreditAllowanceAdmin(admin.ModelAdmin):
    list_display = ["resource_kind", "plan", "company", "credits_per_month", "updated_at"]
    list_filter = ["resource_kind", "plan"]
    search_fields = ["company__name"]
    autocomplete_fields = ["company"]


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "company", "resource_kind", "month", "amount", "reason", "booking"]
    list_filter = ["reason", "resource_kind", "month"]
    search_fields = ["company__name", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["company", "booking__resource"]
