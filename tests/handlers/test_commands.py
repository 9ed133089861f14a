"""`/handoff` over real signed HTTP: help that lists every registered command, and a way forward."""

from __future__ import annotations

from tests.support import LiveServer, command_form


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
