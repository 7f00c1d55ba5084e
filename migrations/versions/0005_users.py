"""accounts with roles: organizers become users (organizer, plus admin where they had it); sessions keep their browser

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _rename_index(old, new, table, columns):
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER INDEX {old} RENAME TO {new}')
    else:
        op.drop_index(old, table_name=table)
        op.create_index(new, table, columns, unique=False)


def upgrade():
    # Plain renames: both databases carry the foreign keys of study_groups and roster_exports along.
    op.rename_table('organizers', 'users')
    op.rename_table('organizer_sessions', 'user_sessions')
    op.execute('ALTER TABLE user_sessions RENAME COLUMN organizer_id TO user_id')
    _rename_index('ix_organizer_sessions_organizer_id', 'ix_user_sessions_user_id', 'user_sessions', ['user_id'])
    op.add_column('users', sa.Column('roles', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('user_sessions', sa.Column('user_agent', sa.String(length=200), nullable=False,
                                             server_default=''))
    users = sa.table('users', sa.column('roles', sa.String), sa.column('is_admin', sa.Boolean))
    op.execute(users.update().where(users.c.is_admin == sa.true()).values(roles='admin organizer'))
    op.execute(users.update().where(users.c.is_admin == sa.false()).values(roles='organizer'))
    op.drop_column('users', 'is_admin')


def downgrade():
    op.add_column('users', sa.Column('is_admin', sa.Boolean(), nullable=False, server_default=sa.false()))
    users = sa.table('users', sa.column('roles', sa.String), sa.column('is_admin', sa.Boolean))
    op.execute(users.update().where(users.c.roles.like('%admin%')).values(is_admin=True))
    op.drop_column('user_sessions', 'user_agent')
    op.drop_column('users', 'roles')
    _rename_index('ix_user_sessions_user_id', 'ix_organizer_sessions_organizer_id', 'user_sessions', ['user_id'])
    op.execute('ALTER TABLE user_sessions RENAME COLUMN user_id TO organizer_id')
    op.rename_table('user_sessions', 'organizer_sessions')
    op.rename_table('users', 'organizers')
