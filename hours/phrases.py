"""Working hours in words: how long until a start, a local time with its zone, a schedule at a glance."""

from __future__ import annotations

from datetime import datetime, timedelta

from hours.schedule import WorkingHours, zone_for
from hours.wallclock import local_wall

# Fixed English names: strftime's %a and %b follow the server's locale, which is not the reader's.
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Ranges of times and days are written with an en dash, as in print.
EN_DASH = "\N{EN DASH}"
_MINUTE = timedelta(minutes=1)


def until_phrase(start: datetime, now: datetime) -> str:
    """How long from `now` until `start`: "in 45 min", "in 6 h 12 min", "in 2 d 3 h", or "now"."""
    if start <= now:
        return "now"
    # Round up, so a held ping never arrives before the time we said.
    minutes = -((now - start) // _MINUTE)
    if minutes < 60:
        return f"in {minutes} min"
    if minutes < 24 * 60:
        hours, minutes = divmod(minutes, 60)
        return f"in {hours} h {minutes} min" if minutes else f"in {hours} h"
    days, hours = divmod(-(-minutes // 60), 24)
    return f"in {days} d {hours} h" if hours else f"in {days} d"


def local_label(instant: datetime, tz: str, now: datetime) -> str:
    """The instant on the zone's clock: "Mon 09:00 Europe/Berlin", with the date when it is not in the coming week."""
    return f"{wall_label(instant, tz, now)} {tz}"


def wall_label(instant: datetime, tz: str, now: datetime) -> str:
    """The instant on the zone's clock without the zone's name: "Mon 09:00", or "Mon 5 Jan 09:00" further off."""
    zone = zone_for(tz)
    local = local_wall(instant, zone)
    today = local_wall(now, zone).date()
    day = DAY_NAMES[local.weekday()]
    if not 0 <= (local.date() - today).days < 7:
        # A weekday alone would name the wrong week (e.g. after long time off).
        day += f" {local.day} {MONTH_NAMES[local.month - 1]}"
        if local.year != today.year:
            day += f" {local.year}"
    return f"{day} {local:%H:%M}"


def describe_hours(hours: WorkingHours) -> str:
    """A schedule at a glance: "09:00-17:00, Mon-Fri" or "22:00-06:00 (overnight), Sun, Tue, Thu" (en dashes)."""
    times = f"{hours.start:%H:%M}{EN_DASH}{hours.end:%H:%M}"
    if hours.overnight:
        times += " (overnight)"
    return f"{times}, {describe_days(hours.days)}"


def describe_days(days: frozenset[int]) -> str:
    """Weekdays (0=Mon) with runs of three or more as ranges: "Mon-Fri", "Sat-Tue", "Sun, Tue, Thu"."""
    if len(days) == 7:
        return "every day"
    # Runs are found around the week, so Sat-Sun-Mon-Tue is one run; runs are listed from Sunday on.
    starts = sorted((day for day in days if (day - 1) % 7 not in days), key=lambda day: (day + 1) % 7)
    parts: list[str] = []
    for first in starts:
        run = [first]
        while (run[-1] + 1) % 7 in days:
            run.append((run[-1] + 1) % 7)
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}{EN_DASH}{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[day] for day in run)
    return ", ".join(parts)
