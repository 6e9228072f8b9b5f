"""Celery entry points of the tenants app: thin, idempotent, one section per lifecycle."""

from celery import shared_task
from django.utils import timezone

from notifications.tasks import TRANSIENT_EMAIL_ERRORS
from tenants.models import Invitation
from tenants.services import companies as company_services
from tenants.services import incubation as incubation_services
from tenants.services import sla as sla_services
from tenants.services import tenancy as tenancy_services

# --- companies ---


@shared_task(autoretry_for=TRANSIENT_EMAIL_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def invitation_email_send_task(invitation_id: int, token: str) -> None:
    """Send an invitation's e-mail (the one-time token travels only in this message and the mail)."""
    invitation = Invitation.objects.select_related("company", "invited_by").filter(pk=invitation_id).first()
    if invitation is not None:
        company_services.invitation_email_send(invitation=invitation, token=token)


# --- incubation ---


@shared_task
def incubation_limit_alerts_run_task() -> dict[str, int]:
    """Beat, daily: 90- and 30-day limit alerts (once each) and expiry at the limit."""
    return incubation_services.incubation_limit_alerts_run(
        today=timezone.localdate(timezone=incubation_services.PARK_TZ)
    )


@shared_task
def kpi_returns_request_run_task() -> int:
    """Beat, 1st of the month: request last month's (or quarter's) KPI returns."""
    return incubation_services.kpi_returns_request_run(
        today=timezone.localdate(timezone=incubation_services.PARK_TZ)
    )


@shared_task
def kpi_reminders_run_task() -> dict[str, int]:
    """Beat, daily: day-7 and day-14 reminders for KPI returns still not submitted."""
    return incubation_services.kpi_reminders_run(
        today=timezone.localdate(timezone=incubation_services.PARK_TZ)
    )


# --- sla ---


@shared_task
def sla_sweep_task() -> dict[str, int]:
    """Beat, every 10 minutes: warn, breach and escalate running SLA clocks, once per level."""
    return sla_services.sla_sweep()


# --- tenancy ---


@shared_task
def tenancy_lifecycle_task() -> dict[str, int]:
    """Daily at 00:10 Asia/Shanghai: activate, expire and complete what is due (idempotent)."""
    return tenancy_services.tenancy_lifecycle_run()
