"""Every model, imported here so that Alembic and the app see the whole schema."""

from portal.models.audit import AuditEvent

__all__ = ["AuditEvent"]
