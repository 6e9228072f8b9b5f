from datetime import date

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tenants.models import Cohort, Incubation, KPIFrequency, KPIReturn, Programme
from tenants.services.incubation import add_months
from tests.tenants.factories import CompanyFactory


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Programme {n}")
    name_zh = factory.Sequence(lambda n: f"孵化项目{n}")
    kpi_frequency = KPIFrequency.MONTHLY


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    starts_on = date(2025, 1, 1)
    ends_on = date(2025, 12, 31)


class IncubationFactory(DjangoModelFactory):
    """An active incubation written directly (the service's rules are tested on the service)."""

    class Meta:
        model = Incubation

    company = factory.SubFactory(CompanyFactory, founded_on=date(2024, 6, 1))
    programme = factory.SubFactory(ProgrammeFactory)
    admitted_on = date(2025, 1, 1)
    limit_on = factory.LazyAttribute(lambda o: add_months(o.admitted_on, 48))


class KPIReturnFactory(DjangoModelFactory):
    class Meta:
        model = KPIReturn

    incubation = factory.SubFactory(IncubationFactory)
    period_start = date(2025, 1, 1)
    period_end = date(2025, 1, 31)
    requested_at = factory.LazyFunction(timezone.now)
