"""Admin: sites, doors, devices (keys shown once; disable, enable, rotate), lockdowns, commands."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from access_control.models import Device, DeviceCommand, Door, Lockdown, Site
from access_control.services import devices as services


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "campus", "building", "zone", "version", "log_floor", "pepper_id"]
    list_filter = ["campus"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["campus", "building", "zone"]
    list_select_related = ["campus", "building", "zone"]
    readonly_fields = ["version", "log_floor", "created_at", "updated_at"]


@admin.register(Door)
class DoorAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "site",
        "kind",
        "building",
        "floor",
        "space",
        "is_enabled",
        "is_locked",
        "is_open",
        "state_reported_at",
    ]
    list_filter = ["site", "kind", "is_enabled", "is_open"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["site", "space", "building", "floor"]
    list_select_related = ["site", "building", "floor", "space"]
    readonly_fields = ["is_locked", "is_open", "state_reported_at", "created_at", "updated_at"]


def _show_keys(modeladmin: admin.ModelAdmin, request: HttpRequest, keys: services.DeviceKeys) -> None:
    values = keys.as_dict()
    modeladmin.message_user(
        request,
        _(
            "%(device)s — key id %(key_id)s, secret %(secret)s (hex), pepper %(pepper_id)s %(pepper)s (hex). "
            "Store them now: they are not shown again."
        )
        % {
            "device": keys.device,
            "key_id": values["key_id"],
            "secret": values["secret_hex"],
            "pepper_id": values["pepper_id"],
            "pepper": values["pepper_hex"],
        },
        messages.WARNING,
    )


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "site",
        "key_id",
        "is_enabled",
        "is_online",
        "last_seen_at",
        "firmware",
        "queue_depth",
    ]
    list_filter = ["site", "is_enabled", "is_online"]
    search_fields = ["name", "key_id"]
    autocomplete_fields = ["site"]
    filter_horizontal = ["doors"]
    list_select_related = ["site"]
    readonly_fields = [
        "key_id",
        "previous_key_id",
        "previous_key_expires_at",
        "is_enabled",
        "firmware",
        "last_seen_at",
        "reported_version",
        "queue_depth",
        "is_online",
        "offline_since",
        "offline_notified_at",
        "last_seq",
        "created_at",
        "updated_at",
    ]
    actions = ["disable", "enable", "rotate_key"]

    def save_model(self, request: HttpRequest, obj: Device, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new device: created by the service, which issues its key (shown once below).
        keys = services.device_create(site=obj.site, name=obj.name)
        obj.pk = keys.device.pk
        obj.key_id = keys.key_id
        obj._state.adding = False
        _show_keys(self, request, keys)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        doors = form.cleaned_data.get("doors")
        if doors is not None:
            try:
                services.device_bind_doors(device=form.instance, doors=doors)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description=_("Disable the selected devices"))
    def disable(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        for device in queryset:
            services.device_disable(device=device)

    @admin.action(description=_("Enable the selected devices"))
    def enable(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        for device in queryset:
            services.device_enable(device=device)

    @admin.action(description=_("Rotate the keys of the selected devices (shown once)"))
    def rotate_key(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        for device in queryset:
            _show_keys(self, request, services.device_rotate_key(device=device))


@admin.register(Lockdown)
class LockdownAdmin(admin.ModelAdmin):
    list_display = ["site", "building", "started_at", "started_by", "reason", "ended_at", "ended_by"]
    list_filter = ["site"]
    search_fields = ["reason", "end_reason"]
    list_select_related = ["site", "building", "started_by", "ended_by"]
    autocomplete_fields = ["site", "building"]
    readonly_fields = [
        "started_at",
        "started_by",
        "ended_at",
        "ended_by",
        "end_reason",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "started_at"
    actions = ["end"]

    def save_model(self, request: HttpRequest, obj: Lockdown, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        lockdown = services.lockdown_start(
            site=obj.site, building=obj.building, started_by=request.user, reason=obj.reason
        )
        obj.pk = lockdown.pk
        obj._state.adding = False

    @admin.action(description=_("End the selected lockdowns"))
    def end(self, request: HttpRequest, queryset: QuerySet[Lockdown]) -> None:
        for lockdown in queryset.filter(ended_at__isnull=True):
            try:
                services.lockdown_end(lockdown=lockdown, ended_by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{lockdown}: {' '.join(exc.messages)}", messages.ERROR)


@admin.register(DeviceCommand)
class DeviceCommandAdmin(admin.ModelAdmin):
    list_display = ["type", "door", "device", "status", "expires_at", "delivered_at", "requested_by"]
    list_filter = ["status", "type"]
    list_select_related = ["door", "device", "requested_by"]
    readonly_fields = [
        "device",
        "door",
        "type",
        "duration_ms",
        "status",
        "expires_at",
        "delivered_at",
        "requested_by",
        "idempotency_key",
        "request_hash",
        "reason",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
