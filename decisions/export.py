"""The decision log as a document: Markdown for people arriving cold, CSV and JSON for tools."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from store.decision_search import Hit
from store.models import Decision

FORMATS = ("md", "csv", "json")
COLUMNS = (
    "id",
    "channel_id",
    "channel",
    "created_at",
    "status",
    "text",
    "why",
    "alternatives",
    "tags",
    "author_id",
    "logged_by",
    "owner_id",
    "review_by",
    "source_deleted",
    "supersedes_id",
    "permalink",
)


def rows(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    """One flat record per decision."""
    out = []
    for hit in hits:
        d = hit.decision
        out.append(
            {
                "id": d.id,
                "channel_id": d.channel_id,
                "channel": hit.channel_name,
                "created_at": d.created_at.isoformat(),
                "status": d.status,
                "text": d.text,
                "why": d.why,
                "alternatives": d.alternatives,
                "tags": d.tags,
                "author_id": d.author_id,
                "logged_by": d.logged_by,
                "owner_id": d.owner_id,
                "review_by": d.review_by.isoformat() if d.review_by else None,
                "source_deleted": d.source_deleted,
                "supersedes_id": d.supersedes_id,
                "permalink": d.permalink,
            }
        )
    return out


def render(hits: Sequence[Hit], fmt: str, *, title: str) -> str:
    """The export in `fmt` (md, csv or json)."""
    if fmt == "json":
        return json.dumps(rows(hits), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows(hits))
        return buffer.getvalue()
    return markdown(hits, title=title)


def markdown(hits: Sequence[Hit], *, title: str) -> str:
    """Grouped by channel, newest first; each decision with its why, alternatives, status and link."""
    lines = [f"# {title}", ""]
    if not hits:
        lines.append("No decisions to show.")
        return "\n".join(lines) + "\n"
    by_id = {hit.decision.id: hit.decision for hit in hits}
    replaced_by = {hit.decision.supersedes_id: hit.decision for hit in hits if hit.decision.supersedes_id}
    ordered = sorted(hits, key=lambda hit: (hit.channel_name, -hit.decision.created_at.timestamp()))
    for channel, group in groupby(ordered, key=lambda hit: hit.channel_name):
        lines += [f"## #{channel}", ""]
        for hit in group:
            d = hit.decision
            lines.append(f"### {_headline(d)}")
            facts = [d.created_at.date().isoformat(), d.status]
            if d.tags:
                facts.append("tags: " + ", ".join(d.tags.split(",")))
            if d.permalink:
                facts.append(f"[in Slack]({d.permalink})")
            if d.source_deleted:
                facts.append("original message deleted")
            lines += [" · ".join(facts), "", _quote(d.text), ""]
            if d.why:
                lines += ["**Why.** " + d.why.strip(), ""]
            if d.alternatives:
                lines += ["**Alternatives considered.** " + d.alternatives.strip(), ""]
            if d.supersedes_id in by_id:
                lines += [f"**Replaces** “{_headline(by_id[d.supersedes_id])}”.", ""]
            if d.id in replaced_by:
                lines += [f"**Replaced by** “{_headline(replaced_by[d.id])}”.", ""]
    return "\n".join(lines).rstrip() + "\n"


def _headline(decision: Decision) -> str:
    text = decision.text.strip()
    return (text.splitlines()[0] if text else "(no text)")[:120]


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in text.strip().splitlines()) or "> (no text)"
