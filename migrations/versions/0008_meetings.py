"""meetings: consultation meetings, their agenda, invitees, attendance and minutes; mail attachments

Revision ID: 0008_meetings
Revises: 0007_login_failures
Create Date: 2026-11-30 13:22:25

"""
from alembic import op
import sqlalchemy as sa

import portal.database


revision = '0008_meetings'
down_revision = '0007_login_failures'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('reminder_hours', sa.Integer(), nullable=False),
    sa.Column('reminded_at', portal.database.UTCDateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('minutes_summary', sa.Text(), nullable=True),
    sa.Column('minutes_decisions', sa.JSON(), nullable=True),
    sa.Column('minutes_people', sa.Text(), nullable=True),
    sa.Column('minutes_posted_at', portal.database.UTCDateTime(), nullable=True),
    sa.Column('minutes_posted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portal.database.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name=op.f('ck_meetings_status')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_meetings_duration_positive')),
    sa.CheckConstraint('location IS NOT NULL OR online_url IS NOT NULL', name=op.f('ck_meetings_place_or_link')),
    sa.CheckConstraint('reminder_hours >= 0', name=op.f('ck_meetings_reminder_hours')),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_meetings_commune_id_communes')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meetings_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['minutes_posted_by_id'], ['users.id'], name=op.f('fk_meetings_minutes_posted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organiser_id'], ['organisations.id'], name=op.f('fk_meetings_organiser_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('uid', name=op.f('uq_meetings_uid'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_commune', ['commune_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_meetings_starts_at', ['starts_at', 'id'], unique=False)

    op.create_table('meeting_attendees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=10), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_at', portal.database.UTCDateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("answer IS NULL OR answer IN ('approved', 'commented')", name=op.f('ck_meeting_attendees_answer')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_meeting_attendees_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attendees_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_meeting_attendees_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendees')),
    sa.UniqueConstraint('meeting_id', 'organisation_id', name=op.f('uq_meeting_attendees_meeting_id_organisation_id'))
    )
    op.create_table('meeting_invitees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('rsvp', sa.String(length=10), nullable=True),
    sa.Column('rsvp_at', portal.database.UTCDateTime(), nullable=True),
    sa.Column('rsvp_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("rsvp IS NULL OR rsvp IN ('yes', 'no', 'maybe')", name=op.f('ck_meeting_invitees_rsvp')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_invitees_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_meeting_invitees_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['rsvp_by_id'], ['users.id'], name=op.f('fk_meeting_invitees_rsvp_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_invitees')),
    sa.UniqueConstraint('meeting_id', 'organisation_id', name=op.f('uq_meeting_invitees_meeting_id_organisation_id'))
    )
    with op.batch_alter_table('meeting_invitees', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_invitees_organisation', ['organisation_id'], unique=False)

    op.create_table('meeting_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_projects_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_meeting_projects_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_projects')),
    sa.UniqueConstraint('meeting_id', 'project_id', name=op.f('uq_meeting_projects_meeting_id_project_id'))
    )
    with op.batch_alter_table('meeting_projects', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_projects_project', ['project_id'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('attachments')

    with op.batch_alter_table('meeting_projects', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_projects_project')

    op.drop_table('meeting_projects')
    with op.batch_alter_table('meeting_invitees', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_invitees_organisation')

    op.drop_table('meeting_invitees')
    op.drop_table('meeting_attendees')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_starts_at')
        batch_op.drop_index('ix_meetings_commune')

    op.drop_table('meetings')
