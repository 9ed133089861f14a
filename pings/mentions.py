"""@mentions of people who are off: kept for their catch-up, and the sender told once a day, calmly."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from hours.phrases import until_phrase, wall_label
from hours.schedule import is_working, next_start, zone_for
from hours.wallclock import local_wall
from store import channels, people
from store import mentions as kept
from store.mentions import OffHoursMention
from store.slack_time import ts_to_datetime
from store.traffic import IncomingMessage
from store.working_hours import schedules_for

logger = logging.getLogger(__name__)

# A user mention as Slack writes it in message text: <@U123> or <@U123|name>.
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# A message naming more people than this is an announcement, not a set of pings: no notes for it.
MAX_MENTIONS = 20
OPT_OUT_HINT = "Only you can see this. `/handoff notices off` stops these notes in this channel."


@dataclass(frozen=True)
class Away:
    """Someone mentioned while off, and when they are next in."""

    user_id: str
    back_at: datetime
    tz: str
    on_time_off: bool


@dataclass(frozen=True)
class Notice:
    """What to tell the sender of one message (ephemeral, where they wrote it)."""

    channel_id: str
    thread_ts: str | None
    sender_id: str
    away: tuple[Away, ...]


def mentioned_ids(text: str, sender_id: str) -> list[str]:
    """The people a message mentions, in order, once each, without the sender; none past MAX_MENTIONS."""
    found = list(dict.fromkeys(match.group(1) for match in USER_MENTION.finditer(text)))
    if len(found) > MAX_MENTIONS:
        return []
    return [user_id for user_id in found if user_id != sender_id]


def note_off_hours(*, session: Session, message: IncomingMessage) -> Notice | None:
    """Keep each mention of someone off at posting time; a Notice when the sender should hear of it.

    Call inside the event's unit of work: the notice claims are committed with the event, so a
    redelivered or retried event never tells the sender twice.
    """
    sender_id = message.user_id
    if sender_id is None or message.is_bot or message.is_system:
        return None
    candidates = mentioned_ids(message.text, sender_id)
    if not candidates:
        return None
    team_id, channel_id = message.team_id, message.channel_id
    # Only members can read the channel, so only they will find the mention in a catch-up;
    # bots, deactivated accounts and people of other organizations have no catch-up at all.
    recipients = [
        user_id
        for user_id in candidates
        if (person := people.get_person(session=session, team_id=team_id, user_id=user_id)) is not None
        and not (person.is_bot or person.deleted or person.is_external)
        and channels.is_member(session=session, team_id=team_id, channel_id=channel_id, user_id=user_id)
    ]
    if not recipients:
        return None
    posted_at = ts_to_datetime(message.ts)
    # Time off is stored in local days; a day's margin covers every zone's "today".
    schedules = schedules_for(
        session=session, team_id=team_id, user_ids=[*recipients, sender_id], today=posted_at.date() - timedelta(days=1)
    )
    away: list[Away] = []
    for user_id in recipients:
        schedule = schedules[user_id]
        if is_working(schedule.hours, schedule.time_off, posted_at):
            continue
        kept.record(
            session=session,
            mention=OffHoursMention(
                team_id=team_id,
                channel_id=channel_id,
                ts=message.ts,
                sender_id=sender_id,
                recipient_id=user_id,
                posted_at=posted_at,
            ),
        )
        local_today = local_wall(posted_at, zone_for(schedule.hours.tz)).date()
        away.append(
            Away(
                user_id=user_id,
                back_at=next_start(schedule.hours, schedule.time_off, posted_at),
                tz=schedule.hours.tz,
                on_time_off=any(off.covers(local_today) for off in schedule.time_off),
            )
        )
    if not away or not kept.notices_on(session=session, team_id=team_id, channel_id=channel_id):
        return None
    # "Once a day" is the sender's day: they are the one who would be nagged.
    sender_day = local_wall(posted_at, zone_for(schedules[sender_id].hours.tz)).date()
    told = tuple(
        one
        for one in away
        if kept.claim_notice(
            session=session, team_id=team_id, sender_id=sender_id, recipient_id=one.user_id, day=sender_day
        )
    )
    if not told:
        return None
    return Notice(channel_id=channel_id, thread_ts=message.thread_ts, sender_id=sender_id, away=told)


def notice_text(notice: Notice, now: datetime) -> str:
    """The note itself: who is off, until when on their clock, and that nothing more is needed."""

    def until(one: Away) -> str:
        state = "away" if one.on_time_off else "off"
        return f"{state} until {wall_label(one.back_at, one.tz, now)} their time ({until_phrase(one.back_at, now)})"

    if len(notice.away) == 1:
        one = notice.away[0]
        return f"<@{one.user_id}> is {until(one)}; they'll see this in their morning catch-up."
    lines = "\n".join(f"• <@{one.user_id}> is {until(one)}" for one in notice.away)
    return f"Some people you mentioned are off:\n{lines}\nThey'll see this in their morning catch-up."


def tell_sender(client: WebClient, notice: Notice, now: datetime) -> None:
    """Post the note where the sender wrote; a note that cannot be posted is only logged (it is a courtesy)."""
    text = notice_text(notice, now)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": OPT_OUT_HINT}]},
    ]
    try:
        client.chat_postEphemeral(
            channel=notice.channel_id,
            user=notice.sender_id,
            text=text,
            blocks=blocks,
            thread_ts=notice.thread_ts,
        )
    except SlackApiError as exc:
        logger.warning("could not tell %s about off-hours mentions: %s", notice.sender_id, exc.response.get("error"))
