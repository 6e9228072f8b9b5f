import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from notifications.models import Notification
from notifications.querysets import NotificationQuerySet


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(method="filter_unread", label=_("Unread"))
    kind = django_filters.CharFilter(label=_("Kind"))

    class Meta:
        model = Notification
        fields = ["kind"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_unread(self, queryset: NotificationQuerySet, name: str, value: bool) -> NotificationQuerySet:
        return queryset.unread() if value else queryset.read()
