"""`/hours` and App Home's hours form: show and change one's working hours, zone and time off; held pings follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

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
from hours.form import HoursForm
from hours.phrases import describe_hours, local_label, until_phrase
from hours.schedule import TimeOff, is_working, next_start, zone_for
from hours.wallclock import local_wall
from pings import delivery
from store import catchups, held_pings, working_hours
from store.working_hours import ZONE_OVERRIDE, ZONE_PROFILE, Schedule

# The `/hours` commands that change something (showing and help change nothing).
HoursChange = SetHours | SetZone | ResetHours | AddTimeOff | ClearTimeOff | CancelTimeOff


@dataclass(frozen=True)
class Changed:
    """A change carried out: what to say about it first (empty when nothing changed), and the schedule it left."""

    said: str
    schedule: Schedule
    now: datetime


def apply(deps: Deps, *, team_id: str, user_id: str, command: HoursCommand) -> str:
    """Carry out a parsed `/hours` command and say, in one calm message, where things stand.

    Pings moved to "now" go out with the next `delivery.deliver_due` (the caller's, after its ack).
    """
    if isinstance(command, HoursHelp):
        return HELP_TEXT
    changed = change(
        deps, team_id=team_id, user_id=user_id, commands=[] if isinstance(command, ShowHours) else [command]
    )
    prefix = f"{changed.said} " if changed.said else ""
    return prefix + describe(changed.schedule, changed.now)


def change(deps: Deps, *, team_id: str, user_id: str, commands: Sequence[HoursChange]) -> Changed:
    """Carry out `/hours` changes in one unit of work; the person's held pings move to their new next start."""
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        return _carry_out(session, team_id=team_id, user_id=user_id, commands=commands, now=now)


def save_form(deps: Deps, *, team_id: str, user_id: str, form: HoursForm) -> Changed:
    """Save App Home's hours form as the `/hours` changes it stands for."""
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        current = working_hours.schedule_for(session=session, team_id=team_id, user_id=user_id, today=now.date())
        commands = form_changes(form, current)
        return _carry_out(session, team_id=team_id, user_id=user_id, commands=commands, now=now)


def form_changes(form: HoursForm, current: Schedule) -> list[HoursChange]:
    """Only what the form changes: hours left as the workspace's default keep following the default."""
    hours = current.hours
    commands: list[HoursChange] = []
    if (form.start, form.end, form.days) != (hours.start, hours.end, hours.days):
        commands.append(SetHours(start=form.start, end=form.end, days=form.days))
    if form.tz != zone_override(current):
        commands.append(SetZone(form.tz))
    if form.time_off is not None:
        commands.append(AddTimeOff(form.time_off))
    return commands


def read_schedule(deps: Deps, *, team_id: str, user_id: str) -> Schedule:
    """One person's schedule as it stands."""
    with deps.read_session_factory() as session:
        return working_hours.schedule_for(
            session=session, team_id=team_id, user_id=user_id, today=deps.clock.now().date()
        )


def zone_override(schedule: Schedule) -> str | None:
    """The zone the person chose themselves, or None when they follow their Slack profile (or the workspace)."""
    return schedule.hours.tz if schedule.zone_source == ZONE_OVERRIDE else None


def local_today(schedule: Schedule, now: datetime) -> date:
    """Today's date on the person's own clock."""
    return local_wall(now, zone_for(schedule.hours.tz)).date()


def _carry_out(
    session: Session, *, team_id: str, user_id: str, commands: Sequence[HoursChange], now: datetime
) -> Changed:
    said = [_carry_out_one(session, team_id=team_id, user_id=user_id, command=command, now=now) for command in commands]
    schedule = working_hours.schedule_for(session=session, team_id=team_id, user_id=user_id, today=now.date())
    if commands:
        moved = reschedule_held(session=session, schedule=schedule, team_id=team_id, now=now)
        if moved:
            said.append(f"{moved} ping{'s' if moved != 1 else ''} waiting for you moved to your new start.")
    # Several changes at once (the form) say "Saved." once.
    return Changed(said=" ".join(dict.fromkeys(said)), schedule=schedule, now=now)


def _carry_out_one(session: Session, *, team_id: str, user_id: str, command: HoursChange, now: datetime) -> str:
    """One change; returns what to say about it."""
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
        return "Saved."
    if isinstance(command, SetZone):
        working_hours.set_zone(session=session, team_id=team_id, user_id=user_id, tz=command.tz, now=now)
        return "Saved."
    if isinstance(command, ResetHours):
        working_hours.reset_hours(session=session, team_id=team_id, user_id=user_id, now=now)
        return "Back to the workspace's default hours."
    if isinstance(command, AddTimeOff):
        working_hours.add_time_off(session=session, team_id=team_id, user_id=user_id, off=command.time_off, now=now)
        return "Enjoy the time off."
    if isinstance(command, ClearTimeOff):
        removed = working_hours.remove_time_off(session=session, team_id=team_id, user_id=user_id)
        return "Time off cleared." if removed else "You had no time off recorded."
    removed = working_hours.remove_time_off(session=session, team_id=team_id, user_id=user_id, first=command.first)
    return "Cancelled that time off." if removed else f"No time off starts on {command.first.isoformat()}."


def describe(schedule: Schedule, now: datetime) -> str:
    """Hours, zone (and where it comes from), time off, and the next start."""
    lines = [hours_line(schedule)]
    if schedule.time_off:
        lines.append(f"*Time off:* {', '.join(span(off) for off in schedule.time_off)}.")
    lines.append(now_line(schedule, now))
    lines.append("Change them with `/hours 08:30-16:30 mon-thu`; `/hours help` for more.")
    return "\n".join(lines)


def hours_line(schedule: Schedule) -> str:
    """The hours at a glance, in which zone, and where that zone comes from."""
    hours = schedule.hours
    whose = "Your hours" if schedule.own_hours else "Your hours (the workspace default)"
    source = {
        ZONE_OVERRIDE: "you set it",
        ZONE_PROFILE: "from your Slack profile",
    }.get(schedule.zone_source, "the workspace default: your Slack profile has no time zone")
    return f"*{whose}:* {describe_hours(hours)}, {hours.tz} ({source})."


def span(off: TimeOff) -> str:
    """A span of time off: "2026-12-24" or "2026-12-24 to 2027-01-02"."""
    return off.first.isoformat() if off.first == off.last else f"{off.first.isoformat()} to {off.last.isoformat()}"


def now_line(schedule: Schedule, now: datetime) -> str:
    """Working now, or when the next working hours start."""
    hours = schedule.hours
    if is_working(hours, schedule.time_off, now):
        return "You're within your working hours now: pings reach you right away."
    start = next_start(hours, schedule.time_off, now)
    return f"*Next start:* {local_label(start, hours.tz, now)} ({until_phrase(start, now)})."


def reschedule_held(*, session: Session, schedule: Schedule, team_id: str, now: datetime) -> int:
    """Move a person's held pings (and their next catch-up) to their (new) schedule; returns how many pings moved."""
    user_id = schedule.user_id
    catchups.replan(session=session, team_id=team_id, user_ids=[user_id])
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
