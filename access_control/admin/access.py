"""Staff admin for access control: credentials, grants, the allow-list and events.

State changes go through the services (issue, suspend, reinstate, revoke); the allow-list,
its change log and events are read-only.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from access_control.models import (
    AccessEvent,
    AccessGrant,
    AllowlistEntry,
    Credential,
    CredentialKind,
    ResourceAccessPolicy,
    SiteChange,
)
from access_control.services import credentials as credential_services
from access_control.services import grants as grant_services
from core.admin import ReadOnlyAdmin


class CredentialIssueForm(forms.ModelForm):
    uid = forms.CharField(
        label=_("card UID or PIN"),
        max_length=128,
        required=False,
        help_text=_(
            "Stored normalised and never shown again; people see the last four characters. "
            "Leave it empty for a QR credential: its holder shows rotating codes from the portal."
        ),
    )

    class Meta:
        model = Credential
        fields = ("person", "kind", "valid_from", "valid_until")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") != CredentialKind.QR and not (cleaned.get("uid") or "").strip():
            self.add_error("uid", forms.ValidationError(_("Give the card UID or PIN."), code="required"))
        return cleaned


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ("__str__", "person", "kind", "label", "status", "valid_from", "valid_until")
    list_filter = ("kind", "status")
    search_fields = ("label", "person__email", "person__full_name")
    list_select_related = ("person",)
    raw_id_fields = ("person",)
    actions = ("suspend", "reinstate", "revoke")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = CredentialIssueForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("person", "kind", "label", "status", "valid_from", "valid_until", "created_at", "updated_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("person", "kind", "uid", "valid_from", "valid_until")
        return self.get_readonly_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: Credential, form: Any, change: bool) -> None:
        if change:
            return
        issued = credential_services.credential_issue(
            person=form.cleaned_data["person"],
            kind=form.cleaned_data["kind"] or CredentialKind.CARD,
            uid=form.cleaned_data["uid"],
            valid_from=form.cleaned_data.get("valid_from"),
            valid_until=form.cleaned_data.get("valid_until"),
            actor=request.user,
        )
        obj.pk = issued.pk
        obj.label = issued.label

    def _each(self, request: HttpRequest, queryset: QuerySet[Credential], service: Any) -> None:
        done = 0
        for credential in queryset.order_by("pk"):
            try:
                service(credential=credential, actor=request.user, reason=str(_("Changed in the admin")))
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{credential}: {exc}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)d credentials changed.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Suspend the selected credentials"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        self._each(request, queryset, credential_services.credential_suspend)

    @admin.action(description=_("Reinstate the selected credentials"))
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        self._each(request, queryset, credential_services.credential_reinstate)

    @admin.action(description=_("Revoke the selected credentials"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        self._each(request, queryset, credential_services.credential_revoke)


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):  # manual grants come through the staff API (grant_create)
    list_display = (
        "person",
        "source",
        "source_key",
        "company",
        "starts_at",
        "ends_at",
        "schedule",
        "revoked_at",
    )
    list_filter = ("source", "schedule", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("person__email", "person__full_name", "source_key", "reason")
    list_select_related = ("person", "company")
    date_hierarchy = "starts_at"
    actions = ("revoke",)

    @admin.action(description=_("Revoke the selected grants"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessGrant]) -> None:
        done = 0
        for grant in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            try:
                grant_services.grant_revoke(
                    grant=grant, actor=request.user, reason=str(_("Revoked in the admin"))
                )
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{grant}: {exc}", messages.ERROR)
        self.message_user(request, _("%(n)d grants revoked.") % {"n": done}, messages.SUCCESS)


@admin.register(ResourceAccessPolicy)
class ResourceAccessPolicyAdmin(admin.ModelAdmin):
    list_display = ("resource", "pre_grace_minutes", "post_grace_minutes")
    raw_id_fields = ("resource",)
    list_select_related = ("resource",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(AllowlistEntry)
class AllowlistEntryAdmin(ReadOnlyAdmin):
    list_display = ("site", "h", "credential", "version")
    list_filter = ("site",)
    list_select_related = ("site", "credential")
    search_fields = ("h",)


@admin.register(SiteChange)
class SiteChangeAdmin(ReadOnlyAdmin):
    list_display = ("site", "v", "op", "h", "created_at")
    list_filter = ("site", "op")
    list_select_related = ("site",)


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "type", "decision", "reason", "door", "person", "company", "device")
    list_filter = ("type", "decision", "reason", "site", "clock_suspect")
    search_fields = ("h", "device_event_id", "person__email")
    list_select_related = ("door", "person", "company", "device")
    date_hierarchy = "occurred_at"
