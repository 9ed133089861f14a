"""`handoff doctor` as an operator runs it, against the fake Slack and the fake OpenAI: one line per check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot.oauth import BOT_SCOPES
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.oauth import CLIENT_ID, CLIENT_SECRET, KEY
from tests.support import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, LiveServer

HANDOFF = shutil.which("handoff") or str(Path(sys.executable).with_name("handoff"))


def _doctor(tmp_path: Path, *args: str, **values: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_", "OPENAI_", "DATABASE_"))}
    env.update(values)
    return subprocess.run(
        [HANDOFF, "doctor", *args], check=False, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def _good(database_url: str, fake_slack: FakeSlack, **more: str) -> dict[str, str]:
    fake_slack.set_scopes(TEAM_ID, BOT_SCOPES)
    return {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        **more,
    }


def test_a_ready_deployment_passes_every_check(
    database_url: str, fake_slack: FakeSlack, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    env = _good(
        database_url,
        fake_slack,
        OPENAI_API_KEY="sk-test-doctor-key",
        OPENAI_BASE_URL=fake_openai.url,
        HANDOFF_LLM_MODEL="gpt-4o-mini",
    )
    result = _doctor(tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith("✓") for line in lines[:-1]), result.stdout
    assert "✓ Slack accepts SLACK_BOT_TOKEN: workspace Acme (T0001)" in lines
    assert f"✓ SLACK_BOT_TOKEN has every scope manifest.yml asks for ({len(BOT_SCOPES)})" in lines
    assert "✓ the database answers and its schema is up to date" in lines
    assert any(line.startswith("✓ the LLM endpoint at") for line in lines)
    assert lines[-1] == "handoff doctor: all checks passed."
    # One token asked of the model, and nothing written to Slack.
    [asked] = fake_openai.chat_requests()
    assert asked.json is not None and asked.json["max_tokens"] == 1
    assert {call.method for call in fake_slack.calls} == {"auth.test"}


def test_a_refused_token_fails_with_its_fix(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = _good(database_url, fake_slack, SLACK_BOT_TOKEN="xoxb-revoked-or-wrong")
    result = _doctor(tmp_path, **env)
    assert result.returncode == 1
    assert "✗ Slack refuses SLACK_BOT_TOKEN (invalid_auth) — copy the Bot User OAuth Token again" in result.stdout
    assert result.stdout.splitlines()[-1] == "handoff doctor: 1 to fix."
    assert "xoxb-revoked-or-wrong" not in result.stdout + result.stderr


def test_a_missing_scope_is_named_and_an_extra_one_noted(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = _good(database_url, fake_slack)
    fake_slack.set_scopes(TEAM_ID, (*(s for s in BOT_SCOPES if s != "files:write"), "admin"))
    result = _doctor(tmp_path, **env)
    assert result.returncode == 1
    assert "✗ SLACK_BOT_TOKEN lacks scopes manifest.yml asks for: files:write — add them" in result.stdout
    # An extra scope is worth knowing, not a failure.
    assert "! SLACK_BOT_TOKEN has scopes Handoff does not use: admin" in result.stdout
    assert result.stdout.splitlines()[-1] == "handoff doctor: 1 to fix."


def test_every_problem_is_reported_at_once(fake_slack: FakeSlack, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.fail_next(status=401, times=1)
    result = _doctor(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'never-migrated.db'}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=fake_slack.url,
        OPENAI_API_KEY="sk-test-doctor-key",
        OPENAI_BASE_URL=fake_openai.url,
        HANDOFF_LLM_MODEL="gpt-4o-mini",
    )
    assert result.returncode == 1
    out = result.stdout
    assert "✗ SLACK_SIGNING_SECRET is not set — set it to the Signing Secret" in out
    assert "✗ the database schema is not up to date" in out and "run `handoff migrate`" in out
    assert "✗ the LLM endpoint at" in out and "(HTTP 401)" in out
    assert "Slack did not say which scopes" in out  # the fake sends no X-OAuth-Scopes unless told
    assert out.splitlines()[-1] == "handoff doctor: 3 to fix."


def test_oauth_mode_checks_the_key_and_says_when_nobody_installed_yet(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    base = {"DATABASE_URL": database_url, "SLACK_API_URL": fake_slack.url, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    oauth = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET}
    without_key = _doctor(tmp_path, **base, **oauth)
    assert without_key.returncode == 1
    assert "✗ HANDOFF_ENCRYPTION_KEY is not set (OAuth mode)" in without_key.stdout
    with_key = _doctor(tmp_path, **base, **oauth, HANDOFF_ENCRYPTION_KEY=KEY)
    assert with_key.returncode == 0, with_key.stdout
    assert "! no workspace has installed Handoff yet — open /slack/install" in with_key.stdout


def test_the_public_url_is_checked_when_given(
    live: LiveServer, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = _good(database_url, fake_slack)
    reached = _doctor(tmp_path, "--url", live.base_url, **env)
    assert reached.returncode == 0, reached.stdout
    assert f"✓ {live.base_url}/slack/events is Handoff's and answers" in reached.stdout
    missed = _doctor(tmp_path, "--url", "http://127.0.0.1:9", **env)
    assert missed.returncode == 1
    assert "✗ http://127.0.0.1:9 cannot be reached" in missed.stdout


def test_an_invalid_configuration_is_the_one_thing_to_fix_first(tmp_path: Path) -> None:
    result = _doctor(tmp_path, DATABASE_URL="mysql://nope")
    assert result.returncode == 1
    assert result.stdout.startswith("✗ the configuration is not valid — DATABASE_URL is invalid")
