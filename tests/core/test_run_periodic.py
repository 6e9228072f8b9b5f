from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import health
from notifications.models import Notification
from tenants.services import sla as sla_services
from tests.accounts.factories import UserFactory
from tests.tenants.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_run_periodic_once_runs_every_beat_task_in_process(settings):
    # given an SLA clock three working weeks overdue, with an assignee, and no beat having run
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assignee = UserFactory(is_staff=True)
    company = CompanyFactory()
    sla_services.sla_clock_start(
        subject=company,
        step="first_response",
        track="expedited",
        assignee=assignee,
        subject_type="service_request",
        at=timezone.now() - timedelta(days=21),
    )
    assert health.beat_last_seen() is None
    # when
    call_command("run_periodic", "--once")
    # then the heartbeat and the SLA sweep both ran: the assignee got the warning
    assert health.beat_last_seen() is not None
    assert Notification.objects.filter(recipient=assignee, kind="tenants.sla.warning").count() == 1
