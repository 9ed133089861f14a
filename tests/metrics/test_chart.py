"""The weekly report's chart is a valid PNG holding the expected series, read back from what was drawn."""

from __future__ import annotations

import io
import json
import sys
from datetime import date

from PIL import Image

from metrics.chart import SERIES_KEY, chart_png
from metrics.figures import Figures
from metrics.scopes import WORKSPACE, Group, Report
from metrics.weeks import weeks_ending

WEEKS = weeks_ending(date(2026, 3, 1), count=3, tz="Europe/Berlin")
FIGURES = (
    Figures(decisions_logged=4, decisions_churned=1, median_to_decision=5400.0, pings_held=3, catchups=10),
    Figures(decisions_logged=0, pings_in_hours=2, pings_urgent=1, mentions_off_hours=6, catchups=12),
    Figures(decisions_logged=7, decisions_churned=2, median_to_decision=36000.0, past_review_by=3, catchups=11),
)


def _report(weeks: tuple[Figures, ...] | None) -> Report:
    return Report(weeks=WEEKS, total=Group(kind=WORKSPACE, name="Acme", weeks=weeks), rows=(), min_group=5)


def test_the_chart_is_a_png_with_every_series_as_drawn() -> None:
    png = chart_png(_report(FIGURES), title="Acme")
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.verify()
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1000, 650)
    drawn = json.loads(image.info[SERIES_KEY])
    assert drawn["weeks"] == ["9\N{EN DASH}15 Feb", "16\N{EN DASH}22 Feb", "23 Feb\N{EN DASH}1 Mar"]
    assert drawn["series"] == {
        "Decisions logged": [4.0, 0.0, 7.0],
        "Decisions superseded or retracted": [1.0, 0.0, 2.0],
        "Decisions past their review-by date": [0.0, 0.0, 3.0],
        "Pings held for working hours": [3.0, 0.0, 0.0],
        "Pings delivered in working hours": [0.0, 2.0, 0.0],
        "Urgent pings": [0.0, 1.0, 0.0],
        # In hours: 1 h 30 min, none that week (a gap, not a zero), 10 h.
        "Median time from a thread's start to its decision": [1.5, None, 10.0],
        "Catch-ups delivered": [10.0, 12.0, 11.0],
        "Off-hours mentions kept for a catch-up": [0.0, 6.0, 0.0],
    }


def test_a_workspace_too_small_to_show_gets_no_chart() -> None:
    assert chart_png(_report(None), title="Acme") is None


def test_drawing_leaves_matplotlibs_global_state_alone() -> None:
    chart_png(_report(FIGURES), title="Acme")
    # The object-oriented API on an Agg canvas: no pyplot, so no global figure manager or GUI backend.
    assert "matplotlib.pyplot" not in sys.modules
