"""Importing a Slack export: people, channels, traffic and decisions land as if Handoff had been there."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from decisions.finder import find_all
from slack_export.importer import ImportRequest, import_export
from slack_export.progress import ProgressBar
from store import channels, decisions, people
from store.models import CatchUpPrefs, Channel, Decision, Job, Message, Reaction
from store.slack_time import ts_to_datetime
from tests.conftest import START
from tests.integration_payloads import INCIDENT, INCIDENT_TEXT, PULL_REQUEST, PULL_REQUEST_TEXT, SHARED
from tests.slack_export.acme import (
    EDITED,
    FREEZE,
    FREEZE_TEXT,
    P1,
    P2,
    POSTGRES,
    R1,
    R2,
    REORG_TEXT,
    SHIP,
    TRUNK_TEXT,
    acme,
)
from tests.slack_export.conftest import Importer
from tests.slack_export.exports import SlackExport, channel, message, reactions, ts_at, user
from tests.support import TEAM_ID


def _decisions(session: Session) -> dict[str, Decision]:
    return {d.text: d for d in session.scalars(select(Decision).where(Decision.team_id == TEAM_ID))}


def test_every_message_with_a_decision_emoji_becomes_a_decision_logged_by_the_first_to_react(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    summary = run_import(acme().zip(tmp_path / "acme.zip"))

    assert summary.complete and summary.decisions_new == 5
    with factory() as session:
        filed = _decisions(session)
        assert set(filed) == {SHIP, POSTGRES, TRUNK_TEXT, REORG_TEXT, FREEZE_TEXT}
        ship = filed[SHIP]
        # U1 reacted first; U3 wrote it; it sits in P1's thread.
        assert (ship.channel_id, ship.message_ts, ship.thread_ts) == ("C1", R2, P1)
        assert (ship.author_id, ship.logged_by, ship.source, ship.status) == ("U3", "U1", "reaction", "accepted")
        # Filed at the message's own time, so the log reads in order and no catch-up calls it news.
        assert ship.created_at == ts_to_datetime(R2)
        # The thread is its context: people's messages only, the broadcast reply included.
        thread = decisions.thread_of(session=session, team_id=TEAM_ID, decision_id=ship.id)
        assert [m.text for m in thread] == [
            "Should we ship the beta on Monday?",
            "QA signed off yesterday.",
            SHIP,
            "Also sent to the channel",
        ]
        assert [r.action for r in decisions.revisions_of(session=session, team_id=TEAM_ID, decision_id=ship.id)] == [
            "created"
        ]
        # The edited message is filed with its final text; an emoji on another reaction comes first but files nothing.
        assert filed[POSTGRES].logged_by == "U2" and filed[POSTGRES].message_ts == EDITED
        assert filed[TRUNK_TEXT].logged_by == "U1" and filed[TRUNK_TEXT].channel_id == "C2"
        assert not decisions.has_thread(session=session, team_id=TEAM_ID, decision_id=filed[POSTGRES].id)
        # Nothing is posted into old threads, and nobody's morning catch-up starts from a reaction made before.
        assert session.scalar(select(func.count()).select_from(Job)) == 0
        assert session.scalar(select(func.count()).select_from(CatchUpPrefs)) == 0
        # No workspace URL known yet: the permalink waits for it.
        assert ship.permalink is None


def test_people_keep_their_zones_and_private_decisions_wait_for_handoff_then_reach_only_members(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    summary = run_import(acme().zip(tmp_path / "acme.zip"))

    assert (summary.people_new, summary.channels_public, summary.channels_private) == (6, 2, 1)
    with factory() as session:
        ann = people.get_person(session=session, team_id=TEAM_ID, user_id="U1")
        bot = people.get_person(session=session, team_id=TEAM_ID, user_id="UB")
        gone = people.get_person(session=session, team_id=TEAM_ID, user_id="U4")
        assert ann is not None and ann.tz == "Europe/Berlin" and ann.real_name == "Ann"
        assert bot is not None and bot.is_bot and gone is not None and gone.deleted
        leads = channels.get_channel(session=session, team_id=TEAM_ID, channel_id="G1")
        assert leads is not None and leads.is_private and leads.name == "leads"
        # Handoff is not in it yet, and the first event from it will read the members Slack has now.
        assert not leads.is_member and leads.members_synced_at is None
        assert channels.member_ids(session=session, team_id=TEAM_ID, channel_id="G1") == ["U1", "U3"]
        assert channels.member_ids(session=session, team_id=TEAM_ID, channel_id="C2") == ["U1", "U2"]

    def seen_by(viewer: str) -> set[str]:
        with factory() as session:
            return {hit.decision.text for hit in find_all(session=session, team_id=TEAM_ID, viewer_id=viewer, raw="")}

    # Handoff is not in #leads: an export's member list is only a snapshot, so nobody sees its log yet.
    assert REORG_TEXT not in seen_by("U3")
    # Handoff is added, and reads who is in the channel now, as its first event from there does.
    with factory.begin() as session:
        info = channels.ChannelInfo(TEAM_ID, "G1", "leads", is_private=True, is_member=True)
        channels.save_channel(session=session, info=info, now=START)
        channels.replace_members(session=session, team_id=TEAM_ID, channel_id="G1", user_ids=["U1", "U3"], now=START)
    assert REORG_TEXT in seen_by("U3")
    assert REORG_TEXT not in seen_by("U2")
    assert REORG_TEXT not in seen_by("")


def test_traffic_is_stored_as_the_live_path_stores_it(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    summary = run_import(acme().folder(tmp_path / "acme"))

    with factory() as session:
        rows = {m.ts: m for m in session.scalars(select(Message).where(Message.channel_id == "C1"))}
        texts = {m.text: m for m in rows.values()}
        assert texts["Build 812 passed"].is_bot and texts["Build 812 passed"].bot_id == "B1"
        assert texts["<@U3> has joined the channel"].is_system
        assert not texts["waves at everyone"].is_system and not texts["Here is the rollout plan"].is_system
        assert rows[R1].thread_ts == P1
        assert rows[EDITED].text == POSTGRES and rows[EDITED].edited_at is not None
        # A tombstone is a deleted parent: no text, marked deleted; its reply stays in its thread.
        assert rows[P2].deleted_at is not None and rows[P2].text == ""
        reacted = session.scalars(select(Reaction.user_id).where(Reaction.ts == R2, Reaction.name == "memo")).all()
        assert sorted(reacted) == ["U1", "U2"]
    assert (summary.messages_new, summary.tombstones, summary.replies, summary.from_bots, summary.notices) == (
        14,
        1,
        4,
        1,
        2,
    )
    assert summary.edited == 1 and summary.reactions_new == 8 and summary.not_kept == 2


def test_direct_messages_odd_folders_and_notices_are_left_out_and_said_so(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    summary = run_import(acme().zip(tmp_path / "acme.zip"))

    with factory() as session:
        assert session.scalars(select(Message).where(Message.text.contains("hunter2"))).all() == []
        assert session.scalars(select(Channel).where(Channel.channel_id.in_(["D1", "G9"]))).all() == []
    text = "\n".join(summary.lines())
    assert "2  direct-message conversations (Handoff does not read people's direct messages)" in text
    assert "1  folders that match no channel of channels.json or groups.json" in text
    assert "1  edit and deletion notices" in text
    assert "1  files in channel folders that are not day files" in text
    assert "decisions  5 filed, 0 already in the log" in text


def test_traffic_older_than_the_retention_is_not_kept_but_its_decision_and_thread_are(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    summary = run_import(acme().zip(tmp_path / "acme.zip"))

    assert summary.not_kept == 2
    assert "2 messages are older than the 14-day traffic retention" in "\n".join(summary.lines())
    with factory() as session:
        assert session.scalars(select(Message).where(Message.ts == FREEZE)).all() == []
        assert session.scalars(select(Reaction).where(Reaction.ts == FREEZE)).all() == []
        freeze = _decisions(session)[FREEZE_TEXT]
        thread = decisions.thread_of(session=session, team_id=TEAM_ID, decision_id=freeze.id)
        assert [m.text for m in thread] == [FREEZE_TEXT, "Agreed, no deploys"]


def test_a_workspace_that_keeps_traffic_longer_keeps_the_old_days(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    from store import workspace_settings

    with factory.begin() as session:
        workspace_settings.change(
            session=session, team_id=TEAM_ID, actor_id="U1", now=START, traffic_retention_days=365
        )
    summary = run_import(acme().zip(tmp_path / "acme.zip"))

    assert summary.not_kept == 0
    with factory() as session:
        assert session.scalars(select(Message.text).where(Message.ts == FREEZE)).all() == [FREEZE_TEXT]


def test_a_long_import_shows_its_progress_on_a_terminal(
    tmp_path: Path, factory: sessionmaker[Session], settings: Settings
) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)

    with ProgressBar(console) as bar:
        import_export(
            session_factory=factory,
            settings=settings,
            request=ImportRequest(path=acme().zip(tmp_path / "acme.zip"), team_id=TEAM_ID),
            now=START,
            progress=bar,
        )

    shown = screen.getvalue()
    assert "Checking the export" in shown
    # Every entry of the channels' readable day files (not the DMs' or the unknown folder's).
    assert "Importing messages" in shown and "18/18" in shown and "100%" in shown


def test_an_import_reads_attachments_and_blocks_as_the_live_path_does(
    tmp_path: Path, run_import: Importer, factory: sessionmaker[Session]
) -> None:
    day = "2026-02-27"
    export = SlackExport(
        users=[user("U1", "ana"), user("U3", "ravi")],
        channels=[channel("C1", "general", ["U1", "U3"])],
        days={
            "general": {
                day: [
                    message(
                        ts_at(day, 9),
                        None,
                        "",
                        subtype="bot_message",
                        bot_id="B0GITHUB",
                        attachments=PULL_REQUEST,
                        reactions=reactions(("memo", ["U1"])),
                    ),
                    message(ts_at(day, 10), "U3", "", blocks=INCIDENT, reactions=reactions(("memo", ["U1"]))),
                    message(ts_at(day, 11), "U1", "", attachments=SHARED),
                ]
            }
        },
    )
    assert run_import(export.zip(tmp_path / "export.zip")).complete
    with factory() as session:
        filed = [d.text for d in session.scalars(select(Decision).order_by(Decision.id))]
        shared = session.scalars(select(Message.text).where(Message.user_id == "U1")).one()
    assert filed == [PULL_REQUEST_TEXT, INCIDENT_TEXT]
    assert shared == "ravi\nFreeze deploys until the latency incident is closed"
