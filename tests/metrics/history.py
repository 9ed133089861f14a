"""A seeded history of two weeks in a workspace, written through the store's own functions.

The weeks are those of a reader in Europe/Berlin (UTC+1 in February): 16-22 Feb and 23 Feb-1 Mar
2026, from 2026-02-15 23:00 UTC to 2026-03-01 23:00 UTC. Every expectation in the tests that use
it is worked out by hand in the comments here.

People: U1-U7 (ana … gus), all in the workspace. Conversations:
- C1 #general (public): U1-U6 — six people.
- C2 #tiny (public): U1, U2 — two people, never shown on its own.
- G1 #leads (private): U1-U5 — five people.
- G2 #ops (private): U3-U7 — five people.
- D1: a direct message between U1 and U2.
Another workspace (T0002) has a decision in the same weeks that must never be counted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from store import catchups, channels, held_pings, mentions, people, teams
from store import decisions as store
from store.channels import ChannelInfo
from store.decisions import Details, NewDecision
from store.held_pings import NewPing
from store.mentions import OffHoursMention
from store.models import CatchUpRecord, Decision
from store.people import Profile
from store.slack_time import datetime_to_ts

TEAM, OTHER_TEAM = "T0001", "T0002"
TZ = "Europe/Berlin"
LAST_DAY = date(2026, 3, 1)
PEOPLE = {f"U{n}": name for n, name in enumerate(("ana", "bo", "cy", "dee", "eli", "fay", "gus"), start=1)}
SEEDED_AT = datetime(2026, 2, 1, tzinfo=UTC)


# (id, name, members, private, direct message), as Slack would describe them to Handoff.
CONVERSATIONS = (
    ("C1", "general", ["U1", "U2", "U3", "U4", "U5", "U6", "UBOT"], False, False),
    ("C2", "tiny", ["U1", "U2", "UBOT"], False, False),
    ("G1", "leads", ["U1", "U2", "U3", "U4", "U5", "UBOT"], True, False),
    ("G2", "ops", ["U3", "U4", "U5", "U6", "U7", "UBOT"], True, False),
    ("D1", "", ["U1", "U2"], True, True),
)


def at(day: int, hour: int, minute: int = 0, month: int = 2) -> datetime:
    """An instant in 2026, UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def seed_workspace(session: Session) -> None:
    """The people and conversations, without any activity."""
    team = teams.ensure_team(session=session, team_id=TEAM, now=SEEDED_AT)
    team.name, team.bot_user_id = "Acme", "UBOT"
    for user_id, name in PEOPLE.items():
        people.save_profile(session=session, profile=Profile(TEAM, user_id, name=name, tz=TZ), now=SEEDED_AT)
    people.save_profile(session=session, profile=Profile(TEAM, "UBOT", name="handoff", is_bot=True), now=SEEDED_AT)
    for channel_id, name, members, private, im in CONVERSATIONS:
        channels.save_channel(
            session=session,
            info=ChannelInfo(TEAM, channel_id, name, is_private=private, is_im=im, is_member=True),
            now=SEEDED_AT,
        )
        channels.replace_members(session=session, team_id=TEAM, channel_id=channel_id, user_ids=members, now=SEEDED_AT)


def _decide(
    session: Session,
    channel: str,
    created: datetime,
    *,
    thread_start: datetime | None = None,
    review_by: date | None = None,
    team: str = TEAM,
) -> Decision:
    ts = datetime_to_ts(created - timedelta(seconds=5))
    decision, _ = store.file(
        session=session,
        new=NewDecision(
            team_id=team,
            channel_id=channel,
            text=f"decided in {channel} at {created.isoformat()}",
            logged_by="U1",
            source="reaction",
            message_ts=ts,
            thread_ts=datetime_to_ts(thread_start) if thread_start else None,
        ),
        now=created,
    )
    if review_by is not None:
        details = Details(review_by=review_by, owner_id="U1")
        store.set_details(session=session, decision=decision, details=details, actor_id="U1", now=created)
    return decision


def seed_history(session: Session) -> None:
    """The activity of the two weeks (and a little around them); see the expectations in the tests."""
    # Before the weeks: due for review on 18 Feb, still standing: past its date at both weeks' ends.
    _decide(session, "C1", at(10, 9), review_by=date(2026, 2, 18))
    # Week 1 (16-22 Feb). #general: 2 h and 30 min from the thread's start.
    _decide(session, "C1", at(17, 10), thread_start=at(17, 8))
    # Sunday 22 Feb 23:30 in Berlin: still week 1.
    _decide(session, "C1", at(22, 22, 30), thread_start=at(22, 22))
    # #leads: 2 h, then retracted on 19 Feb (churn in #leads, week 1).
    leads = _decide(session, "G1", at(18, 9), thread_start=at(18, 7))
    store.retract(session=session, decision=leads, actor_id="U1", now=at(19, 9))
    # Week 2 (23 Feb-1 Mar). Monday 00:30 in Berlin; retracted and reinstated the same day: churn 1.
    monday = _decide(session, "C1", at(22, 23, 30))
    store.retract(session=session, decision=monday, actor_id="U1", now=at(24, 9))
    store.reinstate(session=session, decision=monday, actor_id="U1", now=at(24, 10))
    # 24 h from the thread's start; review by 25 Feb: past it at the end of week 2.
    _decide(session, "C1", at(24, 12), thread_start=at(23, 12), review_by=date(2026, 2, 25))
    # 1 h; review by 20 Feb, but superseded on 26 Feb (churn in #general, week 2): no longer standing.
    older = _decide(session, "C1", at(25, 9), thread_start=at(25, 8), review_by=date(2026, 2, 20))
    newer = _decide(session, "C1", at(26, 10))
    store.supersede(session=session, newer=newer, older=older, actor_id="U1", now=at(26, 10))
    # #tiny, week 2: counted in the workspace, never shown on its own.
    _decide(session, "C2", at(24, 15))
    # After the weeks, and another workspace's: never counted.
    _decide(session, "C1", at(2, 9, month=3))
    _decide(session, "C9", at(17, 10), team=OTHER_TEAM)
    _mentions(session)
    _pings(session)
    _catchups(session)


def _mentions(session: Session) -> None:
    # #general: two in week 1, one in week 2; #leads: one in week 2.
    for channel, posted in (("C1", at(16, 20)), ("C1", at(21, 20)), ("C1", at(25, 20)), ("G1", at(27, 20))):
        mentions.record(
            session=session,
            mention=OffHoursMention(TEAM, channel, datetime_to_ts(posted), "U1", "U2", posted),
        )


def _pings(session: Session) -> None:
    def ping(source: str | None, created: datetime, *, held: bool, urgent: bool = False, status: str = "held") -> None:
        due = created + timedelta(hours=10) if held else created
        new = NewPing(TEAM, "U1", "U2", "hi", due, urgent=urgent, source_channel_id=source, status=status)
        held_pings.add(session=session, new=new, now=created)

    # Week 1, from #general: two held for the morning, one delivered in hours, one urgent.
    ping("C1", at(16, 21), held=True)
    ping("C1", at(17, 21), held=True)
    ping("C1", at(18, 10), held=False, status="delivered")
    ping("C1", at(18, 23), held=False, urgent=True, status="delivered")
    # Week 1, from nowhere Handoff knows: delivered in hours (the workspace counts it).
    ping(None, at(19, 10), held=False, status="delivered")
    # Week 2, from #general: one held; a cancelled one and an unanswered urgent question count for nothing.
    ping("C1", at(24, 21), held=True)
    ping("C1", at(24, 22), held=True, status="cancelled")
    ping("C1", at(25, 22), held=False, urgent=True, status="unconfirmed")
    # Week 2, from the direct message: held (the workspace counts it; no row shows it).
    ping("D1", at(26, 21), held=True)


def _catchups(session: Session) -> None:
    # Week 1: entries 2, 4, 10 (median 4); reading 1, 1, 3 min (median 1).
    # Week 2: entries 3, 5 (median 4); reading 2 and 3 min (median 2.5); and one sent before
    # catch-ups had a size (counted as delivered, not in the medians).
    for user, sent, entries, minutes in (
        ("U1", at(16, 8), 2, 1),
        ("U2", at(17, 8), 4, 1),
        ("U3", at(18, 8), 10, 3),
        ("U1", at(23, 8), 3, 2),
        ("U2", at(24, 8), 5, 3),
    ):
        catchups.record_many(
            session=session,
            sent=[
                catchups.Sent(
                    team_id=TEAM,
                    user_id=user,
                    local_date=sent.date(),
                    window_start=sent - timedelta(days=1),
                    window_end=sent,
                    late=False,
                    content={},
                    entries=entries,
                    reading_minutes=minutes,
                )
            ],
            now=sent,
        )
    sent = at(25, 8)
    session.add(
        CatchUpRecord(
            team_id=TEAM,
            user_id="U3",
            local_date=sent.date(),
            window_start=sent - timedelta(days=1),
            window_end=sent,
            late=False,
            content={},
            sent_at=sent,
        )
    )
