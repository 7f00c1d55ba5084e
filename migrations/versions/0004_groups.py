"""study groups: organizers and their sessions, groups, meetings, encrypted signups, roster export log

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organizers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizers')),
    sa.UniqueConstraint('email', name=op.f('uq_organizers_email'))
    )
    op.create_table('organizer_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('organizer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organizer_id'], ['organizers.id'], name=op.f('fk_organizer_sessions_organizer_id_organizers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_organizer_sessions'))
    )
    op.create_index(op.f('ix_organizer_sessions_organizer_id'), 'organizer_sessions', ['organizer_id'], unique=False)
    op.create_table('study_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=24), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('pamphlet', sa.String(length=60), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('signups_open', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['organizers.id'], name=op.f('fk_study_groups_owner_id_organizers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_groups')),
    sa.UniqueConstraint('key', name=op.f('uq_study_groups_key'))
    )
    op.create_index(op.f('ix_study_groups_owner_id'), 'study_groups', ['owner_id'], unique=False)
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['study_groups.id'], name=op.f('fk_meetings_group_id_study_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    op.create_index(op.f('ix_meetings_group_id'), 'meetings', ['group_id'], unique=False)
    op.create_table('signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('name_enc', sa.LargeBinary(), nullable=True),
    sa.Column('email_enc', sa.LargeBinary(), nullable=True),
    sa.Column('messenger_enc', sa.LargeBinary(), nullable=True),
    sa.Column('note_enc', sa.LargeBinary(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('src', sa.String(length=60), nullable=True),
    sa.Column('contact_hash', sa.String(length=64), nullable=False),
    sa.Column('manage_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['study_groups.id'], name=op.f('fk_signups_group_id_study_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signups')),
    sa.UniqueConstraint('manage_hash', name=op.f('uq_signups_manage_hash'))
    )
    op.create_index(op.f('ix_signups_group_id'), 'signups', ['group_id'], unique=False)
    op.create_index(op.f('ix_signups_contact_hash'), 'signups', ['contact_hash'], unique=False)
    op.create_table('roster_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organizer_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('group_title', sa.String(length=120), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organizer_id'], ['organizers.id'], name=op.f('fk_roster_exports_organizer_id_organizers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['study_groups.id'], name=op.f('fk_roster_exports_group_id_study_groups'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_exports'))
    )
    op.create_index(op.f('ix_roster_exports_group_id'), 'roster_exports', ['group_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_roster_exports_group_id'), table_name='roster_exports')
    op.drop_table('roster_exports')
    op.drop_index(op.f('ix_signups_contact_hash'), table_name='signups')
    op.drop_index(op.f('ix_signups_group_id'), table_name='signups')
    op.drop_table('signups')
    op.drop_index(op.f('ix_meetings_group_id'), table_name='meetings')
    op.drop_table('meetings')
    op.drop_index(op.f('ix_study_groups_owner_id'), table_name='study_groups')
    op.drop_table('study_groups')
    op.drop_index(op.f('ix_organizer_sessions_organizer_id'), table_name='organizer_sessions')
    op.drop_table('organizer_sessions')
    op.drop_table('organizers')
