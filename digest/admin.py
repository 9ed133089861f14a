"""What workspace admins decide about catch-ups: who gets one, and which channels are never summarized."""

from __future__ import annotations

import re

from bot.deps import Deps
from digest.text import inert
from ingest.discovery import learn_everyone
from store import catchups, visibility, workspace_settings
from store.models import ChannelSettings
from store.upsert import upsert

# A channel as typed (#random) or as Slack escapes it (<#C123|random>).
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
CATCHUP_USAGE = (
    "`/handoff catchup everyone` sends the morning catch-up to every member (anyone can still turn theirs off); "
    "`/handoff catchup opt-in` sends it only to people who have used Handoff."
)
EXCLUDE_USAGE = (
    "`/handoff exclude #channel` keeps a channel out of every summary; `/handoff include #channel` undoes it."
)


def set_everyone(deps: Deps, *, team_id: str, actor_id: str, raw: str) -> str:
    """`/handoff catchup everyone|opt-in` (the caller checked the actor is an admin)."""
    choice = raw.strip().lower()
    if choice not in {"everyone", "opt-in", "optin"}:
        return CATCHUP_USAGE
    everyone = choice == "everyone"
    if everyone:
        # Their Slack time zones decide when each catch-up comes.
        learn_everyone(deps, team_id=team_id)
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        workspace_settings.change(
            session=session, team_id=team_id, actor_id=actor_id, now=now, catchup_everyone=everyone
        )
        enrolled = catchups.enroll_everyone(session=session, team_id=team_id, now=now) if everyone else 0
    if everyone:
        return (
            f"Done: every member gets a catch-up at the start of their day ({enrolled} more people from tomorrow). "
            "Anyone can stop theirs with `/catchup off`."
        )
    return "Done: only people who have used Handoff get a catch-up; nobody else gets an unasked-for DM."


def set_excluded(deps: Deps, *, team_id: str, actor_id: str, raw: str, exclude: bool) -> str:
    """`/handoff exclude|include #channel …` (the caller checked the actor is an admin)."""
    words = raw.split()
    if not words:
        return EXCLUDE_USAGE
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        ids: list[str] = []
        unknown: list[str] = []
        for word in words:
            match = _CHANNEL.match(word)
            found = (
                match.group(1)
                if match
                else visibility.find_visible_by_name(
                    session=session, team_id=team_id, user_id=actor_id, name=word.lstrip("#")
                )
            )
            if found is None:
                unknown.append(word)
            else:
                ids.append(found)
        if unknown:
            return (
                f"I don't know {', '.join(map(inert, unknown))}: I only know channels I'm in. Nothing was changed. "
                f"{EXCLUDE_USAGE}"
            )
        for channel_id in ids:
            upsert(
                session=session,
                model=ChannelSettings,
                values={
                    "team_id": team_id,
                    "channel_id": channel_id,
                    "excluded": exclude,
                    "updated_by": actor_id,
                    "updated_at": now,
                },
                key=["team_id", "channel_id"],
                update=["excluded", "updated_by", "updated_at"],
            )
    names = ", ".join(f"<#{channel_id}>" for channel_id in ids)
    if exclude:
        return f"Done: {names} will not be in anyone's summaries or sent to a model. `/handoff include` brings it back."
    return f"Done: {names} can be summarized again for its members."
