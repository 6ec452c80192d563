"""meeting status: a meeting whose minutes are posted is `held`

Revision ID: 0018_meeting_status
Revises: 0017_audit_personal_data
Create Date: 2026-12-08 01:40:00

The meetings that already have minutes become `held`; going down, they are `scheduled` again (the status the
earlier code gave them, their minutes telling the rest).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_meeting_status"
down_revision = "0017_audit_personal_data"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_meetings_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_meetings_status"), "status IN ('scheduled', 'held', 'cancelled')"
        )
    op.execute(
        sa.text("UPDATE meetings SET status = 'held' WHERE status = 'scheduled' AND minutes_posted_at IS NOT NULL")
    )


def downgrade():
    op.execute(sa.text("UPDATE meetings SET status = 'scheduled' WHERE status = 'held'"))
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_meetings_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_meetings_status"), "status IN ('scheduled', 'cancelled')")
