"""Every model, imported here so that Alembic and the app see the whole schema."""

from portal.models.audit import AuditEvent
from portal.models.notifications import (
    MailMode,
    Notification,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
)
from portal.models.organisations import (
    COMMUNE_OFFICIAL_ROLES,
    MANAGER_ROLES,
    ROLES_BY_KIND,
    HomeCommune,
    Membership,
    Organisation,
    OrganisationKind,
    Setting,
    Verification,
)
from portal.models.projects import (
    DOCUMENT_KINDS,
    PARTY_KINDS,
    PUBLIC_STATUSES,
    SECTORS,
    BudgetLine,
    CurrencyRate,
    FundingLine,
    Project,
    ProjectComment,
    ProjectDocument,
    ProjectStatus,
)
from portal.models.territories import Cercle, Commune, MapVersion, Region
from portal.models.users import ApiToken, Invitation, LoginFailure, User, UserSession

__all__ = [
    "COMMUNE_OFFICIAL_ROLES",
    "DOCUMENT_KINDS",
    "PARTY_KINDS",
    "PUBLIC_STATUSES",
    "SECTORS",
    "BudgetLine",
    "CurrencyRate",
    "FundingLine",
    "Project",
    "ProjectComment",
    "ProjectDocument",
    "ProjectStatus",
    "MANAGER_ROLES",
    "ROLES_BY_KIND",
    "ApiToken",
    "AuditEvent",
    "Cercle",
    "Commune",
    "HomeCommune",
    "Invitation",
    "LoginFailure",
    "MailMode",
    "MapVersion",
    "Membership",
    "Organisation",
    "Notification",
    "NotificationPreference",
    "OrganisationKind",
    "OutboxMessage",
    "OutboxStatus",
    "Region",
    "Setting",
    "User",
    "UserSession",
    "Verification",
]
