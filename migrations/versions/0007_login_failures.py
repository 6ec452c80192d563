"""login failures: the throttle's counters in the database every worker shares

Revision ID: 0007_login_failures
Revises: 0006_public_filter_indexes
Create Date: 2026-11-30 13:50:00

"""
import sqlalchemy as sa
from alembic import op

from portal.database import UTCDateTime

revision = "0007_login_failures"
down_revision = "0006_public_filter_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_key_at", ["key", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_key_at")
    op.drop_table("login_failures")
