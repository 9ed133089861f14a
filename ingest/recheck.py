"""The daily safety net: what Handoff believes about each channel, read again from Slack.

Slack drops events when an app's endpoint fails for a while, so a channel made private, a person
who left a private channel or Handoff removed from one can pass unseen, and visibility would rest
on a stale record. Once a day every installed workspace gets a `channel_recheck` job (planned by
one replica: the tick runs `plan` through `bot.daily.once_today`). A tick takes a bounded batch of
a job's channels (`BATCH`, in id order after the cursor the job keeps in its payload), reads each
one's description (`conversations.info`, Slack's Tier 3: 50+ calls a minute per workspace) and the
members of each private channel Handoff is in (`conversations.members`, Tier 4: 100+), and stores
what Slack says together with the new cursor in one transaction, so a crash, a 429 or another
replica resumes where it stopped and a tick never waits on a long loop. The next batch is due a
minute later, whichever replica ticks first: a workspace spends under half its Tier 3 budget.
When the last batch is in, the differences found (privacy flags, Handoff's own membership, members
added and removed, channels Slack no longer lets the workspace read) are logged as one correction
with their counts.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Row
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.retries import WorkspaceWaits
from bot.slack_failures import SLACK_CALL_ERRORS
from decisions import hidden_channels
from decisions import job_results as results
from ingest.discovery import UNREADABLE, read_members
from ingest.slack_objects import channel_info_from_conversation
from store import channels, claims, jobs, teams
from store.channels import ChannelInfo
from store.models import Channel, Job

logger = logging.getLogger(__name__)

RECHECK_KIND = "channel_recheck"
PLAN_KIND = "channel_recheck_plan"
# Channels one job reads in one tick, and jobs one tick takes: the tick stays short, Slack unhurried.
BATCH = 20
JOBS_PER_TICK = 2
LEASE = timedelta(minutes=5)
# A job's next batch waits this long, whichever replica ticks first: one batch a minute per workspace.
PACE = timedelta(minutes=1)
# Nothing Slack answers makes the re-check itself impossible; a refused token pauses the workspace.
PERMANENT: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reading:
    """What Slack said of one channel: its description and members (None: members not read), or unreadable."""

    channel_id: str
    info: ChannelInfo | None
    members: list[str] | None


def plan(*, session: Session, now: datetime) -> int:
    """Schedule today's re-check of every installed workspace with channels; how many were new."""
    today = now.date().isoformat()
    rows = [
        jobs.NewJob(team_id=team_id, key=today, due_at=now, payload={"after": "", "counts": {}})
        for team_id in channels.teams_with_channels(session=session)
    ]
    return jobs.schedule_many(session=session, kind=RECHECK_KIND, rows=rows, now=now)


def recheck_due(deps: Deps, now: datetime) -> int:
    """Re-read one batch of channels of each of a few due workspaces; returns how many channels were read."""
    return results.run_claimed(deps, kind=RECHECK_KIND, lease=LEASE, limit=JOBS_PER_TICK, each=_batch, now=now)


def _batch(deps: Deps, job: Row[Any], now: datetime, waits: WorkspaceWaits) -> int:
    job_id, team_id = int(job.id), str(job.team_id)
    after = str(job.payload.get("after") or "")
    if (until := waits.waiting(team_id, now)) is not None:
        results.wait_with_workspace(deps, job_id, now, until=until)
        return 0
    with deps.read_session_factory() as session:
        batch = channels.batch_after(session=session, team_id=team_id, after=after, limit=BATCH)
        bot_user = teams.bot_user_of(session=session, team_id=team_id)
        session.expunge_all()
    client = deps.slack.for_team(team_id)
    readings: list[Reading] = []
    failure: Exception | None = None
    for row in batch:
        try:
            readings.append(_read(client, team_id, row, bot_user))
        except SLACK_CALL_ERRORS as exc:
            failure = exc
            break
    finished = failure is None and len(batch) < BATCH
    owner = deps.worker_id
    with deps.session_factory.begin() as session:
        # Still ours? (Another worker took the job over when our lease ran out: it reads these again.)
        if not jobs.note(session=session, job_id=job_id, owner=owner, values={}):
            return 0
        counts = Counter({str(k): int(v) for k, v in (job.payload.get("counts") or {}).items()})
        counts.update(_apply(session, team_id, batch, readings, now))
        values = {"after": readings[-1].channel_id if readings else after, "counts": dict(counts)}
        if failure is not None:
            jobs.note(session=session, job_id=job_id, owner=owner, values=values)
        elif finished:
            jobs.note(session=session, job_id=job_id, owner=owner, values=values)
            claims.complete(session=session, model=Job, row_id=job_id, owner=owner, now=now)
        else:
            # The next batch a minute on, in whichever replica's tick comes first.
            jobs.postpone(session=session, job_id=job_id, owner=owner, due_at=now + PACE, values=values)
    if failure is not None:
        results.slack_failed(
            deps,
            job_id,
            now,
            failure,
            permanent=PERMANENT,
            attempts=1 if readings else int(job.attempts),
            what=f"the daily re-check of the channels of {team_id}",
            team_id=team_id,
            waits=waits,
        )
    if finished:
        _log(team_id, counts)
    return len(readings)


def _read(client: WebClient, team_id: str, row: Channel, bot_user: str | None) -> Reading:
    """One channel as Slack describes it now; members only of a private channel Handoff is in."""
    try:
        info = channel_info_from_conversation(team_id, client.conversations_info(channel=row.channel_id)["channel"])
        if not (info.is_private or info.is_mpim):
            return Reading(row.channel_id, info, None)
        members = read_members(client, row.channel_id)
    except SlackApiError as exc:
        if exc.response.get("error") in UNREADABLE:
            return Reading(row.channel_id, None, None)
        raise
    if bot_user is not None and bot_user in members and not info.is_member:
        info = replace(info, is_member=True)
    return Reading(row.channel_id, info, members)


def _apply(
    session: Session, team_id: str, batch: list[Channel], readings: list[Reading], now: datetime
) -> Counter[str]:
    """Store what Slack said and count how it differs from what Handoff believed."""
    before = {row.channel_id: row for row in batch}
    counts: Counter[str] = Counter(channels_read=len(readings))
    for reading in readings:
        was = before[reading.channel_id]
        if reading.info is None:
            if was.is_private and was.is_member:
                # Slack hides a private channel from an app that is not in it: Handoff was removed.
                _left(session, team_id, reading.channel_id, now)
                counts["handoff_membership_changed"] += 1
            elif not was.is_private and channels.lose_access(
                session=session, team_id=team_id, channel_id=reading.channel_id, now=now
            ):
                counts["access_lost"] += 1
            continue
        info = reading.info
        counts["privacy_changed"] += int(bool(was.is_private) != (info.is_private or info.is_mpim))
        counts["handoff_membership_changed"] += int(bool(was.is_member) != info.is_member)
        counts["access_restored"] += int(was.access_lost_at is not None)
        channels.save_channel(session=session, info=info, now=now)
        if reading.members is not None:
            current = set(channels.member_ids(session=session, team_id=team_id, channel_id=reading.channel_id))
            counts["members_added"] += len(set(reading.members) - current)
            counts["members_removed"] += len(current - set(reading.members))
            channels.replace_members(
                session=session, team_id=team_id, channel_id=reading.channel_id, user_ids=reading.members, now=now
            )
        if was.is_member and not info.is_member and info.is_private and not info.is_mpim:
            # save_channel already recorded it: tell the members, as the event would have.
            left = channels.get_channel(session=session, team_id=team_id, channel_id=reading.channel_id)
            if left is not None:
                hidden_channels.tell_members(session=session, channel=left, now=now)
    return counts


def _left(session: Session, team_id: str, channel_id: str, now: datetime) -> None:
    """Handoff was removed while its events went missing: record it, and tell the members as the event would."""
    left = channels.bot_left(session=session, team_id=team_id, channel_id=channel_id, now=now)
    if left is not None and not left.is_mpim:
        hidden_channels.tell_members(session=session, channel=left, now=now)


def _log(team_id: str, counts: Counter[str]) -> None:
    corrections = {name: value for name, value in sorted(counts.items()) if name != "channels_read" and value}
    read = counts.get("channels_read", 0)
    if corrections:
        logger.warning(
            "daily channel re-check of %s corrected what Handoff believed (%d channels read): %s",
            team_id,
            read,
            ", ".join(f"{name}={value}" for name, value in corrections.items()),
        )
    else:
        logger.info("daily channel re-check of %s: %d channels read, nothing to correct", team_id, read)
