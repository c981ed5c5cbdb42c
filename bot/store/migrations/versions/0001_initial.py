"""Initial schema: settings, preferences, daily counters, nudge log, events, digest runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "answer_delays",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=128), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_delays")),
    )
    with op.batch_alter_table("answer_delays", schema=None) as batch_op:
        batch_op.create_index("ix_answer_delays_workspace_day", ["workspace", "day"], unique=False)

    op.create_table(
        "daily_counters",
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=128), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("words", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("thanks", sa.Integer(), nullable=False),
        sa.Column("praise_received", sa.Integer(), nullable=False),
        sa.Column("nudges_delivered", sa.Integer(), nullable=False),
        sa.Column("tone_negative", sa.Integer(), nullable=False),
        sa.Column("tone_neutral", sa.Integer(), nullable=False),
        sa.Column("tone_positive", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace", "channel", "user", "day", name=op.f("pk_daily_counters")
        ),
    )
    with op.batch_alter_table("daily_counters", schema=None) as batch_op:
        batch_op.create_index("ix_daily_counters_workspace_day", ["workspace", "day"], unique=False)

    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("message_ref", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_runs")),
        sa.UniqueConstraint(
            "workspace", "kind", "target", "week_start", name=op.f("uq_digest_runs_workspace")
        ),
    )
    op.create_table(
        "nudge_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=128), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column("rule", sa.String(length=128), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=True),
        sa.Column("error", sa.String(length=128), nullable=True),
        sa.Column("feedback", sa.String(length=16), nullable=True),
        sa.Column("feedback_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_log")),
    )
    with op.batch_alter_table("nudge_log", schema=None) as batch_op:
        batch_op.create_index("ix_nudge_log_workspace_rule", ["workspace", "rule"], unique=False)
        batch_op.create_index(
            "ix_nudge_log_workspace_user_created", ["workspace", "user", "created_at"], unique=False
        )

    op.create_table(
        "processed_events",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_processed_events")),
    )
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_events_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "rule_demotions",
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("rule", sa.String(length=128), nullable=False),
        sa.Column("demoted_at", sa.DateTime(), nullable=False),
        sa.Column("helpful", sa.Integer(), nullable=False),
        sa.Column("not_helpful", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("workspace", "rule", name=op.f("pk_rule_demotions")),
    )
    op.create_table(
        "rule_hits",
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=128), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=128), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace", "channel", "user", "day", "rule", name=op.f("pk_rule_hits")
        ),
    )
    with op.batch_alter_table("rule_hits", schema=None) as batch_op:
        batch_op.create_index("ix_rule_hits_workspace_day", ["workspace", "day"], unique=False)

    op.create_table(
        "user_prefs",
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("opted_in", sa.Boolean(), nullable=False),
        sa.Column("personal_digest", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("dm_closed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace", "user", name=op.f("pk_user_prefs")),
    )
    op.create_table(
        "workspace_settings",
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace", "key", name=op.f("pk_workspace_settings")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("workspace_settings")
    op.drop_table("user_prefs")
    with op.batch_alter_table("rule_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_rule_hits_workspace_day")

    op.drop_table("rule_hits")
    op.drop_table("rule_demotions")
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_events_created_at"))

    op.drop_table("processed_events")
    with op.batch_alter_table("nudge_log", schema=None) as batch_op:
        batch_op.drop_index("ix_nudge_log_workspace_user_created")
        batch_op.drop_index("ix_nudge_log_workspace_rule")

    op.drop_table("nudge_log")
    op.drop_table("digest_runs")
    with op.batch_alter_table("daily_counters", schema=None) as batch_op:
        batch_op.drop_index("ix_daily_counters_workspace_day")

    op.drop_table("daily_counters")
    with op.batch_alter_table("answer_delays", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_delays_workspace_day")

    op.drop_table("answer_delays")
