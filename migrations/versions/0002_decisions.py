"""decisions, their revisions and thread context

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 13:03:13.131594
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "decision_context",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("posted_at", store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_context")),
    )
    with op.batch_alter_table("decision_context", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_context_decision_id"), ["decision_id"], unique=False)

    op.create_table(
        "decision_revisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("at", store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_revisions")),
    )
    with op.batch_alter_table("decision_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_revisions_decision_id"), ["decision_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("alternatives", sa.Text(), nullable=False),
        sa.Column("tags", sa.String(length=500), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("logged_by", sa.String(length=32), nullable=False),
        sa.Column("permalink", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_deleted", sa.Boolean(), nullable=False),
        sa.Column("confirmation_channel", sa.String(length=32), nullable=True),
        sa.Column("confirmation_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint(
            "team_id", "channel_id", "message_ts", name=op.f("uq_decisions_team_id_channel_id_message_ts")
        ),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_channel_created", ["team_id", "channel_id", "created_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_channel_created")

    op.drop_table("decisions")
    with op.batch_alter_table("decision_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_revisions_decision_id"))

    op.drop_table("decision_revisions")
    with op.batch_alter_table("decision_context", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_context_decision_id"))

    op.drop_table("decision_context")
