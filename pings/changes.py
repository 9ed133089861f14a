"""The sender changing their pings before they go: cancel, edit, and answering the urgent-cap question."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete

from bot.deps import Deps
from pings.blocks import PING_TEXT_LIMIT
from pings.sending import Outcome, Source, send
from store import held_pings
from store.models import HeldPing


@dataclass(frozen=True)
class Change:
    """How a change went, in words for the sender."""

    ok: bool
    message: str


def cancel(deps: Deps, *, team_id: str, sender_id: str, ping_id: int) -> Change:
    """Cancel a held ping (only its sender, only before a delivery takes it)."""
    with deps.session_factory.begin() as session:
        ping = held_pings.get(session=session, team_id=team_id, ping_id=ping_id)
        refusal = held_pings.changeable(ping, sender_id)
        if refusal or ping is None:
            return Change(ok=False, message=refusal or "That ping is not one of yours.")
        ping.status = held_pings.CANCELLED
        return Change(ok=True, message=f"Cancelled: <@{ping.recipient_id}> won't get that ping.")


def edit(deps: Deps, *, team_id: str, sender_id: str, ping_id: int, text: str) -> Change:
    """Change the text of a held ping."""
    text = text.strip()
    if not text:
        return Change(ok=False, message="Write the new text, or cancel the ping instead.")
    if len(text) > PING_TEXT_LIMIT:
        return Change(ok=False, message=f"A ping holds up to {PING_TEXT_LIMIT:,} characters.")
    with deps.session_factory.begin() as session:
        ping = held_pings.get(session=session, team_id=team_id, ping_id=ping_id)
        refusal = held_pings.changeable(ping, sender_id)
        if refusal or ping is None:
            return Change(ok=False, message=refusal or "That ping is not one of yours.")
        ping.text = text
        return Change(ok=True, message=f"Updated your ping to <@{ping.recipient_id}>.")


def current_text(deps: Deps, *, team_id: str, sender_id: str, ping_id: int) -> str | None:
    """The text of a ping its sender may still edit."""
    with deps.read_session_factory() as session:
        ping = held_pings.get(session=session, team_id=team_id, ping_id=ping_id)
        return ping.text if ping is not None and held_pings.changeable(ping, sender_id) is None else None


def answer_cap(deps: Deps, *, team_id: str, sender_id: str, ping_ids: list[int], urgent: bool) -> list[Outcome]:
    """The sender answered the urgent-cap question: send as urgent anyway, or hold for their hours."""
    with deps.session_factory.begin() as session:
        waiting = [
            ping
            for ping_id in ping_ids
            if (ping := held_pings.get(session=session, team_id=team_id, ping_id=ping_id)) is not None
            and ping.sender_id == sender_id
            and ping.status == held_pings.UNCONFIRMED
        ]
        if not waiting:
            return []
        first = waiting[0]
        recipients = [ping.recipient_id for ping in waiting]
        text, source = (
            first.text,
            Source(channel_id=first.source_channel_id, ts=first.source_ts, permalink=first.permalink),
        )
        # The question's placeholders make way for the real pings (a second click finds none).
        session.execute(delete(HeldPing).where(HeldPing.id.in_([ping.id for ping in waiting])))
    result = send(
        deps,
        team_id=team_id,
        sender_id=sender_id,
        recipients=recipients,
        text=text,
        urgent=urgent,
        source=source,
        confirmed_urgent=True,
    )
    assert isinstance(result, list)
    return result
