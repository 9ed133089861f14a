"""How a decision reads in Slack: Handoff's message about it, within Block Kit's limits."""

from __future__ import annotations

from typing import Any

from store.models import Decision

# Block Kit allows 3,000 characters in a section's text; leave room for the framing.
SECTION_TEXT_LIMIT = 2_800
UNDO_ACTION = "decision_undo"
WHY_ACTION = "decision_add_why"
WHY_EXCERPT_LIMIT = 1_000


def escape(text: str) -> str:
    """Make user text inert in mrkdwn: `<!channel>` or `<@U…>` must never become a ping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoted(text: str, *, limit: int = SECTION_TEXT_LIMIT, permalink: str | None = None) -> str:
    """The decision text as a mrkdwn quote, cut to fit with a pointer to the whole of it."""
    body = escape(text.strip()) or "_(no text)_"
    if len(body) > limit:
        more = f" <{permalink}|read all of it>" if permalink else " (the full text is kept in the log)"
        body = body[:limit].rstrip() + "…" + more
    return "\n".join(f">{line}" for line in body.splitlines())


def confirmation(decision: Decision) -> tuple[str, list[dict[str, Any]]]:
    """Text and blocks of Handoff's message about a decision, for its current state."""
    if decision.status == "retracted":
        summary = f"Decision retracted (it was logged by <@{decision.logged_by}>)."
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"~{summary}~"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Kept in the decision log's history."}]},
        ]
        return summary, blocks
    summary = f"Decision logged by <@{decision.logged_by}>"
    notes = []
    if decision.author_id and decision.author_id != decision.logged_by:
        notes.append(f"Said by <@{decision.author_id}>")
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
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": WHY_ACTION,
                    "text": {"type": "plain_text", "text": "Edit the why" if decision.why else "Add the why"},
                    "value": str(decision.id),
                },
                {
                    "type": "button",
                    "action_id": UNDO_ACTION,
                    "text": {"type": "plain_text", "text": "Undo"},
                    "value": str(decision.id),
                },
            ],
        }
    )
    return f"{summary}: {escape(decision.text[:200])}", blocks
