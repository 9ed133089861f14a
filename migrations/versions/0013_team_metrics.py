"""team metrics: catch-up sizes, the workspace's group size, admins' weekly report choice, indexes by week

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

Catch-ups record their size (entries, and the reading time the DM promised) as they are sent;
catch-ups sent before this revision keep NULL there and count as delivered without a size. The
indexes let a workspace's figures for a run of weeks be read without scanning other workspaces or
other weeks, and catch-ups be counted by day and size in index order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_decisions_team_created", "decisions", ["team_id", "created_at"]),
    ("ix_decisions_team_review", "decisions", ["team_id", "review_by"]),
    ("ix_decision_revisions_team_at", "decision_revisions", ["team_id", "at"]),
    ("ix_held_pings_team_created", "held_pings", ["team_id", "created_at"]),
    ("ix_mentions_team_posted", "mentions", ["team_id", "posted_at", "channel_id"]),
    # Grouped by day and size in the order of these, catch-ups are counted without a sort.
    ("ix_catchups_team_day_entries", "catchups", ["team_id", "local_date", "entries"]),
    ("ix_catchups_team_day_minutes", "catchups", ["team_id", "local_date", "reading_minutes"]),
)


def upgrade() -> None:
    with op.batch_alter_table("catchups") as batch:
        batch.add_column(sa.Column("entries", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reading_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("workspace_settings") as batch:
        batch.add_column(sa.Column("stats_min_group", sa.Integer(), nullable=True))
    op.create_table(
        "stats_report_prefs",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_stats_report_prefs")),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("stats_report_prefs")
    with op.batch_alter_table("workspace_settings") as batch:
        batch.drop_column("stats_min_group")
    with op.batch_alter_table("catchups") as batch:
        batch.drop_column("reading_minutes")
        batch.drop_column("entries")
