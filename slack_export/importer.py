"""`handoff import`: a Slack workspace export into the store, one transaction per channel.

First the archive is checked whole (safe paths, no zip bomb, users.json and channels.json, the
right workspace, every day file read back once) so that a damaged or foreign archive is refused
before anything is written. Then the people, then each channel in its own transaction: a failure
leaves no partial channel, and running the same command again finishes the rest (everything is
keyed on Slack's ids, so what is already stored is not stored twice).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from decisions.emoji import decision_emoji_for
from slack_export.archive import ArchiveError, Export, opened
from slack_export.channel_import import import_channel
from slack_export.check import check_days
from slack_export.directory import Directory, read_directory
from slack_export.json_files import MalformedFile
from slack_export.layout import DayFile, lay_out
from slack_export.progress import ProgressReport
from slack_export.rules import ImportRules
from slack_export.summary import DIRECT, Summary
from store import people, teams, workspace_settings
from store.models import Team


@dataclass(frozen=True)
class ImportRequest:
    """What the operator asked for."""

    path: Path
    team_id: str
    since: date | None = None
    dry_run: bool = False
    # Refuse the whole export when a day file is not valid JSON (instead of leaving that file out).
    strict: bool = False
    # Import an export of another workspace all the same.
    force: bool = False


def import_export(
    *,
    session_factory: sessionmaker[Session],
    settings: Settings,
    request: ImportRequest,
    now: datetime,
    progress: ProgressReport,
    after_channel: Callable[[], None] = lambda: None,
) -> Summary:
    """Import the export; ArchiveError (nothing written) when it is refused.

    `after_channel` runs after each channel's transaction (the CLI folds SQLite's log back there).
    """
    with opened(request.path) as export:
        directory = read_directory(export, team_id=request.team_id, force=request.force)
        layout = lay_out(export.names(), directory, since=request.since)
        checked = check_days(export, layout, progress)
        if checked.unreadable and request.strict:
            listed = "; ".join(f"{name} ({why})" for name, why in sorted(checked.unreadable.items())[:5])
            raise ArchiveError(
                f"{len(checked.unreadable)} day file(s) of {export.label} are not valid JSON: {listed}. Nothing was "
                "imported (--strict). Without --strict those files are left out and the rest is imported."
            )
        summary = Summary(label=export.label, team_id=request.team_id, dry_run=request.dry_run)
        summary.skipped.update(directory.left_out)
        summary.skipped.update(layout.left_out)
        summary.skipped[DIRECT] += directory.direct_count
        summary.malformed = sorted(checked.unreadable.items())
        rules = _rules(
            session_factory=session_factory,
            settings=settings,
            team_id=request.team_id,
            directory=directory,
            now=now,
            unreadable=frozenset(checked.unreadable),
        )
        summary.retention_days = (rules.now - rules.keep_after).days
        with _unit(session_factory, dry_run=request.dry_run) as session:
            teams.ensure_team(session=session, team_id=request.team_id, now=now)
            for profile in directory.people:
                if people.add_profile(session=session, profile=profile, now=now):
                    summary.people_new += 1
                else:
                    summary.people_known += 1
        progress.phase("Importing messages", checked.entries)
        summary.channels_total = len(directory.channels)
        _import_channels(
            session_factory=session_factory,
            export=export,
            directory=directory,
            days=layout.days,
            rules=rules,
            summary=summary,
            progress=progress,
            dry_run=request.dry_run,
            after_channel=after_channel,
        )
    return summary


def _import_channels(
    *,
    session_factory: sessionmaker[Session],
    export: Export,
    directory: Directory,
    days: dict[str, list[DayFile]],
    rules: ImportRules,
    summary: Summary,
    progress: ProgressReport,
    dry_run: bool,
    after_channel: Callable[[], None],
) -> None:
    for channel in directory.channels:
        part = Summary(label=summary.label, team_id=summary.team_id)
        try:
            with _unit(session_factory, dry_run=dry_run) as session:
                import_channel(
                    session=session,
                    export=export,
                    channel=channel,
                    days=days.get(channel.info.channel_id, []),
                    rules=rules,
                    summary=part,
                    progress=progress,
                )
        except (SQLAlchemyError, ArchiveError, MalformedFile) as exc:
            summary.stopped = (
                f"#{channel.info.name or channel.info.channel_id} could not be imported ({_first_line(exc)}), so "
                "nothing of it was written. The channels before it are imported; run the same command again to "
                "finish (what is already imported is not imported twice)."
            )
            return
        summary.absorb(part)
        summary.channels_done += 1
        after_channel()


def _rules(
    *,
    session_factory: sessionmaker[Session],
    settings: Settings,
    team_id: str,
    directory: Directory,
    now: datetime,
    unreadable: frozenset[str],
) -> ImportRules:
    with session_factory() as session:
        emoji = decision_emoji_for(session=session, settings=settings, team_id=team_id)
        own = workspace_settings.get(session=session, team_id=team_id)
        team = session.get(Team, team_id)
    days = own.traffic_retention_days if own and own.traffic_retention_days else None
    return ImportRules(
        team_id=team_id,
        decision_emoji=emoji,
        members=frozenset(p.user_id for p in directory.people if not p.is_external),
        team_url=team.url if team is not None else None,
        keep_after=now - timedelta(days=days or settings.handoff_traffic_retention_days),
        now=now,
        unreadable=unreadable,
    )


@contextmanager
def _unit(session_factory: sessionmaker[Session], *, dry_run: bool) -> Iterator[Session]:
    """A transaction that commits, or for a dry run one that does everything and is then rolled back."""
    if not dry_run:
        with session_factory.begin() as session:
            yield session
        return
    session = session_factory()
    try:
        session.begin()
        yield session
    finally:
        session.rollback()
        session.close()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
