"""Who and what an export holds: its people (users.json) and conversations (channels.json, groups.json, dms, mpims)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ingest.slack_objects import channel_info_from_conversation, profile_from_user
from slack_export.archive import GET_AN_EXPORT, ArchiveError, Export
from slack_export.json_files import MalformedFile, elements
from store.channels import ChannelInfo
from store.people import Profile

# The longest id the store keeps (Slack's are about 11 characters).
MAX_ID = 32


@dataclass(frozen=True)
class ExportChannel:
    """A public or private channel of the export, with its members when the export was made."""

    info: ChannelInfo
    members: tuple[str, ...]


@dataclass
class Directory:
    """The export's people and channels, keyed to the workspace they are imported into."""

    # The workspace the export comes from (most of its people's team), when it says.
    export_team: str | None
    people: list[Profile]
    channels: list[ExportChannel]
    # Ids and names of direct-message conversations: their folders are not read.
    direct: frozenset[str]
    direct_count: int
    left_out: Counter[str] = field(default_factory=Counter)


class OtherWorkspace(ArchiveError):
    """The export comes from another workspace than the one named."""


def read_directory(export: Export, *, team_id: str, force: bool) -> Directory:
    """Read users.json, channels.json and, where present, groups.json, dms.json and mpims.json."""
    names = set(export.names())
    for required in ("users.json", "channels.json"):
        if required not in names:
            raise ArchiveError(
                f"{export.label} has no {required}, so it is not a Slack workspace export (or only part of one). "
                f"{GET_AN_EXPORT}"
            )
    teams: Counter[str] = Counter()
    people = list(_people(export, home=team_id, teams=teams))
    export_team = teams.most_common(1)[0][0] if teams else None
    if export_team is not None and export_team != team_id:
        if not force:
            raise OtherWorkspace(
                f"{export.label} is an export of workspace {export_team}, not {team_id}: check --team (nothing was "
                f"imported). To import it into {team_id} all the same, add --force."
            )
        # Whether someone is from another organization is relative to the export's own workspace.
        people = [replace(p, team_id=team_id) for p in _people(export, home=export_team, teams=Counter())]
    directory = Directory(export_team=export_team, people=people, channels=[], direct=frozenset(), direct_count=0)
    _conversations(export, directory, team_id=team_id, name="channels.json", private=False)
    if "groups.json" in names:
        _conversations(export, directory, team_id=team_id, name="groups.json", private=True)
    direct: set[str] = set()
    for name in ("dms.json", "mpims.json"):
        if name in names:
            for conversation in _objects(export, name):
                directory.direct_count += 1
                direct.update(str(conversation[key]) for key in ("id", "name") if conversation.get(key))
    directory.direct = frozenset(direct)
    return directory


def _objects(export: Export, name: str) -> Iterator[dict[str, Any]]:
    try:
        for element in elements(export, name):
            if isinstance(element, dict):
                yield element
    except MalformedFile as exc:
        raise ArchiveError(
            f"{export.label}: {exc.name} is {exc.reason}; without it nothing can be imported. {GET_AN_EXPORT}"
        ) from None


def _people(export: Export, *, home: str, teams: Counter[str]) -> Iterator[Profile]:
    enterprise_id = _enterprise_of(export, home)
    for user in _objects(export, "users.json"):
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id or len(user_id) > MAX_ID:
            continue
        profile = user.get("profile")
        team = user.get("team_id") or user.get("team") or (profile.get("team") if isinstance(profile, dict) else None)
        if isinstance(team, str) and team and not user.get("is_stranger"):
            teams[team] += 1
        yield profile_from_user(home, user, enterprise_id=enterprise_id)


def _enterprise_of(export: Export, home: str) -> str | None:
    """The Enterprise Grid org of the export's workspace, as its own members' `enterprise_user` names it."""
    for user in _objects(export, "users.json"):
        grid = user.get("enterprise_user")
        if user.get("team_id") == home and isinstance(grid, dict) and isinstance(grid.get("enterprise_id"), str):
            return str(grid["enterprise_id"])
    return None


def _conversations(export: Export, directory: Directory, *, team_id: str, name: str, private: bool) -> None:
    for conversation in _objects(export, name):
        channel_id = conversation.get("id")
        if not isinstance(channel_id, str) or not channel_id or len(channel_id) > MAX_ID:
            directory.left_out[f"entries of {name} without a channel id"] += 1
            continue
        # Legacy exports write private channels without is_private; groups.json holds only them.
        described = {**conversation, "is_private": True} if private else conversation
        members = described.get("members")
        member_ids = tuple(
            member
            for member in (members if isinstance(members, list) else [])
            if isinstance(member, str) and 0 < len(member) <= MAX_ID
        )
        info = channel_info_from_conversation(team_id, described)
        directory.channels.append(ExportChannel(info=replace(info, name=info.name[:200]), members=member_ids))
