"""Sending the weekly team report: a DM with the figures, then the chart (files.uploadV2), exactly once.

A `stats_report` job is claimed like any other, so one worker at a time holds it. Slack's answers
are written down as they come: the report message's ts goes into the job's payload right after
it is posted, and the job is done once the chart is in. A 429 (or any other refusal Slack may
take back) puts the job back at Retry-After with what was sent kept, so the retry only does the
rest. A worker that dies between Slack's answer and that note leaves the job to the next worker,
which first looks in the DM for the message tagged with the job's id and for the chart's file
name, and sends only what is not there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Row

from bot.admins import is_admin_now
from bot.deps import Deps
from bot.slack_failures import SLACK_CALL_ERRORS
from decisions import job_results as results
from metrics import report
from metrics.blocks import summary
from metrics.chart import chart_png
from metrics.scopes import Report
from metrics.weekly_plan import REPORT_KIND
from metrics.weeks import DEFAULT_WEEKS, previous_sunday, weeks_ending
from store import jobs, report_prefs
from store.working_hours import schedule_for

logger = logging.getLogger(__name__)

METADATA_TYPE = "handoff_stats_report"
LEASE = timedelta(minutes=5)
HISTORY_LOOKBACK = 20
PERMANENT = frozenset(
    {"user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot", "invalid_auth", "token_revoked"}
)
FOOTER = (
    "You get this as a workspace admin, on Mondays at the start of your day. "
    "`/handoff stats report off` stops it; `/handoff stats help` says how each figure is counted."
)


@dataclass(frozen=True)
class Composed:
    """One admin's report: the message, the chart, and the file name that marks the chart in their DM."""

    text: str
    blocks: list[dict[str, Any]]
    png: bytes | None
    filename: str
    title: str


def deliver_due(deps: Deps, now: datetime, *, limit: int = 20) -> int:
    """Send every weekly report due at `now`; returns how many were completed."""
    with deps.session_factory.begin() as session:
        due = jobs.claim(session=session, kinds=[REPORT_KIND], now=now, owner=deps.worker_id, lease=LEASE, limit=limit)
    return sum(_deliver(deps, job, now) for job in due)


def _deliver(deps: Deps, job: Row[Any], now: datetime) -> int:
    team_id, user_id = str(job.team_id), str(job.payload["recipient"])
    with deps.read_session_factory() as session:
        wanted = report_prefs.wants_report(session=session, team_id=team_id, user_id=user_id)
    if not wanted:
        results.done(deps, int(job.id), now)
        return 0
    client = deps.slack.for_team(team_id)
    try:
        # Asked of Slack, not of the stored profile: someone no longer an admin gets no report.
        if not is_admin_now(client, user_id):
            results.dropped(deps, int(job.id), now, reason="no longer a workspace admin")
            return 0
        composed = compose(deps, team_id=team_id, user_id=user_id, week_of=date.fromisoformat(job.payload["week_of"]))
        if composed is None:
            results.done(deps, int(job.id), now)
            return 0
        channel = str(client.conversations_open(users=user_id)["channel"]["id"])
        history = _recent(client, channel) if int(job.attempts) > 1 else []
        # One check covers the message and the chart: its window outlasts both calls.
        if not results.still_ours(deps, int(job.id), now, what=f"weekly report to {user_id}"):
            return 0
        if not job.payload.get("posted_ts") and not _tagged(history, int(job.id)):
            posted = client.chat_postMessage(
                channel=channel,
                text=composed.text,
                blocks=composed.blocks,
                metadata={"event_type": METADATA_TYPE, "event_payload": {"job": int(job.id)}},
            )
            with deps.session_factory.begin() as session:
                jobs.note(session=session, job_id=int(job.id), owner=deps.worker_id, values={"posted_ts": posted["ts"]})
        if composed.png is not None and not _has_file(history, composed.filename):
            client.files_upload_v2(
                channel=channel,
                file=composed.png,
                filename=composed.filename,
                title=composed.title,
                alt_txt="Charts of the last weeks: decisions, pings, time to decision, catch-ups and mentions.",
            )
    except SLACK_CALL_ERRORS as exc:
        results.slack_failed(
            deps,
            int(job.id),
            now,
            exc,
            permanent=PERMANENT,
            attempts=int(job.attempts),
            what=f"weekly report to {user_id}",
            team_id=team_id,
        )
        return 0
    results.done(deps, int(job.id), now)
    return 1


def compose(deps: Deps, *, team_id: str, user_id: str, week_of: date) -> Composed | None:
    """The report for the weeks up to the Sunday before `week_of`, in the admin's zone; None if nothing to say."""
    with deps.read_session_factory() as session:
        tz = schedule_for(session=session, team_id=team_id, user_id=user_id, today=week_of).hours.tz
        weeks = weeks_ending(previous_sunday(week_of), count=DEFAULT_WEEKS, tz=tz)
        seen = report.for_admins(session=session, team_id=team_id, weeks=weeks)
    if not _worth_sending(seen):
        return None
    title = f"Weekly team report · {seen.total.name}"
    text, blocks = summary(seen, title=title, tz=tz, footer=FOOTER)
    chart_title = f"{seen.total.name} · {len(weeks)} weeks to {weeks[-1].label}"
    png = chart_png(seen, title=chart_title)
    return Composed(text, blocks, png, filename=f"team-report-{week_of.isoformat()}.png", title=chart_title)


def _worth_sending(seen: Report) -> bool:
    """A workspace too small to show, or with nothing at all in the weeks, gets no DM: no noise on a Monday."""
    if seen.total.weeks is None:
        return False
    return any(
        week.decisions_logged
        or week.pings_held
        or week.pings_in_hours
        or week.pings_urgent
        or week.mentions_off_hours
        or week.catchups
        or week.past_review_by
        for week in seen.total.weeks
    )


def _recent(client: WebClient, channel: str) -> list[dict[str, Any]]:
    answer = client.conversations_history(channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True)
    return list(answer.get("messages") or [])


def _tagged(history: list[dict[str, Any]], job_id: int) -> bool:
    """Whether an earlier attempt posted this report and died before noting it."""
    for message in history:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == METADATA_TYPE and (metadata.get("event_payload") or {}).get("job") == job_id:
            return True
    return False


def _has_file(history: list[dict[str, Any]], filename: str) -> bool:
    """Whether an earlier attempt shared the chart and died before the job was done."""
    return any(shared.get("name") == filename for message in history for shared in message.get("files") or [])
