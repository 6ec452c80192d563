"""public filter indexes: filtered public lists and counts read one index range

Revision ID: 0006_public_filter_indexes
Revises: 0005_user_currency
Create Date: 2026-11-29 09:00:00

"""
from alembic import op

revision = "0006_public_filter_indexes"
down_revision = "0005_user_currency"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_public_status", ["is_public", "status", "id"], unique=False)
        batch_op.create_index("ix_projects_public_sector", ["is_public", "sector", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index("ix_projects_public_sector")
        batch_op.drop_index("ix_projects_public_status")
