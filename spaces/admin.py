"""Staff admin for the campus model: campus → zone → building → floor → space.

Every page says where an object sits. Change, delete and history pages replace the
breadcrumbs with the path (Campus › Building › Floor › Space, each linking to its
change page; ``templates/admin/spaces/``), and changelists show the same path as
columns. Both read only rows the admin's querysets already select, so a changelist
costs the same number of queries for 5 rows as for 100, and an inline costs the same
for 2 rows as for 200.
"""

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from spaces.models import Building, Campus, Feature, Floor, Space, Zone

# (label, url of its admin change page or None)
PathCrumb = tuple[str, str | None]

RECORD_FIELDSET = (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)})
TIMESTAMPS = ("created_at", "updated_at")

# What each model's __str__ reads besides its own row (Floor: "Building 12F"; Zone: "Campus › Zone").
LABEL_SELECT_RELATED: dict[type[models.Model], tuple[str, ...]] = {
    Floor: ("building",),
    Zone: ("campus",),
}


def change_url(obj: models.Model, *, site_name: str) -> str | None:
    """The admin change page of ``obj`` on the named admin site, or None if its model has none."""
    opts = obj._meta
    try:
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[quote(obj.pk)],
            current_app=site_name,
        )
    except NoReverseMatch:
        return None


def path_of(obj: models.Model) -> list[tuple[models.Model, str]]:
    """Where ``obj`` sits, from its campus down to itself, as (object, short label) pairs.

    Campus › Building › Floor › Space (a desk also shows the coworking area it is in;
    a zone sits under its campus). Reads only the foreign keys that the admins below
    select, so it costs no query.
    """
    if isinstance(obj, Campus):
        return [(obj, obj.name)]
    if isinstance(obj, Zone | Building):
        return [*path_of(obj.campus), (obj, obj.name)]
    if isinstance(obj, Floor):
        return [*path_of(obj.building), (obj, obj.label)]
    if isinstance(obj, Space):
        inside = [(obj.parent, str(obj.parent))] if obj.parent is not None else []
        return [*path_of(obj.floor), *inside, (obj, str(obj))]
    return []


def path_column(
    path: str,
    *,
    description: Any,
    ordering: str,
    label: Callable[[Any], str] = str,
) -> Callable[[admin.ModelAdmin, models.Model], str]:
    """A changelist column that links to an ancestor (``path`` like ``"floor.building"``).

    The ancestor must be in the changelist's ``list_select_related``.
    """
    get = attrgetter(path)

    @admin.display(description=description, ordering=ordering)
    def column(model_admin: admin.ModelAdmin, obj: models.Model) -> str:
        target = get(obj)
        if target is None:
            return model_admin.get_empty_value_display()
        text = label(target)
        url = change_url(target, site_name=model_admin.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, text) if url else text

    return column


class CampusPathAdmin(admin.ModelAdmin):
    """Base admin of the campus model: the path in the breadcrumbs, cheap related labels.

    Subclasses select the path (see ``path_of``) in ``get_queryset``, so the change,
    delete and history pages build it from the object they have already fetched.
    """

    def campus_path(self, obj: models.Model) -> list[PathCrumb]:
        return [(label, change_url(step, site_name=self.admin_site.name)) for step, label in path_of(obj)]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: models.Model | None = None,
    ) -> HttpResponse:
        if obj is not None and obj.pk is not None:
            context["campus_path"] = self.campus_path(obj)
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def render_delete_form(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        context["campus_path"] = self.campus_path(context["object"])
        return super().render_delete_form(request, context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data:
            response.context_data["campus_path"] = self.campus_path(response.context_data["object"])
        return response

    def get_field_queryset(
        self, db: str | None, db_field: models.Field, request: HttpRequest
    ) -> QuerySet[Any] | None:
        """Choices, and autocomplete's selected option, with what their labels read."""
        queryset = super().get_field_queryset(db, db_field, request)
        model = db_field.remote_field.model
        related = LABEL_SELECT_RELATED.get(model)
        if related:
            if queryset is None:
                queryset = model._default_manager.using(db)
            queryset = queryset.select_related(*related)
        return queryset


class ZoneListFilter(admin.RelatedFieldListFilter):
    """Filter by zone, labelled "Campus › Zone" without a query per zone."""

    def field_choices(
        self, field: models.Field, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[Any, str]]:
        zones = Zone.objects.select_related("campus")
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            zones = zones.order_by(*ordering)
        return [(zone.pk, str(zone)) for zone in zones]


# Inlines: compact rows. A foreign key other than the parent is read-only and selected,
# because an editable one (select, raw id or autocomplete) costs a query per row; and a
# row's label (tabular.html prints each row's __str__) must not read an unselected parent.


class ZoneInline(admin.TabularInline):
    model = Zone
    fields = ("code", "name", "name_zh", "kind")
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Zone]:
        return super().get_queryset(request).select_related("campus")


class BuildingInline(admin.TabularInline):
    model = Building
    fields = ("code", "name", "name_zh", "kind", "zone", "floors_above_ground", "gross_area_m2", "is_active")
    readonly_fields = ("zone",)
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Building]:
        return super().get_queryset(request).select_related("zone__campus")


class FloorInline(admin.TabularInline):
    model = Floor
    fields = ("number", "label", "area_m2")
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Floor]:
        return super().get_queryset(request).select_related("building")


class SpaceInline(admin.TabularInline):
    model = Space
    fields = (
        "code",
        "name",
        "kind",
        "amenity_kind",
        "capacity",
        "area_m2",
        "parent",
        "is_bookable",
        "is_active",
    )
    readonly_fields = ("parent",)
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Space]:
        return super().get_queryset(request).select_related("parent")


@admin.register(Campus)
class CampusAdmin(CampusPathAdmin):
    list_display = ("name", "name_zh", "code", "time_zone", "is_active", "updated_at")
    list_filter = ("is_active", "time_zone")
    search_fields = ("code", "name", "name_zh", "address", "address_zh")
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("code", "name", "name_zh", "time_zone", "is_active")}),
        (_("Address"), {"fields": ("address", "address_zh")}),
        RECORD_FIELDSET,
    )
    inlines = (ZoneInline, BuildingInline)


@admin.register(Zone)
class ZoneAdmin(CampusPathAdmin):
    list_display = ("name", "name_zh", "code", "campus_link", "kind")
    list_filter = ("kind", "campus")
    list_select_related = ("campus",)
    search_fields = ("code", "name", "name_zh", "campus__code", "campus__name", "campus__name_zh")
    autocomplete_fields = ("campus",)
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("campus", "code", "name", "name_zh", "kind")}),
        RECORD_FIELDSET,
    )

    campus_link = path_column(
        "campus", description=_("campus"), ordering="campus__name", label=attrgetter("name")
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Zone]:
        return super().get_queryset(request).select_related("campus")


@admin.register(Building)
class BuildingAdmin(CampusPathAdmin):
    list_display = (
        "name",
        "name_zh",
        "code",
        "campus_link",
        "zone_link",
        "kind",
        "floors_above_ground",
        "floors_below_ground",
        "gross_area_m2",
        "is_active",
    )
    list_filter = ("kind", "campus", ("zone", ZoneListFilter), "is_active")
    list_select_related = ("campus", "zone")
    search_fields = ("code", "name", "name_zh", "campus__code", "campus__name", "campus__name_zh")
    autocomplete_fields = ("campus", "zone")
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("campus", "zone", "code", "name", "name_zh", "kind", "is_active")}),
        (_("Size"), {"fields": ("floors_above_ground", "floors_below_ground", "gross_area_m2")}),
        (_("Address"), {"fields": ("address",)}),
        RECORD_FIELDSET,
    )
    inlines = (FloorInline,)

    campus_link = path_column(
        "campus", description=_("campus"), ordering="campus__name", label=attrgetter("name")
    )
    zone_link = path_column("zone", description=_("zone"), ordering="zone__name", label=attrgetter("name"))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Building]:
        return super().get_queryset(request).select_related("campus", "zone")


@admin.register(Floor)
class FloorAdmin(CampusPathAdmin):
    list_display = ("label", "number", "building_link", "campus_link", "area_m2")
    list_filter = ("building__campus", "building")
    list_select_related = ("building__campus",)
    search_fields = (
        "label",
        "building__code",
        "building__name",
        "building__name_zh",
        "building__campus__code",
        "building__campus__name",
        "building__campus__name_zh",
    )
    autocomplete_fields = ("building",)
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("building", "number", "label", "area_m2")}),
        RECORD_FIELDSET,
    )
    inlines = (SpaceInline,)

    building_link = path_column(
        "building", description=_("building"), ordering="building__name", label=attrgetter("name")
    )
    campus_link = path_column(
        "building.campus",
        description=_("campus"),
        ordering="building__campus__name",
        label=attrgetter("name"),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Floor]:
        # The campus too: the floor's path, and the building__campus ordering joins it anyway.
        return super().get_queryset(request).select_related("building__campus")


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_zh")
    search_fields = ("code", "name", "name_zh")
    fields = ("code", "name", "name_zh")


@admin.register(Space)
class SpaceAdmin(CampusPathAdmin):
    list_display = (
        "code",
        "name",
        "name_zh",
        "kind",
        "campus_link",
        "building_link",
        "floor_link",
        "parent_link",
        "capacity",
        "feature_list",
        "is_bookable",
        "is_active",
    )
    list_filter = (
        "kind",
        "amenity_kind",
        "floor__building__campus",
        "floor__building",
        "features",
        "is_bookable",
        "is_active",
    )
    # Mirrors SpaceQuerySet.with_path(), which get_queryset() applies for the change pages.
    list_select_related = ("floor__building__campus", "floor__building__zone", "parent")
    search_fields = (
        "code",
        "name",
        "name_zh",
        "floor__building__code",
        "floor__building__name",
        "floor__building__name_zh",
    )
    autocomplete_fields = ("floor", "parent", "features")
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("floor", "parent", "code", "name", "name_zh")}),
        (_("Kind and size"), {"fields": ("kind", "amenity_kind", "capacity", "area_m2")}),
        (_("Features"), {"fields": ("features", "description")}),
        (_("Status"), {"fields": ("is_bookable", "is_active")}),
        RECORD_FIELDSET,
    )

    campus_link = path_column(
        "floor.building.campus",
        description=_("campus"),
        ordering="floor__building__campus__name",
        label=attrgetter("name"),
    )
    building_link = path_column(
        "floor.building",
        description=_("building"),
        ordering="floor__building__name",
        label=attrgetter("name"),
    )
    floor_link = path_column(
        "floor", description=_("floor"), ordering="floor__number", label=attrgetter("label")
    )
    parent_link = path_column("parent", description=_("inside"), ordering="parent__code")

    @admin.display(description=_("features"))
    def feature_list(self, obj: Space) -> str:
        return ", ".join(feature.name for feature in obj.features.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Space]:
        # One query for every row's features (the column, and the change form's initial value).
        return super().get_queryset(request).with_path().prefetch_related("features")
