"""Fixtures of the store tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.store import Store


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A store on the test database (SQLite, and PostgreSQL when configured), closed after."""
    opened = Store.open(database_url)
    yield opened
    opened.close()
