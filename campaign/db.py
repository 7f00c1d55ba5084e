"""The database handle and migrations, shared by every capability."""
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event

# Stable constraint names so migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
WRITE = "handbill_write"  # execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()


def _sqlite_transactions(engine, busy_ms: int) -> None:
    """SQLAlchemy's documented pysqlite recipe: SQLAlchemy, not the driver, emits BEGIN.

    pysqlite would begin lazily at the first INSERT, after a transaction's reads, so a capacity
    count could be stale by the time the seat is taken. With the driver's own handling off, every
    transaction starts with an explicit BEGIN; one that declared it writes (:func:`begin_write`)
    starts with ``BEGIN IMMEDIATE`` and so holds SQLite's write lock before its first read. The
    busy timeout makes the next writer wait for that lock instead of failing.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE) else "BEGIN")


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def begin_write() -> None:
    """Start the session's transaction as a writer: SQLite takes its write lock now (``BEGIN IMMEDIATE``).

    A read transaction already open is ended first: SQLite cannot safely turn a read snapshot into
    a write transaction once another writer has committed. A write transaction already open is kept,
    so a step that asks for the lock inside a larger change does not commit that change half-done.
    PostgreSQL callers lock rows with ``SELECT … FOR UPDATE`` inside the transaction.
    """
    session = db.session()
    if session.in_transaction():
        if session.info.get(WRITE) is session.get_transaction():
            return
        session.commit()
    session.connection(execution_options={WRITE: True})
    session.info[WRITE] = session.get_transaction()


def init_app(app):
    """Bind the database and Alembic migrations (``flask db upgrade``) to the app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config["MIGRATIONS_DIR"]), render_as_batch=True)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _sqlite_transactions(engine, app.config.get("SQLITE_BUSY_TIMEOUT_MS", 10000))


