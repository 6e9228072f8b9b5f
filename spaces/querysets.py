from typing import Self

from django.db import models
from django.db.models import Q


class SpaceQuerySet(models.QuerySet):
    def active(self) -> Self:
        return self.filter(is_active=True)

    def bookable(self) -> Self:
        return self.filter(is_bookable=True, is_active=True)

    def in_building(self, building_id: int) -> Self:
        return self.filter(floor__building_id=building_id)

    def in_campus(self, campus_id: int) -> Self:
        return self.filter(floor__building__campus_id=campus_id)

    def with_features(self, codes: list[str]) -> Self:
        """Spaces that have every one of the given features (one join per feature)."""
        qs = self
        for code in codes:
            qs = qs.filter(features__code=code)
        return qs

    def search(self, text: str) -> Self:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(name_zh__icontains=text))

    def with_path(self) -> Self:
        return self.select_related("floor__building__campus", "floor__building__zone", "parent")
