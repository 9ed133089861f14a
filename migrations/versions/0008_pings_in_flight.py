"""held pings: the delivery index covers only pings taken and not yet settled

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

It held every delivered ping for good, and settling a batch wrote one more entry per ping; now
settling takes a ping out of it, so it stays as small as the deliveries in flight.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_FLIGHT = sa.text("status = 'held' AND delivery_id IS NOT NULL")
TAKEN = sa.text("delivery_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_held_pings_delivery", table_name="held_pings")
    op.create_index(
        "ix_held_pings_delivery", "held_pings", ["delivery_id"], sqlite_where=IN_FLIGHT, postgresql_where=IN_FLIGHT
    )


def downgrade() -> None:
    op.drop_index("ix_held_pings_delivery", table_name="held_pings")
    op.create_index("ix_held_pings_delivery", "held_pings", ["delivery_id"], sqlite_where=TAKEN, postgresql_where=TAKEN)
