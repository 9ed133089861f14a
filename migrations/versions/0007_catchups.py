"""morning catch-ups: preferences, the record of each one sent, shared channel summaries, exclusions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = store.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("url", sa.String(length=300), nullable=True))
    with op.batch_alter_table("workspace_settings") as batch:
        batch.add_column(sa.Column("catchup_everyone", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("channel_settings") as batch:
        batch.add_column(sa.Column("excluded", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "catchup_prefs",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=True),
        sa.Column("cadence", sa.String(length=8), server_default="daily", nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("at_minute", sa.Integer(), nullable=True),
        sa.Column("excluded_channels", sa.Text(), server_default="", nullable=False),
        sa.Column("engaged_at", WHEN(), nullable=True),
        sa.Column("next_due_at", WHEN(), nullable=True),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_catchup_prefs")),
    )
    op.create_index("ix_catchup_prefs_unplanned", "catchup_prefs", ["team_id", "next_due_at"])
    op.create_table(
        "catchups",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("window_start", WHEN(), nullable=False),
        sa.Column("window_end", WHEN(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("sent_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catchups")),
        sa.UniqueConstraint("team_id", "user_id", "local_date", name=op.f("uq_catchups_team_id_user_id_local_date")),
    )
    op.create_index("ix_catchups_person", "catchups", ["team_id", "user_id", "window_end"])
    op.create_table(
        "channel_summaries",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("window_start", WHEN(), nullable=False),
        sa.Column("window_end", WHEN(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_summaries")),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "window_start",
            "window_end",
            name=op.f("uq_channel_summaries_team_id_channel_id_window_start_window_end"),
        ),
    )
    op.create_index("ix_channel_summaries_created", "channel_summaries", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_channel_summaries_created", table_name="channel_summaries")
    op.drop_table("channel_summaries")
    op.drop_index("ix_catchups_person", table_name="catchups")
    op.drop_table("catchups")
    op.drop_index("ix_catchup_prefs_unplanned", table_name="catchup_prefs")
    op.drop_table("catchup_prefs")
    with op.batch_alter_table("channel_settings") as batch:
        batch.drop_column("excluded")
    with op.batch_alter_table("workspace_settings") as batch:
        batch.drop_column("catchup_everyone")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("url")
