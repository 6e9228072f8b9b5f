from tenants.models.companies import (
    Company,
    CompanyStatus,
    Invitation,
    MemberRole,
    Membership,
    Sector,
)
from tenants.models.registration import (
    RegistrationCase,
    RegistrationCaseStatus,
    RegistrationStep,
    RegistrationStepKind,
    RegistrationStepStatus,
    RegistrationTrack,
    ServiceRequest,
    ServiceRequestCategory,
    ServiceRequestStatus,
    WaitingOn,
)

__all__ = [
    "Company",
    "CompanyStatus",
    "Invitation",
    "MemberRole",
    "Membership",
    "RegistrationCase",
    "RegistrationCaseStatus",
    "RegistrationStep",
    "RegistrationStepKind",
    "RegistrationStepStatus",
    "RegistrationTrack",
    "Sector",
    "ServiceRequest",
    "ServiceRequestCategory",
    "ServiceRequestStatus",
    "WaitingOn",
]
