"""Delivering catch-ups exactly once: `catchup` jobs claimed in batches, one DM per person and local date.

A batch is claimed (and the held pings due for its people attached to it, so they arrive inside
the catch-up instead of in a DM of their own) in one transaction; its traffic is read and its
channel summaries made outside any write transaction; each DM is posted; then the batch is
recorded in one transaction: the catch-up (unique per team, person and local date), its pings
delivered, its jobs done, the next one to plan. A worker that dies after Slack took a DM but
before recording it leaves the job to the next worker, which first looks in the DM for the
message tagged with the job's id and records instead of sending again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.retries import WorkspaceWaits
from bot.slack_failures import SLACK_CALL_ERRORS
from bot.slack_history import metadata, tagged
from decisions import job_results as results
from decisions.permalinks import link_decisions
from digest.collector import collector_paused
from digest.compose import PingForCatchUp, compose
from digest.gather import Reader, Round, gather
from digest.in_lists import chunks
from digest.links import home_link
from digest.planning import CATCHUP_KIND
from digest.render import Size, render_dm_sized
from digest.stored import to_json
from digest.summaries import summaries_for
from digest.when import LATE_AFTER, LONGEST_SPAN, local_date, next_catchup, window_start
from store import catchups, claims, held_pings, jobs, teams
from store.catchups import WEEKLY
from store.models import Job, Team
from store.working_hours import schedules_for

logger = logging.getLogger(__name__)

METADATA_TYPE = "handoff_catchup"
LEASE = timedelta(minutes=5)
BATCH = 200
# The person can never get it. (A token Slack refuses pauses the workspace instead: see
# `bot.slack_failures.TOKEN_DEAD`.)
PERMANENT = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})


@dataclass
class Due:
    """One claimed catch-up and what it will say."""

    job_id: int
    team_id: str
    user_id: str
    attempts: int
    reader: Reader
    local_date: date
    late: bool
    pings: list[PingForCatchUp] = field(default_factory=list)
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    content: dict[str, Any] = field(default_factory=dict)
    size: Size = field(default_factory=lambda: Size(entries=0, minutes=0))


@dataclass
class Outcome:
    """What one round of catch-up delivery did."""

    sent: int = 0
    skipped: int = 0
    late: int = 0


Send = Callable[[Deps, "Due", datetime], bool]


def deliver_due(deps: Deps, now: datetime, *, limit: int = BATCH, send: Send | None = None) -> Outcome:
    """Send every catch-up due at `now` (`send` replaces posting to Slack: the benchmark leaves Slack out)."""
    waits = WorkspaceWaits()

    def post_to_slack(deps: Deps, due: Due, now: datetime) -> bool:
        return _post(deps, due, now, waits)

    post = send or post_to_slack
    outcome = Outcome()
    # Batches of one round share their windows: each workspace's traffic is read once for them all.
    rounds: dict[str, Round] = {}
    while True:
        with deps.session_factory.begin() as session:
            rows = jobs.claim(
                session=session,
                kinds=[CATCHUP_KIND],
                now=now,
                owner=deps.worker_id,
                lease=LEASE,
                limit=limit,
                reachable_only=True,
            )
            batch, stale = _prepare(session, rows, now)
            claims.complete_many(session=session, model=Job, row_ids=stale, owner=deps.worker_id, now=now)
            if stale:
                # Each stale job stood for an instant that is no longer planned: plan afresh.
                outcome.skipped += len(stale)
        for team_id, dues in _by_team(batch).items():
            compose_team(deps, team_id, dues, now, reuse=rounds.setdefault(team_id, Round(team_id)))
        sent = [due for due in batch if post(deps, due, now)]
        if sent:
            with deps.session_factory.begin() as session:
                outcome.sent += record_sent(session=session, sent=sent, owner=deps.worker_id, now=now)
        outcome.late += sum(1 for due in sent if due.late)
        if len(rows) < limit:
            return outcome


def _prepare(session: Session, rows: list[Any], now: datetime) -> tuple[list[Due], list[int]]:
    """Check each claimed job is still the planned one; give the good ones their readers and pings."""
    batch: list[Due] = []
    stale: list[int] = []
    rows_by_team: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        rows_by_team[str(row.team_id)].append(row)
    for team_id, team_rows in rows_by_team.items():
        users = sorted({str(row.payload["recipient"]) for row in team_rows})
        # Time off back to the longest window: the time away that a catch-up covers starts before it.
        schedules = schedules_for(
            session=session, team_id=team_id, user_ids=users, today=now.date() - LONGEST_SPAN - timedelta(days=1)
        )
        last = catchups.last_window_ends(session=session, team_id=team_id, user_ids=users)
        everyone = catchups.everyone_on(session=session, team_id=team_id)
        prefs_of = catchups.prefs_of(session=session, team_id=team_id, user_ids=users)
        for row in team_rows:
            user_id = str(row.payload["recipient"])
            prefs = prefs_of.get(user_id)
            planned = datetime.fromisoformat(str(row.payload.get("planned") or row.due_at.isoformat()))
            if prefs is None or prefs.next_due_at != planned or not catchups.is_on(prefs, everyone=everyone):
                stale.append(int(row.id))
                continue
            schedule = schedules[user_id]
            weekly_on = (prefs.weekday if prefs.weekday is not None else 0) if prefs.cadence == WEEKLY else None
            # Hours late (a tick that did not run): the newest catch-up due stands for the ones missed.
            due_at = planned
            while (
                following := next_catchup(
                    schedule.hours, schedule.time_off, after=due_at, weekly_on=weekly_on, at_minute=prefs.at_minute
                )
            ) <= now:
                due_at = following
            day = local_date(due_at, schedule.hours.tz)
            previous = last.get(user_id)
            if previous is not None and local_date(previous, schedule.hours.tz) >= day:
                # That day's catch-up went out already (under another plan): one a day.
                stale.append(int(row.id))
                catchups.set_planned(session=session, team_id=team_id, user_id=user_id, due_at=None)
                continue
            start = window_start(
                schedule.hours, schedule.time_off, end=due_at, previous=previous, weekly=prefs.cadence == WEEKLY
            )
            excluded = frozenset(c for c in (prefs.excluded_channels or "").split(",") if c)
            batch.append(
                Due(
                    job_id=int(row.id),
                    team_id=team_id,
                    user_id=user_id,
                    attempts=int(row.attempts),
                    reader=Reader(team_id, user_id, schedule.hours.tz, start, due_at, excluded),
                    local_date=day,
                    late=now - due_at > LATE_AFTER,
                )
            )
    if batch:
        # The pings due for these people ride in their catch-up (one DM, not two).
        held_pings.attach(session=session, morning_ids=[due.job_id for due in batch], single_ids=[], now=now)
        by_job = {due.job_id: due for due in batch}
        for ping in held_pings.attached(session=session, job_ids=list(by_job)):
            by_job[int(ping.delivery_id)].pings.append(
                PingForCatchUp(
                    ping_id=int(ping.id), sender_id=str(ping.sender_id), text=str(ping.text), permalink=ping.permalink
                )
            )
    return batch, stale


def _by_team(batch: list[Due]) -> dict[str, list[Due]]:
    grouped: dict[str, list[Due]] = defaultdict(list)
    for due in batch:
        grouped[due.team_id].append(due)
    return grouped


def compose_team(deps: Deps, team_id: str, dues: list[Due], now: datetime, *, reuse: Round | None = None) -> None:
    """Read, summarize, compose and render one workspace's share of a batch."""
    entries = [(due.reader, due.pings, due.late) for due in dues]
    rendered = compose_many(deps, team_id, entries, now, reuse=reuse)
    for due, (text, blocks, content, size) in zip(dues, rendered, strict=True):
        due.text, due.blocks, due.content, due.size = text, blocks, content, size


def compose_many(
    deps: Deps,
    team_id: str,
    entries: list[tuple[Reader, list[PingForCatchUp], bool]],
    now: datetime,
    *,
    reuse: Round | None = None,
) -> list[tuple[str, list[dict[str, Any]], dict[str, Any], Size]]:
    """Each reader's catch-up as (fallback text, blocks, stored JSON, size), from one gathering for them all.

    `reuse` carries what earlier batches of the same round read and summarized.
    """
    _learn_team_url(deps, team_id, now)
    readers = [reader for reader, _, _ in entries]
    with deps.read_session_factory() as session:
        gathered = gather(session=session, team_id=team_id, readers=readers, reuse=reuse)
    known = reuse.summaries if reuse is not None else {}
    summaries = summaries_for(deps, readers=readers, gathered=gathered, now=now, known=known)
    home = home_link(team_id, gathered.bot_user_id)
    model = deps.settings.handoff_llm_model if deps.settings.llm_enabled else None
    rendered = []
    with collector_paused():
        for reader, pings, late in entries:
            catchup = compose(reader, gathered, summaries, pings=pings, late=late, model=model)
            text, blocks, size = render_dm_sized(catchup, home_url=home, now=now)
            rendered.append((text, blocks, to_json(catchup), size))
    return rendered


def _learn_team_url(deps: Deps, team_id: str, now: datetime) -> None:
    """The workspace's URL, for permalinks, asked of Slack once (auth.test)."""
    with deps.read_session_factory() as session:
        team = session.get(Team, team_id)
        if team is not None and team.url:
            return
    try:
        answer = deps.slack.for_team(team_id).auth_test()
    except SLACK_CALL_ERRORS as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        logger.info("cannot read %s's URL; catch-ups link through the app: %s", team_id, error)
        return
    with deps.session_factory.begin() as session:
        row = teams.ensure_team(session=session, team_id=team_id, now=now)
        row.url = str(answer.get("url") or "") or None
        if answer.get("user_id") and not row.bot_user_id:
            row.bot_user_id = str(answer["user_id"])
        if row.url:
            # Decisions imported from an export before the URL was known get their links now.
            link_decisions(session=session, team_id=team_id, url=row.url)


def _post(deps: Deps, due: Due, now: datetime, waits: WorkspaceWaits) -> bool:
    """Send one catch-up; True when Slack has it (the caller records it)."""
    if (until := waits.waiting(due.team_id, now)) is not None:
        results.wait_with_workspace(deps, due.job_id, now, until=until)
        return False
    client = deps.slack.for_team(due.team_id)
    try:
        channel = str(client.conversations_open(users=due.user_id)["channel"]["id"])
        if due.attempts > 1 and any(
            payload.get("job") == due.job_id for payload, _ in tagged(client, channel, event_type=METADATA_TYPE)
        ):
            return True
        if not results.still_ours(deps, due.job_id, now, what=f"catch-up for {due.user_id}"):
            return False
        client.chat_postMessage(
            channel=channel,
            text=due.text,
            blocks=due.blocks,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata(METADATA_TYPE, job=due.job_id),
        )
    except SLACK_CALL_ERRORS as exc:
        results.slack_failed(
            deps,
            due.job_id,
            now,
            exc,
            permanent=PERMANENT,
            attempts=due.attempts,
            what=f"catch-up for {due.user_id}",
            team_id=due.team_id,
            on_give_up=lambda session, why: _gave_up(session, due, why),
            waits=waits,
        )
        return False
    return True


def _gave_up(session: Session, due: Due, why: str) -> None:
    """This catch-up will not go: its pings go back to a delivery of their own (which tells their senders if
    they fail too), and, unless the person is gone, their next catch-up is planned."""
    held_pings.detach(session=session, job_ids=[due.job_id])
    if why.removeprefix("slack: ") not in PERMANENT:
        catchups.set_planned(session=session, team_id=due.team_id, user_id=due.user_id, due_at=None)


def record_sent(*, session: Session, sent: list[Due], owner: str, now: datetime) -> int:
    """Slack has these catch-ups: keep them, deliver their pings, finish their jobs, plan the next ones."""
    ours = set(
        claims.complete_many(session=session, model=Job, row_ids=[due.job_id for due in sent], owner=owner, now=now)
    )
    kept: list[catchups.Sent] = []
    planned_afresh: dict[str, list[str]] = defaultdict(list)
    for due in sent:
        if due.job_id not in ours:
            logger.warning("catch-up %s was taken over before it was recorded", due.job_id)
            continue
        kept.append(
            catchups.Sent(
                team_id=due.team_id,
                user_id=due.user_id,
                local_date=due.local_date,
                window_start=due.reader.window_start,
                window_end=due.reader.window_end,
                late=due.late,
                content=due.content,
                entries=due.size.entries,
                reading_minutes=due.size.minutes,
            )
        )
        planned_afresh[due.team_id].append(due.user_id)
    recorded = catchups.record_many(session=session, sent=kept, now=now)
    # Their next catch-ups are planned afresh: one statement per workspace, not one per person.
    for team_id, user_ids in planned_afresh.items():
        for chunk in chunks(user_ids):
            catchups.replan(session=session, team_id=team_id, user_ids=chunk)
    held_pings.settle(session=session, job_ids=sorted(ours), status=held_pings.DELIVERED, now=now)
    return recorded
