"""brand kit and photos: the brand_settings row and the images table (bytes in the database)

The brand kit is one row (id 1): name, two colours, default palette, contact line, address and the
logo as re-encoded PNG bytes. Photos are re-encoded bytes without metadata (and a small copy for
lists), with credit and licence.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _user_fk(table, column):
    return sa.ForeignKeyConstraint([column], ['users.id'], name=f'fk_{table}_{column}_users', ondelete='SET NULL')


def upgrade():
    op.create_table(
        'brand_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('primary_colour', sa.String(length=7), nullable=False),
        sa.Column('secondary_colour', sa.String(length=7), nullable=False),
        sa.Column('palette', sa.String(length=40), nullable=False),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('logo', sa.LargeBinary(), nullable=True),
        sa.Column('logo_width', sa.Integer(), nullable=False),
        sa.Column('logo_height', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('id = 1', name=op.f('ck_brand_settings_single_row')),
        _user_fk('brand_settings', 'updated_by_id'),
        sa.PrimaryKeyConstraint('id', name='pk_brand_settings'),
    )
    op.create_table(
        'images',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('mime', sa.String(length=20), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('credit', sa.String(length=200), nullable=False),
        sa.Column('licence', sa.String(length=200), nullable=False),
        sa.Column('alt', sa.Text(), nullable=False),
        sa.Column('thumbnail', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        _user_fk('images', 'uploaded_by_id'),
        sa.PrimaryKeyConstraint('id', name='pk_images'),
    )
    op.create_index('ix_images_created_at', 'images', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_images_created_at', table_name='images')
    op.drop_table('images')
    op.drop_table('brand_settings')
