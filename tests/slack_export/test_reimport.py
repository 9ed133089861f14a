"""Importing again: the same export changes nothing, a later one adds only what is new, Slack's own word wins."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from store import channels, decisions, people, teams, workspace_settings
from store.channels import ChannelInfo
from store.decisions import NewDecision
from store.models import Base, Decision, Message
from store.people import Profile
from tests.conftest import START
from tests.slack_export.acme import DAY2, EDITED, POSTGRES, R2, REORG_TEXT, SHIP, TRUNK_TEXT, acme
from tests.slack_export.conftest import Importer
from tests.slack_export.exports import channel, message, reactions, ts_at
from tests.support import TEAM_ID

# Columns that say when a row was written, not what it holds.
WRITE_TIMES = {"updated_at", "ingested_at", "joined_at"}


def _everything(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, without write times, sorted."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name not in WRITE_TIMES]
        rows = session.execute(select(*columns)).all()
        tables[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


def test_importing_the_same_export_twice_changes_nothing(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    path = acme().zip(tmp_path / "acme.zip")
    first = run_import(path)
    with factory() as session:
        before = _everything(session)

    again = run_import(path, now=START + timedelta(hours=1))

    with factory() as session:
        assert _everything(session) == before
    assert (again.messages_new, again.reactions_new, again.decisions_new, again.people_new) == (0, 0, 0, 0)
    assert again.decisions_known == first.decisions_new == 5
    assert again.messages_known == first.messages_new
    assert again.channels_refreshed == 3 and again.channels_new == 0


def test_a_later_overlapping_export_adds_only_what_is_new(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    run_import(acme().zip(tmp_path / "first.zip"))
    later = acme()
    later.users = [*later.users, {"id": "U5", "team_id": TEAM_ID, "name": "dee", "tz": "Australia/Sydney"}]
    day3 = "2026-02-28"
    new_ts = ts_at(day3, 9)
    # The edited message was edited once more; a new day brings a new decision; Dee joined #eng.
    general = later.days["general"]
    day1 = list(general["2026-02-26"])
    day1[-1] = message(
        EDITED,
        "U1",
        "We use Postgres 17 for the new service",
        edited={"user": "U1", "ts": ts_at("2026-02-27", 16)},
        reactions=reactions(("memo", ["U2"])),
    )
    general["2026-02-26"] = day1
    general[day3] = [message(new_ts, "U5", "Move standup to 10:00", reactions=reactions(("memo", ["U5"])))]
    later.channels = [channel("C1", "general", ["U1", "U2", "U3", "U4"]), channel("C2", "eng", ["U1", "U2", "U5"])]

    summary = run_import(later.zip(tmp_path / "later.zip"), now=START + timedelta(days=1))

    assert (summary.people_new, summary.messages_new, summary.decisions_new, summary.decisions_known) == (1, 1, 1, 5)
    with factory() as session:
        filed = {d.message_ts: d for d in session.scalars(select(Decision))}
        assert filed[new_ts].text == "Move standup to 10:00" and filed[new_ts].logged_by == "U5"
        # The decision follows its message's edit, with the old text in its history.
        edited = filed[EDITED]
        assert edited.text == "We use Postgres 17 for the new service"
        history = decisions.revisions_of(session=session, team_id=TEAM_ID, decision_id=edited.id)
        assert [(r.action, r.old_value) for r in history] == [("created", None), ("text", POSTGRES)]
        assert channels.member_ids(session=session, team_id=TEAM_ID, channel_id="C2") == ["U1", "U2", "U5"]


def test_what_handoff_learned_from_slack_itself_wins_over_an_export(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    with factory.begin() as session:
        teams.ensure_team(session=session, team_id=TEAM_ID, now=START)
        # Ann moved to New York since the export; Bo left #leads (read from Slack, so members are synced).
        people.save_profile(
            session=session,
            profile=Profile(team_id=TEAM_ID, user_id="U1", name="ann", tz="America/New_York"),
            now=START,
        )
        channels.save_channel(session=session, info=ChannelInfo(TEAM_ID, "G1", "leads", is_private=True), now=START)
        channels.replace_members(session=session, team_id=TEAM_ID, channel_id="G1", user_ids=["U3"], now=START)
        # The SHIP decision was filed live, then undone.
        decision, _ = decisions.file(
            session=session,
            new=NewDecision(
                team_id=TEAM_ID, channel_id="C1", message_ts=R2, text=SHIP, logged_by="U1", source="reaction"
            ),
            now=START,
        )
        decisions.retract(session=session, decision=decision, actor_id="U1", now=START)

    summary = run_import(acme().zip(tmp_path / "acme.zip"))

    assert summary.channels_live == 1 and summary.people_known == 1 and summary.decisions_known == 1
    with factory() as session:
        ann = people.get_person(session=session, team_id=TEAM_ID, user_id="U1")
        assert ann is not None and ann.tz == "America/New_York"
        assert channels.member_ids(session=session, team_id=TEAM_ID, channel_id="G1") == ["U3"]
        ship = decisions.for_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=R2)
        assert ship is not None and ship.status == "retracted"


def test_a_dry_run_counts_everything_and_writes_nothing(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    summary = run_import(acme().zip(tmp_path / "acme.zip"), dry_run=True)

    assert (summary.decisions_new, summary.messages_new, summary.people_new) == (5, 14, 6)
    assert summary.lines()[0].endswith(": nothing was written.")
    with factory() as session:
        assert all(rows == [] for rows in _everything(session).values())


def test_since_leaves_out_the_days_before_it(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    summary = run_import(acme().zip(tmp_path / "acme.zip"), since=date.fromisoformat(DAY2))

    with factory() as session:
        assert {d.text for d in session.scalars(select(Decision))} == {TRUNK_TEXT, REORG_TEXT}
        assert session.scalars(select(Message).where(Message.ts == R2)).all() == []
    assert summary.skipped["day files before --since"] == 2


def test_the_workspaces_own_decision_emoji_file_decisions(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    with factory.begin() as session:
        workspace_settings.change(
            session=session, team_id=TEAM_ID, actor_id="U1", now=START, decision_emoji="white_check_mark"
        )

    summary = run_import(acme().zip(tmp_path / "acme.zip"))

    assert summary.decisions_new == 1
    with factory() as session:
        (trunk,) = session.scalars(select(Decision)).all()
        # Only U3's ✅ counts now: they filed it.
        assert (trunk.text, trunk.logged_by) == (TRUNK_TEXT, "U3")


def test_in_a_shared_channel_only_members_of_the_workspace_file_decisions(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    export = acme()
    export.users = [*export.users, {"id": "W9", "team_id": "TOTHER", "name": "eve", "tz": "UTC"}]
    export.channels = [*export.channels, channel("C7", "with-partner", ["U1", "W9"], is_ext_shared=True)]
    outside, both = ts_at(DAY2, 10), ts_at(DAY2, 11)
    export.days["with-partner"] = {
        DAY2: [
            message(outside, "W9", "Partner wants weekly syncs", reactions=reactions(("memo", ["W9"]))),
            message(both, "U1", "Weekly syncs on Tuesdays", reactions=reactions(("memo", ["W9", "U1"]))),
        ]
    }

    run_import(export.zip(tmp_path / "acme.zip"))

    with factory() as session:
        shared = {d.message_ts: d for d in session.scalars(select(Decision).where(Decision.channel_id == "C7"))}
        assert set(shared) == {both} and shared[both].logged_by == "U1"
        eve = people.get_person(session=session, team_id=TEAM_ID, user_id="W9")
        assert eve is not None and eve.is_external


def test_permalinks_come_from_the_workspace_url_when_handoff_knows_it(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    with factory.begin() as session:
        teams.ensure_team(session=session, team_id=TEAM_ID, now=START).url = "https://acme.slack.com/"

    run_import(acme().zip(tmp_path / "acme.zip"))

    with factory() as session:
        ship = decisions.for_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=R2)
        assert ship is not None and ship.thread_ts is not None
        assert ship.permalink == (
            f"https://acme.slack.com/archives/C1/p{R2.replace('.', '')}?thread_ts={ship.thread_ts}&cid=C1"
        )


def test_a_channel_the_database_refuses_is_not_half_written_and_a_rerun_finishes(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session], backend: str
) -> None:
    # The database refuses one message of #eng part-way through its channel (a trigger stands in
    # for a full disk or a lost connection).
    with factory.begin() as session:
        for statement in _refuse_trunk(backend):
            session.execute(text(statement))
    path = acme().zip(tmp_path / "acme.zip")

    stopped = run_import(path)

    assert not stopped.complete and stopped.stopped is not None and "#eng could not be imported" in stopped.stopped
    assert "run the same command again" in stopped.stopped
    with factory() as session:
        assert session.scalars(select(Message).where(Message.channel_id == "C2")).all() == []
        assert channels.get_channel(session=session, team_id=TEAM_ID, channel_id="C2") is None
        # #general, before it, is complete.
        assert decisions.for_message(session=session, team_id=TEAM_ID, channel_id="C1", ts=R2) is not None
    with factory.begin() as session:
        for statement in _allow_trunk(backend):
            session.execute(text(statement))

    rerun = run_import(path)

    assert rerun.complete and rerun.decisions_new == 2 and rerun.decisions_known == 3
    with factory() as session:
        assert {d.text for d in session.scalars(select(Decision))} >= {TRUNK_TEXT, REORG_TEXT, SHIP}


def _refuse_trunk(backend: str) -> list[str]:
    if backend == "sqlite":
        return [
            "CREATE TRIGGER refuse_trunk BEFORE INSERT ON messages WHEN NEW.text LIKE 'Adopt trunk%' "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        ]
    return [
        "CREATE FUNCTION refuse_trunk() RETURNS trigger AS $$ BEGIN IF NEW.text LIKE 'Adopt trunk%' THEN "
        "RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_trunk BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_trunk()",
    ]


def _allow_trunk(backend: str) -> list[str]:
    if backend == "sqlite":
        return ["DROP TRIGGER refuse_trunk"]
    return ["DROP TRIGGER refuse_trunk ON messages", "DROP FUNCTION refuse_trunk()"]
