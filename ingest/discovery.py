"""Learning about channels and people on first sight: read Slack outside any transaction, save inside."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.deps import Deps
from bot.slack_failures import SLACK_CALL_ERRORS, classify
from ingest.known import KnownCache
from ingest.slack_objects import channel_info_from_conversation, profile_from_user
from store import channels, people, teams
from store.channels import ChannelInfo
from store.people import Profile

logger = logging.getLogger(__name__)

MEMBERS_PAGE = 1000
# Slack failed without saying how long to wait: ask again after this long.
BUSY_RETRY = timedelta(minutes=1)
# Slack answers these for a conversation or user Handoff cannot read; the event still counts.
UNREADABLE = frozenset(
    {"channel_not_found", "not_in_channel", "user_not_found", "method_not_supported_for_channel_type"}
)


@dataclass
class Discovered:
    """What Slack told us about channels and people we had not seen, and what we know is stored."""

    channels: list[tuple[ChannelInfo, list[str]]] = field(default_factory=list)
    # Channels Slack would not let this workspace read (channel_not_found, not_in_channel).
    unreadable: list[str] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    # (kind, id) of every channel and person that is stored once `save` commits.
    stored: list[tuple[str, str]] = field(default_factory=list)
    # Slack could not be asked (rate-limited, failing, slow): ask again after this long. None: it answered.
    busy_for: timedelta | None = None

    team_id: str = ""

    def save(self, *, session: Session, now: datetime) -> None:
        """Store it, inside the caller's unit of work."""
        for info, member_ids in self.channels:
            channels.save_channel(session=session, info=info, now=now)
            channels.replace_members(
                session=session,
                team_id=info.team_id,
                channel_id=info.channel_id,
                user_ids=member_ids,
                now=now,
            )
        for channel_id in self.unreadable:
            # A channel on record that Slack no longer lets this workspace read: fail closed.
            if channels.lose_access(session=session, team_id=self.team_id, channel_id=channel_id, now=now):
                logger.warning("channel %s of %s can no longer be read: hidden", channel_id, self.team_id)
        for profile in self.profiles:
            people.save_profile(session=session, profile=profile, now=now)


def discover(
    *,
    session_factory: sessionmaker[Session],
    client: WebClient,
    team_id: str,
    channel_ids: Iterable[str] = (),
    user_ids: Iterable[str] = (),
    refresh_channels: bool = False,
    known: KnownCache,
    now: datetime,
    enterprise_id: str | None,
    bot_user_id: str | None = None,
) -> Discovered:
    """Fetch the channels (info and members) and people Handoff does not know yet, or cannot vouch for.

    `enterprise_id` is the workspace's own Enterprise Grid org (None when standalone): a person is
    one of the workspace's own only when of the workspace, or of that same org.

    A channel is read again when Handoff's record of it is not from Slack, says Handoff is not in
    it, or says Slack stopped letting the workspace read it: an event from it means that changed.
    """
    wanted_channels = sorted({c for c in channel_ids if c})
    wanted_users = sorted({u for u in user_ids if u})
    found = Discovered(
        stored=[("channel", c) for c in wanted_channels] + [("person", u) for u in wanted_users], team_id=team_id
    )
    if not refresh_channels:
        wanted_channels = [c for c in wanted_channels if not known.knows("channel", team_id, c, now)]
    wanted_users = [u for u in wanted_users if not known.knows("person", team_id, u, now)]
    if not wanted_channels and not wanted_users:
        return found
    with session_factory() as session:
        if not refresh_channels:
            wanted_channels = [
                c
                for c in wanted_channels
                if (row := channels.get_channel(session=session, team_id=team_id, channel_id=c)) is None
                or row.members_synced_at is None
                or not row.is_member
                or row.access_lost_at is not None
            ]
        if wanted_channels and bot_user_id is None:
            bot_user_id = teams.bot_user_of(session=session, team_id=team_id)
        wanted_users = [
            u for u in wanted_users if people.get_person(session=session, team_id=team_id, user_id=u) is None
        ]
    for channel_id in wanted_channels:
        fetched = _fetch_channel(client, team_id, channel_id, bot_user_id)
        if fetched is not None:
            found.channels.append(fetched)
        else:
            found.unreadable.append(channel_id)
            found.stored.remove(("channel", channel_id))
    for user_id in wanted_users:
        profile = _fetch_profile(client, team_id, user_id, enterprise_id)
        if profile is not None:
            found.profiles.append(profile)
        else:
            found.stored.remove(("person", user_id))
    return found


def learn(deps: Deps, *, team_id: str, channel_ids: Iterable[str] = (), user_ids: Iterable[str] = ()) -> Discovered:
    """Outside any event: read the channels and people Handoff has not stored (save the result in a unit of work).

    A command or an interaction may name a channel or person no event has brought yet. Slack being
    busy must not fail the command: what could not be read is learned from the next event.
    """
    with deps.read_session_factory() as session:
        enterprise_id = teams.enterprise_of(session=session, team_id=team_id)
    try:
        return discover(
            session_factory=deps.read_session_factory,
            client=deps.slack.for_team(team_id),
            team_id=team_id,
            channel_ids=channel_ids,
            user_ids=user_ids,
            known=KnownCache(),
            now=deps.clock.now(),
            enterprise_id=enterprise_id,
        )
    except SLACK_CALL_ERRORS as exc:
        failure = classify(exc, permanent=frozenset())
        logger.warning("could not read channels or people in %s: %s", team_id, failure.error)
        return Discovered(busy_for=failure.retry_after or BUSY_RETRY)


def _fetch_channel(
    client: WebClient, team_id: str, channel_id: str, bot_user_id: str | None
) -> tuple[ChannelInfo, list[str]] | None:
    """A channel's description and members as this workspace's token reads them; None when Slack will not say."""
    try:
        info = channel_info_from_conversation(team_id, client.conversations_info(channel=channel_id)["channel"])
        members = read_members(client, channel_id)
    except SlackApiError as exc:
        if exc.response.get("error") in UNREADABLE:
            logger.info("cannot read channel %s in %s: %s", channel_id, team_id, exc.response.get("error"))
            return None
        raise
    # Handoff is in it when Slack says so for this token, or when its bot user is among the members.
    if not info.is_member and bot_user_id is not None and bot_user_id in members:
        info = replace(info, is_member=True)
    return info, members


def read_members(client: WebClient, channel_id: str) -> list[str]:
    """Every member of a channel, page by page (`conversations.members`); Slack's errors are raised."""
    members: list[str] = []
    cursor = ""
    while True:
        page = client.conversations_members(channel=channel_id, limit=MEMBERS_PAGE, cursor=cursor or None)
        members.extend(page.get("members") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            return members


def _fetch_profile(client: WebClient, team_id: str, user_id: str, enterprise_id: str | None) -> Profile | None:
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") in UNREADABLE:
            logger.info("cannot read user %s in %s: %s", user_id, team_id, exc.response.get("error"))
            return None
        raise
    return profile_from_user(team_id, user, enterprise_id=enterprise_id)


def learn_everyone(deps: Deps, *, team_id: str) -> int:
    """Read every member of the workspace (`users.list`) and store their profiles; returns how many.

    For a workspace that turns the catch-up on for everyone: their time zones decide when it comes.
    Slack being busy part-way keeps what was read; the rest arrive with their next event.
    """
    client = deps.slack.for_team(team_id)
    now = deps.clock.now()
    with deps.read_session_factory() as session:
        enterprise_id = teams.enterprise_of(session=session, team_id=team_id)
    saved = 0
    cursor = ""
    try:
        while True:
            page = client.users_list(limit=MEMBERS_PAGE, cursor=cursor or None)
            profiles = [
                profile_from_user(team_id, user, enterprise_id=enterprise_id) for user in page.get("members") or []
            ]
            with deps.session_factory.begin() as session:
                for profile in profiles:
                    people.save_profile(session=session, profile=profile, now=now)
            saved += len(profiles)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                return saved
    except SlackApiError as exc:
        logger.warning("could not list the members of %s: %s", team_id, exc.response.get("error"))
        return saved
