"""workspace settings (decision emoji), external people (Slack Connect), review-by lookup

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workspace_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("decision_emoji", sa.String(length=500), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_workspace_settings")),
    )
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("is_external", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_decisions_owner_review", "decisions", ["team_id", "owner_id", "review_by"])


def downgrade() -> None:
    op.drop_index("ix_decisions_owner_review", table_name="decisions")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("is_external")
    op.drop_table("workspace_settings")
