"""`/handoff` over real signed HTTP: help that lists every registered command, and a way forward."""

from __future__ import annotations

from bot.deps import Deps
from store import workspace_settings
from tests.support import TEAM_ID, LiveServer, command_form


def test_handoff_help_lists_every_registered_command(live: LiveServer) -> None:
    response = live.post_form(command_form("/handoff", "help"))
    assert response.status_code == 200
    payload = response.json()
    text = " ".join(block["text"]["text"] for block in payload["blocks"] if "text" in block)
    for line in live.handoff.surfaces.help_lines():
        assert line.usage in text
    assert "time zones" in text
    # Ephemeral: only the person who asked sees it.
    assert payload.get("response_type", "ephemeral") == "ephemeral"


def test_handoff_alone_answers_with_help(live: LiveServer) -> None:
    payload = live.post_form(command_form("/handoff")).json()
    assert "/handoff help" in payload["text"]


def test_an_unknown_subcommand_says_what_to_do_next(live: LiveServer) -> None:
    payload = live.post_form(command_form("/handoff", "frobnicate now")).json()
    assert "I don't know `/handoff frobnicate`" in payload["blocks"][0]["text"]["text"]
    assert "/handoff help" in payload["blocks"][0]["text"]["text"]


def test_handoff_help_names_every_way_in_with_this_workspaces_emoji(live: LiveServer) -> None:
    payload = live.post_form(command_form("/handoff", "help")).json()
    text = " ".join(block["text"]["text"] for block in payload["blocks"] if "text" in block)
    assert "React with :memo: to a message" in text
    assert "Log as decision" in text and "Deliver in their hours" in text
    assert "Home tab" in text
    for usage in ("/handoff include #channel", "/hours tz", "/hours reset", "/catchup exclude|include #channel"):
        assert usage in text
    # The reaction is also in the plain-text fallback screen readers and notifications use.
    assert ":memo:" in payload["text"]


def test_handoff_help_shows_the_emoji_the_admins_chose(live: LiveServer, deps: Deps) -> None:
    with deps.session_factory.begin() as session:
        workspace_settings.change(
            session=session,
            team_id=TEAM_ID,
            actor_id="U1",
            now=deps.clock.now(),
            decision_emoji="white_check_mark,memo",
        )
    text = live.post_form(command_form("/handoff", "help")).json()["text"]
    assert "React with :white_check_mark: or :memo: to a message" in text
