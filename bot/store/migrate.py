"""Database URLs and Alembic upgrades, configured in code (no alembic.ini needed)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

DATABASE_URL_ENV = "COACHBOT_DATABASE_URL"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works; it only has to be the same for every replica (PostgreSQL advisory lock).
_UPGRADE_LOCK_ID = 0x636F6163  # "coac"
_UPGRADE_LOCK = threading.Lock()


def default_database_url() -> str:
    """`$COACHBOT_DATABASE_URL`, else a SQLite file in the user's data directory."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    from platformdirs import user_data_dir

    directory = Path(user_data_dir("coachbot", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'coachbot.db'}"


def make_engine(url: str) -> Engine:
    """Create a SQLAlchemy engine; SQLite files get WAL, a busy timeout and their directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        in_memory = not database or database == ":memory:"

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # Safe under WAL (no corruption); a power cut may lose the last commits.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config pointing at the packaged migrations directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision`; safe to run from several replicas at once."""
    config = alembic_config()
    # Alembic's migration context is process-global, so upgrades in one process take turns;
    # between processes PostgreSQL serialises them with an advisory lock.
    with _UPGRADE_LOCK, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _UPGRADE_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of Coachbot."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
