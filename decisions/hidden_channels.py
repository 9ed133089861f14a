"""Telling a private channel's members, once, why its decisions are hidden after Handoff was removed.

Slack tells an app nothing about who joins or leaves a channel it is no longer in, so from the
moment Handoff leaves a private channel its member list would freeze; `store.visibility` therefore
shows that channel's decisions to nobody (they are kept, and show again once Handoff is added back
and has read the members). The people who were in the channel would find their log of it gone, so
each is told why and how to bring it back: one `hidden_channel_notice` job per person, scheduled in
the transaction that records Handoff's leaving (so a retried or replayed event schedules nothing
twice), claimed like every job and tagged in the DM, so several replicas, a crash or a 429 still
post it exactly once. A notice whose channel got Handoff back before it went out stays unsent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.retries import WorkspaceWaits
from decisions import job_results as results
from digest.text import inert
from store import channels, jobs, people, teams
from store import decisions as store
from store.models import Channel

logger = logging.getLogger(__name__)

NOTICE_KIND = "hidden_channel_notice"
METADATA_TYPE = "handoff_hidden_channel"
LEASE = timedelta(minutes=2)
# The person is gone: nobody to tell.
PERMANENT = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})


def tell_members(*, session: Session, channel: Channel, now: datetime) -> int:
    """Schedule the notice to each person in the channel Handoff just left (inside that transaction); how many.

    Only where there is a log to miss: a channel without decisions hides nothing anyone used.
    """
    team_id, channel_id = channel.team_id, channel.channel_id
    if not store.any_in_channel(session=session, team_id=team_id, channel_id=channel_id):
        return 0
    members = set(channels.member_ids(session=session, team_id=team_id, channel_id=channel_id))
    bot_user = teams.bot_user_of(session=session, team_id=team_id)
    members -= people.not_people_among(session=session, team_id=team_id, user_ids=members)
    members.discard(bot_user or "")
    rows = [
        jobs.NewJob(
            team_id=team_id,
            # One per removal: Handoff added back and removed again tells them again.
            key=f"{channel_id}:{user_id}:{now.isoformat()}",
            due_at=now,
            payload={"recipient": user_id, "channel": channel_id, "name": channel.name or ""},
        )
        for user_id in sorted(members)
    ]
    return jobs.schedule_many(session=session, kind=NOTICE_KIND, rows=rows, now=now)


def notice_text(payload: dict[str, Any]) -> str:
    """Why their log of the channel is hidden, that nothing is lost, and how to bring it back."""
    name = f"#{inert(str(payload.get('name') or ''))}" if payload.get("name") else "a private channel"
    return (
        f"Handoff was removed from {name}, so the decisions logged there are hidden for now, from everyone. "
        "Without being in a private channel Handoff can't tell who is in it, and it only shows a channel's "
        "decisions to its members. Nothing is deleted: once someone adds Handoff back "
        f"(`/invite @Handoff` in {name}), they show again to the channel's members."
    )


def deliver_due(deps: Deps, *, limit: int = 100) -> int:
    """Post every due notice; returns how many were posted."""
    return results.run_claimed(deps, kind=NOTICE_KIND, lease=LEASE, limit=limit, each=_deliver)


def _deliver(deps: Deps, job: Row[Any], now: datetime, waits: WorkspaceWaits) -> int:
    job_id, team_id = int(job.id), str(job.team_id)
    payload = dict(job.payload)
    with deps.read_session_factory() as session:
        channel = channels.get_channel(session=session, team_id=team_id, channel_id=str(payload["channel"]))
    if channel is not None and channel.is_member and channel.access_lost_at is None:
        # Handoff is back in the channel: nothing is hidden any more.
        results.done(deps, job_id, now)
        return 0
    return results.dm_once(
        deps,
        job,
        now,
        waits,
        user_id=str(payload["recipient"]),
        text=notice_text(payload),
        metadata_type=METADATA_TYPE,
        permanent=PERMANENT,
        what=f"the notice to {payload['recipient']} that a channel's decisions are hidden",
    )
