"""The tick: everything due at one instant, done once across every process that runs it.

`handoff tick --now T` runs it once; `handoff serve` runs it every minute through APScheduler.
Each task claims its due rows through `store.claims`, so concurrent ticks split the work and
a second tick at the same instant finds nothing left to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.daily import once_today
from bot.db import checkpoint
from bot.deps import Deps
from decisions import hidden_channels, review, sync
from digest import delivery as catchup_delivery
from digest import planning
from ingest import recheck
from ingest.drain import drain_inbox, never
from ingest.runner import Processor
from installs import rotation, token_health, uninstall
from metrics import weekly_plan, weekly_send
from pings import delivery, notices, recipient_check
from store import (
    channel_summaries,
    inbox,
    oauth_states,
    signed_requests,
    traffic,
    workspace_settings,
)
from store.models import WorkerBeat
from store.status import OVERRUNS_KEY, TICK_SECONDS_KEY
from telemetry.instruments import instruments

logger = logging.getLogger(__name__)

RETENTION_KIND = "retention"
# Retention covers every workspace at once; its job rows use this in place of a team id.
JOB_LEASE = timedelta(minutes=10)
SIGNATURE_MEMORY = timedelta(minutes=10)
# The tick runs every minute; its tasks share that minute. A task that can stop part-way (the
# inbox replay) stops at its budget; any task that takes longer is logged and shown by status.
TASK_BUDGET_SECONDS = 10.0
# The inbox replay takes only what the event worker left behind, this much at most per tick.
REPLAY_LIMIT = 500


@dataclass
class TickReport:
    """What one tick did, for logs, `handoff tick` output and worker beats."""

    now: datetime
    counts: dict[str, int] = field(default_factory=dict)
    # Seconds each task that ran past TASK_BUDGET_SECONDS took, by task name.
    overruns: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, name: str, value: int) -> None:
        if value:
            self.counts[name] = self.counts.get(name, 0) + value

    def summary(self) -> str:
        done = ", ".join(f"{name}={value}" for name, value in sorted(self.counts.items()))
        overran = "".join(f"; {name} overran ({seconds:.1f} s)" for name, seconds in sorted(self.overruns.items()))
        return f"tick at {self.now.isoformat()}: {done or 'nothing due'}{overran}"


TickTask = Callable[[Deps, datetime, TickReport], None]


def run_tick(
    deps: Deps,
    processors: Mapping[str, Processor],
    *,
    now: datetime | None = None,
    stop: Callable[[], bool] = never,
    log_summary: bool = True,
) -> TickReport:
    """Do everything due at `now` (default: the clock's now) and record this worker's beat.

    `stop()` turning true (the process is shutting down) ends the tick at the next event or task.
    `log_summary=False` when the caller shows the report itself (`handoff tick` prints it once).
    """
    instant = now if now is not None else deps.clock.now()
    report = TickReport(now=instant)
    began = time.monotonic()
    tasks: list[tuple[str, TickTask]] = [
        # First: every later task may call Slack with a workspace's token.
        ("rotate_tokens", rotate_tokens),
        ("recheck_paused_workspaces", recheck_paused_workspaces),
        # Bounded (a batch, a budget) and normally empty: only what the event worker left behind.
        ("replay_inbox", lambda d, n, r: replay_inbox(d, processors, n, r, stop=stop)),
        _named(deliver_decision_messages),
        _named(deliver_decision_reviews),
        _named(recheck_channels),
        # Before the pings: pings due at a catch-up ride inside it, one DM rather than two.
        _named(deliver_catchups),
        _named(deliver_pings),
        _named(deliver_weekly_reports),
        _named(run_retention),
        _named(prune_oauth_states),
        _named(prune_signed_requests),
        _named(purge_uninstalled),
    ]
    for name, task in tasks:
        if stop():
            logger.info("tick at %s stopped before %s: shutting down", instant.isoformat(), name)
            break
        started = time.monotonic()
        task(deps, instant, report)
        took = time.monotonic() - started
        if took > TASK_BUDGET_SECONDS:
            report.overruns[name] = round(took, 1)
            logger.warning("tick task %s took %.1f s, over its budget of %.0f s", name, took, TASK_BUDGET_SECONDS)
    checkpoint(deps.engine)
    report.seconds = round(time.monotonic() - began, 2)
    _beat(deps, report)
    counted = instruments()
    for name, value in report.counts.items():
        counted.tick_work.labels(what=name).inc(value)
    counted.catchups_delivered.inc(report.counts.get("catchups_sent", 0))
    if log_summary:
        logger.info(report.summary())
    return report


def _named(task: TickTask) -> tuple[str, TickTask]:
    return task.__name__, task


def replay_inbox(
    deps: Deps,
    processors: Mapping[str, Processor],
    now: datetime,
    report: TickReport,
    *,
    stop: Callable[[], bool] = never,
) -> None:
    """Process events the event worker left behind (it died, or its lease ran out), a bounded batch per tick.

    The live stream is the event worker's: draining it here would never end while events keep
    arriving, and every task after this one (held pings, catch-ups) would wait for it.
    """
    del now  # the drain reads the same clock
    outcomes = drain_inbox(
        deps,
        processors,
        claim=inbox.claim_abandoned,
        limit=REPLAY_LIMIT,
        until=time.monotonic() + TASK_BUDGET_SECONDS,
        stop=stop,
    )
    for outcome, count in outcomes.items():
        report.add(f"events_{outcome.value}", count)


def deliver_decision_messages(deps: Deps, now: datetime, report: TickReport) -> None:
    """Post or update Handoff's decision messages that are still due (say, after a 429 or a crash)."""
    del now  # the delivery reads the same clock
    report.add("decision_messages", sync.deliver_due(deps))


def recheck_channels(deps: Deps, now: datetime, report: TickReport) -> None:
    """Tell the members of private channels Handoff left why their log hides; re-read channels once a day."""
    report.add("hidden_channel_notices", hidden_channels.deliver_due(deps))
    for planned in once_today(
        deps, kind=recheck.PLAN_KIND, now=now, lease=JOB_LEASE, work=lambda s: recheck.plan(session=s, now=now)
    ):
        report.add("channel_rechecks_planned", planned)
    report.add("channels_rechecked", recheck.recheck_due(deps, now))


def deliver_decision_reviews(deps: Deps, now: datetime, report: TickReport) -> None:
    """Remind owners of decisions whose review-by morning has come."""
    del now  # the delivery reads the same clock
    report.add("decision_reviews", review.deliver_due(deps))


def deliver_catchups(deps: Deps, now: datetime, report: TickReport) -> None:
    """Plan the next catch-up of whoever needs one, then send the catch-ups due."""
    with deps.session_factory.begin() as session:
        report.add("catchups_planned", planning.plan_due(session=session, now=now))
    outcome = catchup_delivery.deliver_due(deps, now)
    report.add("catchups_sent", outcome.sent)
    report.add("catchups_late", outcome.late)
    report.add("catchups_skipped", outcome.skipped)


def deliver_pings(deps: Deps, now: datetime, report: TickReport) -> None:
    """Deliver pings whose recipients' day has started, and give stranded held pings a delivery."""
    del now  # the delivery reads the same clock
    # First: a ping whose recipient Slack could not tell us about is sent now or held for their hours.
    report.add("ping_recipients_checked", recipient_check.check_due(deps))
    report.add("pings_swept", delivery.sweep_stranded(deps))
    report.add("pings_delivered", delivery.deliver_due(deps))
    # After the deliveries: a ping that failed for good just now is told to its sender in this tick.
    report.add("ping_failure_notices", notices.deliver_due(deps))


def recheck_paused_workspaces(deps: Deps, now: datetime, report: TickReport) -> None:
    """Workspaces whose token Slack refused: ask again every few minutes, and resume those it takes."""
    report.add("workspaces_resumed", token_health.recheck_due(deps, now))


def deliver_weekly_reports(deps: Deps, now: datetime, report: TickReport) -> None:
    """Plan the admins' weekly team reports once a day, and send those due (at the start of their Monday)."""
    report.add("stats_reports_planned", weekly_plan.plan_due(deps, now))
    report.add("stats_reports_sent", weekly_send.deliver_due(deps, now))


def run_retention(deps: Deps, now: datetime, report: TickReport) -> None:
    """Once a day (UTC), prune traffic older than the retention (the workspace's, else the default); decisions stay."""
    cutoff = now - timedelta(days=deps.settings.handoff_traffic_retention_days)

    def prune(session: Session) -> dict[str, int]:
        # Workspaces whose admins chose their own retention (/handoff admin), then everyone else.
        own = workspace_settings.retention_days(session=session)
        pruned = traffic.prune(session=session, before=cutoff, except_teams=own.keys())
        for team_id, days in own.items():
            for name, count in traffic.prune(
                session=session, before=now - timedelta(days=days), team_id=team_id
            ).items():
                pruned[name] += count
        pruned["inbox"] = inbox.prune_processed(session=session, before=cutoff)
        # A summary serves the morning it was made for; two days covers every zone's morning.
        pruned["summaries"] = channel_summaries.prune(session=session, before=now - timedelta(days=2))
        return pruned

    for pruned in once_today(deps, kind=RETENTION_KIND, now=now, lease=JOB_LEASE, work=prune):
        logger.info("retention pruned %s (before %s)", pruned, cutoff.isoformat())
        report.add("retention_runs", 1)
        for name, value in pruned.items():
            report.add(f"pruned_{name}", value)


def rotate_tokens(deps: Deps, now: datetime, report: TickReport) -> None:
    """OAuth mode: refresh each bot token about three hours before it expires, once across replicas."""
    report.add("token_rotations_planned", rotation.schedule_due(deps, now))
    report.add("tokens_rotated", rotation.rotate_due(deps, now))


def prune_oauth_states(deps: Deps, now: datetime, report: TickReport) -> None:
    """OAuth mode: delete install links' states that expired unused (slack-sdk's store keeps them forever)."""
    if deps.installations is None:
        return
    with deps.session_factory.begin() as session:
        report.add("oauth_states_pruned", oauth_states.prune_expired(session=session, now=now))


def prune_signed_requests(deps: Deps, now: datetime, report: TickReport) -> None:
    """Forget request signatures past Slack's five minutes (with room for clock skew): no replay can pass them."""
    before = int((now - SIGNATURE_MEMORY).timestamp())
    with deps.session_factory.begin() as session:
        report.add("signatures_forgotten", signed_requests.prune(session=session, before_ts=before))


def purge_uninstalled(deps: Deps, now: datetime, report: TickReport) -> None:
    """Delete the decision logs of workspaces uninstalled longer ago than HANDOFF_UNINSTALL_GRACE_DAYS."""
    report.add("workspaces_purged", uninstall.purge_due(deps, now))


def _beat(deps: Deps, report: TickReport) -> None:
    last_report: dict[str, object] = {**report.counts, TICK_SECONDS_KEY: report.seconds}
    if report.overruns:
        last_report[OVERRUNS_KEY] = report.overruns
    values = {"worker_id": deps.worker_id, "last_tick_at": report.now, "last_report": last_report}
    with deps.session_factory.begin() as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(WorkerBeat).values(**values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["worker_id"],
                set_={
                    "last_tick_at": statement.excluded.last_tick_at,
                    "last_report": statement.excluded.last_report,
                },
            )
        )
