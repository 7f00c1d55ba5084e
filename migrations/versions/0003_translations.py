"""quote translations: tied to the original, with translator and review status

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quote_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('translator', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('translated_on', sa.Date(), nullable=True),
    sa.Column('original_sha256', sa.String(length=64), nullable=False),
    sa.Column('curated', sa.Boolean(), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_translations_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_translations')),
    sa.UniqueConstraint('quote_id', 'lang', name=op.f('uq_quote_translations_quote_id'))
    )
    op.create_index(op.f('ix_quote_translations_quote_id'), 'quote_translations', ['quote_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_quote_translations_quote_id'), table_name='quote_translations')
    op.drop_table('quote_translations')
