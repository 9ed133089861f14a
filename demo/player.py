"""Playing the night through Handoff's own paths: the inbox and the tick, `/later`'s send, the modal's supersede.

Messages and reactions become Events API envelopes stored in the inbox, exactly as the Bolt
middleware stores them; the player processes them as `serve`'s event worker would (the tick
only takes over what a worker left behind), then the tick posts decision messages and delivers
what is due. Between beats the clock jumps to each planned catch-up, so every person's morning
comes from the tick at their own working-hours start.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.clock import FixedClock
from bot.deps import Deps
from bot.inbox_writer import InboxWriter
from bot.tick import run_tick
from decisions import sync
from demo.desk import Desk, Posted
from demo.night import Beat, CatchUpsForEveryone, Later, React, Say, Supersede
from demo.world import BOT_USER_ID, PEOPLE, TEAM_ID, Person
from digest import admin
from digest.delivery import METADATA_TYPE
from ingest.drain import drain_inbox
from ingest.runner import Processor
from pings import sending
from store import catchups
from store import decisions as decision_store
from store.inbox import Delivery


@dataclass(frozen=True)
class NightLine:
    """One beat as the narration tells it: when, who, what (mrkdwn), and what Handoff answered them."""

    at: datetime
    who: Person
    what: str
    answers: tuple[str, ...] = ()


@dataclass
class Player:
    """Plays beats at their instants and ticks at each planned catch-up in between."""

    deps: Deps
    processors: Mapping[str, Processor]
    writer: InboxWriter
    desk: Desk
    clock: FixedClock
    narration: list[NightLine] = field(default_factory=list)
    # What the ticks reported, summed, and the pings `/later` held.
    counts: Counter[str] = field(default_factory=Counter)
    # Script keys of messages → (channel id, ts).
    messages: dict[str, tuple[str, str]] = field(default_factory=dict)
    _events: int = field(default=0, init=False)

    def play(self, beat: Beat) -> None:
        """Deliver the catch-ups due before the beat, then do it and run the tick at its instant."""
        self.mornings(until=beat.at)
        self.clock.instant = beat.at
        told, posted = len(self.desk.ephemeral), len(self.desk.posted)
        answers: list[str] = []
        if isinstance(beat, Say):
            what = self._say(beat)
        elif isinstance(beat, React):
            what = self._react(beat)
        elif isinstance(beat, Supersede):
            what = self._supersede(beat)
        elif isinstance(beat, Later):
            what, answers = self._later(beat)
        else:
            what, answers = self._catchups_for_everyone(beat)
        self._tick()
        answers += [_confirmation(message) for message in self.desk.posted[posted:] if message.thread_ts]
        answers += [f"(only they see) {note.text}" for note in self.desk.ephemeral[told:]]
        self.narration.append(NightLine(beat.at, beat.user, what, tuple(answers)))

    def mornings(self, *, until: datetime) -> None:
        """Tick at each planned first catch-up up to `until`, in order."""
        while (due := self._next_morning()) is not None and due <= until:
            self.clock.instant = due
            self._tick()

    def caught_up(self) -> set[str]:
        """Who has had their catch-up."""
        return {
            person.user_id
            for person in PEOPLE
            if any((m.metadata or {}).get("event_type") == METADATA_TYPE for m in self.desk.dms_to(person.user_id))
        }

    def _next_morning(self) -> datetime | None:
        waiting = [p.user_id for p in PEOPLE if p.user_id not in self.caught_up()]
        with self.deps.read_session_factory() as session:
            planned = [catchups.planned_due(session=session, team_id=TEAM_ID, user_id=u) for u in waiting]
        later = [due for due in planned if due is not None and due > self.clock.now()]
        return min(later, default=None)

    def _tick(self) -> None:
        # The event worker's part first: the demo runs no worker process.
        for outcome, count in drain_inbox(self.deps, self.processors).items():
            self.counts[f"events_{outcome.value}"] += count
        self.counts.update(run_tick(self.deps, self.processors).counts)

    def _event(self, event: dict[str, Any]) -> None:
        """Store an Events API envelope in the inbox, as the Bolt middleware does before it acks."""
        self._events += 1
        event_id = f"Ev0DEMO{self._events:05d}"
        body = {
            "token": "demo",
            "team_id": TEAM_ID,
            "api_app_id": "A0HANDOFF",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(self.clock.now().timestamp()),
            "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
            "is_ext_shared_channel": False,
        }
        self.writer.record(Delivery(event_id, TEAM_ID, str(event["type"]), json.dumps(body, separators=(",", ":"))))

    def _say(self, beat: Say) -> str:
        ts = self.desk.next_ts()
        message: dict[str, Any] = {"type": "message", "user": beat.user.user_id, "text": beat.text, "ts": ts}
        if beat.thread is not None:
            message["thread_ts"] = self.messages[beat.thread][1]
        self.desk.add_message(beat.channel.channel_id, message)
        channel_type = "group" if beat.channel.is_private else "channel"
        self._event({**message, "channel": beat.channel.channel_id, "event_ts": ts, "channel_type": channel_type})
        if beat.key is not None:
            self.messages[beat.key] = (beat.channel.channel_id, ts)
        where = f"in the thread in <#{beat.channel.channel_id}>" if beat.thread else f"in <#{beat.channel.channel_id}>"
        return f"{where}: {beat.text}"

    def _react(self, beat: React) -> str:
        channel_id, ts = self.messages[beat.key]
        self._event(
            {
                "type": "reaction_added",
                "user": beat.user.user_id,
                "reaction": beat.emoji,
                "item": {"type": "message", "channel": channel_id, "ts": ts},
                "event_ts": self.desk.next_ts(),
            }
        )
        return f"reacts :{beat.emoji}: in <#{channel_id}>: files it as a decision"

    def _supersede(self, beat: Supersede) -> str:
        """What submitting the *Supersede…* modal does (`handlers.decision_modals.on_supersede_submitted`)."""
        now = self.deps.clock.now()
        (channel_id, newer_ts), (_, older_ts) = self.messages[beat.newer], self.messages[beat.older]
        with self.deps.session_factory.begin() as session:
            newer = decision_store.for_message(session=session, team_id=TEAM_ID, channel_id=channel_id, ts=newer_ts)
            older = decision_store.for_message(session=session, team_id=TEAM_ID, channel_id=channel_id, ts=older_ts)
            if newer is None or older is None:
                raise RuntimeError(f"the demo's decisions {beat.newer!r} and {beat.older!r} were not filed")
            decision_store.supersede(session=session, newer=newer, older=older, actor_id=beat.user.user_id, now=now)
            sync.schedule(session=session, decision=newer, now=now)
            sync.schedule(session=session, decision=older, now=now)
        sync.deliver_due(self.deps)
        return f"*Supersede…* on Handoff's message about their decision in <#{channel_id}>: it replaces the earlier one"

    def _later(self, beat: Later) -> tuple[str, list[str]]:
        result = sending.send(
            self.deps,
            team_id=TEAM_ID,
            sender_id=beat.user.user_id,
            recipients=[beat.recipient.user_id],
            text=beat.text,
            urgent=False,
            source=sending.Source(channel_id=beat.channel.channel_id),
        )
        if isinstance(result, sending.CapReached):
            raise RuntimeError("the demo's pings are not urgent: no cap applies")
        self.counts.update(pings_held=sum(1 for outcome in result if outcome.ping_id is not None and not outcome.sent))
        answers = [f"<@{outcome.recipient_id}>: {outcome.summary}" for outcome in result]
        return f"/later <@{beat.recipient.user_id}> {beat.text}", answers

    def _catchups_for_everyone(self, beat: CatchUpsForEveryone) -> tuple[str, list[str]]:
        answer = admin.set_everyone(self.deps, team_id=TEAM_ID, actor_id=beat.user.user_id, raw="everyone")
        return "/handoff catchup everyone", [answer]


def _confirmation(message: Posted) -> str:
    """Handoff's message about a decision, in a line: what it says first, and its buttons."""
    head = message.text.split(": ", 1)[0]
    buttons = [
        f"[{element['text']['text']}]"
        for block in message.blocks
        if block.get("type") == "actions"
        for element in block.get("elements") or []
    ]
    return f"(in the thread) {head} {' '.join(buttons)}".rstrip()
