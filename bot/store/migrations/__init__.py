"""Alembic migrations of the Coachbot store (run programmatically, see bot.store.migrate)."""
