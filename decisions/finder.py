"""Running a `/decisions` query for one person: resolve names, search, render the page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from decisions.query import DecisionQuery, QueryError, fts5_match, is_channel_id, is_user_id, parse
from digest.mrkdwn import cut
from digest.text import escape, inert, readable
from store import people, visibility
from store.decision_search import Filters, Hit, search

PAGE = 10
SNIPPET_CHARS = 600
MORE_ACTION = "decisions_more"
# A button's value holds at most 2,000 characters; longer queries are not paged.
MAX_PAGED_QUERY = 1_500


@dataclass(frozen=True)
class Page:
    """What `/decisions` answers: plain text and blocks, both shown only to the person asking."""

    text: str
    blocks: list[dict[str, Any]]


def find_all(*, session: Session, team_id: str, viewer_id: str, raw: str, limit: int | None = None) -> list[Hit]:
    """Every decision a query matches that `viewer_id` may see (for exports); QueryError on a bad query.

    An empty `viewer_id` sees public channels only.
    """
    filters = _filters(session, team_id, viewer_id, parse(raw), default_channel=None)
    return search(session=session, team_id=team_id, viewer_id=viewer_id, filters=filters, limit=limit)


def find(*, session: Session, team_id: str, viewer_id: str, channel_id: str, raw: str, offset: int = 0) -> Page:
    """Search as `viewer_id`; `/decisions` alone lists the latest in `channel_id`."""
    try:
        query = parse(raw)
        filters = _filters(session, team_id, viewer_id, query, default_channel=None if raw.strip() else channel_id)
    except QueryError as exc:
        return Page(text=exc.message, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": exc.message}}])
    hits = search(session=session, team_id=team_id, viewer_id=viewer_id, filters=filters, limit=PAGE + 1, offset=offset)
    return render(hits[:PAGE], raw=raw, offset=offset, more=len(hits) > PAGE)


def _filters(
    session: Session, team_id: str, viewer_id: str, query: DecisionQuery, *, default_channel: str | None
) -> Filters:
    channel_id = default_channel
    if query.channel:
        channel_id = _channel_named(session, team_id, viewer_id, query.channel)
    author_id = None
    if query.author:
        author_id = (
            query.author
            if is_user_id(query.author)
            else (people.find_by_name(session=session, team_id=team_id, name=query.author))
        )
        if author_id is None:
            raise QueryError(f"I don't know anyone called @{query.author} here.")
    return Filters(
        words=query.words,
        fts5_query=fts5_match(query.words),
        channel_id=channel_id,
        author_id=author_id,
        tags=query.tags,
        since=query.since,
        before=query.before,
        statuses=query.statuses,
    )


def _channel_named(session: Session, team_id: str, viewer_id: str, typed: str) -> str:
    """`in:#name` (or `in:<#C…>`), among the channels the viewer may see only.

    A channel hidden from them and one that does not exist get the same words, so the answer never
    tells a private channel's existence.
    """
    if is_channel_id(typed):
        seen = visibility.can_see(session=session, team_id=team_id, channel_id=typed, user_id=viewer_id)
        found = typed if seen else None
        shown = f"<#{typed}>"
    else:
        found = visibility.find_visible_by_name(session=session, team_id=team_id, user_id=viewer_id, name=typed)
        shown = f"#{inert(typed)}"
    if found is None:
        raise QueryError(
            f"I don't know a channel called {shown} that you can see: I search public channels Handoff is in, "
            "and private channels you and Handoff are both in."
        )
    return found


def render(hits: list[Hit], *, raw: str, offset: int, more: bool) -> Page:
    """One page of results; dates as Slack date tokens, so each reader sees their own time zone."""
    if not hits:
        nothing = "No decisions match that — or none you can see." if raw.strip() else "No decisions here yet."
        tip = " React to a message with :memo: or use `/decision` to file one."
        return Page(text=nothing, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": nothing + tip}}])
    blocks: list[dict[str, Any]] = []
    for hit in hits:
        decision = hit.decision
        stamp = int(decision.created_at.timestamp())
        # A date token takes its own link (after the format): Slack does not nest one token in another's label.
        target = f"^{escape(decision.permalink).replace('|', '%7C')}" if decision.permalink else ""
        when = f"<!date^{stamp}^{{date_short}}{target}|{decision.created_at.date().isoformat()}>"
        status = "" if decision.status == "accepted" else f" · _{decision.status}_"
        snippet = cut(escape(readable(hit.snippet).replace("\n", " ")), SNIPPET_CHARS)
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"{when} · <#{decision.channel_id}>{status}\n{snippet}"},
            }
        )
    if more and len(raw) <= MAX_PAGED_QUERY:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": MORE_ACTION,
                        "text": {"type": "plain_text", "text": "More"},
                        "value": json.dumps({"q": raw, "o": offset + PAGE}),
                    }
                ],
            }
        )
    first, last = offset + 1, offset + len(hits)
    return Page(text=f"Decisions {first} to {last}", blocks=blocks)
