from tenants.models.companies import (
    Company,
    CompanyStatus,
    Invitation,
    MemberRole,
    Membership,
    Sector,
)
from tenants.models.sla import SLAClock, SLALevel, SLAOutcome, SLAPolicy, Track

__all__ = [
    "Company",
    "CompanyStatus",
    "Invitation",
    "MemberRole",
    "Membership",
    "SLAClock",
    "SLALevel",
    "SLAOutcome",
    "SLAPolicy",
    "Sector",
    "Track",
]
