from rest_framework import serializers

from core.api.serializers import CleanModelSerializer
from spaces.models import Building, Campus, Feature, Floor, Space, Zone


class CampusSerializer(CleanModelSerializer):
    class Meta:
        model = Campus
        fields = [
            "id", "code", "name", "name_zh", "address", "address_zh", "time_zone", "is_active",
            "created_at", "updated_at",
        ]  # fmt: skip


class ZoneSerializer(CleanModelSerializer):
    class Meta:
        model = Zone
        fields = [
            "id",
            "campus",
            "code",
            "name",
            "name_zh",
            "kind",
            "created_at",
            "updated_at",
        ]


class BuildingSerializer(CleanModelSerializer):
    class Meta:
        model = Building
        fields = [
            "id", "campus", "zone", "code", "name", "name_zh", "kind", "floors_above_ground",
            "floors_below_ground", "gross_area_m2", "address", "is_active", "created_at", "updated_at",
        ]  # fmt: skip


class FloorSerializer(CleanModelSerializer):
    class Meta:
        model = Floor
        fields = [
            "id",
            "building",
            "number",
            "label",
            "area_m2",
            "created_at",
            "updated_at",
        ]


class FeatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feature
        fields = ["id", "code", "name", "name_zh"]


class PathItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class SpacePathSerializer(serializers.Serializer):
    """Where a space is: campus → building → floor."""

    campus = PathItemSerializer(source="floor.building.campus")
    building = PathItemSerializer(source="floor.building")
    floor_label = serializers.CharField(source="floor.label")


class SpaceSerializer(CleanModelSerializer):
    features = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=Feature.objects.all(), required=False
    )
    path = SpacePathSerializer(source="*", read_only=True)

    class Meta:
        model = Space
        fields = [
            "id", "floor", "parent", "code", "name", "name_zh", "kind", "amenity_kind", "capacity",
            "area_m2", "features", "description", "is_bookable", "is_active", "path",
            "created_at", "updated_at",
        ]  # fmt: skip


class KindTotalsSerializer(serializers.Serializer):
    spaces = serializers.IntegerField()
    capacity = serializers.IntegerField()
    area_m2 = serializers.DecimalField(max_digits=12, decimal_places=2)


class FloorCapacitySerializer(serializers.Serializer):
    floor = serializers.IntegerField()
    number = serializers.IntegerField()
    label = serializers.CharField()
    floor_area_m2 = serializers.DecimalField(max_digits=12, decimal_places=2)
    totals = KindTotalsSerializer()
    by_kind = serializers.DictField(child=KindTotalsSerializer())


class BuildingCapacitySerializer(serializers.Serializer):
    building = serializers.IntegerField()
    kind = serializers.CharField()
    gross_area_m2 = serializers.DecimalField(max_digits=12, decimal_places=2)
    totals = KindTotalsSerializer()
    by_kind = serializers.DictField(child=KindTotalsSerializer())
    floors = FloorCapacitySerializer(many=True)


class CampusBuildingCapacitySerializer(serializers.Serializer):
    building = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    gross_area_m2 = serializers.DecimalField(max_digits=12, decimal_places=2)
    totals = KindTotalsSerializer()
    by_kind = serializers.DictField(child=KindTotalsSerializer())


class CampusCapacitySerializer(serializers.Serializer):
    campus = serializers.IntegerField()
    totals = KindTotalsSerializer()
    by_kind = serializers.DictField(child=KindTotalsSerializer())
    by_building_kind = serializers.DictField(child=KindTotalsSerializer())
    buildings = CampusBuildingCapacitySerializer(many=True)
