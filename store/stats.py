"""Team metrics' reads: one workspace's activity tallied per conversation and week, in a few grouped queries.

Each query reads only the workspace's rows within the weeks asked for (the indexes of migration
0011), and puts each row in its week with a CASE over the weeks' boundaries, so that a week is
the reader's local Monday-to-Sunday (or any seven days) on both dialects, daylight saving included.
Only counts and, for medians, durations and sizes leave the database: never who did what.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, not_, select
from sqlalchemy.orm import Session

from metrics.figures import DIRECT_MESSAGES, HELD, IN_HOURS, URGENT, Key, Tallies
from metrics.weeks import DAYS_IN_WEEK, Week
from store.decisions import CHOSEN, RETRACTED, SUPERSEDED
from store.held_pings import CANCELLED, UNCONFIRMED
from store.models import CatchUpRecord, Decision, DecisionRevision, HeldPing, Mention
from store.slack_time import ts_to_datetime


def week_of(column: Any, weeks: Sequence[Week]) -> ColumnElement[Any]:
    """The index of the week an instant falls in (the caller keeps rows to the weeks' span).

    A balanced tree of comparisons, so that a year of weeks costs each row six, not fifty-two.
    """

    def within(low: int, high: int) -> ColumnElement[Any]:
        if high - low == 1:
            return literal(low)
        middle = (low + high) // 2
        return case((column < weeks[middle].start, within(low, middle)), else_=within(middle, high))

    return within(0, len(weeks))


def _within(column: Any, weeks: Sequence[Week]) -> ColumnElement[bool]:
    return and_(column >= weeks[0].start, column < weeks[-1].end)


def _grouped(session: Session, inner: Select[Any]) -> list[Any]:
    """Count the rows of `inner` (columns: channel, week[, more]) by all its columns.

    Grouping on the subquery's columns rather than on the CASE itself: PostgreSQL would not see
    that two copies of the CASE, each with its own bound parameters, are the same expression.
    """
    sub = inner.subquery()
    columns = list(sub.c)
    return list(session.execute(select(*columns, func.count()).group_by(*columns)))


def tallies(*, session: Session, team_id: str, weeks: Sequence[Week], channel_id: str | None = None) -> Tallies:
    """Everything team metrics count for a workspace over `weeks` (consecutive, oldest first).

    With `channel_id`, only that channel's figures (and no catch-ups, which belong to people).
    """
    result = Tallies(weeks=tuple(weeks))
    only = _Only(channel_id)
    _decisions(session, team_id, weeks, result, only)
    _churn(session, team_id, weeks, result, only)
    _past_review(session, team_id, weeks, result, only)
    for channel, week, count in _grouped(
        session,
        select(Mention.channel_id, week_of(Mention.posted_at, weeks)).where(
            Mention.team_id == team_id, _within(Mention.posted_at, weeks), *only(Mention.channel_id)
        ),
    ):
        result.mentions[(channel, week)] += count
    _pings(session, team_id, weeks, result, only)
    if channel_id is None:
        _catchups(session, team_id, weeks, result)
    return result


class _Only:
    """The extra condition that keeps a query to one channel, or none."""

    def __init__(self, channel_id: str | None) -> None:
        self.channel_id = channel_id

    def __call__(self, column: Any) -> list[ColumnElement[bool]]:
        return [] if self.channel_id is None else [column == self.channel_id]


def _decisions(session: Session, team_id: str, weeks: Sequence[Week], result: Tallies, only: _Only) -> None:
    """Decisions logged per week, and how long each thread took to reach its decision."""
    rows = session.execute(
        select(Decision.channel_id, week_of(Decision.created_at, weeks), Decision.created_at, Decision.thread_ts).where(
            Decision.team_id == team_id, _within(Decision.created_at, weeks), *only(Decision.channel_id)
        )
    )
    for channel, week, created_at, thread_ts in rows:
        key: Key = (channel, week)
        result.logged[key] += 1
        if thread_ts:
            # A thread's ts is its first message's: no need for the (pruned) traffic.
            seconds = (created_at - ts_to_datetime(thread_ts)).total_seconds()
            result.to_decision.setdefault(key, []).append(max(0.0, seconds))


def _churn(session: Session, team_id: str, weeks: Sequence[Week], result: Tallies, only: _Only) -> None:
    """Decisions superseded or retracted, in the week it happened (each time: churn is a count of changes)."""
    inner = (
        select(Decision.channel_id, week_of(DecisionRevision.at, weeks))
        .join(Decision, Decision.id == DecisionRevision.decision_id)
        .where(
            DecisionRevision.team_id == team_id,
            _within(DecisionRevision.at, weeks),
            DecisionRevision.action == "status",
            DecisionRevision.new_value.in_([SUPERSEDED, RETRACTED]),
            Decision.team_id == team_id,
            *only(Decision.channel_id),
        )
    )
    for channel, week, count in _grouped(session, inner):
        result.churned[(channel, week)] += count


def _past_review(session: Session, team_id: str, weeks: Sequence[Week], result: Tallies, only: _Only) -> None:
    """At each week's end: decisions still standing whose review-by date had passed (as they stand today)."""
    columns = [
        func.sum(case((and_(Decision.review_by <= week.last_day, Decision.created_at < week.end), 1), else_=0))
        for week in weeks
    ]
    rows = session.execute(
        select(Decision.channel_id, *columns)
        .where(
            Decision.team_id == team_id,
            Decision.status.in_(CHOSEN),
            Decision.review_by <= weeks[-1].last_day,
            *only(Decision.channel_id),
        )
        .group_by(Decision.channel_id)
    )
    for channel, *counts in rows:
        for week, count in enumerate(counts):
            if count:
                result.past_review_by[(channel, week)] += int(count)


def _pings(session: Session, team_id: str, weeks: Sequence[Week], result: Tallies, only: _Only) -> None:
    """Pings sent through Handoff, by where they were sent from: urgent, held for working hours, or delivered in them.

    Urgent-cap questions not answered yet and cancelled pings reached nobody and are not counted.
    """
    kind = case(
        (HeldPing.urgent.is_(True), URGENT),
        (HeldPing.due_at > HeldPing.created_at, HELD),
        else_=IN_HOURS,
    )
    # Direct messages (ids starting with D) never get a row of their own: counted as one, they
    # cost one group per week instead of one per pair of people.
    source = case((HeldPing.source_channel_id.like("D%"), DIRECT_MESSAGES), else_=HeldPing.source_channel_id)
    inner = select(source, week_of(HeldPing.created_at, weeks), kind).where(
        HeldPing.team_id == team_id,
        _within(HeldPing.created_at, weeks),
        not_(HeldPing.status.in_([CANCELLED, UNCONFIRMED])),
        *only(HeldPing.source_channel_id),
    )
    for channel, week, ping_kind, count in _grouped(session, inner):
        result.pings[str(ping_kind)][(channel, week)] += count


def _catchups(session: Session, team_id: str, weeks: Sequence[Week], result: Tallies) -> None:
    """Catch-ups delivered per week, with how many had each size (entries, minutes of reading).

    A catch-up counts in the week of the day it was for (its reader's own date): grouped by that
    date and a size, the rows come in the order of an index, so a busy workspace's hundreds of
    thousands of catch-ups are counted without a sort.
    """
    first = weeks[0].first_day
    where = (
        CatchUpRecord.team_id == team_id,
        CatchUpRecord.local_date >= first,
        CatchUpRecord.local_date <= weeks[-1].last_day,
    )
    sizes = ((CatchUpRecord.entries, result.catchup_entries), (CatchUpRecord.reading_minutes, result.catchup_minutes))
    for size, histogram in sizes:
        rows = session.execute(
            select(CatchUpRecord.local_date, size, func.count())
            .where(*where)
            .group_by(CatchUpRecord.local_date, size)
            .order_by(CatchUpRecord.local_date, size)
        )
        for day, value, count in rows:
            index = (day - first).days // DAYS_IN_WEEK
            if size is CatchUpRecord.entries:
                # Every catch-up has one entries group, a NULL one for those sent before sizes were kept.
                result.catchups[index] += count
            if value is not None:
                histogram.setdefault(index, Counter())[int(value)] += count
