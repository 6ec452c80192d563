"""outbox signed links: what to sign when a mail leaves, so that no link that acts for someone is stored

Revision ID: 0009_outbox_signed_links
Revises: 0008_meetings
Create Date: 2026-11-30 14:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0009_outbox_signed_links"
down_revision = "0008_meetings"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_link", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("signed_link")
