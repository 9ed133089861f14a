"""Forgetting a workspace that uninstalled Handoff: every row of it, the decision log after a grace period.

Every table with a `team_id` column is covered by construction, so a table added later is purged
too without anyone remembering to add it here; only the decision log (and the workspace's own row,
which records the uninstall) waits for the grace period, so that an admin who reinstalls or
exports within it loses nothing.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Table, delete
from sqlalchemy.orm import Session

from store.installations import delete_installations
from store.models import SLACK_BOTS, SLACK_INSTALLATIONS, Base, Decision, DecisionContext, DecisionRevision, Team
from store.upsert import table_of

# Kept through the grace period: the decision log, and the row that says when Handoff was uninstalled.
GRACE_TABLES = frozenset(table_of(model).name for model in (Decision, DecisionRevision, DecisionContext, Team))
# Installations have organization-wide rows (no team_id) too: see store.installations.delete_installations.
_INSTALLATION_TABLES = frozenset({SLACK_INSTALLATIONS.name, SLACK_BOTS.name})


def workspace_tables() -> list[Table]:
    """Every table holding rows of a workspace (a `team_id` column), children before parents."""
    return [table for table in reversed(Base.metadata.sorted_tables) if "team_id" in table.c]


def purge_workspaces(
    *,
    session: Session,
    team_ids: Collection[str],
    enterprise_id: str | None = None,
    org_wide: bool = False,
    keep: Collection[str] = GRACE_TABLES,
) -> dict[str, int]:
    """Delete the rows of these workspaces in every table but `keep`; returns rows deleted per table."""
    ids = sorted(set(team_ids))
    counts: dict[str, int] = {}
    if SLACK_INSTALLATIONS.name not in keep:
        counts["installations"] = delete_installations(
            session=session, team_ids=ids, enterprise_id=enterprise_id, org_wide=org_wide
        )
    for table in workspace_tables():
        if table.name in keep or table.name in _INSTALLATION_TABLES:
            continue
        result = session.execute(delete(table).where(table.c.team_id.in_(ids)))
        counts[table.name] = int(result.rowcount)  # type: ignore[attr-defined]
    return {name: count for name, count in counts.items() if count}
