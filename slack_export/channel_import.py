"""One channel of an export into the store, in the caller's transaction: as if its traffic had come live.

Messages, edits, tombstones and reactions go through `store.traffic` as the live processors'
writes do; decisions through `decisions.capture`'s filing core, after the whole channel is in
(so a decision's thread holds every reply the export has). What the live path does beyond the
record is left out on purpose: no confirmation is posted into old threads, nobody's catch-up is
started by a reaction made before Handoff came, and nobody is told about mentions long past.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from decisions import capture
from decisions.emoji import is_one_of
from digest.links import message_link
from slack_export.archive import Export
from slack_export.directory import ExportChannel
from slack_export.json_files import elements
from slack_export.layout import DayFile
from slack_export.messages import Reading, decision_logger, read_message
from slack_export.progress import ProgressReport
from slack_export.summary import Summary
from store import channels, traffic
from store import decisions as decision_store

# Progress is reported every so many messages, so a huge day file still moves the bar.
PROGRESS_STEP = 1000


@dataclass(frozen=True)
class ImportRules:
    """What every channel of one import shares."""

    team_id: str
    # The workspace's decision emoji (its own choice, else HANDOFF_DECISION_EMOJI).
    decision_emoji: tuple[str, ...]
    # People of the workspace itself; in a channel shared with another organization only they file decisions.
    members: frozenset[str]
    # "https://acme.slack.com/" when Handoff knows it; else permalinks wait until it does.
    team_url: str | None
    # Traffic posted before this is not kept (the workspace's retention, counted from now).
    keep_after: datetime
    now: datetime
    # Day files that are not valid JSON: left out.
    unreadable: frozenset[str] = frozenset()


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
    candidates: list[tuple[str, datetime, str]] = []
    pending = 0
    for day in days:
        if day.name in rules.unreadable:
            continue
        for raw in elements(export, day.name):
            reading = read_message(rules.team_id, channel_id, raw)
            logger = _store(session=session, reading=reading, channel=channel, rules=rules, summary=summary)
            if logger is not None and reading.message is not None and reading.posted_at is not None:
                candidates.append((reading.message.ts, reading.posted_at, logger))
            pending += 1
            if pending == PROGRESS_STEP:
                progress.advance(pending)
                pending = 0
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
    channels.save_channel(
        session=session, info=info, now=rules.now, is_member=known.is_member if known is not None else False
    )
    # Not marked as read from Slack: the first event from the channel reads its current members.
    channels.replace_members(
        session=session,
        team_id=rules.team_id,
        channel_id=info.channel_id,
        user_ids=channel.members,
        now=rules.now,
        synced=False,
    )


def _store(
    *, session: Session, reading: Reading, channel: ExportChannel, rules: ImportRules, summary: Summary
) -> str | None:
    """Store one entry of a day file; returns who filed a decision on it, if anyone did."""
    message = reading.message
    if reading.skipped is not None or message is None or reading.posted_at is None:
        summary.skipped[reading.skipped or "unreadable entries"] += 1
        return None
    if reading.tombstone:
        summary.tombstones += 1
        traffic.record_deletion(
            session=session, team_id=rules.team_id, channel_id=message.channel_id, ts=message.ts, now=rules.now
        )
        capture.source_deleted(
            session=session,
            team_id=rules.team_id,
            channel_id=message.channel_id,
            ts=message.ts,
            now=rules.now,
            post_new=False,
        )
        return None
    if reading.edited_at is None:
        new = traffic.record_message(session=session, message=message, now=rules.now)
    else:
        before = traffic.get_message(
            session=session, team_id=rules.team_id, channel_id=message.channel_id, ts=message.ts
        )
        old_text = before.text if before is not None else None
        row = traffic.record_edit(session=session, message=message, edited_at=reading.edited_at, now=rules.now)
        new = before is None
        if not new and row.text != old_text:
            # An edit this store had not seen (a later export): the decision follows, as it would live.
            capture.source_edited(
                session=session,
                team_id=rules.team_id,
                channel_id=message.channel_id,
                ts=message.ts,
                text=row.text,
                now=reading.edited_at,
                post_new=False,
            )
    kept = reading.posted_at >= rules.keep_after
    _count(summary, reading, new=new, kept=kept)
    for name, users in reading.reactions:
        for user_id in users:
            added = traffic.add_reaction(
                session=session,
                team_id=rules.team_id,
                channel_id=message.channel_id,
                ts=message.ts,
                name=name,
                user_id=user_id,
                # When the reaction came is not in the export; it came after the message.
                now=reading.posted_at,
            )
            summary.reactions_new += added and kept
    if not reading.reactions:
        return None
    shared = channel.info.is_ext_shared
    return decision_logger(
        reading.reactions,
        is_decision_emoji=lambda name: is_one_of(rules.decision_emoji, name),
        # In a shared channel, someone of another organization cannot file one (as live).
        may_log=lambda user_id: not shared or user_id in rules.members,
    )


def _count(summary: Summary, reading: Reading, *, new: bool, kept: bool) -> None:
    message = reading.message
    assert message is not None
    if not kept:
        # Stored for the decisions' threads, then pruned with the rest of the channel's old traffic.
        summary.not_kept += 1
        return
    if not new:
        summary.messages_known += 1
        return
    summary.messages_new += 1
    summary.replies += message.thread_ts is not None and message.thread_ts != message.ts
    summary.edited += reading.edited_at is not None
    summary.from_bots += message.is_bot
    summary.notices += message.is_system


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
    row = traffic.get_message(session=session, team_id=rules.team_id, channel_id=channel_id, ts=ts)
    thread_ts = row.thread_ts if row is not None else None
    link = message_link(rules.team_url, rules.team_id, channel_id, ts, thread_ts) if rules.team_url else None
    prepared = capture.from_store(session=session, team_id=rules.team_id, channel_id=channel_id, ts=ts, permalink=link)
    if prepared is None:
        summary.skipped["decision emoji on a message deleted since"] += 1
        return
    # Filed when the message was posted (the reaction's own time is not in the export), so the log
    # reads in order and no morning catch-up reports months-old decisions as news.
    if capture.file_message(session=session, team_id=rules.team_id, prepared=prepared, logged_by=logger, now=posted_at):
        summary.decisions_new += 1
