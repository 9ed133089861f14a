"""team metrics: catch-up sizes, the workspace's group size, admins' weekly report choice, indexes by week

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

Catch-ups record their size (entries, and the words the DM shows) as they are sent; catch-ups sent
before this revision keep NULL there and count as delivered without a size. The indexes let a
workspace's figures for a run of weeks be read without scanning other workspaces or other weeks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catchups") as batch:
        batch.add_column(sa.Column("entries", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("words", sa.Integer(), nullable=True))
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
    op.create_index("ix_catchups_team_sent", "catchups", ["team_id", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_catchups_team_sent", table_name="catchups")
    op.drop_table("stats_report_prefs")
    with op.batch_alter_table("workspace_settings") as batch:
        batch.drop_column("stats_min_group")
    with op.batch_alter_table("catchups") as batch:
        batch.drop_column("words")
        batch.drop_column("entries")
