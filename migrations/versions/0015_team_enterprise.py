"""team enterprise: each workspace's organization re-derived from its installation

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08

Before this revision a workspace's `teams.enterprise_id` could come from an event's envelope, and
for an event in a Slack Connect channel Slack names there the organization where it happened: a
standalone workspace could be recorded under a partner's Enterprise Grid org, and an org-wide
uninstall of that org then purged it. Each workspace is now labelled from its installation: its
own, else the org-wide installation of the organization on record; a workspace no installation
serves is labelled with none. A database without installations (single-workspace mode) has
nothing to re-derive from and is left as it is; its next events label it from their authorization.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

teams = sa.table("teams", sa.column("team_id", sa.String), sa.column("enterprise_id", sa.String))
installations = sa.table(
    "slack_installations",
    sa.column("team_id", sa.String),
    sa.column("enterprise_id", sa.String),
    sa.column("is_enterprise_install", sa.Boolean),
    sa.column("installed_at", sa.DateTime),
)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.scalar(sa.select(sa.func.count()).select_from(installations)) == 0:
        return
    own = installations.c.team_id == teams.c.team_id
    latest_own = (
        sa.select(installations.c.enterprise_id)
        .where(own)
        .order_by(installations.c.installed_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    org_wide = sa.exists().where(
        installations.c.team_id.is_(None),
        installations.c.is_enterprise_install.is_(sa.true()),
        installations.c.enterprise_id == teams.c.enterprise_id,
    )
    connection.execute(
        sa.update(teams).values(
            enterprise_id=sa.case(
                (sa.exists().where(own), latest_own),
                (org_wide, teams.c.enterprise_id),
                else_=sa.null(),
            )
        )
    )


def downgrade() -> None:
    # The labels this revision corrected were wrong: nothing to put back.
    pass
