"""A channel's traffic from an export into `store.traffic`: messages and reactions in batches.

A message the store does not have goes in as the export has it (an edited one with its final
text and edit time, as `record_edit` stores an edit that overtook its message); one it has
already takes the edit through `record_edit`, and its decision follows. Batches are written in the
export's order and flushed before a tombstone, so that a deletion comes after what it deletes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from decisions import capture
from decisions.emoji import is_one_of
from slack_export.messages import Reading, decision_logger
from slack_export.rules import ImportRules
from slack_export.summary import Summary
from store import traffic
from store.traffic import IncomingReaction

# Messages per INSERT: large enough to spread each statement's cost, small enough to stay light.
BATCH = 500


class TrafficWriter:
    """Writes one channel's entries in its transaction and counts them into `summary`."""

    def __init__(self, *, session: Session, rules: ImportRules, summary: Summary, shared: bool) -> None:
        self._session = session
        self._rules = rules
        self._summary = summary
        # A channel shared with another organization: only the workspace's own people file decisions (as live).
        self._shared = shared
        self._messages: list[Reading] = []
        self._reactions: list[IncomingReaction] = []

    def add(self, reading: Reading) -> str | None:
        """Store one entry of a day file (perhaps later, in a batch); returns who filed a decision on it, if anyone."""
        message = reading.message
        if reading.skipped is not None or message is None or reading.posted_at is None:
            self._summary.skipped[reading.skipped or "unreadable entries"] += 1
            return None
        if reading.tombstone:
            self.flush()
            self._tombstone(reading)
            return None
        self._messages.append(reading)
        self._reactions.extend(
            IncomingReaction(
                team_id=message.team_id,
                channel_id=message.channel_id,
                ts=message.ts,
                name=name,
                user_id=user_id,
                # When the reaction came is not in the export; it came after the message.
                added_at=reading.posted_at,
            )
            for name, users in reading.reactions
            for user_id in users
        )
        if len(self._messages) >= BATCH or len(self._reactions) >= BATCH:
            self.flush()
        if not reading.reactions:
            return None
        return decision_logger(
            reading.reactions,
            is_decision_emoji=lambda name: is_one_of(self._rules.decision_emoji, name),
            may_log=lambda user_id: not self._shared or user_id in self._rules.members,
        )

    def flush(self) -> None:
        """Write what is batched."""
        if self._messages:
            edited = {r.message.ts: r.edited_at for r in self._messages if r.message and r.edited_at}
            new = traffic.record_messages(
                session=self._session,
                messages=[r.message for r in self._messages if r.message],
                now=self._rules.now,
                edited=edited,
            )
            for reading in self._messages:
                assert reading.message is not None
                is_new = reading.message.ts in new
                if not is_new and reading.edited_at is not None:
                    self._edit_known(reading)
                self._count(reading, new=is_new)
                # A ts twice in one export is one message.
                new.discard(reading.message.ts)
            self._messages = []
        if self._reactions:
            added = traffic.add_reactions(session=self._session, reactions=self._reactions)
            self._summary.reactions_new += sum(posted_at >= self._rules.keep_after for posted_at in added)
            self._reactions = []

    def _tombstone(self, reading: Reading) -> None:
        message = reading.message
        assert message is not None
        self._summary.tombstones += 1
        traffic.record_deletion(
            session=self._session,
            team_id=message.team_id,
            channel_id=message.channel_id,
            ts=message.ts,
            now=self._rules.now,
        )
        capture.source_deleted(
            session=self._session,
            team_id=message.team_id,
            channel_id=message.channel_id,
            ts=message.ts,
            now=self._rules.now,
            post_new=False,
        )

    def _edit_known(self, reading: Reading) -> None:
        """An edited message the store already holds: the edit goes through `record_edit` (newer edits only)."""
        message, edited_at = reading.message, reading.edited_at
        assert message is not None and edited_at is not None
        session = self._session
        before = traffic.get_message(
            session=session, team_id=message.team_id, channel_id=message.channel_id, ts=message.ts
        )
        old_text = before.text if before is not None else None
        row = traffic.record_edit(session=session, message=message, edited_at=edited_at, now=self._rules.now)
        if row.text != old_text:
            # An edit this store had not seen (a later export): the decision follows, as it would live.
            capture.source_edited(
                session=session,
                team_id=message.team_id,
                channel_id=message.channel_id,
                ts=message.ts,
                text=row.text,
                now=edited_at,
                post_new=False,
            )

    def _count(self, reading: Reading, *, new: bool) -> None:
        message, summary = reading.message, self._summary
        assert message is not None and reading.posted_at is not None
        if reading.posted_at < self._rules.keep_after:
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
