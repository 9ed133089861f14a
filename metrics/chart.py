"""The weekly report's chart: the workspace's figures over the weeks, as a PNG, drawn with matplotlib's Agg backend.

matplotlib is imported when a chart is drawn, not when this module is: the app starts without it,
and nothing here touches matplotlib's global state (no pyplot, no `matplotlib.use`). The series
are read back from the drawn figure and kept in the PNG as text (`handoff:series`), so what the
chart shows can be checked from its data rather than its pixels.
"""

from __future__ import annotations

import io
import json
import math
from typing import TYPE_CHECKING, Any

from hours.phrases import MONTH_NAMES
from metrics.catalogue import METRICS, Metric
from metrics.scopes import Report

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SERIES_KEY = "handoff:series"
MARKERS = ("o", "s", "^")
WIDTH, HEIGHT, DPI = 10.0, 6.5, 100
_BY_KEY = {metric.key: metric for metric in METRICS}
# Four panels: what was decided, how pings went, how long decisions took, catch-ups and mentions.
PANELS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Decisions", "line", ("decisions_logged", "decisions_churned", "past_review_by")),
    ("Pings", "bars", ("pings_held", "pings_in_hours", "pings_urgent")),
    ("Median hours from a thread's start to its decision", "hours", ("median_to_decision",)),
    ("Catch-ups and off-hours mentions", "line", ("catchups", "mentions_off_hours")),
)


def chart_png(report: Report, *, title: str) -> bytes | None:
    """The workspace's last weeks as a PNG; None when the workspace is too small to show."""
    if report.total.weeks is None:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Margins set by hand rather than by a layout engine, which would draw the whole figure twice.
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    figure.subplots_adjust(left=0.05, right=0.98, top=0.9, bottom=0.1, hspace=0.5, wspace=0.15)
    # The Agg canvas, explicitly: a PNG in memory, no display, whatever backend is configured elsewhere.
    FigureCanvasAgg(figure)
    figure.suptitle(title)
    labels = [f"{week.first_day.day} {MONTH_NAMES[week.first_day.month - 1]}" for week in report.weeks]
    weeks = report.total.weeks
    axes = figure.subplots(2, 2).flatten()
    for ax, (heading, style, keys) in zip(axes, PANELS, strict=True):
        metrics = [_BY_KEY[key] for key in keys]
        series = {metric.label: [_plotted(metric, metric.value(week), style) for week in weeks] for metric in metrics}
        _draw(ax, heading, style, labels, series)
    drawn = {"weeks": [week.label for week in report.weeks], "series": _read_back(axes)}
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={SERIES_KEY: json.dumps(drawn, ensure_ascii=True)})
    return buffer.getvalue()


def _plotted(metric: Metric, value: float | None, style: str) -> float:
    if value is None:
        return math.nan  # a gap in the line: no decision in a thread that week
    return value / 3600 if style == "hours" else value


def _draw(ax: Axes, heading: str, style: str, labels: list[str], series: dict[str, list[float]]) -> None:
    from matplotlib.ticker import MaxNLocator

    positions = list(range(len(labels)))
    if style == "bars":
        bottom = [0.0] * len(labels)
        for label, values in series.items():
            ax.bar(positions, values, bottom=bottom, label=label)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    else:
        # Different markers, so that two series with the same values stay told apart.
        for (label, values), marker in zip(series.items(), MARKERS, strict=False):
            ax.plot(positions, values, marker=marker, label=label)
    ax.set_title(heading, fontsize=10)
    ax.set_xticks(positions, labels, rotation=45, fontsize=8)
    ax.set_ylim(bottom=0)
    if style != "hours":
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")


def _read_back(axes: Any) -> dict[str, list[float | None]]:
    """Each series as the figure holds it: line heights, or bar heights (each bar's own, not its stack)."""
    drawn: dict[str, list[float | None]] = {}
    for ax in axes:
        for line in ax.get_lines():
            drawn[str(line.get_label())] = [_number(y) for y in line.get_ydata()]
        for container in ax.containers:
            drawn[str(container.get_label())] = [_number(bar.get_height()) for bar in container]
    return drawn


def _number(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number
