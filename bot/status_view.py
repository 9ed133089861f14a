"""`handoff status` as people read it (rich tables) and as tools read it (JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from store.status import Status

# A worker that has not ticked for this long is probably gone (the tick runs every minute).
STALE_WORKER = timedelta(minutes=5)


def as_json(status: Status) -> str:
    """The whole status as one JSON document: instants in ISO 8601, durations in seconds."""
    return json.dumps(asdict(status), default=_plain, indent=2, sort_keys=True)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return round(value.total_seconds())
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def ago(delta: timedelta) -> str:
    """A duration as a person says it: 45s, 12m, 3h 5m, 2d 4h."""
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def show(status: Status, out: IO[str]) -> None:
    """Print the status as tables: queues, oldest due item, paused workspaces, workers, failures."""
    console = Console(file=out, width=120, soft_wrap=False)
    now = status.now
    console.print(f"[bold]Handoff status[/bold] at {now.isoformat()}")
    pings, inbox = status.held_pings, status.inbox
    queues = Table(title="Queues", title_justify="left")
    for column in ("queue", "due now", "in work", "later", "retrying", "failed (24 h)"):
        queues.add_column(column, justify="left" if column == "queue" else "right")
    queues.add_row(
        "held pings (waiting for their recipient's hours)",
        str(pings.get("due_not_taken", 0)),
        str(pings.get("in_delivery", 0)),
        str(pings.get("waiting", 0) - pings.get("due_not_taken", 0)),
        "",
        "",
    )
    queues.add_row("inbox events", str(inbox.get("due", 0)), "", "", str(inbox.get("retrying", 0)), "")
    for queue in status.jobs:
        queues.add_row(
            f"jobs: {queue.kind}",
            str(queue.due),
            str(queue.leased),
            str(queue.scheduled),
            str(queue.retrying),
            str(queue.failed_last_day),
        )
    console.print(queues)
    if status.oldest is None:
        console.print("Oldest due item: none, nothing is waiting.")
    else:
        oldest = status.oldest
        console.print(
            f"Oldest due item: {oldest.what} (workspace {oldest.team_id or '-'}), due {oldest.due_at.isoformat()}, "
            f"[bold]{ago(oldest.late)} late[/bold]."
        )
    if status.paused:
        paused = Table(title="Workspaces paused: Slack refuses Handoff's token", title_justify="left")
        for column in ("workspace", "error", "since", "items waiting"):
            paused.add_column(column)
        for workspace in status.paused:
            since = f"{workspace.since.isoformat()} ({ago(now - workspace.since)} ago)" if workspace.since else "?"
            paused.add_row(workspace.team_id, workspace.error, since, str(workspace.waiting))
        console.print(paused)
    backlog = status.backlog
    if backlog.oldest_age is None:
        console.print("Event backlog: none, every acknowledged event is processed.")
    elif backlog.behind:
        console.print(
            f"[bold red]The event worker is behind:[/bold red] {backlog.events} event(s) waiting, the oldest "
            f"acknowledged {ago(backlog.oldest_age)} ago. Check that `handoff serve` runs and has CPU to spare; "
            "another replica shares the work."
        )
    else:
        console.print(
            f"Event backlog: {backlog.events} event(s), the oldest acknowledged {ago(backlog.oldest_age)} ago."
        )
    if status.wal_bytes is not None:
        console.print(f"SQLite write-ahead log: {status.wal_bytes / 1_048_576:.1f} MB.")
    workers = Table(title="Last tick per process", title_justify="left")
    for column in ("worker", "last tick", "ago", "took", "did"):
        workers.add_column(column)
    for worker in status.workers:
        did = ", ".join(f"{name}={value}" for name, value in sorted(worker.report.items())) or "nothing due"
        took = f"{worker.tick_seconds:.1f} s" if worker.tick_seconds is not None else ""
        late = " [red](stale)[/red]" if worker.ago > STALE_WORKER else ""
        workers.add_row(worker.worker_id, worker.last_tick_at.isoformat(), ago(worker.ago) + late, took, did)
    if not status.workers:
        workers.add_row("(no tick has run yet)", "", "", "", "")
    console.print(workers)
    for worker in status.workers:
        if worker.overruns:
            overran = ", ".join(
                f"{name} overran ({seconds:.1f} s)" for name, seconds in sorted(worker.overruns.items())
            )
            console.print(
                f"[red]Last tick of {worker.worker_id} ran over its budget:[/red] {overran}. "
                "Later tasks waited; see that process's log."
            )
    failures = Table(title="Recent failures", title_justify="left")
    for column in ("when", "what", "workspace", "attempts", "state", "error"):
        failures.add_column(column, overflow="fold")
    for failure in status.failures:
        failures.add_row(
            f"{failure.at.isoformat()} ({ago(now - failure.at)} ago)",
            failure.what,
            failure.team_id or "-",
            str(failure.attempts),
            "given up" if failure.final else "will retry",
            failure.error,
        )
    if not status.failures:
        failures.add_row("", "(none)", "", "", "", "")
    console.print(failures)
