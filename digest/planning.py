"""Planning each person's next catch-up as a `catchup` job at their next start (or chosen time).

A person's preferences row holds the instant planned (`next_due_at`); anything that changes when
it should come (hours, zone, preferences, the workspace's defaults) clears it, and the planner
plans again. A job whose instant is no longer the planned one finds itself stale and does nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.when import next_catchup
from store import catchups, jobs
from store.catchups import WEEKLY, Plan
from store.jobs import NewJob
from store.models import WorkspaceSettings
from store.working_hours import schedules_for

CATCHUP_KIND = "catchup"
PLAN_BATCH = 2_000
PLAN_SLACK = timedelta(minutes=1)


def plan_due(*, session: Session, now: datetime, limit: int = PLAN_BATCH) -> int:
    """Plan the next catch-up of everyone who gets one and has none planned; returns how many."""
    for team_id in session.scalars(select(WorkspaceSettings.team_id).where(WorkspaceSettings.catchup_everyone)):
        catchups.enroll_everyone(session=session, team_id=team_id, now=now)
    waiting = catchups.unplanned(session=session, limit=limit)
    by_team: dict[str, list[Plan]] = defaultdict(list)
    for plan in waiting:
        by_team[plan.team_id].append(plan)
    for team_id, plans in by_team.items():
        users = [plan.user_id for plan in plans]
        schedules = schedules_for(
            session=session, team_id=team_id, user_ids=users, today=now.date() - timedelta(days=1)
        )
        last = catchups.last_window_ends(session=session, team_id=team_id, user_ids=users)
        planned: dict[str, datetime] = {}
        for plan in plans:
            schedule = schedules[plan.user_id]
            # A start at this very minute still counts (the tick runs each minute); a start that
            # already had its catch-up never gets a second one.
            after = max(now - PLAN_SLACK, last.get(plan.user_id, now - PLAN_SLACK))
            planned[plan.user_id] = next_catchup(
                schedule.hours,
                schedule.time_off,
                after=after,
                weekly_on=(plan.weekday if plan.weekday is not None else 0) if plan.cadence == WEEKLY else None,
                at_minute=plan.at_minute,
            )
        # One statement for the jobs and one round trip for the plans, whatever the number of people:
        # a morning's sent catch-ups are all planned again in the tick that sent them.
        jobs.schedule_many(
            session=session,
            kind=CATCHUP_KIND,
            rows=[
                # The job's due_at moves when a 429 defers it; the planned instant stays in its payload.
                NewJob(team_id, f"{user_id}:{due.isoformat()}", due, {"recipient": user_id, "planned": due.isoformat()})
                for user_id, due in planned.items()
            ],
            now=now,
        )
        catchups.set_planned_many(session=session, team_id=team_id, planned=planned)
    return len(waiting)
