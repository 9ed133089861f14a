"""A workspace's default working hours and urgent cap, set by its admins (`/handoff hours`, `/handoff urgent-cap`)."""

from __future__ import annotations

from bot.deps import Deps
from hours.command import HoursInputError, ResetHours, SetHours, SetZone, ShowHours, parse_hours_command
from hours.phrases import describe_hours
from hours.schedule import DEFAULT_END, DEFAULT_START, WORKWEEK, WorkingHours
from pings.my_hours import reschedule_held
from pings.sending import DEFAULT_URGENT_CAP
from store import catchups, held_pings, working_hours, workspace_settings
from store.working_hours import ZONE_WORKSPACE, clock, decode_days, encode_days, minutes

HOURS_USAGE = (
    "`/handoff hours 09:00-17:00 mon-fri` sets the default hours, `/handoff hours tz Europe/Berlin` the zone for "
    "people whose Slack profile has none, `/handoff hours reset` goes back to Handoff's own: 09:00-17:00, Mon-Fri, UTC."
)
# Beyond this, "urgent" stops meaning anything; a workspace that wants no asking can set it high.
MAX_URGENT_CAP = 50


def current_defaults(deps: Deps, *, team_id: str) -> tuple[WorkingHours, int]:
    """The workspace's default hours (with the zone for people without one) and urgent cap, as they apply now."""
    with deps.read_session_factory() as session:
        row = workspace_settings.get(session=session, team_id=team_id)
    start = clock(row.default_start_minute) if row and row.default_start_minute is not None else DEFAULT_START
    end = clock(row.default_end_minute) if row and row.default_end_minute is not None else DEFAULT_END
    days = (decode_days(row.default_days) if row else None) or WORKWEEK
    tz = (row.default_tz if row else None) or "UTC"
    cap = row.urgent_cap if row and row.urgent_cap is not None else DEFAULT_URGENT_CAP
    return WorkingHours(start=start, end=end, days=days, tz=tz), cap


def describe_defaults(deps: Deps, *, team_id: str) -> str:
    """The workspace's default hours, zone and urgent cap, as a short paragraph."""
    hours, cap = current_defaults(deps, team_id=team_id)
    tz = hours.tz
    urgent = f"{cap} urgent ping{'s' if cap != 1 else ''}"
    return (
        f"*Workspace defaults:* {describe_hours(hours)} for people who set no hours of their own; {tz} for people "
        f"whose Slack profile has no time zone; up to {urgent} per person a day before Handoff asks."
    )


def change_hours(deps: Deps, *, team_id: str, actor_id: str, raw: str) -> str:
    """Apply `/handoff hours …` (the caller checked the actor is an admin); pings held under the old defaults move."""
    try:
        parsed = parse_hours_command(raw)
    except HoursInputError as exc:
        return f"{exc.message} For the workspace: {HOURS_USAGE}"
    values: dict[str, object]
    if isinstance(parsed, SetHours):
        values = {
            "default_start_minute": minutes(parsed.start),
            "default_end_minute": minutes(parsed.end),
            "default_days": encode_days(parsed.days),
        }
        if parsed.tz:
            values["default_tz"] = parsed.tz
    elif isinstance(parsed, SetZone):
        values = {"default_tz": parsed.tz}
    elif isinstance(parsed, ResetHours):
        values = {"default_start_minute": None, "default_end_minute": None, "default_days": None, "default_tz": None}
    elif isinstance(parsed, ShowHours):
        return f"{describe_defaults(deps, team_id=team_id)}\n{HOURS_USAGE}"
    else:
        return f"Time off is personal: use `/hours off …`. {HOURS_USAGE}"
    moved = apply_defaults(deps, team_id=team_id, actor_id=actor_id, values=values)
    note = f" {moved} held ping{'s' if moved != 1 else ''} moved to the new start of day." if moved else ""
    return f"Saved.{note}\n{describe_defaults(deps, team_id=team_id)}"


def apply_defaults(deps: Deps, *, team_id: str, actor_id: str, values: dict[str, object]) -> int:
    """Save default hours, days or zone (the caller checked the actor is an admin); returns held pings moved.

    Catch-ups and held pings of people who follow the defaults move to the new start of day.
    """
    now = deps.clock.now()
    moved = 0
    with deps.session_factory.begin() as session:
        workspace_settings.change(session=session, team_id=team_id, actor_id=actor_id, now=now, **values)
        # Catch-ups of people who follow the defaults come at the new start.
        catchups.replan(session=session, team_id=team_id)
        waiting = held_pings.waiting_recipients(session=session, team_id=team_id)
        schedules = working_hours.schedules_for(session=session, team_id=team_id, user_ids=waiting, today=now.date())
        for schedule in schedules.values():
            # Only people who follow the defaults are affected: their own hours and zone stay theirs.
            if not schedule.own_hours or schedule.zone_source == ZONE_WORKSPACE:
                moved += reschedule_held(session=session, schedule=schedule, team_id=team_id, now=now)
    return moved


def change_urgent_cap(deps: Deps, *, team_id: str, actor_id: str, raw: str) -> str:
    """Apply `/handoff urgent-cap N` (the caller checked the actor is an admin)."""
    text = raw.strip().lower()
    if text == "default":
        cap: int | None = None
    elif text.isdigit() and 0 <= int(text) <= MAX_URGENT_CAP:
        cap = int(text)
    else:
        return (
            f"The urgent cap is a whole number from 0 to {MAX_URGENT_CAP} (0 asks before every urgent ping), "
            f"or `default` for {DEFAULT_URGENT_CAP}: e.g. `/handoff urgent-cap 5`."
        )
    with deps.session_factory.begin() as session:
        workspace_settings.change(
            session=session, team_id=team_id, actor_id=actor_id, now=deps.clock.now(), urgent_cap=cap
        )
    return f"Saved.\n{describe_defaults(deps, team_id=team_id)}"
