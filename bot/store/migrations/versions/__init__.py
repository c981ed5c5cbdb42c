"""Alembic revision scripts of the Coachbot store."""
