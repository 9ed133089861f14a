"""Every configuration mistake, as an operator makes it: one line naming the variable and the fix, exit 2.

The variables are read from the configuration table of docs/configuration.md, so a new variable
there without a bad value here fails this file.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest

from tests.bot.test_cli import Served, _env, _run, _start_serving, _stop_serving
from tests.fakes.slack_api import FakeSlack
from tests.oauth import CLIENT_ID
from tests.support import BOT_TOKEN, SIGNING_SECRET, command_form, signed_headers

CONFIGURATION = Path(__file__).parents[2] / "docs" / "configuration.md"

# At least one bad value for each variable of the configuration table (and the words that must name the fault).
BAD_VALUES: list[tuple[str, str, str]] = [
    ("SLACK_BOT_TOKEN", "xoxp-1234-user-token", "it is a user token (xoxp-), not a bot token"),
    ("SLACK_BOT_TOKEN", "xapp-1-A1-123", "which belongs in SLACK_APP_TOKEN"),
    ("SLACK_SIGNING_SECRET", "8f742231 b10e8888", "spaces or line breaks inside"),
    ("SLACK_APP_TOKEN", "xoxb-123", "it is a bot token (xoxb-), which belongs in SLACK_BOT_TOKEN"),
    ("SLACK_CLIENT_ID", "my-app", "'my-app' is not a Client ID"),
    ("SLACK_CLIENT_SECRET", '"0123abcd"', "wrapped in quotes"),
    ("HANDOFF_ENCRYPTION_KEY", "not-a-key", "the key is not a Fernet key"),
    ("HANDOFF_INSECURE_DEV", "maybe", "'maybe' is neither 1 nor 0"),
    ("HANDOFF_UNINSTALL_GRACE_DAYS", "-1", "'-1' is below 0"),
    ("HANDOFF_UNINSTALL_GRACE_DAYS", "a month", "'a month' is not a whole number"),
    ("SLACK_API_URL", "slack.com/api", "'slack.com/api' is not an http(s) URL with a host"),
    ("DATABASE_URL", "sqlite://handoff.db", "the file name must follow three slashes"),
    ("DATABASE_URL", "postgresql+psycopg2://u@localhost/handoff", "psycopg2 driver, which Handoff does not ship"),
    ("DATABASE_URL", "mysql://u@localhost/handoff", "SQLite or PostgreSQL, not mysql"),
    ("DATABASE_URL", "handoff.db", "it is not a URL"),
    ("OPENAI_API_KEY", "sk-abc def", "spaces or line breaks inside"),
    ("OPENAI_BASE_URL", "api.openai.com/v1", "is not an http(s) URL with a host"),
    ("HANDOFF_LLM_MODEL", "gpt 4o mini", "spaces or line breaks inside"),
    ("HANDOFF_DECISION_EMOJI", " , ", "it names no emoji"),
    ("HANDOFF_DECISION_EMOJI", "white check mark", "'white check mark' is not an emoji name"),
    ("HANDOFF_SLACK_TIMEOUT_SECONDS", "0", "'0' is below 1"),
    ("HANDOFF_SLACK_TIMEOUT_SECONDS", "10s", "'10s' is not a whole number"),
    ("HANDOFF_LOG_FORMAT", "xml", "'xml' is neither text nor json"),
    ("HANDOFF_TRAFFIC_RETENTION_DAYS", "two weeks", "'two weeks' is not a whole number"),
    ("HANDOFF_TRAFFIC_RETENTION_DAYS", "9999", "'9999' is above 3650"),
]
SECRETS = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_SECRET", "OPENAI_API_KEY"}


def _readme_variables() -> set[str]:
    """The variables the configuration table documents (a row may name several)."""
    text = CONFIGURATION.read_text(encoding="utf-8")
    section = text.split("# Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_every_variable_of_the_readme_has_a_bad_value_here() -> None:
    documented = _readme_variables()
    assert len(documented) >= 16
    assert documented == {name for name, _, _ in BAD_VALUES}


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(("name", "value", "fault"), BAD_VALUES, ids=[f"{n}={v}" for n, v, _ in BAD_VALUES])
def test_a_malformed_value_is_one_line_naming_the_variable_and_the_fix_and_exit_2(
    tmp_path: Path, name: str, value: str, fault: str
) -> None:
    env = _env(**{"DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}", name: value})
    result = _run(["migrate"], env, tmp_path)
    assert result.returncode == 2, result.stderr
    line = _one_line(result.stderr)
    assert line.startswith(f"handoff: {name} is invalid: "), line
    assert fault in line and "; set it to " in line
    # Handoff's words, not the validation library's.
    assert "Traceback" not in result.stderr and "Value error" not in line and "Input should" not in line
    if name in SECRETS:
        assert value not in line


@pytest.mark.parametrize(
    ("given", "missing"), [("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"), ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")]
)
def test_half_an_oauth_setup_names_the_missing_half(tmp_path: Path, given: str, missing: str) -> None:
    value = CLIENT_ID if given == "SLACK_CLIENT_ID" else "secret"
    env = _env(**{"DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}", given: value, "SLACK_SIGNING_SECRET": "s"})
    result = _run(["serve"], env, tmp_path)
    assert result.returncode == 2
    assert _one_line(result.stderr).startswith(f"handoff: {missing} is not set but {given} is: set it to ")


def _migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    assert _run(["migrate"], _env(DATABASE_URL=url), tmp_path).returncode == 0
    return url


def test_serve_with_a_token_slack_refuses_stops_at_once_naming_slack_bot_token(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    env = _env(
        DATABASE_URL=_migrated(tmp_path),
        SLACK_BOT_TOKEN="xoxb-revoked-long-ago",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
    )
    result = _run(["serve", "--host", "127.0.0.1", "--port", "0"], env, tmp_path)
    assert result.returncode == 2, result.stderr
    line = _one_line(result.stderr)
    assert line.startswith("handoff: SLACK_BOT_TOKEN is refused by Slack (invalid_auth): set it to the Bot User")
    assert len(fake_slack.calls_to("auth.test")) == 1


def test_serve_asks_slack_once_at_start_and_not_again_on_the_first_request(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    env = _env(
        DATABASE_URL=_migrated(tmp_path),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
    )
    served = _start_serving(env, tmp_path)
    try:
        form = command_form("/handoff", "help")
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(form)}
        answer = httpx.post(f"{served.base}/slack/events", content=form, headers=headers, timeout=10)
    finally:
        _stop_serving(served)
    assert answer.status_code == 200 and "Handoff commands" in answer.text
    assert len(fake_slack.calls_to("auth.test")) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_starts_with_a_warning_when_slack_cannot_be_reached(tmp_path: Path) -> None:
    env = _env(
        DATABASE_URL=_migrated(tmp_path),
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=f"http://127.0.0.1:{_closed_port()}/api/",
    )
    served: Served = _start_serving(env, tmp_path)
    try:
        assert httpx.get(f"{served.base}/healthz", timeout=10).status_code == 200
    finally:
        served.stop()
        assert served.process.stdout is not None
        output = served.process.stdout.read()
        served.process.stdout.close()
    warned = [line for line in output.splitlines() if "could not check SLACK_BOT_TOKEN" in line]
    assert len(warned) == 1 and "WARNING" in warned[0] and "starting anyway" in warned[0]
    assert "Traceback" not in output
