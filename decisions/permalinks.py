"""Links to the messages decisions were filed from, built from the workspace's URL without asking Slack."""

from __future__ import annotations

from sqlalchemy.orm import Session

from digest.links import message_link
from store import decisions as store


def link_decisions(*, session: Session, team_id: str, url: str) -> int:
    """Give every decision of the workspace that has no permalink yet the one Slack would give; returns how many.

    An import files decisions without Slack, so their links wait until the workspace's URL is known
    (Handoff asks `auth.test` once, at the first catch-up).
    """
    missing = store.without_permalink(session=session, team_id=team_id)
    for decision in missing:
        assert decision.message_ts is not None
        decision.permalink = message_link(url, team_id, decision.channel_id, decision.message_ts, decision.thread_ts)
    return len(missing)
