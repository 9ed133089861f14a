"""Planning the admins' weekly team report: one `stats_report` job per admin and week, at the start of their Monday.

Once a day (UTC), a claimed `stats_report_plan` job (one for all workspaces, like retention) plans
each admin's next report: the start of their first worked day on or after Monday, on their own
clock (`digest.when.next_catchup`, weekly on Monday). The job's key is the admin and that week's
Monday, so planning the same week again, on any replica, adds nothing: one report per admin and week.
A daily plan reaches every Monday start, in every zone, at least once before it comes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.daily import once_today
from bot.deps import Deps
from digest.when import local_date, next_catchup
from store import jobs, report_prefs
from store.working_hours import schedules_for

PLAN_KIND = "stats_report_plan"
REPORT_KIND = "stats_report"
PLAN_LEASE = timedelta(minutes=10)
MONDAY = 0
# A start at this very minute still counts: the tick runs each minute.
PLAN_SLACK = timedelta(minutes=1)


def plan_due(deps: Deps, now: datetime) -> int:
    """Run today's planning unless a worker already did; returns how many reports were newly planned."""
    return sum(
        once_today(
            deps, kind=PLAN_KIND, now=now, lease=PLAN_LEASE, work=lambda session: plan_reports(session=session, now=now)
        )
    )


def plan_reports(*, session: Session, now: datetime) -> int:
    """Plan each admin's next weekly report (those who turned it off excepted); returns how many are new."""
    planned = 0
    for team_id, admins in report_prefs.recipients(session=session).items():
        schedules = schedules_for(session=session, team_id=team_id, user_ids=admins, today=now.date())
        for user_id in admins:
            schedule = schedules[user_id]
            try:
                due = next_catchup(schedule.hours, schedule.time_off, after=now - PLAN_SLACK, weekly_on=MONDAY)
            except ValueError:
                continue  # away for months on end: no report until they are back
            day = local_date(due, schedule.hours.tz)
            monday = day - timedelta(days=day.weekday())
            planned += jobs.schedule(
                session=session,
                kind=REPORT_KIND,
                team_id=team_id,
                key=f"{user_id}:{monday.isoformat()}",
                due_at=due,
                now=now,
                payload={"recipient": user_id, "week_of": monday.isoformat()},
            )
    return planned
