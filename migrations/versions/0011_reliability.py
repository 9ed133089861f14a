"""reliability: when a claimed row last failed; a workspace whose token Slack refuses is paused

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

`failed_at` on jobs and inbox events says when the last error happened (`last_error` already
says what), for `handoff status`; a partial index on each keeps the recent failures cheap to list. A workspace
whose bot token Slack refuses (`invalid_auth`, `token_revoked`…) is marked on its `teams` row:
its deliveries wait, none is failed one by one, until the token works again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FAILED = sa.text("failed_at IS NOT NULL")


def upgrade() -> None:
    for table in ("jobs", "inbox_events"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("failed_at", store.types.UTCDateTime(), nullable=True))
    for table in ("jobs", "inbox_events"):
        op.create_index(f"ix_{table}_failed", table, ["failed_at"], sqlite_where=FAILED, postgresql_where=FAILED)
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("token_error", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("token_error_at", store.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("token_checked_at", store.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("token_checked_at")
        batch.drop_column("token_error_at")
        batch.drop_column("token_error")
    for table in ("inbox_events", "jobs"):
        op.drop_index(f"ix_{table}_failed", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("failed_at")
