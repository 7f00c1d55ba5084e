"""signups: one place per email, manage token kept encrypted, reminder opt-in; the encrypted outbox

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signups') as batch:
        batch.add_column(sa.Column('email_key', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('manage_enc', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('reminders', sa.Boolean(), nullable=False, server_default=sa.false()))
    # An index, not a table constraint: SQLite adds it without rebuilding the table.
    op.create_index('uq_signups_group_email', 'signups', ['group_id', 'email_key'], unique=True)
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signup_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('payload_enc', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['signup_id'], ['signups.id'], name=op.f('fk_outbox_signup_id_signups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_outbox_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('signup_id', 'meeting_id', name='uq_outbox_signup_meeting')
    )
    op.create_index(op.f('ix_outbox_signup_id'), 'outbox', ['signup_id'], unique=False)
    op.create_index('ix_outbox_due', 'outbox', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.drop_index(op.f('ix_outbox_signup_id'), table_name='outbox')
    op.drop_table('outbox')
    op.drop_index('uq_signups_group_email', table_name='signups')
    with op.batch_alter_table('signups') as batch:
        batch.drop_column('reminders')
        batch.drop_column('manage_enc')
        batch.drop_column('email_key')
