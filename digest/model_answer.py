"""The answer a model gives as structured output: its JSON schema, and how its points become a summary's.

The model is asked (through the `openai` package's structured output, a strict JSON schema built
from `Answer`) for points under the catch-up's categories, each naming the transcript lines it
comes from by number. The SDK parses the answer into `Answer` (pydantic validates it); here each
point is then kept only when it names at least one line of the window — that line gives it its
permalink — and its text passes `digest.model_output` like any untrusted text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

from digest.model import CATEGORIES, Line, SummaryPoint
from digest.model_output import Sources, clean_point

# The categories a model may put a point under: the catch-up's, and "other" for what fits none of them.
OTHER = "other"
Category = Literal["decided", "blocked", "incident", "question", "change", "other"]


class AnswerPoint(BaseModel):
    """One point of a model's answer."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    text: str
    # Numbers of the transcript lines the point comes from, the most telling first.
    messages: list[int]


class Answer(BaseModel):
    """A model's whole answer: its points, most important first."""

    model_config = ConfigDict(extra="forbid")

    points: list[AnswerPoint]


def summary_points(
    answer: Answer, *, lines: Mapping[int, Line], sources: Sources, max_points: int, point_chars: int
) -> tuple[SummaryPoint, ...]:
    """The answer's points that name a line of the window, cleaned, at most `max_points`, best first.

    A point naming no line of the window (a made-up number, or none) has no permalink and is left
    out, as is one that `clean_point` refuses (a decision claimed in the model's own voice).
    """
    kept: list[SummaryPoint] = []
    for point in answer.points:
        source = next((lines[number] for number in point.messages if number in lines), None)
        if source is None:
            continue
        cleaned = clean_point(" ".join(point.text.split()).replace("**", "*"), sources, limit=point_chars)
        if cleaned is None:
            continue
        kept.append(
            SummaryPoint(
                text=cleaned.text,
                ts=source.ts,
                mentions=cleaned.mentions,
                category=point.category if point.category in CATEGORIES else None,
                thread_ts=source.thread_ts if source.thread_ts and source.thread_ts != source.ts else None,
            )
        )
        if len(kept) == max_points:
            break
    return tuple(
        SummaryPoint(
            text=point.text,
            ts=point.ts,
            mentions=point.mentions,
            score=float(len(kept) - index),
            category=point.category,
            thread_ts=point.thread_ts,
        )
        for index, point in enumerate(kept)
    )


def as_notes(answer: Answer) -> str:
    """A part's answer as notes for the combining call: one line each, with its category and line numbers."""
    return "\n".join(
        f"[{', '.join(str(number) for number in point.messages)}] {point.category}: {' '.join(point.text.split())}"
        for point in answer.points
    )
