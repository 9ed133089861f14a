"""One channel of an export into the store, in the caller's transaction: as if its traffic had come live.

Messages, edits, tombstones and reactions go through `store.traffic` as the live processors'
writes do; decisions through `decisions.capture`'s filing core, after the whole channel is in
(so a decision's thread holds every reply the export has). What the live path does beyond the
record is left out on purpose: no confirmation is posted into old threads, nobody's catch-up is
started by a reaction made before Handoff came, and nobody is told about mentions long past.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from decisions import capture
from digest.links import message_link
from slack_export.archive import Export
from slack_export.directory import ExportChannel
from slack_export.json_files import elements
from slack_export.layout import DayFile
from slack_export.messages import read_message
from slack_export.progress import ProgressReport
from slack_export.rules import ImportRules
from slack_export.summary import Summary
from slack_export.traffic_writer import TrafficWriter
from store import channels, traffic
from store import decisions as decision_store

# Progress is reported every so many messages, so a huge day file still moves the bar.
PROGRESS_STEP = 1000


def import_channel(
    *,
    session: Session,
    export: Export,
    channel: ExportChannel,
    days: Collection[DayFile],
    rules: ImportRules,
    summary: Summary,
    progress: ProgressReport,
) -> None:
    """Store a channel, its members, its days of traffic and its decisions."""
    _save_channel(session=session, channel=channel, rules=rules, summary=summary)
    channel_id = channel.info.channel_id
    writer = TrafficWriter(session=session, rules=rules, summary=summary, shared=channel.info.is_ext_shared)
    candidates: list[tuple[str, datetime, str]] = []
    pending = 0
    for day in days:
        if day.name in rules.unreadable:
            continue
        for raw in elements(export, day.name):
            reading = read_message(rules.team_id, channel_id, raw)
            logger = writer.add(reading)
            if logger is not None and reading.message is not None and reading.posted_at is not None:
                candidates.append((reading.message.ts, reading.posted_at, logger))
            pending += 1
            if pending == PROGRESS_STEP:
                progress.advance(pending)
                pending = 0
    writer.flush()
    progress.advance(pending)
    for ts, posted_at, logger in candidates:
        _file_decision(
            session=session,
            channel_id=channel_id,
            ts=ts,
            posted_at=posted_at,
            logger=logger,
            rules=rules,
            summary=summary,
        )
    traffic.prune(session=session, before=rules.keep_after, team_id=rules.team_id, channel_id=channel_id)


def _save_channel(*, session: Session, channel: ExportChannel, rules: ImportRules, summary: Summary) -> None:
    info = channel.info
    if info.is_private:
        summary.channels_private += 1
    else:
        summary.channels_public += 1
    known = channels.get_channel(session=session, team_id=rules.team_id, channel_id=info.channel_id)
    if known is not None and known.members_synced_at is not None:
        # Slack told Handoff about this channel itself: that is newer than any export.
        summary.channels_live += 1
        return
    if known is None:
        summary.channels_new += 1
    else:
        summary.channels_refreshed += 1
    # An export does not say whether Handoff is in the channel: what Slack said before stands.
    member = replace(info, is_member=known.is_member if known is not None else False)
    channels.save_channel(session=session, info=member, now=rules.now, from_slack=False)
    # Not marked as read from Slack: the first event from the channel reads its current members.
    channels.replace_members(
        session=session,
        team_id=rules.team_id,
        channel_id=info.channel_id,
        user_ids=channel.members,
        now=rules.now,
        synced=False,
    )


def _file_decision(
    *,
    session: Session,
    channel_id: str,
    ts: str,
    posted_at: datetime,
    logger: str,
    rules: ImportRules,
    summary: Summary,
) -> None:
    if decision_store.for_message(session=session, team_id=rules.team_id, channel_id=channel_id, ts=ts) is not None:
        # Filed already (live, or by an earlier import): what happened to it since is kept.
        summary.decisions_known += 1
        return
    prepared = capture.from_store(session=session, team_id=rules.team_id, channel_id=channel_id, ts=ts, permalink=None)
    if prepared is None:
        summary.skipped["decision emoji on a message deleted since"] += 1
        return
    if rules.team_url:
        # Slack's own permalink shape; without the URL the link waits (`decisions.permalinks`).
        link = message_link(rules.team_url, rules.team_id, channel_id, ts, prepared.thread_ts)
        prepared = replace(prepared, permalink=link)
    # Filed when the message was posted (the reaction's own time is not in the export), so the log
    # reads in order and no morning catch-up reports months-old decisions as news.
    if capture.file_message(session=session, team_id=rules.team_id, prepared=prepared, logged_by=logger, now=posted_at):
        summary.decisions_new += 1
