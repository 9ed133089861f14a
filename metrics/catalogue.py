"""Every team metric once: its name in words, how its value reads, and how a week's change reads."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.figures import Figures

COUNT, DURATION, ENTRIES, MINUTES = "count", "duration", "entries", "minutes"
NOTHING = "\N{EM DASH}"
MINUS = "\N{MINUS SIGN}"


@dataclass(frozen=True)
class Metric:
    """One figure of `Figures`: its field, its label, its kind of value, and a short column heading."""

    key: str
    label: str
    unit: str
    short: str
    # Catch-ups belong to people, not conversations: shown for the workspace only.
    workspace_only: bool = False

    def value(self, figures: Figures) -> float | None:
        """This metric's value in a week's figures (None: nothing to take a median of, or not for this group)."""
        raw = getattr(figures, self.key)
        return None if raw is None else float(raw)


METRICS = (
    Metric("decisions_logged", "Decisions logged", COUNT, "Logged"),
    Metric("decisions_churned", "Decisions superseded or retracted", COUNT, "Churn"),
    Metric("median_to_decision", "Median time from a thread's start to its decision", DURATION, "To decision"),
    Metric("pings_held", "Pings held for working hours", COUNT, "Held"),
    Metric("pings_in_hours", "Pings delivered in working hours", COUNT, "In hours"),
    Metric("pings_urgent", "Urgent pings", COUNT, "Urgent"),
    Metric("mentions_off_hours", "Off-hours mentions kept for a catch-up", COUNT, "Mentions"),
    Metric("catchups", "Catch-ups delivered", COUNT, "Catch-ups", workspace_only=True),
    Metric("median_catchup_entries", "Median catch-up length (entries)", ENTRIES, "Length", workspace_only=True),
    Metric("median_catchup_minutes", "Median catch-up reading time", MINUTES, "Reading", workspace_only=True),
    Metric("past_review_by", "Decisions past their review-by date", COUNT, "Past review"),
)
CHANNEL_METRICS = tuple(metric for metric in METRICS if not metric.workspace_only)


def shown(metric: Metric, value: float | None) -> str:
    """A value as people read it: "12", "3 h 20 min", "about 2 min", or a dash when there is none."""
    if value is None:
        return NOTHING
    if metric.unit == DURATION:
        return duration(value)
    if metric.unit == MINUTES:
        # Half minutes matter for a read this short: "about 1.5 min".
        return "under a minute" if value < 1 else f"about {round(value * 2) / 2:g} min"
    if metric.unit == ENTRIES:
        return f"{value:g}"
    return f"{round(value):,}"


def duration(seconds: float) -> str:
    """A span rounded to what matters: "40 min", "3 h 20 min", "2 d 4 h"."""
    minutes = max(0, round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def change(metric: Metric, latest: float | None, previous: float | None) -> str:
    """The week-over-week change: "+2", "-1" (with a minus sign), "same", "was 3 h" for a median; "" for none."""
    if latest is None or previous is None:
        return ""
    if metric.unit != COUNT:
        return "same" if shown(metric, latest) == shown(metric, previous) else f"was {shown(metric, previous)}"
    difference = round(latest) - round(previous)
    if difference == 0:
        return "same"
    return f"+{difference:,}" if difference > 0 else f"{MINUS}{-difference:,}"
