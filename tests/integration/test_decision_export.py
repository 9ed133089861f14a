"""Exports of the decision log: `/decisions export` by DM, and `handoff export decisions` on the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store import decisions
from store.decisions import Details, NewDecision
from store.models import Decision
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, command_form, seed_general_and_leads

HANDOFF = str(Path(sys.executable).with_name("handoff"))


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with session_factory.begin() as session:
        seed_general_and_leads(session)
        for channel_id, text, days in (
            ("C1", "Ship the beta Monday", 2),
            ("C1", "Use Postgres", 1),
            ("G1", "Raise salaries 5%", 1),
        ):
            decision, _ = decisions.file(
                session=session,
                new=NewDecision(
                    team_id=TEAM_ID,
                    channel_id=channel_id,
                    text=text,
                    logged_by="U1",
                    author_id="U1",
                    source="command",
                    permalink=f"https://acme.slack.com/archives/{channel_id}/p1",
                ),
                now=START - timedelta(days=days),
            )
            decisions.set_details(
                session=session,
                decision=decision,
                details=Details(why=f"Because of {text.lower()}", tags="plan"),
                actor_id="U1",
                now=START,
            )
    return session_factory


def test_decisions_export_sends_a_markdown_file_of_what_the_person_may_see(
    live: LiveServer, fake_slack: FakeSlack, seeded: sessionmaker[Session]
) -> None:
    fake_slack.add_user(TEAM_ID, "U2", name="bo")
    response = live.post_form(
        command_form("/decisions", "export", user_id="U2", response_url=fake_slack.response_url("x"))
    )
    assert response.status_code == 200 and "2 decision" in response.text
    live.settle()
    (sent,) = fake_slack.files()
    assert (sent.filename.endswith(".md") and sent.channel_ids == ("DU2",)) or sent.channel_ids[0].startswith("D")
    document = (sent.content or b"").decode()
    assert (
        "## #general" in document
        and "Ship the beta Monday" in document
        and "**Why.** Because of use postgres" in document
    )
    assert "salaries" not in document and "#leads" not in document
    assert document.index("Use Postgres") < document.index("Ship the beta Monday")  # newest first
    (note,) = fake_slack.response_url_posts("x")
    assert "Sent to you in a DM: 2 decision(s)" in note["text"]


def _export(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "DATABASE_"))}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [HANDOFF, "export", "decisions", "--team", TEAM_ID, *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cli_exports_public_channels_unless_asked_for_a_persons_view(
    database_url: str, seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    public = _export(database_url, tmp_path, "--format", "json")
    assert public.returncode == 0, public.stderr
    assert sorted(row["text"] for row in json.loads(public.stdout)) == ["Ship the beta Monday", "Use Postgres"]
    as_u1 = _export(database_url, tmp_path, "--format", "csv", "--as", "U1")
    texts = sorted(row["text"] for row in csv.DictReader(io.StringIO(as_u1.stdout)))
    assert texts == ["Raise salaries 5%", "Ship the beta Monday", "Use Postgres"]
    since = _export(
        database_url, tmp_path, "--channel", "general", "--since", (START - timedelta(days=1)).date().isoformat()
    )
    assert "Use Postgres" in since.stdout and "Ship the beta" not in since.stdout
    out = tmp_path / "log.md"
    written = _export(database_url, tmp_path, "--channel", "C1", "-o", str(out))
    assert written.returncode == 0 and out.read_text().startswith("# Decision log of T0001 (public channels)")


def test_the_cli_says_what_is_wrong_with_a_bad_channel_or_date(
    database_url: str, seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    unknown = _export(database_url, tmp_path, "--channel", "nowhere")
    assert unknown.returncode == 2 and "I don't know a channel called #nowhere" in unknown.stderr
    bad_date = _export(database_url, tmp_path, "--since", "last week")
    assert bad_date.returncode == 2 and "write it like 2026-11-01" in bad_date.stderr
    assert "Traceback" not in unknown.stderr + bad_date.stderr


def test_the_markdown_shows_what_replaced_what(
    database_url: str, seeded: sessionmaker[Session], tmp_path: Path
) -> None:
    with seeded.begin() as session:
        rows = {d.text: d for d in session.scalars(select(Decision))}
        decisions.supersede(
            session=session, newer=rows["Use Postgres"], older=rows["Ship the beta Monday"], actor_id="U1", now=START
        )
    document = _export(database_url, tmp_path).stdout
    assert "**Replaces** “Ship the beta Monday”." in document
    assert "**Replaced by** “Use Postgres”." in document
    assert "superseded" in document
