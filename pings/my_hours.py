"""`/hours`: show and change one's working hours, zone and time off; held pings follow the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.deps import Deps
from hours.command import (
    HELP_TEXT,
    AddTimeOff,
    CancelTimeOff,
    ClearTimeOff,
    HoursCommand,
    HoursHelp,
    ResetHours,
    SetHours,
    SetZone,
    ShowHours,
)
from hours.phrases import describe_hours, local_label, until_phrase
from hours.schedule import is_working, next_start
from pings import delivery
from store import held_pings, working_hours
from store.working_hours import ZONE_OVERRIDE, ZONE_PROFILE, Schedule


def apply(deps: Deps, *, team_id: str, user_id: str, command: HoursCommand) -> str:
    """Carry out a parsed `/hours` command and say, in one calm message, where things stand.

    Pings moved to "now" go out with the next `delivery.deliver_due` (the caller's, after its ack).
    """
    if isinstance(command, HoursHelp):
        return HELP_TEXT
    now = deps.clock.now()
    prefix = ""
    with deps.session_factory.begin() as session:
        if isinstance(command, SetHours):
            working_hours.set_hours(
                session=session,
                team_id=team_id,
                user_id=user_id,
                start=command.start,
                end=command.end,
                days=command.days,
                now=now,
            )
            if command.tz:
                working_hours.set_zone(session=session, team_id=team_id, user_id=user_id, tz=command.tz, now=now)
            prefix = "Saved. "
        elif isinstance(command, SetZone):
            working_hours.set_zone(session=session, team_id=team_id, user_id=user_id, tz=command.tz, now=now)
            prefix = "Saved. "
        elif isinstance(command, ResetHours):
            working_hours.reset_hours(session=session, team_id=team_id, user_id=user_id, now=now)
            prefix = "Back to the workspace's default hours. "
        elif isinstance(command, AddTimeOff):
            working_hours.add_time_off(session=session, team_id=team_id, user_id=user_id, off=command.time_off, now=now)
            prefix = "Enjoy the time off. "
        elif isinstance(command, ClearTimeOff):
            removed = working_hours.remove_time_off(session=session, team_id=team_id, user_id=user_id)
            prefix = "Time off cleared. " if removed else "You had no time off recorded. "
        elif isinstance(command, CancelTimeOff):
            removed = working_hours.remove_time_off(
                session=session, team_id=team_id, user_id=user_id, first=command.first
            )
            prefix = "Cancelled that time off. " if removed else f"No time off starts on {command.first.isoformat()}. "
        schedule = working_hours.schedule_for(session=session, team_id=team_id, user_id=user_id, today=now.date())
        if not isinstance(command, ShowHours):
            moved = reschedule_held(session=session, schedule=schedule, team_id=team_id, now=now)
            if moved:
                prefix += f"{moved} ping{'s' if moved != 1 else ''} waiting for you moved to your new start. "
    return prefix + describe(schedule, now)


def describe(schedule: Schedule, now: datetime) -> str:
    """Hours, zone (and where it comes from), time off, and the next start."""
    hours = schedule.hours
    whose = "Your hours" if schedule.own_hours else "Your hours (the workspace default)"
    source = {
        ZONE_OVERRIDE: "you set it with `/hours tz`",
        ZONE_PROFILE: "from your Slack profile",
    }.get(schedule.zone_source, "the workspace default: your Slack profile has no time zone")
    lines = [f"*{whose}:* {describe_hours(hours)}, {hours.tz} ({source})."]
    if schedule.time_off:
        spans = ", ".join(
            off.first.isoformat() if off.first == off.last else f"{off.first.isoformat()} to {off.last.isoformat()}"
            for off in schedule.time_off
        )
        lines.append(f"*Time off:* {spans}.")
    if is_working(hours, schedule.time_off, now):
        lines.append("You're within your working hours now: pings reach you right away.")
    else:
        start = next_start(hours, schedule.time_off, now)
        lines.append(f"*Next start:* {local_label(start, hours.tz, now)} ({until_phrase(start, now)}).")
    lines.append("Change them with `/hours 08:30-16:30 mon-thu`; `/hours help` for more.")
    return "\n".join(lines)


def reschedule_held(*, session: Session, schedule: Schedule, team_id: str, now: datetime) -> int:
    """Move a person's held pings to the next start of their (new) schedule; returns how many moved."""
    user_id = schedule.user_id
    waiting = held_pings.held_for(session=session, team_id=team_id, recipient_id=user_id)
    if not waiting:
        return 0
    due = (
        now
        if is_working(schedule.hours, schedule.time_off, now)
        else next_start(schedule.hours, schedule.time_off, now)
    )
    moved = 0
    for ping in waiting:
        if ping.due_at != due:
            ping.due_at = due
            moved += 1
    delivery.schedule_morning(session=session, team_id=team_id, recipient_id=user_id, due_at=due, now=now)
    return moved
