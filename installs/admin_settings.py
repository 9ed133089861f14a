"""The workspace settings of `/handoff admin`: read as they apply now, and changed through each setting's own code.

Each change goes through the function its own command uses (`/handoff hours`, `urgent-cap`,
`emoji`, `exclude`/`include`, `notices`, `stats group-size`), so the modal and the commands cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime

from bot.deps import Deps
from decisions.emoji import decision_emoji_for
from digest import admin as catchup_admin
from hours.phrases import describe_hours
from hours.schedule import WorkingHours
from installs.admin_form import AdminSettings
from metrics import choices, report
from pings import workspace_defaults
from store import mentions, workspace_settings
from store.working_hours import encode_days, minutes


def current(deps: Deps, *, team_id: str) -> AdminSettings:
    """The workspace's settings as they apply now (Handoff's own defaults where an admin chose nothing)."""
    hours, cap = workspace_defaults.current_defaults(deps, team_id=team_id)
    with deps.read_session_factory() as session:
        row = workspace_settings.get(session=session, team_id=team_id)
        emoji = decision_emoji_for(session=session, settings=deps.settings, team_id=team_id)
        excluded = workspace_settings.excluded_channels(session=session, team_id=team_id)
        notices = mentions.workspace_notices_on(session=session, team_id=team_id)
        group = report.min_group(session=session, team_id=team_id)
    retention = row.traffic_retention_days if row and row.traffic_retention_days else None
    return AdminSettings(
        start=hours.start,
        end=hours.end,
        days=hours.days,
        tz=hours.tz,
        emoji=emoji,
        excluded=excluded,
        urgent_cap=cap,
        retention_days=retention or deps.settings.handoff_traffic_retention_days,
        notices=notices,
        stats_min_group=group,
    )


def apply(deps: Deps, *, team_id: str, actor_id: str, before: AdminSettings, after: AdminSettings) -> list[str]:
    """Save what changed (the caller checked the actor is an admin); one line per change, for the admin."""
    said: list[str] = []
    if (before.start, before.end, before.days, before.tz) != (after.start, after.end, after.days, after.tz):
        moved = workspace_defaults.apply_defaults(
            deps,
            team_id=team_id,
            actor_id=actor_id,
            values={
                "default_start_minute": minutes(after.start),
                "default_end_minute": minutes(after.end),
                "default_days": encode_days(after.days),
                "default_tz": after.tz,
            },
        )
        note = f" ({moved} held ping{'s' if moved != 1 else ''} moved to the new start of day)" if moved else ""
        hours = WorkingHours(start=after.start, end=after.end, days=after.days, tz=after.tz)
        said.append(f"Default hours: {describe_hours(hours)}, {after.tz}{note}.")
    if before.emoji != after.emoji:
        chosen = None if after.emoji == deps.settings.decision_emoji else ",".join(after.emoji)
        _change(deps, team_id, actor_id, decision_emoji=chosen)
        said.append("Decision emoji: " + " or ".join(f":{name}:" for name in after.emoji) + ".")
    if before.excluded != after.excluded:
        for channels, exclude in ((after.excluded - before.excluded, True), (before.excluded - after.excluded, False)):
            if channels:
                raw = " ".join(f"<#{channel}>" for channel in sorted(channels))
                catchup_admin.set_excluded(deps, team_id=team_id, actor_id=actor_id, raw=raw, exclude=exclude)
        left_out = ", ".join(f"<#{channel}>" for channel in sorted(after.excluded)) or "none"
        said.append(f"Channels left out of catch-ups: {left_out}.")
    if before.urgent_cap != after.urgent_cap:
        workspace_defaults.change_urgent_cap(deps, team_id=team_id, actor_id=actor_id, raw=str(after.urgent_cap))
        said.append(f"Urgent pings a day before Handoff asks: {after.urgent_cap}.")
    if before.retention_days != after.retention_days:
        _change(deps, team_id, actor_id, traffic_retention_days=after.retention_days)
        said.append(f"Channel traffic is kept {after.retention_days} days.")
    if before.notices != after.notices:
        _change(deps, team_id, actor_id, mention_notices=after.notices)
        said.append(f"Off-hours mention notices: {'on' if after.notices else 'off in every channel'}.")
    if before.stats_min_group != after.stats_min_group:
        choices.change_group_size(deps, team_id=team_id, actor_id=actor_id, raw=str(after.stats_min_group))
        said.append(f"Team metrics show groups of at least {after.stats_min_group} people.")
    return said


def _change(deps: Deps, team_id: str, actor_id: str, **values: object) -> None:
    now: datetime = deps.clock.now()
    with deps.session_factory.begin() as session:
        workspace_settings.change(session=session, team_id=team_id, actor_id=actor_id, now=now, **values)
