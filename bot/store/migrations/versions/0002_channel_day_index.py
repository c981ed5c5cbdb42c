"""Index daily counters by channel and day, for one channel's digest.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("daily_counters", schema=None) as batch_op:
        batch_op.create_index(
            "ix_daily_counters_workspace_channel_day", ["workspace", "channel", "day"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("daily_counters", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_counters_workspace_channel_day")
