"""People's working hours, time zones and time off, resolved against the workspace's defaults."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from hours.schedule import DEFAULT_END, DEFAULT_START, WORKWEEK, TimeOff, WorkingHours
from hours.zones import find_zone
from store.models import Person, TimeOffRow, WorkingHoursRow, WorkspaceSettings
from store.upsert import upsert

# Where a person's zone came from, for `/hours` to say so.
ZONE_OVERRIDE, ZONE_PROFILE, ZONE_WORKSPACE = "override", "profile", "workspace"


@dataclass(frozen=True)
class Schedule:
    """One person's hours and time off, ready for `hours.schedule`."""

    user_id: str
    hours: WorkingHours
    time_off: tuple[TimeOff, ...]
    zone_source: str
    # True when the person set their own hours (else the workspace default applies).
    own_hours: bool


def encode_days(days: Iterable[int]) -> str:
    """Weekdays as stored: "0,1,2,3,4"."""
    return ",".join(str(day) for day in sorted(set(days)))


def decode_days(raw: str | None) -> frozenset[int] | None:
    """Stored weekdays back to a set; None when absent or unreadable."""
    if not raw:
        return None
    try:
        days = frozenset(int(part) for part in raw.split(","))
    except ValueError:
        return None
    return days if days and days <= frozenset(range(7)) else None


def minutes(value: time) -> int:
    """A wall-clock time as minutes after midnight."""
    return value.hour * 60 + value.minute


def clock(value: int) -> time:
    """Minutes after midnight as a wall-clock time."""
    return time(value // 60 % 24, value % 60)


def schedules_for(*, session: Session, team_id: str, user_ids: Iterable[str], today: date) -> dict[str, Schedule]:
    """The schedule of each person (people Handoff does not know get the workspace default)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    workspace = session.get(WorkspaceSettings, team_id)
    own = {
        row.user_id: row
        for row in session.scalars(
            select(WorkingHoursRow).where(WorkingHoursRow.team_id == team_id, WorkingHoursRow.user_id.in_(wanted))
        )
    }
    zones: dict[str, str | None] = {
        row.user_id: row.tz
        for row in session.execute(
            select(Person.user_id, Person.tz).where(Person.team_id == team_id, Person.user_id.in_(wanted))
        )
    }
    off: dict[str, list[TimeOff]] = {}
    for row in session.scalars(
        select(TimeOffRow).where(
            TimeOffRow.team_id == team_id, TimeOffRow.user_id.in_(wanted), TimeOffRow.last_day >= today
        )
    ):
        off.setdefault(row.user_id, []).append(TimeOff(first=row.first_day, last=row.last_day))
    default_tz = _valid_zone(workspace.default_tz if workspace else None) or "UTC"
    return {
        user_id: _resolve(
            user_id,
            own=own.get(user_id),
            profile_tz=zones.get(user_id),
            workspace=workspace,
            default_tz=default_tz,
            time_off=off.get(user_id, []),
        )
        for user_id in wanted
    }


def schedule_for(*, session: Session, team_id: str, user_id: str, today: date) -> Schedule:
    """One person's schedule."""
    return schedules_for(session=session, team_id=team_id, user_ids=[user_id], today=today)[user_id]


def _resolve(
    user_id: str,
    *,
    own: WorkingHoursRow | None,
    profile_tz: str | None,
    workspace: WorkspaceSettings | None,
    default_tz: str,
    time_off: list[TimeOff],
) -> Schedule:
    if own is not None and _valid_zone(own.tz):
        tz, source = str(own.tz), ZONE_OVERRIDE
    elif _valid_zone(profile_tz):
        tz, source = str(profile_tz), ZONE_PROFILE
    else:
        tz, source = default_tz, ZONE_WORKSPACE
    own_hours = own is not None and own.start_minute is not None and own.end_minute is not None
    if own_hours and own is not None:
        start, end, days = clock(own.start_minute or 0), clock(own.end_minute or 0), decode_days(own.days) or WORKWEEK
    else:
        start = (
            clock(workspace.default_start_minute)
            if workspace and workspace.default_start_minute is not None
            else DEFAULT_START
        )
        end = (
            clock(workspace.default_end_minute)
            if workspace and workspace.default_end_minute is not None
            else DEFAULT_END
        )
        days = (decode_days(workspace.default_days) if workspace else None) or WORKWEEK
    if start == end:
        start, end = DEFAULT_START, DEFAULT_END
    hours = WorkingHours(start=start, end=end, days=days, tz=tz)
    return Schedule(
        user_id=user_id,
        hours=hours,
        time_off=tuple(sorted(time_off, key=lambda off: off.first)),
        zone_source=source,
        own_hours=own_hours,
    )


def set_hours(
    *, session: Session, team_id: str, user_id: str, start: time, end: time, days: frozenset[int], now: datetime
) -> None:
    """Set a person's own hours (their zone override, if any, is kept)."""
    values = {"start_minute": minutes(start), "end_minute": minutes(end), "days": encode_days(days)}
    _save(session, team_id, user_id, values, now)


def set_zone(*, session: Session, team_id: str, user_id: str, tz: str | None, now: datetime) -> None:
    """Override the person's zone; None follows their Slack profile again."""
    _save(session, team_id, user_id, {"tz": tz}, now)


def reset_hours(*, session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """Back to the workspace default hours (the zone override stays)."""
    _save(session, team_id, user_id, {"start_minute": None, "end_minute": None, "days": None}, now)


def add_time_off(*, session: Session, team_id: str, user_id: str, off: TimeOff, now: datetime) -> None:
    """Record days off."""
    session.add(TimeOffRow(team_id=team_id, user_id=user_id, first_day=off.first, last_day=off.last, created_at=now))
    session.flush()


def remove_time_off(*, session: Session, team_id: str, user_id: str, first: date | None = None) -> int:
    """Forget time off (all of it, or what starts on `first`); returns how many periods."""
    statement = delete(TimeOffRow).where(TimeOffRow.team_id == team_id, TimeOffRow.user_id == user_id)
    if first is not None:
        statement = statement.where(TimeOffRow.first_day == first)
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return int(result.rowcount or 0)


def _save(session: Session, team_id: str, user_id: str, values: dict[str, object], now: datetime) -> None:
    upsert(
        session=session,
        model=WorkingHoursRow,
        values={"team_id": team_id, "user_id": user_id, **values, "updated_at": now},
        key=["team_id", "user_id"],
    )


def _valid_zone(name: str | None) -> str | None:
    return find_zone(name) if name else None
