"""channel access: when Handoff last lost the means to tell who may see a channel

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

`channels.access_lost_at` is set when Slack answers `channel_not_found` or `not_in_channel` for a
channel Handoff had on record (a Slack Connect channel disconnected from this workspace, a channel
deleted while Handoff was away): its content is then shown to nobody until a re-read succeeds.
Rows written before this revision keep NULL; the daily re-check corrects their `is_member` too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("access_lost_at", store.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("access_lost_at")
