"""How a decision reads in Slack: Handoff's message about it, within Block Kit's limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from digest.mrkdwn import cut
from digest.text import escape, inert, readable
from store.models import Decision

# Block Kit allows 3,000 characters in a section's text; leave room for the framing.
SECTION_TEXT_LIMIT = 2_800
UNDO_ACTION = "decision_undo"
WHY_ACTION = "decision_add_why"
SUPERSEDE_ACTION = "decision_supersede"
THREAD_ACTION = "decision_thread"
EDIT_ACTION = "decision_edit"
THREAD_MESSAGE_LIMIT = 400
WHY_EXCERPT_LIMIT = 1_000


def quoted(text: str, *, limit: int = SECTION_TEXT_LIMIT, permalink: str | None = None) -> str:
    """The text as a mrkdwn quote, cut to fit (never inside an escape) with a pointer to the whole of it."""
    body = inert(text.strip()) or "_(no text)_"
    if len(body) > limit:
        more = f" <{permalink}|read all of it>" if permalink else " (the full text is kept in the log)"
        body = cut(body, limit) + more
    return "\n".join(f">{line}" for line in body.splitlines())


def first_line(text: str, *, empty: str) -> str:
    """The first line of a text, for a one-line mention of it; `empty` when it has none."""
    return text.strip().splitlines()[0] if text.strip() else empty


def _reference(decision: Decision) -> str:
    """A short, linked, inert mention of another decision."""
    excerpt = escape(first_line(readable(decision.text), empty="a decision")[:80])
    return f"<{decision.permalink}|{excerpt}>" if decision.permalink else f"“{excerpt}”"


def _when(instant: datetime) -> str:
    # A date token: each reader sees the date in their own time zone.
    return f"<!date^{int(instant.timestamp())}^{{date_short}}|{instant.date().isoformat()}>"


def thread_blocks(decision: Decision, messages: list[tuple[str | None, str, datetime]]) -> list[dict[str, Any]]:
    """The thread kept with a decision: who said what, when (date tokens), each cut to fit."""
    if not messages:
        return [{"type": "section", "text": {"type": "mrkdwn", "text": "No thread was kept with this decision."}}]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*The thread around* {_reference(decision)}"}}
    ]
    # Block Kit allows 50 blocks; keep the first and the latest messages when a thread is longer.
    shown = messages if len(messages) <= 45 else messages[:5] + messages[-40:]
    for user_id, text, posted_at in shown:
        who = f"<@{user_id}>" if user_id else "someone"
        body = quoted(text, limit=THREAD_MESSAGE_LIMIT)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"{who} · {_when(posted_at)}\n{body}"}})
    return blocks


def confirmation(
    decision: Decision,
    *,
    replaces: Decision | None = None,
    replaced_by: Decision | None = None,
    has_thread: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """Text and blocks of Handoff's message about a decision, for its current state and links."""
    if decision.status == "retracted":
        summary = f"Decision retracted (it was logged by <@{decision.logged_by}>)."
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"~{summary}~"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Kept in the decision log's history."}]},
        ]
        return summary, blocks
    superseded = decision.status == "superseded"
    summary = {
        "superseded": "Superseded decision",
        "proposed": f"Proposed decision, logged by <@{decision.logged_by}>",
    }.get(decision.status, f"Decision logged by <@{decision.logged_by}>")
    notes = []
    if replaced_by is not None:
        notes.append(f"Replaced by {_reference(replaced_by)} on {_when(replaced_by.updated_at)}")
    if replaces is not None:
        notes.append(f"Replaces {_reference(replaces)}")
    if decision.author_id and decision.author_id != decision.logged_by:
        notes.append(f"Said by <@{decision.author_id}>")
    if decision.owner_id:
        notes.append(f"Owner <@{decision.owner_id}>")
    if decision.review_by is not None and not superseded:
        notes.append(f"Review by {decision.review_by:%a %d %b %Y}")
    if decision.tags:
        notes.append(" ".join(f"`{inert(tag)}`" for tag in decision.tags.split(",")))
    if decision.source_deleted:
        notes.append("The original message was deleted; the decision stays in the log.")
    blocks = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{summary}*\n{quoted(decision.text, permalink=decision.permalink)}",
            },
        }
    ]
    if decision.why:
        why = quoted(decision.why, limit=WHY_EXCERPT_LIMIT)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Why*\n{why}"}})
    if notes:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(notes)}]})
    buttons = [_button(WHY_ACTION, "Edit the why" if decision.why else "Add the why", decision)]
    if has_thread:
        buttons.append(_button(THREAD_ACTION, "Show the thread", decision))
    if not superseded:
        if decision.supersedes_id is None:
            buttons.append(_button(SUPERSEDE_ACTION, "Supersede…", decision))
        buttons.append(_button(EDIT_ACTION, "Edit…", decision))
        buttons.append(_button(UNDO_ACTION, "Undo", decision))
    blocks.append({"type": "actions", "elements": buttons})
    return f"{summary}: {escape(readable(decision.text)[:200])}", blocks


def _button(action_id: str, label: str, decision: Decision) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label},
        "value": str(decision.id),
    }
