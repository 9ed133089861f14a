"""Answering `/handoff stats`: the figures a person asked for and may see, in their own weeks and zone."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.deps import Deps
from digest.text import inert
from metrics import command, report
from metrics.blocks import summary
from metrics.scopes import PRIVATE, PUBLIC, Conversation
from metrics.weeks import today_in, weeks_ending
from pings.sending import learn_people
from store import stats_groups, visibility
from store.working_hours import schedule_for

Blocks = list[dict[str, Any]]
# The same words whether the channel does not exist, Handoff is not in it, or it is private and the
# reader is not a member: a refusal must not tell a private channel's existence.
REFUSAL = (
    "I can't show figures for {name}: I show public channels Handoff is in, and private channels you're a "
    "member of. `/handoff stats` alone shows the whole workspace as you can see it."
)


def figures(deps: Deps, *, team_id: str, user_id: str, request: command.Figures) -> tuple[str, Blocks]:
    """The summary the person asked for, or a polite refusal when they may not see that channel."""
    # At most one users.info, for someone Handoff has not met yet: their weeks are in their zone.
    learn_people(deps, team_id=team_id, user_ids=[user_id])
    now = deps.clock.now()
    with deps.read_session_factory() as session:
        tz = schedule_for(session=session, team_id=team_id, user_id=user_id, today=now.date()).hours.tz
        weeks = weeks_ending(today_in(now, tz), count=request.weeks, tz=tz)
        if request.channel_id is None and request.channel_name is None:
            seen = report.for_member(session=session, team_id=team_id, user_id=user_id, weeks=weeks)
            return summary(seen, title=f"Team outcomes · {seen.total.name}", tz=tz)
        channel = _visible_channel(session, team_id, user_id, request)
        if channel is None:
            typed = request.channel_name or request.channel_id or ""
            name = f"<#{request.channel_id}>" if request.channel_id else f"#{inert(typed)}"
            text = REFUSAL.format(name=name)
            return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        seen = report.for_channel(session=session, team_id=team_id, channel=channel, weeks=weeks)
    return summary(seen, title=f"Team outcomes · #{channel.name}", tz=tz)


def _visible_channel(session: Session, team_id: str, user_id: str, request: command.Figures) -> Conversation | None:
    channel_id = request.channel_id
    if channel_id is None and request.channel_name is not None:
        channel_id = visibility.find_visible_by_name(
            session=session, team_id=team_id, user_id=user_id, name=request.channel_name
        )
    if channel_id is None or not visibility.can_see(
        session=session, team_id=team_id, channel_id=channel_id, user_id=user_id
    ):
        return None
    found = next(iter(stats_groups.conversations(session=session, team_id=team_id, channel_id=channel_id)), None)
    if found is None or found.kind not in {PUBLIC, PRIVATE}:
        return None
    return found


def min_group(deps: Deps, *, team_id: str) -> int:
    """The workspace's smallest group shown."""
    with deps.read_session_factory() as session:
        return report.min_group(session=session, team_id=team_id)
