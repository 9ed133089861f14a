"""`handoff stats`: a workspace's team metrics for the operator, as the admins' weekly report shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.db import build_engine, build_read_session_factory
from bot.known_team import require_workspace
from bot.settings import ConfigError, Settings
from hours.schedule import zone_for
from metrics import report
from metrics.chart import chart_png
from metrics.table import render
from metrics.weeks import weeks_ending


@dataclass(frozen=True)
class Output:
    """The rendered figures, and the chart when one was asked for and there is one."""

    document: str
    chart: bytes | None


def team_stats(settings: Settings, *, team_id: str, weeks: int, until: date, tz: str, fmt: str, chart: bool) -> Output:
    """The workspace's figures for `weeks` weeks ending with `until` (days in `tz`)."""
    try:
        zone_for(tz)
    except ValueError:
        raise ConfigError(f"--tz: {tz!r} is not a time zone; write it like Europe/Berlin") from None
    engine = build_engine(settings.database_url)
    try:
        with build_read_session_factory(engine)() as session:
            require_workspace(session=session, team_id=team_id)
            seen = report.for_admins(session=session, team_id=team_id, weeks=weeks_ending(until, count=weeks, tz=tz))
    finally:
        engine.dispose()
    png = chart_png(seen, title=f"{seen.total.name} · {weeks} weeks to {seen.weeks[-1].label}") if chart else None
    return Output(document=render(seen, fmt, team_id=team_id, tz=tz), chart=png)
