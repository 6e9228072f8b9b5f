from django.contrib import admin

from spaces.models import Building, Campus, Feature, Floor, Space, Zone


@admin.register(Campus)
class CampusAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "code", "time_zone", "is_active"]
    search_fields = ["name", "name_zh", "code"]


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "campus", "kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["campus"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "campus", "kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["campus", "zone"]


@admin.register(Floor)
class FloorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "number"]
    search_fields = ["label", "building__name"]
    autocomplete_fields = ["building"]


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    search_fields = ["code", "name"]


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "floor"]
    list_select_related = ["floor__building"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["floor", "parent"]
