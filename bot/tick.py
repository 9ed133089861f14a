"""The tick: everything due at one instant, done once across every process that runs it.

`handoff tick --now T` runs it once; `handoff serve` runs it every minute through APScheduler.
Each task claims its due rows through `store.claims`, so concurrent ticks split the work and
a second tick at the same instant finds nothing left to do.
"""

from __future__ import annotations

import logging
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
from ingest.drain import drain_inbox
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
from telemetry.instruments import instruments

logger = logging.getLogger(__name__)

RETENTION_KIND = "retention"
# Retention covers every workspace at once; its job rows use this in place of a team id.
JOB_LEASE = timedelta(minutes=10)
SIGNATURE_MEMORY = timedelta(minutes=10)


@dataclass
class TickReport:
    """What one tick did, for logs, `handoff tick` output and worker beats."""

    now: datetime
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, value: int) -> None:
        if value:
            self.counts[name] = self.counts.get(name, 0) + value

    def summary(self) -> str:
        done = ", ".join(f"{name}={value}" for name, value in sorted(self.counts.items()))
        return f"tick at {self.now.isoformat()}: {done or 'nothing due'}"


TickTask = Callable[[Deps, datetime, TickReport], None]


def run_tick(
    deps: Deps, processors: Mapping[str, Processor], *, now: datetime | None = None, log_summary: bool = True
) -> TickReport:
    """Do everything due at `now` (default: the clock's now) and record this worker's beat.

    `log_summary=False` when the caller shows the report itself (`handoff tick` prints it once).
    """
    instant = now if now is not None else deps.clock.now()
    report = TickReport(now=instant)
    tasks: list[TickTask] = [
        # First: every later task may call Slack with a workspace's token.
        rotate_tokens,
        recheck_paused_workspaces,
        lambda d, n, r: replay_inbox(d, processors, n, r),
        deliver_decision_messages,
        deliver_decision_reviews,
        recheck_channels,
        # Before the pings: pings due at a catch-up ride inside it, one DM rather than two.
        deliver_catchups,
        deliver_pings,
        deliver_weekly_reports,
        run_retention,
        prune_oauth_states,
        prune_signed_requests,
        purge_uninstalled,
    ]
    for task in tasks:
        task(deps, instant, report)
    checkpoint(deps.engine)
    _beat(deps, report)
    counted = instruments()
    for name, value in report.counts.items():
        counted.tick_work.labels(what=name).inc(value)
    counted.catchups_delivered.inc(report.counts.get("catchups_sent", 0))
    if log_summary:
        logger.info(report.summary())
    return report


def replay_inbox(deps: Deps, processors: Mapping[str, Processor], now: datetime, report: TickReport) -> None:
    """Process events left due: normally the event worker has, unless it or its process died."""
    del now  # the drain reads the same clock
    for outcome, count in drain_inbox(deps, processors).items():
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
    values = {"worker_id": deps.worker_id, "last_tick_at": report.now, "last_report": report.counts}
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
