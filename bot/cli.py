"""The `handoff` console script: migrate, serve, tick, status, export, import, stats, doctor, demo."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.exc import OperationalError

from bot.logs import configure_logging
from bot.settings import ConfigError, Settings, load_settings

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="handoff", description="Handoff: humane work across time zones, in Slack.")
    parser.add_argument("--version", action="version", version=f"handoff {handoff_version()}")
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR (default INFO)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("migrate", help="bring the database schema up to date (alembic upgrade head)")
    serve = sub.add_parser("serve", help="answer Slack over HTTP (or Socket Mode) and run the tick every minute")
    serve.add_argument("--host", default="0.0.0.0", help="interface to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000)")
    serve.add_argument("--socket-mode", action="store_true", help="connect out to Slack with SLACK_APP_TOKEN")
    serve.add_argument("--no-tick", action="store_true", help="do not run the minute tick in this process")
    tick = sub.add_parser("tick", help="do everything due now (or at --now) once, then exit")
    tick.add_argument("--now", type=parse_instant, help="the instant, ISO 8601 (no offset means UTC)")
    status = sub.add_parser(
        "status",
        help="queue depths, the oldest due item, each process's last tick, recent failures",
        description="Reads the database only (DATABASE_URL): held pings waiting, jobs by kind (due, in work, "
        "later, retrying, failed in the last 24 h), inbox events pending, the oldest due item and how late it is, "
        "workspaces paused because Slack refuses their token, the event backlog and whether the event worker keeps "
        "up, the SQLite write-ahead log's size, the last tick of each process (how long it took, which tasks ran "
        "over their budget), and the latest failures with their errors.",
    )
    status.add_argument("--json", action="store_true", help="one JSON document instead of tables, for tooling")
    status.add_argument("--failures", type=int, default=10, metavar="N", help="how many recent failures (default 10)")
    status.add_argument("--now", type=parse_instant, help="read as of this instant, ISO 8601 (default: now)")
    export = sub.add_parser("export", help="export data from the store")
    kinds = export.add_subparsers(dest="what", required=True, metavar="WHAT")
    decisions = kinds.add_parser("decisions", help="the decision log as Markdown, CSV or JSON")
    decisions.add_argument("--team", required=True, help="the workspace's team id (T…)")
    decisions.add_argument("--channel", help="only this channel (id, or #name)")
    decisions.add_argument("--since", type=parse_date, help="only decisions from this date on (YYYY-MM-DD)")
    decisions.add_argument("--as", dest="viewer", help="what this person (U…) may see; default: public channels only")
    decisions.add_argument("--format", choices=("md", "csv", "json"), default="md")
    decisions.add_argument("--output", "-o", type=Path, help="write here instead of standard output")
    importing = sub.add_parser(
        "import",
        help="import a Slack workspace export (its people, channels, traffic and decisions)",
        description="Reads a Slack workspace export (the .zip Slack gives workspace admins, or the folder it unpacks "
        "to) into the store as if Handoff had been there: people with their time zones, public and private channels "
        "with their members, messages with threads, edits and reactions (traffic older than the retention is read, "
        "then not kept), and a decision for every message carrying a decision emoji. Direct messages are not read. "
        "Running it again, or on a later export, adds only what is new.",
    )
    importing.add_argument("export", type=Path, metavar="EXPORT", help="the export's .zip, or the folder it unpacks to")
    importing.add_argument("--team", required=True, help="the workspace's team id (T…) the export belongs to")
    importing.add_argument("--since", type=parse_date, help="only days from this date on (YYYY-MM-DD)")
    importing.add_argument("--dry-run", action="store_true", help="read everything, count it, write nothing")
    importing.add_argument(
        "--strict", action="store_true", help="refuse the export when a day file is not valid JSON (default: skip it)"
    )
    importing.add_argument("--force", action="store_true", help="import an export of another workspace all the same")
    stats = sub.add_parser(
        "stats",
        help="a workspace's team outcomes by week (aggregates only, as the admins' weekly report shows them)",
    )
    stats.add_argument("--team", required=True, help="the workspace's team id (T…)")
    stats.add_argument("--weeks", type=parse_weeks, default=8, help="how many weeks, 1 to 52 (default 8)")
    stats.add_argument("--format", choices=("table", "csv", "json"), default="table")
    stats.add_argument("--chart", type=Path, metavar="OUT.png", help="also draw the chart of the weeks to this PNG")
    stats.add_argument("--until", type=parse_date, help="the last day of the latest week (default: today in --tz)")
    stats.add_argument("--tz", default="UTC", help="the time zone whose days make the weeks (default UTC)")
    doctor = sub.add_parser(
        "doctor",
        help="check this deployment before its first user does: configuration, database, Slack, LLM",
        description="One line per check, ✓ or ✗ with the fix: the configuration, the database (reachable, "
        "migrated), the bot token (Slack accepts it; its scopes against manifest.yml's), the signing secret, the "
        "encryption key in OAuth mode, the LLM endpoint (one one-token request) when configured and, with --url, "
        "Handoff's public URL. Exits 0 only when every check passes.",
    )
    doctor.add_argument(
        "--socket-mode", action="store_true", help="check SLACK_APP_TOKEN instead of the signing secret"
    )
    doctor.add_argument("--url", metavar="URL", help="Handoff's public URL, e.g. https://handoff.example.com")
    demo = sub.add_parser(
        "demo",
        help="play a simulated night and print everyone's morning catch-up (no Slack, no key, no network)",
        description="Builds a simulated workspace (five people in five time zones, public and private channels) "
        "in a local SQLite file, plays a night of messages, decisions, mentions and held pings through Handoff's "
        "own inbox, tick, decision log and catch-up composer, and prints the catch-up each person gets at the start "
        "of their next day. Slack's Web API is answered in-process and summaries come from the built-in "
        "summarizer; environment variables and .env are not read.",
    )
    demo.add_argument(
        "--database",
        type=Path,
        default=Path("handoff-demo.db"),
        metavar="FILE",
        help="the SQLite file to build it in, recreated on every run and kept afterwards "
        "(default: handoff-demo.db in the current directory); a file that is not a demo database is refused",
    )
    demo.add_argument("--verbose", "-v", action="store_true", help="also print Handoff's own log lines (INFO)")
    return parser


def handoff_version() -> str:
    """The installed package's version (pyproject.toml's, once installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("handoff")
    except PackageNotFoundError:
        return "unknown (not installed; pip install -e .)"


def parse_date(value: str) -> date:
    """A calendar date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; write it like 2026-11-01") from None


def parse_weeks(value: str) -> int:
    """A number of weeks, 1 to 52."""
    if not value.isdigit() or not 1 <= int(value) <= 52:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of weeks from 1 to 52")
    return int(value)


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant; without an offset it is taken as UTC."""
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 instant; write it like 2026-03-29T07:00:00+02:00"
        ) from None
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; configuration problems print one line and exit 2."""
    args = build_parser().parse_args(argv)
    level = getattr(logging, str(args.log_level).upper(), logging.INFO)
    configure_logging(level=level)
    # Alembic narrates every plugin it loads at INFO; operators only need its warnings.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "demo":
        # Before the settings: the demo reads no environment or .env, so nothing there can stop it.
        return _demo(database=args.database, verbose=args.verbose)
    if args.command == "doctor":
        return _doctor(socket_mode=args.socket_mode, url=args.url)
    try:
        settings = load_settings()
        # Again, now that HANDOFF_LOG_FORMAT and the secrets to keep out of the lines are known.
        configure_logging(level=level, fmt=settings.handoff_log_format, secrets=settings.secrets)
        if args.command == "migrate":
            return _migrate(settings)
        if args.command == "serve":
            return _serve(settings, host=args.host, port=args.port, socket_mode=args.socket_mode, tick=not args.no_tick)
        if args.command == "export":
            return _export_decisions(settings, args)
        if args.command == "import":
            return _import(settings, args)
        if args.command == "status":
            return _status(settings, now=args.now, as_json=args.json, failures=args.failures)
        if args.command == "stats":
            return _stats(settings, args)
        return _tick(settings, now=args.now)
    except ConfigError as exc:
        print(f"handoff: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OperationalError as exc:
        print(
            f"handoff: cannot use the database at DATABASE_URL ({_first_line(exc)}); check that it is running "
            "and the URL is right.",
            file=sys.stderr,
        )
        return EXIT_FAILURE


def _first_line(exc: OperationalError) -> str:
    return str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]


def _migrate(settings: Settings) -> int:
    from bot.migrate import upgrade

    print(f"handoff: {upgrade(settings.database_url).summary()}")
    return 0


def _require_slack(settings: Settings, *, socket_mode: bool = False) -> None:
    settings.require_oauth_pair()
    if settings.oauth_enabled:
        # OAuth mode: workspaces install Handoff themselves; their tokens are in the database.
        settings.require_token_key()
        if socket_mode:
            raise ConfigError(
                "--socket-mode is for one workspace (SLACK_BOT_TOKEN): OAuth installs (SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET are set) need Slack to reach /slack/oauth_redirect over HTTP, so serve without it."
            )
        settings.require("SLACK_SIGNING_SECRET")
        return
    settings.require("SLACK_BOT_TOKEN")
    if socket_mode:
        settings.require("SLACK_APP_TOKEN")
    else:
        settings.require("SLACK_SIGNING_SECRET")


def _serve(settings: Settings, *, host: str, port: int, socket_mode: bool, tick: bool) -> int:
    from bot.metrics_route import prepare_multiprocess

    _require_slack(settings, socket_mode=socket_mode)
    # Before bot.service imports prometheus_client: the event worker process counts into the same place.
    clean_up = prepare_multiprocess()
    try:
        from bot.service import serve

        return serve(settings, host=host, port=port, socket_mode=socket_mode, run_tick_job=tick)
    finally:
        clean_up()


def _tick(settings: Settings, *, now: datetime | None) -> int:
    from bot.service import tick_once

    settings.require_oauth_pair()
    if settings.oauth_enabled:
        settings.require_token_key()
    else:
        settings.require("SLACK_BOT_TOKEN")
    report = tick_once(settings, now=now)
    print(f"handoff: {report.summary()}")
    return 0


def _status(settings: Settings, *, now: datetime | None, as_json: bool, failures: int) -> int:
    from bot.service import status_once
    from bot.status_view import as_json as status_json
    from bot.status_view import show

    status = status_once(settings, now=now, failures=max(failures, 0))
    if as_json:
        sys.stdout.write(status_json(status) + "\n")
    else:
        show(status, sys.stdout)
    return 0


def _export_decisions(settings: Settings, args: argparse.Namespace) -> int:
    from bot.exports import export_decisions

    document, count = export_decisions(
        settings,
        team_id=args.team,
        channel=args.channel,
        since=args.since,
        viewer_id=args.viewer or "",
        fmt=args.format,
    )
    if args.output is not None:
        args.output.write_text(document, encoding="utf-8")
        print(f"handoff: wrote {count} decision(s) to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(document)
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.slack_import import run_import
    from slack_export.archive import ArchiveError
    from slack_export.importer import ImportRequest

    request = ImportRequest(
        path=args.export,
        team_id=args.team,
        since=args.since,
        dry_run=args.dry_run,
        strict=args.strict,
        force=args.force,
    )
    try:
        summary = run_import(settings, request, clock=SystemClock())
    except ArchiveError as exc:
        print(f"handoff import: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print("\n".join(summary.lines()))
    return 0 if summary.complete else EXIT_FAILURE


def _stats(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.team_stats import team_stats
    from hours.schedule import zone_for
    from hours.wallclock import local_wall

    try:
        until = args.until or local_wall(SystemClock().now(), zone_for(args.tz)).date()
    except ValueError:
        raise ConfigError(f"--tz: {args.tz!r} is not a time zone; write it like Europe/Berlin") from None
    output = team_stats(
        settings,
        team_id=args.team,
        weeks=args.weeks,
        until=until,
        tz=args.tz,
        fmt=args.format,
        chart=args.chart is not None,
    )
    sys.stdout.write(output.document)
    if args.chart is None:
        return 0
    if output.chart is None:
        print("handoff: no chart: the workspace has too few people to show its figures.", file=sys.stderr)
        return EXIT_FAILURE
    args.chart.write_bytes(output.chart)
    print(f"handoff: wrote the chart to {args.chart}", file=sys.stderr)
    return 0


def _doctor(*, socket_mode: bool, url: str | None) -> int:
    from bot.doctor import FAIL, Check, diagnose

    try:
        settings = load_settings()
    except ConfigError as exc:
        # The other checks need a configuration: say what to fix first.
        print(Check(FAIL, "the configuration is not valid", str(exc)).line())
        return EXIT_FAILURE
    failed = 0
    for check in diagnose(settings, socket_mode=socket_mode, url=url):
        print(check.line(), flush=True)
        failed += check.failed
    print(f"handoff doctor: {'all checks passed' if not failed else f'{failed} to fix'}.")
    return EXIT_FAILURE if failed else 0


def _demo(*, database: Path, verbose: bool) -> int:
    from demo.command import DemoError, run_and_show

    if not verbose:
        # Handoff logs every tick; the demo's output is the story, so only warnings show.
        logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))
    try:
        return run_and_show(database)
    except DemoError as exc:
        print(f"handoff demo: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
