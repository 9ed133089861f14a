"""Tenants stay apart under any sequence of share, disconnect, join, leave, install, uninstall and messages.

A hypothesis state machine drives the three-organization world of `tests.tenants` over real HTTP,
keeping its own model of the truth: which workspaces have Handoff installed, which channels each
can see, and whose Handoff is in which channel. After every step it checks two invariants:

(a) a workspace holds a channel's message only if, when it was said, that workspace's own Handoff
    was verifiably in the channel (installed, a member, and the channel shared with it);
(b) no workspace's rows change when another workspace installs, uninstalls or is purged.

Each example wipes the database and revokes every grant, so examples share one world.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select

from bot.clock import FixedClock
from store.models import Base, Message
from store.purge import workspace_tables
from tests.oauth import INITECH, ORG, OAuthWorld, install, oauth_world
from tests.support import event_body
from tests.tenants import BOTS, HOOLI, PEOPLE, WORKSPACES, add_hooli

GRID = frozenset({INITECH, HOOLI})
CHANNELS = 2
_example = itertools.count()


@pytest.fixture
def world(database_url: str, clock: FixedClock) -> Iterator[OAuthWorld]:
    with oauth_world(database_url, clock) as built:
        add_hooli(built)
        yield built


@dataclass
class Channel:
    """The truth about one channel: whose it is, who it is shared with, whose Handoff is in it."""

    host: str
    guests: set[str] = field(default_factory=set)
    bots: set[str] = field(default_factory=set)

    def seen_by(self) -> set[str]:
        return {self.host, *self.guests}


def _snapshot(world: OAuthWorld, team_id: str) -> list[tuple[str, list[str]]]:
    """Every row of the workspace, table by table, as text."""
    with world.deps.read_session_factory() as session:
        return [
            (
                table.name,
                sorted(repr(tuple(row)) for row in session.execute(select(table).where(table.c.team_id == team_id))),
            )
            for table in workspace_tables()
        ]


class Tenants(RuleBasedStateMachine):
    """Random sequences of what organizations do to shared channels and to their installs."""

    world: OAuthWorld

    def __init__(self) -> None:
        super().__init__()
        self.prefix = f"CP{next(_example)}X"
        self.channels: dict[str, Channel] = {}
        self.installed: set[str] = set()
        self.org_installed = False
        # (workspace, channel) → the ts of the messages it may hold.
        self.allowed: dict[tuple[str, str], set[str]] = {}
        self.serial = itertools.count(1)
        with self.world.deps.session_factory.begin() as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))
        for team_id in WORKSPACES:
            self.world.fake.oauth.uninstall(team_id)

    # -- the model ------------------------------------------------------------------------

    def served(self, team_id: str) -> bool:
        """Handoff acts in the workspace: its own installation, or (Initech) the org-wide one."""
        return team_id in self.installed or (self.org_installed and team_id == INITECH)

    def in_channel(self, channel: Channel) -> list[str]:
        """The workspaces whose own Handoff is verifiably in the channel now."""
        return sorted(t for t in channel.bots if t in channel.seen_by() and self.served(t))

    def deliver(self, to: str, event: dict[str, Any], *, happened_in: str | None = None) -> None:
        """Slack delivers an event to `to`'s installation; for a shared channel the envelope names the event's org."""
        org = ORG if to in GRID else None
        own = to in self.installed
        body = event_body(event, team_id=to, bot_user_id=BOTS[to], enterprise_id=org, is_enterprise_install=not own)
        body["is_ext_shared_channel"] = True
        body["enterprise_id"] = happened_in
        assert self.world.live.post_event(body).status_code == 200
        self.world.live.settle()

    def ts(self) -> str:
        return f"{1772434800 + next(self.serial)}.000100"

    def update_fake(self, channel_id: str) -> None:
        channel = self.channels[channel_id]
        members = [PEOPLE[t] for t in sorted(channel.seen_by())] + [BOTS[t] for t in sorted(channel.bots)]
        self.world.fake.update_channel(channel_id, members=members, shared_team_ids=sorted(channel.guests))

    # -- what organizations do ------------------------------------------------------------

    @initialize(
        hosts=st.lists(st.sampled_from(WORKSPACES), min_size=CHANNELS, max_size=CHANNELS),
        guests=st.lists(st.sets(st.sampled_from(WORKSPACES), max_size=2), min_size=CHANNELS, max_size=CHANNELS),
        installed=st.sets(st.sampled_from(WORKSPACES), min_size=2),
    )
    def begin(self, hosts: list[str], guests: list[set[str]], installed: set[str]) -> None:
        """Shared channels with Handoff already in them wherever installed, so that messages flow from the start."""
        for team_id in sorted(installed):
            self.install_workspace(team_id)
        for n, (host, shared) in enumerate(zip(hosts, guests, strict=True)):
            channel_id = f"{self.prefix}{n}"
            channel = self.channels[channel_id] = Channel(host, shared - {host})
            self.world.fake.add_channel(host, channel_id, name=channel_id.lower(), members=[PEOPLE[host]])
            self.update_fake(channel_id)
            for team_id in sorted(channel.seen_by() & self.installed):
                channel.bots.add(team_id)
                self.update_fake(channel_id)
                joined = {"type": "member_joined_channel", "user": BOTS[team_id], "channel": channel_id}
                self.deliver(team_id, joined)

    def pick(self, data: st.DataObject, options: list[Any]) -> Any:
        return data.draw(st.sampled_from(sorted(options)))

    def install_workspace(self, team_id: str) -> None:
        self._around({team_id}, lambda: install(self.world, PEOPLE[team_id]))
        self.installed.add(team_id)

    @precondition(lambda self: set(WORKSPACES) - self.installed - ({INITECH} if self.org_installed else set()))
    @rule(data=st.data())
    def install(self, data: st.DataObject) -> None:
        candidates = set(WORKSPACES) - self.installed - ({INITECH} if self.org_installed else set())
        self.install_workspace(self.pick(data, list(candidates)))

    @precondition(lambda self: not self.org_installed and INITECH not in self.installed)
    @rule()
    def install_org(self) -> None:
        self._around(GRID - self.installed, lambda: install(self.world, PEOPLE[INITECH], org_wide=True))
        self.org_installed = True

    @precondition(lambda self: bool(self.installed))
    @rule(data=st.data())
    def uninstall(self, data: st.DataObject) -> None:
        team_id = self.pick(data, list(self.installed))
        self.installed.discard(team_id)
        self._around({team_id}, lambda: self._uninstall(team_id, org_wide=False))
        self.bots_removed(team_id)

    @precondition(lambda self: self.org_installed)
    @rule()
    def uninstall_org(self) -> None:
        self.org_installed = False
        self._around(GRID - self.installed, lambda: self._uninstall(INITECH, org_wide=True))
        self.bots_removed(INITECH)

    def _uninstall(self, team_id: str, *, org_wide: bool) -> None:
        self.world.fake.oauth.uninstall(team_id)
        org = ORG if team_id in GRID else None
        for event in ({"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["B"]}}):
            body = event_body(
                event, team_id=team_id, bot_user_id=BOTS[team_id], enterprise_id=org, is_enterprise_install=org_wide
            )
            assert self.world.live.post_event(body).status_code == 200
        self.world.live.settle()

    def bots_removed(self, team_id: str) -> None:
        """Slack takes an uninstalled app's bot out of every channel, and tells the apps still there."""
        for channel_id, channel in self.channels.items():
            if team_id in channel.bots and not self.served(team_id):
                channel.bots.discard(team_id)
                self.update_fake(channel_id)
                for other in self.in_channel(channel)[:1]:
                    left = {"type": "member_left_channel", "user": BOTS[team_id], "channel": channel_id}
                    self.deliver(other, left)

    def _around(self, affected: Collection[str], action: Callable[[], object]) -> None:
        before = {t: _snapshot(self.world, t) for t in WORKSPACES if t not in affected}
        action()
        for team_id, rows in before.items():
            assert _snapshot(self.world, team_id) == rows, f"{team_id}'s rows changed when {sorted(affected)} did"

    def choices(self, wanted: Callable[[str, Channel, str], bool]) -> list[tuple[str, str]]:
        """Every (channel, workspace) pair for which `wanted` holds."""
        return [(c, t) for c, channel in self.channels.items() for t in WORKSPACES if wanted(c, channel, t)]

    @precondition(lambda self: self.choices(lambda c, ch, t: t not in ch.seen_by()))
    @rule(data=st.data())
    def share(self, data: st.DataObject) -> None:
        channel_id, guest = self.pick(data, self.choices(lambda c, ch, t: t not in ch.seen_by()))
        channel = self.channels[channel_id]
        channel.guests.add(guest)
        self.update_fake(channel_id)
        for team_id in self.in_channel(channel):
            self.deliver(team_id, {"type": "channel_shared", "connected_team_id": guest, "channel": channel_id})

    @precondition(lambda self: self.choices(lambda c, ch, t: t in ch.guests))
    @rule(data=st.data())
    def disconnect(self, data: st.DataObject) -> None:
        channel_id, guest = self.pick(data, self.choices(lambda c, ch, t: t in ch.guests))
        channel = self.channels[channel_id]
        told = self.in_channel(channel)
        channel.guests.discard(guest)
        channel.bots.discard(guest)
        self.update_fake(channel_id)
        event = {"type": "channel_unshared", "previously_connected_team_id": guest, "channel": channel_id}
        for team_id in told:
            self.deliver(team_id, {**event, "is_ext_shared": bool(channel.guests)})

    def joinable(self, channel_id: str, channel: Channel, team_id: str) -> bool:
        return team_id not in channel.bots and team_id in channel.seen_by() and self.served(team_id)

    @precondition(lambda self: self.choices(self.joinable))
    @rule(data=st.data(), via=st.integers(0, 3))
    def join(self, data: st.DataObject, via: int) -> None:
        channel_id, team_id = self.pick(data, self.choices(self.joinable))
        channel = self.channels[channel_id]
        channel.bots.add(team_id)
        self.update_fake(channel_id)
        # Slack delivers it once, to one of the installations in the channel: perhaps another organization's.
        receivers = self.in_channel(channel)
        event = {"type": "member_joined_channel", "user": BOTS[team_id], "channel": channel_id, "event_ts": self.ts()}
        self.deliver(receivers[via % len(receivers)], event)

    @precondition(lambda self: self.choices(lambda c, ch, t: t in ch.bots))
    @rule(data=st.data(), via=st.integers(0, 3))
    def leave(self, data: st.DataObject, via: int) -> None:
        channel_id, team_id = self.pick(data, self.choices(lambda c, ch, t: t in ch.bots))
        channel = self.channels[channel_id]
        was_served = team_id in self.in_channel(channel)
        channel.bots.discard(team_id)
        self.update_fake(channel_id)
        if was_served:
            self.deliver(team_id, {"type": "channel_left", "channel": channel_id})
        if receivers := self.in_channel(channel):
            left = {"type": "member_left_channel", "user": BOTS[team_id], "channel": channel_id}
            self.deliver(receivers[via % len(receivers)], left)

    @precondition(lambda self: bool(self.channels))
    @rule(data=st.data(), via=st.integers(0, 3))
    def say(self, data: st.DataObject, via: int) -> None:
        channel_id, author = self.pick(data, self.choices(lambda c, ch, t: t in ch.seen_by()))
        channel = self.channels[channel_id]
        ts = self.ts()
        self.world.fake.add_message(channel_id, ts=ts, user=PEOPLE[author], text=f"note {ts}")
        receivers = self.in_channel(channel)
        for team_id in receivers:
            self.allowed.setdefault((team_id, channel_id), set()).add(ts)
        if receivers:
            event = {"type": "message", "channel": channel_id, "user": PEOPLE[author], "text": f"note {ts}"}
            happened_in = ORG if author in GRID else None
            self.deliver(receivers[via % len(receivers)], {**event, "ts": ts, "event_ts": ts}, happened_in=happened_in)

    # -- the invariants -------------------------------------------------------------------

    @invariant()
    def content_only_while_handoff_was_in(self) -> None:
        if not self.channels:
            return
        with self.world.deps.read_session_factory() as session:
            held = session.execute(
                select(Message.team_id, Message.channel_id, Message.ts).where(Message.channel_id.in_(self.channels))
            ).all()
        for team_id, channel_id, ts in held:
            assert ts in self.allowed.get((team_id, channel_id), set()), (
                f"{team_id} holds {channel_id}'s message {ts}, said while its Handoff was not verifiably there"
            )


def test_tenants_stay_apart_under_any_sequence(world: OAuthWorld) -> None:
    Tenants.world = world
    run_state_machine_as_test(
        Tenants,
        settings=settings(
            max_examples=5,
            stateful_step_count=10,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
