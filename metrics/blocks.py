"""Team metrics in Slack: the summary `/handoff stats` shows and the admins' weekly report, as Block Kit.

Each figure reads as the latest week's value, its change on the week before, and its run over the
weeks asked for. Conversations appear only as Slack's own channel mentions (`<#C…>`), which each
reader's Slack resolves, or as the fixed words "Private conversations"; people never appear.
"""

from __future__ import annotations

from typing import Any

from digest.mrkdwn import cut
from digest.text import escape, inert
from metrics.catalogue import CHANNEL_METRICS, METRICS, Metric, change, duration, shown
from metrics.figures import Figures
from metrics.scopes import CHANNEL, NOT_ENOUGH_PEOPLE, Group, Report

Block = dict[str, Any]
SECTION_CHARS = 3_000
ROWS_SHOWN = 10
HELP_HINT = "`/handoff stats help` says how each figure is counted."
_QUIET = Figures()


def summary(report: Report, *, title: str, tz: str, footer: str = "") -> tuple[str, list[Block]]:
    """The summary of a report: fallback text and blocks (header, the figures, the channels, the rules)."""
    blocks: list[Block] = [_header(title), _context(_period(report, tz))]
    if report.total.weeks is None:
        blocks.append(
            _section(
                f"Not enough people to show this: team figures are shown for groups of at least "
                f"{report.min_group} people, so that no figure is about one person."
            )
        )
        return f"{title}: {NOT_ENOUGH_PEOPLE}.", blocks
    metrics = CHANNEL_METRICS if report.total.kind == CHANNEL else METRICS
    blocks.append(_section(_figures_text(report.total.weeks, metrics)))
    if report.rows:
        blocks.append({"type": "divider"})
        blocks.append(_section(_rows_text(report.rows)))
    rules = (
        f"Counts and medians only, never anyone's own figures; groups under {report.min_group} people are not shown."
    )
    blocks.append(_context(" ".join([*report.notes, rules, footer or HELP_HINT])))
    return _fallback(title, report.total.weeks[-1], metrics), blocks


def _period(report: Report, tz: str) -> str:
    latest = report.weeks[-1]
    if len(report.weeks) == 1:
        return f"The week of {latest.label}, in your time zone ({escape(tz)})."
    return (
        f"The week of {latest.label}, with its change on the week before, then each of the last "
        f"{len(report.weeks)} weeks, oldest first. Days in your time zone ({escape(tz)})."
    )


def _figures_text(weeks: tuple[Figures, ...], metrics: tuple[Metric, ...]) -> str:
    lines = []
    for metric in metrics:
        values = [metric.value(week) for week in weeks]
        latest = values[-1]
        moved = change(metric, latest, values[-2]) if len(values) > 1 else ""
        line = f"*{metric.label}:* {shown(metric, latest)}" + (f" ({moved})" if moved else "")
        if len(values) > 1:
            line += "  ·  " + " · ".join(_compact(metric, value) for value in values)
        lines.append(line)
    return cut("\n".join(lines), SECTION_CHARS)


def _compact(metric: Metric, value: float | None) -> str:
    # The run over the weeks keeps each value short: "under a minute" is "<1 min" here.
    text = shown(metric, value)
    return text.replace("about ", "").replace("under a minute", "<1 min")


def _rows_text(rows: tuple[Group, ...]) -> str:
    """The rows with something in the latest week, by name; the quiet ones only counted.

    Rows too small to show are never in a report, and nothing here counts them: a count of hidden
    channels next to a total would tell what they hold.
    """
    active = [row for row in rows if row.weeks is not None and row.weeks[-1] != _QUIET]
    quiet = sum(1 for row in rows if row.kind == CHANNEL and row.weeks is not None and row.weeks[-1] == _QUIET)
    lines = ["*By channel, the latest week*"]
    for row in active[:ROWS_SHOWN]:
        assert row.weeks is not None
        name = f"<#{row.channel_id}>" if row.kind == CHANNEL and row.channel_id else f"*{inert(row.name)}*"
        week = row.weeks[-1]
        parts = [
            _count(week.decisions_logged, "decision logged", "decisions logged"),
            f"{week.decisions_churned:,} superseded or retracted",
        ]
        if week.median_to_decision is not None:
            parts.append(f"{duration(week.median_to_decision)} to decision")
        parts.append(_count(week.pings_held + week.pings_in_hours + week.pings_urgent, "ping", "pings"))
        parts.append(_count(week.mentions_off_hours, "off-hours mention", "off-hours mentions"))
        if week.past_review_by:
            parts.append(f"{week.past_review_by:,} past review-by")
        lines.append(f"{name}: " + " · ".join(parts))
    if len(active) > ROWS_SHOWN:
        lines.append(f"…and {len(active) - ROWS_SHOWN:,} more. `/handoff stats #channel` shows one channel.")
    if not active:
        lines.append("Nothing in any channel this week.")
    if quiet:
        lines.append(_count(quiet, "channel had nothing this week.", "channels had nothing this week."))
    return cut("\n".join(lines), SECTION_CHARS)


def _count(value: int, one: str, many: str) -> str:
    return f"{value:,} {one if value == 1 else many}"


def _fallback(title: str, latest: Figures, metrics: tuple[Metric, ...]) -> str:
    counts = [m for m in metrics if m.key in {"decisions_logged", "decisions_churned", "catchups"}]
    said = ", ".join(f"{m.label.lower()} {shown(m, m.value(latest))}" for m in counts)
    return f"{title}: {said}."


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": cut(text, 150), "emoji": True}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, SECTION_CHARS)}]}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
