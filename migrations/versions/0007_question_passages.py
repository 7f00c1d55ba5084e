"""questions name the passages they are about (paragraph anchors such as p54)

Revision ID: 0007
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questions') as batch:
        batch.add_column(sa.Column('passages', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade():
    with op.batch_alter_table('questions') as batch:
        batch.drop_column('passages')
