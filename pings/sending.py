"""Sending pings through Handoff: for each recipient on their own, now or at their next working-hours start."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.deps import Deps
from hours.phrases import local_label, until_phrase
from hours.schedule import is_working, next_start
from ingest.discovery import learn
from pings import delivery, recipient_check
from store import held_pings, people, working_hours
from store.held_pings import NewPing
from store.models import WorkspaceSettings

logger = logging.getLogger(__name__)

DEFAULT_URGENT_CAP = 3
URGENT_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Source:
    """Where the ping was sent from, for the link back."""

    channel_id: str | None = None
    ts: str | None = None
    permalink: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened for one recipient: a line of the sender's receipt, and the held ping to edit or cancel."""

    recipient_id: str
    summary: str
    ping_id: int | None = None
    sent: bool = False


@dataclass(frozen=True)
class CapReached:
    """The sender has sent their urgent pings for today: the pings wait for their confirmation."""

    sent_today: int
    cap: int
    ping_ids: tuple[int, ...]
    refused: tuple[Outcome, ...]


def learn_people(deps: Deps, *, team_id: str, user_ids: Sequence[str]) -> None:
    """Read from Slack the people Handoff has not stored yet (their time zones above all)."""
    found = learn(deps, team_id=team_id, user_ids=user_ids)
    with deps.session_factory.begin() as session:
        found.save(session=session, now=deps.clock.now())


def check_recipients(
    deps: Deps, *, team_id: str, sender_id: str, recipients: Sequence[str]
) -> tuple[list[str], list[Outcome], list[str], timedelta]:
    """Learn the recipients from Slack when needed: who can get a ping, who cannot (and why), and who
    Slack could not tell us about for now (and when to ask again)."""
    found = learn(deps, team_id=team_id, user_ids=recipients)
    with deps.session_factory.begin() as session:
        found.save(session=session, now=deps.clock.now())
    valid: list[str] = []
    refused: list[Outcome] = []
    unchecked: list[str] = []
    with deps.read_session_factory() as session:
        for recipient in recipients:
            person = people.get_person(session=session, team_id=team_id, user_id=recipient)
            reason = None
            if recipient == sender_id:
                reason = "that's you: for a note to self, try Slack's `/remind`."
            elif person is None and found.busy_for is not None:
                unchecked.append(recipient)
                continue
            elif person is None:
                reason = "I can't find this person in this workspace; nothing was sent."
            elif person.is_bot:
                reason = "that's an app, not a person: it keeps no working hours, so nothing was sent."
            elif person.deleted:
                reason = "this account is deactivated; nothing was sent."
            if reason:
                refused.append(Outcome(recipient_id=recipient, summary=reason))
            else:
                valid.append(recipient)
    return valid, refused, unchecked, found.busy_for or timedelta(0)


def send(
    deps: Deps,
    *,
    team_id: str,
    sender_id: str,
    recipients: Sequence[str],
    text: str,
    urgent: bool,
    source: Source,
    confirmed_urgent: bool = False,
) -> list[Outcome] | CapReached:
    """Hold or send one ping per recipient; urgent ones past the workspace's daily cap wait for confirmation."""
    now = deps.clock.now()
    valid, refused, unchecked, busy_for = check_recipients(
        deps, team_id=team_id, sender_id=sender_id, recipients=recipients
    )
    outcomes: list[Outcome] = []
    with deps.session_factory.begin() as session:
        if urgent and valid and not confirmed_urgent:
            settings = session.get(WorkspaceSettings, team_id)
            cap = settings.urgent_cap if settings and settings.urgent_cap is not None else DEFAULT_URGENT_CAP
            sent = held_pings.urgent_sent_since(
                session=session, team_id=team_id, sender_id=sender_id, since=now - URGENT_WINDOW
            )
            if sent + len(valid) > cap:
                waiting = [
                    held_pings.add(
                        session=session,
                        new=_new(
                            team_id,
                            sender_id,
                            recipient,
                            text=text,
                            due_at=now,
                            urgent=True,
                            source=source,
                            status=held_pings.UNCONFIRMED,
                        ),
                        now=now,
                    ).id
                    for recipient in valid
                ]
                return CapReached(sent_today=sent, cap=cap, ping_ids=tuple(waiting), refused=tuple(refused))
        for recipient in unchecked:
            # Slack could not tell us who they are (so not their hours): held until it can, not refused.
            new = _new(team_id, sender_id, recipient, text=text, due_at=now, urgent=urgent, source=source)
            ping_id = recipient_check.hold_unchecked(session=session, new=new, now=now, check_at=now + busy_for)
            outcomes.append(
                Outcome(
                    recipient_id=recipient,
                    summary="held: Slack is busy, so I couldn't look up their working hours yet; it goes out "
                    "as soon as I can (now if they're working, else at the start of their day)",
                    ping_id=ping_id,
                )
            )
        schedules = working_hours.schedules_for(session=session, team_id=team_id, user_ids=valid, today=now.date())
        for recipient in valid:
            schedule = schedules[recipient]
            if urgent or is_working(schedule.hours, schedule.time_off, now):
                ping = held_pings.add(
                    session=session,
                    new=_new(team_id, sender_id, recipient, text=text, due_at=now, urgent=urgent, source=source),
                    now=now,
                )
                delivery.schedule_now(
                    session=session, team_id=team_id, recipient_id=recipient, ping_id=ping.id, now=now
                )
                outcomes.append(Outcome(recipient_id=recipient, summary="", ping_id=ping.id, sent=True))
                continue
            due = next_start(schedule.hours, schedule.time_off, now)
            ping = held_pings.add(
                session=session,
                new=_new(team_id, sender_id, recipient, text=text, due_at=due, urgent=False, source=source),
                now=now,
            )
            delivery.schedule_morning(session=session, team_id=team_id, recipient_id=recipient, due_at=due, now=now)
            label = local_label(due, schedule.hours.tz, now)
            outcomes.append(
                Outcome(
                    recipient_id=recipient, summary=f"held until {label} ({until_phrase(due, now)})", ping_id=ping.id
                )
            )
    delivery.deliver_due(deps)
    return refused + _after_delivery(deps, team_id, outcomes, urgent)


def _after_delivery(deps: Deps, team_id: str, outcomes: list[Outcome], urgent: bool) -> list[Outcome]:
    """Say "delivered" only for what Slack took; the rest is on its way (a 429, say) and the tick will send it."""
    final: list[Outcome] = []
    with deps.read_session_factory() as session:
        for outcome in outcomes:
            if not outcome.sent or outcome.ping_id is None:
                final.append(outcome)
                continue
            ping = held_pings.get(session=session, team_id=team_id, ping_id=outcome.ping_id)
            status = ping.status if ping else held_pings.FAILED
            word = "urgent, " if urgent else ""
            if status == held_pings.DELIVERED:
                summary = f"{word}delivered now" + ("" if urgent else " (they are within their working hours)")
            elif status == held_pings.FAILED:
                summary = f"couldn't be delivered: {ping.error if ping else 'unknown error'}"
            else:
                summary = f"{word}on its way: Slack is busy, it goes out within minutes"
            final.append(Outcome(recipient_id=outcome.recipient_id, summary=summary, sent=True))
    return final


def _new(
    team_id: str,
    sender_id: str,
    recipient_id: str,
    *,
    text: str,
    due_at: datetime,
    urgent: bool,
    source: Source,
    status: str = held_pings.HELD,
) -> NewPing:
    return NewPing(
        team_id=team_id,
        sender_id=sender_id,
        recipient_id=recipient_id,
        text=text,
        due_at=due_at,
        urgent=urgent,
        source_channel_id=source.channel_id,
        source_ts=source.ts,
        permalink=source.permalink,
        status=status,
    )
