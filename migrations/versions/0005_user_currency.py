"""user currency: the currency a user also sees totals in

Revision ID: 0005_user_currency
Revises: 0004_notifications
Create Date: 2026-11-29 08:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0005_user_currency"
down_revision = "0004_notifications"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("currency")
