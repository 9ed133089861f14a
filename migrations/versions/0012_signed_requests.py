"""Signed requests: signatures of commands and interactions seen, so a replay is refused

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signed_requests",
        sa.Column("signature", sa.String(length=80), nullable=False),
        sa.Column("request_ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("signature", name=op.f("pk_signed_requests")),
    )
    op.create_index("ix_signed_requests_request_ts", "signed_requests", ["request_ts"])


def downgrade() -> None:
    op.drop_index("ix_signed_requests_request_ts", table_name="signed_requests")
    op.drop_table("signed_requests")
