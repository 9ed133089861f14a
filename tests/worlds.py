"""Random workspaces for isolation properties: who is in which channel, what was said and decided there.

A `WorldPlan` is drawn by hypothesis; `seed` writes it through Handoff's own store functions under
fresh team ids (so examples share one database without seeing each other) and returns a `World`
that knows, for every row, who may see it. Each message, decision and held ping carries a unique
marker word (`mk` + hex), so a test finds what a path showed by searching its output for markers.

Channel and user ids repeat across workspaces on purpose, as they do on Enterprise Grid (W… users)
and in shared channels: a query that forgets `team_id` then mixes workspaces, and a test notices.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from bot.deps import Deps
from digest.admin import set_excluded
from digest.links import message_link
from store import catchups, channels, held_pings, people, teams
from store import decisions as decision_store
from store import mentions as mention_store
from store import traffic as traffic_store
from store.channels import ChannelInfo
from store.decisions import Details, NewDecision
from store.held_pings import NewPing
from store.mentions import OffHoursMention
from store.people import Profile
from store.slack_time import datetime_to_ts
from store.traffic import IncomingMessage

USERS = ("U1", "U2", "U3", "W4")
CHANNEL_IDS = ("C1", "C2", "G1", "G2", "D1")
NAMES = ("general", "leads", "random")
HANDLES = ("ana", "bo", "cy", "dee")
WORDS = ("budget", "rollout", "vendor")
STATUSES = ("accepted", "proposed", "retracted")
ZONES = ("UTC", "Europe/Berlin")
# A Monday: in Berlin the day starts at 08:00 UTC, in UTC at 09:00; the traffic is the day before.
MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY_BEFORE = MORNING - timedelta(hours=23)
MARKER = re.compile(r"mk[0-9a-f]{12}")

_counter = itertools.count()


@dataclass(frozen=True)
class ChannelPlan:
    channel_id: str
    name: str
    kind: str  # public, private, im, mpim
    members: frozenset[str]
    excluded: bool
    # Handoff's own bot is in it (as Slack said); Slack stopped letting the workspace read it.
    handoff_in: bool = True
    lost: bool = False


@dataclass(frozen=True)
class MessagePlan:
    channel_id: str
    user_id: str
    minute: int
    mentions: tuple[str, ...]
    reply_to: int | None
    is_bot: bool


@dataclass(frozen=True)
class DecisionPlan:
    channel_id: str
    author_id: str
    word: str
    status: str
    owner_id: str | None
    minute: int


@dataclass(frozen=True)
class PingPlan:
    sender_id: str
    recipient_id: str


@dataclass(frozen=True)
class TeamPlan:
    channels: tuple[ChannelPlan, ...]
    messages: tuple[MessagePlan, ...]
    decisions: tuple[DecisionPlan, ...]
    pings: tuple[PingPlan, ...]
    handles: tuple[str, ...]  # each user's handle, in USERS order
    zones: tuple[str, ...]
    engaged: frozenset[str]
    left_out: tuple[frozenset[str], ...]  # channels each user left out of their catch-up, in USERS order


@dataclass(frozen=True)
class WorldPlan:
    teams: tuple[TeamPlan, ...]


@st.composite
def team_plans(draw: st.DrawFn) -> TeamPlan:
    """One workspace: a few channels of every kind, a day of traffic, some decisions and held pings."""
    ids = draw(st.lists(st.sampled_from(CHANNEL_IDS), min_size=1, max_size=4, unique=True))
    planned = []
    for channel_id in ids:
        if channel_id.startswith("D"):
            kind, members = "im", frozenset(draw(st.lists(st.sampled_from(USERS), min_size=2, max_size=2, unique=True)))
        else:
            kind = draw(st.sampled_from(("public", "private") if channel_id.startswith("C") else ("private", "mpim")))
            members = frozenset(draw(st.sets(st.sampled_from(USERS), max_size=len(USERS))))
        # Now and then Handoff was removed from a channel, or Slack stopped letting the workspace read it.
        handoff_in = kind == "im" or draw(st.integers(0, 4)) > 0
        lost = kind != "im" and draw(st.integers(0, 9)) == 0
        name = draw(st.sampled_from(NAMES))
        planned.append(ChannelPlan(channel_id, name, kind, members, draw(st.booleans()), handoff_in, lost))
    messages: list[MessagePlan] = []
    # Oldest first, so a reply always comes after the message it answers.
    for minute in sorted(draw(st.lists(st.integers(0, 22 * 60), max_size=8))):
        channel = draw(st.sampled_from(planned))
        earlier = [n for n, m in enumerate(messages) if m.channel_id == channel.channel_id and m.reply_to is None]
        messages.append(
            MessagePlan(
                channel_id=channel.channel_id,
                user_id=draw(st.sampled_from(USERS)),
                minute=minute,
                mentions=tuple(draw(st.lists(st.sampled_from(USERS), max_size=2, unique=True))),
                reply_to=draw(st.sampled_from([None, *earlier])),
                is_bot=draw(st.integers(0, 3)) == 0,
            )
        )
    decisions = [
        DecisionPlan(
            channel_id=draw(st.sampled_from(planned)).channel_id,
            author_id=draw(st.sampled_from(USERS)),
            word=draw(st.sampled_from(WORDS)),
            status=draw(st.sampled_from(STATUSES)),
            owner_id=draw(st.sampled_from((None, *USERS))),
            minute=draw(st.integers(0, 22 * 60)),
        )
        for _ in range(draw(st.integers(0, 5)))
    ]
    pings = draw(st.lists(st.builds(PingPlan, st.sampled_from(USERS), st.sampled_from(USERS)), max_size=3))
    left_out = tuple(frozenset(draw(st.sets(st.sampled_from(ids), max_size=2))) for _ in USERS)
    return TeamPlan(
        channels=tuple(planned),
        messages=tuple(messages),
        decisions=tuple(decisions),
        pings=tuple(pings),
        handles=tuple(draw(st.lists(st.sampled_from(HANDLES), min_size=len(USERS), max_size=len(USERS)))),
        zones=tuple(draw(st.lists(st.sampled_from(ZONES), min_size=len(USERS), max_size=len(USERS)))),
        engaged=frozenset(draw(st.sets(st.sampled_from(USERS), min_size=1))),
        left_out=left_out,
    )


def world_plans(*, max_teams: int = 3) -> st.SearchStrategy[WorldPlan]:
    """Two or more workspaces."""
    return st.builds(WorldPlan, st.lists(team_plans(), min_size=2, max_size=max_teams).map(tuple))


@dataclass(frozen=True)
class Row:
    """Something a marker stands for, and where it lives."""

    marker: str
    kind: str  # message, decision, ping
    team_id: str
    channel_id: str | None
    # A ping's recipient; a message's or decision's author.
    user_id: str
    status: str = "accepted"
    is_bot: bool = False
    owner_id: str | None = None


@dataclass
class World:
    """A seeded plan: its workspaces' ids, each channel's plan, and every marked row."""

    team_ids: list[str]
    plans: dict[str, TeamPlan]
    rows: list[Row] = field(default_factory=list)

    def channel(self, team_id: str, channel_id: str) -> ChannelPlan:
        return next(c for c in self.plans[team_id].channels if c.channel_id == channel_id)

    def is_member(self, team_id: str, user_id: str, channel_id: str) -> bool:
        return user_id in self.channel(team_id, channel_id).members

    def shown(self, team_id: str, channel_id: str) -> bool:
        """Whether the channel's content may be shown at all: Handoff can vouch for who is in it."""
        channel = self.channel(team_id, channel_id)
        return not channel.lost and (channel.kind == "public" or channel.handoff_in)

    def reads(self, team_id: str, user_id: str, channel_id: str) -> bool:
        """A member of the channel who may see its content."""
        return self.is_member(team_id, user_id, channel_id) and self.shown(team_id, channel_id)

    def may_see(self, team_id: str, user_id: str, row: Row) -> bool:
        """The visibility rule: the viewer's own workspace, a channel shown at all, and public or theirs."""
        if row.team_id != team_id:
            return False
        if row.channel_id is None:
            return row.user_id == user_id
        channel = self.channel(team_id, row.channel_id)
        shown = self.shown(team_id, row.channel_id)
        return shown and (channel.kind == "public" or user_id in channel.members)

    def by_marker(self) -> dict[str, Row]:
        return {row.marker: row for row in self.rows}

    def markers_in(self, text: str) -> list[Row]:
        """The rows whose markers appear in `text` (markers of no row fail the test: they came from nowhere)."""
        known = self.by_marker()
        found = MARKER.findall(text)
        unknown = [marker for marker in found if marker not in known]
        assert not unknown, f"markers of no row: {unknown}"
        return [known[marker] for marker in dict.fromkeys(found)]

    def viewers(self) -> list[tuple[str, str]]:
        """Every (workspace, person) pair."""
        return [(team_id, user_id) for team_id in self.team_ids for user_id in USERS]

    def left_out(self, team_id: str, user_id: str) -> frozenset[str]:
        return self.plans[team_id].left_out[USERS.index(user_id)]


def _marker() -> str:
    return f"mk{uuid.uuid4().hex[:12]}"


def seed(deps: Deps, plan: WorldPlan) -> World:
    """Write the plan under fresh team ids through the store's own functions."""
    world = World(team_ids=[], plans={})
    for team_plan in plan.teams:
        team_id = f"T{next(_counter):04d}{uuid.uuid4().hex[:6].upper()}"
        world.team_ids.append(team_id)
        world.plans[team_id] = team_plan
        _seed_team(deps, world, team_id, team_plan)
    return world


def _seed_team(deps: Deps, world: World, team_id: str, plan: TeamPlan) -> None:
    url = f"https://{team_id.lower()}.slack.com/"
    with deps.session_factory.begin() as session:
        row = teams.ensure_team(session=session, team_id=team_id, now=DAY_BEFORE)
        row.url, row.bot_user_id = url, "UBOT"
        for user_id, handle, zone in zip(USERS, plan.handles, plan.zones, strict=True):
            profile = Profile(team_id, user_id, name=handle, display_name=handle, tz=zone)
            people.save_profile(session=session, profile=profile, now=DAY_BEFORE)
        for channel in plan.channels:
            info = ChannelInfo(
                team_id,
                channel.channel_id,
                channel.name,
                is_private=channel.kind == "private",
                is_im=channel.kind == "im",
                is_mpim=channel.kind == "mpim",
                is_member=channel.handoff_in,
            )
            channels.save_channel(session=session, info=info, now=DAY_BEFORE)
            channels.replace_members(
                session=session,
                team_id=team_id,
                channel_id=channel.channel_id,
                user_ids=channel.members,
                now=DAY_BEFORE,
            )
            if channel.lost:
                channels.lose_access(session=session, team_id=team_id, channel_id=channel.channel_id, now=DAY_BEFORE)
        stamps: list[str] = []
        for n, message in enumerate(plan.messages):
            at = DAY_BEFORE + timedelta(minutes=message.minute, microseconds=n)
            ts = datetime_to_ts(at)
            stamps.append(ts)
            marker = _marker()
            mentioned = " ".join(f"<@{user}>" for user in message.mentions)
            parent = stamps[message.reply_to] if message.reply_to is not None else None
            incoming = IncomingMessage(
                team_id=team_id,
                channel_id=message.channel_id,
                ts=ts,
                text=f"{marker} {mentioned} about the plan?".replace("  ", " "),
                user_id=message.user_id,
                thread_ts=parent,
                is_bot=message.is_bot,
            )
            traffic_store.record_message(session=session, message=incoming, now=at)
            world.rows.append(
                Row(marker, "message", team_id, message.channel_id, message.user_id, is_bot=message.is_bot)
            )
            for recipient in message.mentions:
                mention = OffHoursMention(team_id, message.channel_id, ts, message.user_id, recipient, at)
                mention_store.record(session=session, mention=mention)
        for decision_plan in plan.decisions:
            at = DAY_BEFORE + timedelta(minutes=decision_plan.minute)
            marker = _marker()
            new = NewDecision(
                team_id=team_id,
                channel_id=decision_plan.channel_id,
                text=f"{marker} we settle the {decision_plan.word}",
                logged_by=decision_plan.author_id,
                source="command",
                author_id=decision_plan.author_id,
                permalink=message_link(url, team_id, decision_plan.channel_id, datetime_to_ts(at)),
                status="proposed" if decision_plan.status == "proposed" else "accepted",
            )
            decision, _ = decision_store.file(session=session, new=new, now=at)
            if decision_plan.owner_id:
                details = Details(owner_id=decision_plan.owner_id, review_by=(MORNING + timedelta(days=7)).date())
                decision_store.set_details(
                    session=session, decision=decision, details=details, actor_id=decision_plan.author_id, now=at
                )
            if decision_plan.status == "retracted":
                decision_store.retract(session=session, decision=decision, actor_id=decision_plan.author_id, now=at)
            world.rows.append(
                Row(
                    marker,
                    "decision",
                    team_id,
                    decision_plan.channel_id,
                    decision_plan.author_id,
                    status=decision_plan.status,
                    owner_id=decision_plan.owner_id,
                )
            )
        for ping in plan.pings:
            marker = _marker()
            new_ping = NewPing(team_id, ping.sender_id, ping.recipient_id, f"{marker} when you are in", MORNING)
            held_pings.add(session=session, new=new_ping, now=DAY_BEFORE)
            world.rows.append(Row(marker, "ping", team_id, None, ping.recipient_id))
        for user_id in plan.engaged:
            catchups.engage(session=session, team_id=team_id, user_id=user_id, now=DAY_BEFORE)
        for user_id, left_out in zip(USERS, plan.left_out, strict=True):
            if left_out:
                catchups.change_prefs(
                    session=session,
                    team_id=team_id,
                    user_id=user_id,
                    now=DAY_BEFORE,
                    excluded_channels=",".join(sorted(left_out)),
                )
    for channel in plan.channels:
        if channel.excluded:
            set_excluded(deps, team_id=team_id, actor_id="U1", raw=f"<#{channel.channel_id}>", exclude=True)
