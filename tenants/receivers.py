"""Receivers of the tenants app's own lifecycle signals (connected in ``TenantsConfig.ready()``)."""

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from tenants.models import IncentiveGrant, IncentiveStatus, Incubation, IncubationStatus
from tenants.services import tenancy as tenancy_services

# A grant that has not started yet is cancelled; a running one is completed; an ended one stays.
_END_INCENTIVE = {
    IncentiveStatus.PROPOSED: tenancy_services.incentive_cancel,
    IncentiveStatus.APPROVED: tenancy_services.incentive_cancel,
    IncentiveStatus.ACTIVE: tenancy_services.incentive_complete,
}
ACTOR_LABEL = "system:incubation_ended"


def incubation_incentives_end(
    sender: Any, *, incubation: Incubation, status: str, on: date, **kwargs: Any
) -> None:
    """The incubation ended (graduated, expired, withdrawn): its incubation-only incentives end too.

    Runs inside the ending transaction, so both commit together or not at all. Tenancies and
    grants that are not incubation-only are left alone: a graduate usually keeps renting.
    """
    reason = _("The company's incubation ended (%(status)s on %(on)s).") % {
        "status": IncubationStatus(status).label,
        "on": on.isoformat(),
    }
    # Locked in pk order (as every other writer locks them), so a grant the daily sweep moves
    # at the same moment is read in its new state, not refused as a stale transition.
    grants = (
        IncentiveGrant.objects.select_for_update()
        .filter(company_id=incubation.company_id, incubation_only=True, status__in=list(_END_INCENTIVE))
        .order_by("pk")
        .values_list("pk", "status")
    )
    for pk, grant_status in list(grants):
        _END_INCENTIVE[grant_status](
            grant=IncentiveGrant(pk=pk), actor=None, actor_label=ACTOR_LABEL, reason=reason
        )
