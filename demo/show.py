"""Printing the demo with rich: the night as a table, each catch-up as the panel its reader would see."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from demo.mrkdwn import to_text, wall_clock
from demo.player import NightLine
from demo.run import CatchUpShown, DemoResult
from demo.world import CHANNELS, PEOPLE, TEAM_NAME


def show(console: Console, result: DemoResult, *, names: Mapping[str, str]) -> None:
    """The whole demo: the night, every catch-up in the order they arrived, and one line saying what ran."""
    console.print(Rule(f"[bold]Handoff demo[/bold] · {TEAM_NAME}"))
    console.print(night_table(result.narration, names=names))
    console.print(Rule("[bold]The mornings[/bold]: each person's catch-up, as it reached them"))
    for catchup in result.catchups:
        console.print(catchup_panel(catchup, names=names))
    missing = len(PEOPLE) - len({catchup.person.user_id for catchup in result.catchups})
    if missing:
        # Only a fault in Handoff leaves someone without a morning: say so rather than look complete.
        console.print(Text(f"{missing} of {len(PEOPLE)} people got no catch-up; run with --verbose to see why.", "red"))
    console.print(Text(summary(result), style="bold"))


def night_table(lines: Iterable[NightLine], *, names: Mapping[str, str]) -> Table:
    """What happened, in order: the instant in UTC, who (on their own clock), what, and what Handoff answered."""
    table = Table(box=box.SIMPLE_HEAD, title="The night", title_justify="left", expand=True, pad_edge=False)
    table.add_column("UTC", no_wrap=True, style="dim")
    table.add_column("who (their time)", no_wrap=True)
    table.add_column("what", ratio=1)
    for line in lines:
        what = to_text(line.what, names=names)
        for answer in line.answers:
            what.append("\n↳ Handoff: ", style="green")
            what.append_text(to_text(answer, names=names, tz=line.who.tz))
        who = Text(f"{line.who.first_name} ")
        who.append(wall_clock(line.at, line.who.tz)[-5:], style="dim")
        table.add_row(wall_clock(line.at, "UTC"), who, what)
    return table


def catchup_panel(catchup: CatchUpShown, *, names: Mapping[str, str]) -> Panel:
    """One catch-up DM, its Block Kit drawn for the terminal, titled with who got it and when on their clock."""
    person, message = catchup.person, catchup.message
    body = Group(*blocks(message.blocks, names=names, tz=person.tz))
    return Panel(
        body,
        title=f"[bold]{person.real_name}[/bold] · {person.city} ({person.tz})",
        title_align="left",
        subtitle=f"arrived {wall_clock(message.at, person.tz)} their time · {message.at:%H:%M} UTC",
        subtitle_align="right",
        box=box.ROUNDED,
        padding=(0, 1),
    )


def blocks(items: Sequence[dict[str, Any]], *, names: Mapping[str, str], tz: str | None = None) -> list[RenderableType]:
    """Block Kit blocks as rich renderables: header, context, section (with fields) and divider."""
    shown: list[RenderableType] = []
    for block in items:
        kind = block.get("type")
        if kind == "header":
            shown.append(Text(str((block.get("text") or {}).get("text") or ""), style="bold"))
        elif kind == "context":
            line = Text(style="dim")
            for index, element in enumerate(block.get("elements") or []):
                if index:
                    line.append("  ")
                line.append_text(_element(element, names=names, tz=tz))
            shown.append(line)
        elif kind == "section":
            parts = [block.get("text") or {}, *(block.get("fields") or [])]
            shown.extend(_element(part, names=names, tz=tz) for part in parts if part.get("text"))
        elif kind == "divider":
            shown.append(Rule(style="dim"))
        else:
            shown.append(Text(f"[{kind} block]", style="dim"))
    return shown


def summary(result: DemoResult) -> str:
    """One line saying what the demo did."""
    counts = result.counts
    zones = len({person.tz for person in PEOPLE})
    private = sum(1 for channel in CHANNELS if channel.is_private)
    return (
        f"handoff demo: {len(PEOPLE)} people in {zones} time zones, {len(CHANNELS)} channels ({private} private); "
        f"{counts['events_done']} Slack events through Handoff's inbox and tick, "
        f"{result.decisions} decisions filed ({result.superseded} superseded), {counts['pings_held']} pings held, "
        f"{result.mentions_noted} off-hours mentions noted; {counts['catchups_sent']} catch-ups, each at its "
        f"reader's own start of day. {result.slack_calls} Slack Web API calls answered locally, no network, "
        f"no model (built-in summarizer). Database: {result.database}"
    )


def _element(element: Mapping[str, Any], *, names: Mapping[str, str], tz: str | None) -> Text:
    raw = str(element.get("text") or "")
    return Text(raw) if element.get("type") == "plain_text" else to_text(raw, names=names, tz=tz)
