"""Storage of counters, settings and preferences (never message text), with migrations."""

from bot.store.migrate import default_database_url, make_engine, upgrade
from bot.store.repository import Store

__all__ = ["Store", "default_database_url", "make_engine", "upgrade"]
