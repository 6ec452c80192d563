"""awaiting indexes: what waits for a meeting's organiser and the minutes an organisation has to answer, found
from an index at national scale

Revision ID: 0015_awaiting_indexes
Revises: 0014_indicators
Create Date: 2026-11-30 18:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015_awaiting_indexes'
down_revision = '0014_indicators'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_organiser', ['organiser_id', 'starts_at'], unique=False)
    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_attendees_organisation', ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_attendees_organisation')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_organiser')
