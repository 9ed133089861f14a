"""`/catchup` settings and the catch-up on demand: apply a parsed command, say where things stand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.deps import Deps
from digest.catchup_command import HELP_TEXT, At, Cadence, CatchUpCommand, Channels, Help, ShowSettings, Switch
from digest.delivery import compose_many
from digest.gather import Reader
from digest.text import inert
from digest.when import LONGEST_SPAN, next_catchup, window_start
from hours.days import FULL_NAMES
from hours.phrases import local_label, until_phrase
from store import catchups, visibility
from store.catchups import WEEKLY
from store.models import CatchUpPrefs
from store.working_hours import schedule_for


def apply(deps: Deps, *, team_id: str, user_id: str, command: CatchUpCommand) -> str:
    """Change the person's catch-up settings as asked and describe them (ShowNow is `catch_up_now`'s)."""
    if isinstance(command, Help):
        return HELP_TEXT
    now = deps.clock.now()
    prefix = ""
    with deps.session_factory.begin() as session:
        # Asking about the catch-up is using Handoff: say how it will be, not how it was.
        catchups.engage(session=session, team_id=team_id, user_id=user_id, now=now)
        if isinstance(command, Switch):
            catchups.change_prefs(session=session, team_id=team_id, user_id=user_id, now=now, enabled=command.on)
            prefix = "Your morning catch-up is on. " if command.on else "Your morning catch-up is off. "
        elif isinstance(command, At):
            catchups.change_prefs(session=session, team_id=team_id, user_id=user_id, now=now, at_minute=command.minute)
            prefix = "Saved. "
        elif isinstance(command, Cadence):
            catchups.change_prefs(
                session=session,
                team_id=team_id,
                user_id=user_id,
                now=now,
                cadence=WEEKLY if command.weekly else catchups.DAILY,
                weekday=command.weekday if command.weekly else None,
            )
            prefix = "Saved. "
        elif isinstance(command, Channels):
            ids = list(command.channel_ids)
            unknown = []
            for name in command.names:
                found = visibility.find_visible_by_name(session=session, team_id=team_id, user_id=user_id, name=name)
                if found is None:
                    unknown.append(name)
                else:
                    ids.append(found)
            if unknown:
                names = ", ".join(f"#{inert(name)}" for name in unknown)
                return f"I don't know {names} (I only know channels I'm in). Pick it from the list as you type `#`."
            prefs = catchups.get_prefs(session=session, team_id=team_id, user_id=user_id)
            current = {c for c in (prefs.excluded_channels if prefs else "").split(",") if c}
            current = current | set(ids) if command.exclude else current - set(ids)
            catchups.change_prefs(
                session=session,
                team_id=team_id,
                user_id=user_id,
                now=now,
                excluded_channels=",".join(sorted(current)),
            )
            prefix = "Saved. "
        elif not isinstance(command, ShowSettings):
            return HELP_TEXT
    return prefix + describe(deps, team_id=team_id, user_id=user_id, now=now)


def describe(deps: Deps, *, team_id: str, user_id: str, now: datetime) -> str:
    """Whether the catch-up comes, when next, how often, and without which channels."""
    with deps.read_session_factory() as session:
        prefs = catchups.get_prefs(session=session, team_id=team_id, user_id=user_id)
        everyone = catchups.everyone_on(session=session, team_id=team_id)
        schedule = schedule_for(session=session, team_id=team_id, user_id=user_id, today=now.date())
    if not catchups.is_on(prefs, everyone=everyone):
        return "*Your catch-up is off.* `/catchup on` sends it at the start of your day; `/catchup` shows it now."
    cadence = _cadence(prefs)
    when = "at the start of your working hours" if prefs is None or prefs.at_minute is None else _at(prefs.at_minute)
    weekly_on = (prefs.weekday or 0) if prefs is not None and prefs.cadence == WEEKLY else None
    due = next_catchup(
        schedule.hours,
        schedule.time_off,
        after=now,
        weekly_on=weekly_on,
        at_minute=prefs.at_minute if prefs else None,
    )
    lines = [
        f"*Your catch-up:* {cadence}, {when}. "
        f"Next: {local_label(due, schedule.hours.tz, now)} ({until_phrase(due, now)})."
    ]
    excluded = [c for c in (prefs.excluded_channels if prefs else "").split(",") if c]
    if excluded:
        lines.append("*Left out:* " + ", ".join(f"<#{c}>" for c in excluded) + ".")
    lines.append("`/catchup off` stops it; `/catchup help` shows the other settings.")
    return "\n".join(lines)


@dataclass(frozen=True)
class PrefsView:
    """A person's catch-up settings as App Home shows them."""

    on: bool
    at_minute: int | None
    weekly_on: int | None
    excluded: tuple[str, ...]


def prefs_view(deps: Deps, *, team_id: str, user_id: str) -> PrefsView:
    """The settings in force, defaults filled in."""
    with deps.read_session_factory() as session:
        prefs = catchups.get_prefs(session=session, team_id=team_id, user_id=user_id)
        everyone = catchups.everyone_on(session=session, team_id=team_id)
    return PrefsView(
        on=catchups.is_on(prefs, everyone=everyone),
        at_minute=prefs.at_minute if prefs else None,
        weekly_on=(prefs.weekday or 0) if prefs is not None and prefs.cadence == WEEKLY else None,
        excluded=tuple(c for c in (prefs.excluded_channels if prefs else "").split(",") if c),
    )


def set_excluded(deps: Deps, *, team_id: str, user_id: str, channel_ids: list[str]) -> None:
    """Leave exactly these channels out of the person's catch-up (App Home's picker)."""
    with deps.session_factory.begin() as session:
        catchups.change_prefs(
            session=session,
            team_id=team_id,
            user_id=user_id,
            now=deps.clock.now(),
            excluded_channels=",".join(sorted(set(channel_ids))),
        )


def _cadence(prefs: CatchUpPrefs | None) -> str:
    if prefs is None or prefs.cadence != WEEKLY:
        return "every working day"
    day = FULL_NAMES[prefs.weekday or 0].capitalize()
    return f"weekly, on {day} (or the first day you work after it)"


def _at(minute: int) -> str:
    return f"at {minute // 60:02d}:{minute % 60:02d} your time on days you work"


def catch_up_now(deps: Deps, *, team_id: str, user_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The catch-up for the time since the last one, now (it does not count as the morning's)."""
    now = deps.clock.now()
    with deps.read_session_factory() as session:
        prefs = catchups.get_prefs(session=session, team_id=team_id, user_id=user_id)
        # Time off back to the longest window: the time away that a catch-up covers starts before it.
        schedule = schedule_for(session=session, team_id=team_id, user_id=user_id, today=(now - LONGEST_SPAN).date())
        last = catchups.last_window_ends(session=session, team_id=team_id, user_ids=[user_id]).get(user_id)
    weekly = prefs is not None and prefs.cadence == catchups.WEEKLY
    start = window_start(schedule.hours, schedule.time_off, end=now, previous=last, weekly=weekly)
    excluded = frozenset(c for c in (prefs.excluded_channels if prefs else "").split(",") if c)
    reader = Reader(team_id, user_id, schedule.hours.tz, start, now, excluded)
    ((text, blocks, _, _),) = compose_many(deps, team_id, [(reader, [], False)], now)
    return text, blocks
