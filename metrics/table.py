"""Team metrics for the operator's `handoff stats`: rich tables, CSV or JSON, one row per group and week."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from metrics.catalogue import CHANNEL_METRICS, METRICS, NOTHING, Metric, shown
from metrics.figures import Figures
from metrics.scopes import NOT_ENOUGH_PEOPLE, Group, Report

FORMATS = ("table", "csv", "json")
# Wide enough for a row of every figure when the output is a file or a pipe, not a terminal.
PIPE_WIDTH = 160


def render(report: Report, fmt: str, *, team_id: str, tz: str) -> str:
    """The report in one of FORMATS."""
    if fmt == "csv":
        return _csv(report)
    if fmt == "json":
        return json.dumps(as_json(report, team_id=team_id, tz=tz), indent=2, ensure_ascii=False) + "\n"
    return _tables(report, tz=tz)


def _groups(report: Report) -> list[Group]:
    return [report.total, *report.rows]


def _value(metric: Metric, figures: Figures) -> float | int | None:
    value = metric.value(figures)
    if value is None or metric.unit not in {"count"}:
        return value
    return round(value)


def as_json(report: Report, *, team_id: str, tz: str) -> dict[str, Any]:
    """Plain JSON values: the weeks, then each group with its figures per week (null: not enough people)."""
    return {
        "team_id": team_id,
        "workspace": report.total.name,
        "time_zone": tz,
        "min_group": report.min_group,
        "weeks": [
            {"first_day": week.first_day.isoformat(), "last_day": week.last_day.isoformat()} for week in report.weeks
        ],
        "groups": [
            {
                "kind": group.kind,
                "name": group.name,
                "channel_id": group.channel_id,
                "note": NOT_ENOUGH_PEOPLE if group.weeks is None else None,
                "weeks": None
                if group.weeks is None
                else [{m.key: _value(m, figures) for m in _metrics_of(group)} for figures in group.weeks],
            }
            for group in _groups(report)
        ],
        "notes": list(report.notes),
    }


def _metrics_of(group: Group) -> tuple[Metric, ...]:
    return METRICS if group.kind == "workspace" else CHANNEL_METRICS


def _csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group", "name", "channel_id", "first_day", "last_day", *(m.key for m in METRICS), "note"])
    for group in _groups(report):
        for index, week in enumerate(report.weeks):
            figures = group.weeks[index] if group.weeks is not None else None
            values = [
                "" if figures is None or m not in _metrics_of(group) else _cell(_value(m, figures)) for m in METRICS
            ]
            note = NOT_ENOUGH_PEOPLE if figures is None else ""
            first, last = week.first_day.isoformat(), week.last_day.isoformat()
            writer.writerow([group.kind, group.name, group.channel_id or "", first, last, *values, note])
    return out.getvalue()


def _cell(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _tables(report: Report, *, tz: str) -> str:
    out = io.StringIO()
    console = Console(file=out, width=PIPE_WIDTH, no_color=True, highlight=False)
    title = f"{report.total.name}: team outcomes by week ({tz} days)"
    if report.total.weeks is None:
        console.print(f"{title}\n{NOT_ENOUGH_PEOPLE} (groups of at least {report.min_group} people).")
        return out.getvalue()
    weeks = Table(title=title, title_justify="left")
    weeks.add_column("Week")
    for metric in METRICS:
        weeks.add_column(metric.short, justify="right")
    for week, figures in zip(report.weeks, report.total.weeks, strict=True):
        weeks.add_row(week.label, *(_short(m, m.value(figures)) for m in METRICS))
    console.print(weeks)
    if report.rows:
        channels = Table(title=f"By channel, the week of {report.weeks[-1].label}", title_justify="left")
        channels.add_column("Channel")
        for metric in CHANNEL_METRICS:
            channels.add_column(metric.short, justify="right")
        for group in report.rows:
            name = f"#{group.name}" if group.kind == "channel" else group.name
            if group.weeks is None:
                channels.add_row(f"{name}: {NOT_ENOUGH_PEOPLE}", *([""] * len(CHANNEL_METRICS)))
            else:
                channels.add_row(name, *(_short(m, m.value(group.weeks[-1])) for m in CHANNEL_METRICS))
        console.print(channels)
    for note in report.notes:
        console.print(note)
    console.print(f"Counts and medians only; groups under {report.min_group} people are not shown.")
    return out.getvalue()


def _short(metric: Metric, value: float | None) -> str:
    text = shown(metric, value)
    return NOTHING if value is None else text.replace("about ", "").replace("under a minute", "<1 min")
