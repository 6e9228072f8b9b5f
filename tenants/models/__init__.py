from tenants.models.companies import (
    Company,
    CompanyStatus,
    Invitation,
    MemberRole,
    Membership,
    Sector,
)

__all__ = ["Company", "CompanyStatus", "Invitation", "MemberRole", "Membership", "Sector"]
