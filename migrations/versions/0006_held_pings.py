"""working hours, time off, held pings, mentions outside hours, channel settings

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = store.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("workspace_settings") as batch:
        batch.add_column(sa.Column("default_start_minute", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("default_end_minute", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("default_days", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("default_tz", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("urgent_cap", sa.Integer(), nullable=True))
    op.create_table(
        "working_hours",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=True),
        sa.Column("end_minute", sa.Integer(), nullable=True),
        sa.Column("days", sa.String(length=20), nullable=True),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_working_hours")),
    )
    op.create_table(
        "time_off",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_off")),
    )
    op.create_index("ix_time_off_person", "time_off", ["team_id", "user_id", "last_day"])
    op.create_table(
        "held_pings",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=32), nullable=False),
        sa.Column("recipient_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_channel_id", sa.String(length=32), nullable=True),
        sa.Column("source_ts", sa.String(length=32), nullable=True),
        sa.Column("permalink", sa.String(length=500), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", WHEN(), nullable=False),
        sa.Column("delivery_id", BIG_ID, nullable=True),
        sa.Column("created_at", WHEN(), nullable=False),
        sa.Column("delivered_at", WHEN(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_pings")),
    )
    op.create_index("ix_held_pings_recipient", "held_pings", ["team_id", "recipient_id", "status", "due_at"])
    op.create_index("ix_held_pings_sender", "held_pings", ["team_id", "sender_id", "status", "created_at"])
    taken = sa.text("delivery_id IS NOT NULL")
    op.create_index("ix_held_pings_delivery", "held_pings", ["delivery_id"], sqlite_where=taken, postgresql_where=taken)
    waiting = sa.text("status = 'held' AND delivery_id IS NULL")
    op.create_index("ix_held_pings_waiting", "held_pings", ["due_at"], sqlite_where=waiting, postgresql_where=waiting)
    op.create_table(
        "mentions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=32), nullable=False),
        sa.Column("recipient_id", sa.String(length=32), nullable=False),
        sa.Column("posted_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentions")),
        sa.UniqueConstraint(
            "team_id", "channel_id", "ts", "recipient_id", name=op.f("uq_mentions_team_id_channel_id_ts_recipient_id")
        ),
    )
    op.create_index("ix_mentions_recipient", "mentions", ["team_id", "recipient_id", "posted_at"])
    op.create_index("ix_mentions_posted", "mentions", ["posted_at"])
    op.create_table(
        "mention_notices",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=32), nullable=False),
        sa.Column("recipient_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "sender_id", "recipient_id", "day", name=op.f("pk_mention_notices")),
    )
    op.create_table(
        "channel_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("mention_notices", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", WHEN(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", name=op.f("pk_channel_settings")),
    )


def downgrade() -> None:
    op.drop_table("channel_settings")
    op.drop_table("mention_notices")
    op.drop_table("mentions")
    op.drop_table("held_pings")
    op.drop_table("time_off")
    op.drop_table("working_hours")
    with op.batch_alter_table("workspace_settings") as batch:
        for column in ("urgent_cap", "default_tz", "default_days", "default_end_minute", "default_start_minute"):
            batch.drop_column(column)
