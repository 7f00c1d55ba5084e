"""two-person review, history and saved pamphlets: drafts and their authors, pending quotation edits, audit log

Quotations, questions and translations gain their draft state and the accounts that wrote and approved
them; edits of published quotations wait in quote_drafts; audit_log records every change; pamphlets
saved on the web go to the pamphlets table.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _user_fk(table, column):
    return sa.ForeignKeyConstraint([column], ['users.id'], name=f'fk_{table}_{column}_users', ondelete='SET NULL')


# table -> (column, type, server default, points at users?)
COLUMNS = {
    'quotes': [('status', 'VARCHAR(16)', "'reviewed'", False), ('drafted_by_id', 'INTEGER', None, True),
               ('reviewed_by_id', 'INTEGER', None, True), ('review_note', 'TEXT', "''", False)],
    'questions': [('drafted_by_id', 'INTEGER', None, True), ('reviewed_by_id', 'INTEGER', None, True),
                  ('review_note', 'TEXT', "''", False)],
    'quote_translations': [('translator_id', 'INTEGER', None, True), ('reviewer_id', 'INTEGER', None, True)],
}


def _add_columns():
    """Add the review columns in place.

    SQLite: a plain ``ADD COLUMN … REFERENCES`` rather than a batch copy, because dropping the old
    quotes table with foreign keys on would cascade into quote_themes and the translations.
    """
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    for table, columns in COLUMNS.items():
        have = {c['name'] for c in sa.inspect(bind).get_columns(table)}
        for name, type_, default, user in columns:
            if name in have:  # a SQLite downgrade leaves the columns behind
                continue
            not_null = f' NOT NULL DEFAULT {default}' if default else ''
            references = ' REFERENCES users (id) ON DELETE SET NULL' if user and sqlite else ''
            op.execute(f'ALTER TABLE {table} ADD COLUMN {name} {type_}{not_null}{references}')
            if user and not sqlite:
                op.create_foreign_key(f'fk_{table}_{name}_users', table, 'users', [name], ['id'],
                                      ondelete='SET NULL')


def upgrade():
    # Everything already stored came from the reviewed library files or predates review: it stays printable.
    _add_columns()
    op.create_table(
        'quote_drafts',
        sa.Column('quote_id', sa.String(length=80), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('review_note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name='fk_quote_drafts_quote_id_quotes',
                                ondelete='CASCADE'),
        _user_fk('quote_drafts', 'created_by_id'),
        sa.PrimaryKeyConstraint('quote_id', name='pk_quote_drafts'),
    )
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('user_email', sa.String(length=254), nullable=False),
        sa.Column('item', sa.String(length=200), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_audit_log'),
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['at'], unique=False)
    op.create_index('ix_audit_log_item', 'audit_log', ['item'], unique=False)
    op.create_table(
        'pamphlets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        _user_fk('pamphlets', 'created_by_id'),
        sa.PrimaryKeyConstraint('id', name='pk_pamphlets'),
        sa.UniqueConstraint('name', name='uq_pamphlets_name'),
    )


def downgrade():
    op.drop_table('pamphlets')
    op.drop_index('ix_audit_log_item', table_name='audit_log')
    op.drop_index('ix_audit_log_at', table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_table('quote_drafts')
    if op.get_bind().dialect.name == 'sqlite':
        return  # the added columns stay (see _add_columns): unused, nullable or defaulted, and harmless
    for table, columns in COLUMNS.items():
        for name, _type, _default, user in reversed(columns):
            if user:
                op.drop_constraint(f'fk_{table}_{name}_users', table, type_='foreignkey')
            op.drop_column(table, name)
