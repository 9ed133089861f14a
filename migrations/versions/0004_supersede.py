"""decisions can supersede earlier ones

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "decisions", sa.Column("supersedes_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
    )
    op.create_index("ix_decisions_supersedes_id", "decisions", ["supersedes_id"])


def downgrade() -> None:
    op.drop_index("ix_decisions_supersedes_id", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("supersedes_id")
