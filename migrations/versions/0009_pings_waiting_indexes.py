"""held pings: recipient and sender indexes cover only waiting pings; an index for the urgent cap

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29

Every query by recipient or by sender but the urgent cap's asks for pings still waiting, yet both
indexes held every ping ever sent, and a delivery taking a ping, then settling it, added an entry
to each, twice. Now they hold the waiting pings only, which a delivery takes out of them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = sa.text("status = 'held' AND delivery_id IS NULL")


def upgrade() -> None:
    op.drop_index("ix_held_pings_recipient", table_name="held_pings")
    op.drop_index("ix_held_pings_sender", table_name="held_pings")
    for name, person in (("ix_held_pings_recipient", "recipient_id"), ("ix_held_pings_sender", "sender_id")):
        op.create_index(
            name, "held_pings", ["team_id", person, "due_at"], sqlite_where=WAITING, postgresql_where=WAITING
        )
    # SQLite keeps booleans as 0/1, and uses a partial index only for a query with the same term.
    op.create_index(
        "ix_held_pings_urgent",
        "held_pings",
        ["team_id", "sender_id", "created_at"],
        sqlite_where=sa.text("urgent = 1"),
        postgresql_where=sa.text("urgent"),
    )


def downgrade() -> None:
    op.drop_index("ix_held_pings_urgent", table_name="held_pings")
    op.drop_index("ix_held_pings_sender", table_name="held_pings")
    op.drop_index("ix_held_pings_recipient", table_name="held_pings")
    op.create_index("ix_held_pings_recipient", "held_pings", ["team_id", "recipient_id", "status", "due_at"])
    op.create_index("ix_held_pings_sender", "held_pings", ["team_id", "sender_id", "status", "created_at"])
