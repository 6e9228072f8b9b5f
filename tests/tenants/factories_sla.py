from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group

from tests.accounts.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def cst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware Asia/Shanghai wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def team_lead(**kwargs):  # type: ignore[no-untyped-def]
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get_or_create(name=settings.SLA_TEAM_LEAD_GROUP)[0])
    return user


def director(**kwargs):  # type: ignore[no-untyped-def]
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get_or_create(name=settings.SLA_DIRECTOR_GROUP)[0])
    return user
