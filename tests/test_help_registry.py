"""`/handoff help` is generated from what is registered: nothing live can be missing from it."""

from __future__ import annotations

import re
from pathlib import Path

from digest import catchup_command
from handlers import commands
from hours import command as hours_command
from tests.test_manifest import _load_manifest, _registered_surfaces

COMMANDS_REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "commands.md"

# Synonyms of help and of the bare command: answered, not worth a line of their own.
UNLISTED = frozenset({"help", "?", "show", "setting", "prefs"})


def _words(usage: str) -> set[str]:
    return set(re.split(r"[\s|\[\]<>]+", usage))


def test_every_registered_command_has_help() -> None:
    surfaces = _registered_surfaces()
    for name, lines in surfaces.commands.items():
        assert lines, f"{name} has no help line"
        assert all(line.usage.startswith(name) for line in lines), name


def test_every_subcommand_is_in_its_commands_help() -> None:
    surfaces = _registered_surfaces()
    for name, keywords in (
        ("/handoff", commands.SUBCOMMANDS),
        ("/hours", hours_command.SUBCOMMANDS),
        ("/catchup", catchup_command.SUBCOMMANDS),
    ):
        listed = set().union(*(_words(line.usage) for line in surfaces.commands[name]))
        missing = sorted(keywords - UNLISTED - listed)
        assert not missing, f"{name} answers {missing}, which its help does not list"


def test_every_shortcut_the_manifest_declares_is_a_way_in_of_the_help() -> None:
    surfaces = _registered_surfaces()
    usages = " ".join(line.usage for line in surfaces.ways_in)
    shortcuts = _load_manifest()["features"]["shortcuts"]
    for shortcut in shortcuts:
        assert shortcut["name"] in usages, f"the shortcut {shortcut['name']!r} is missing from /handoff help"
    assert len(surfaces.ways_in) == len(surfaces.message_shortcuts) + len(surfaces.global_shortcuts) + 2
    assert "{emoji}" in usages, "reacting with the decision emoji is the first way in"
    assert "Home tab" in usages


def test_the_command_reference_documents_every_command_subcommand_and_shortcut() -> None:
    from bot.cli import build_parser

    reference = COMMANDS_REFERENCE.read_text(encoding="utf-8")
    surfaces = _registered_surfaces()
    for name, lines in surfaces.commands.items():
        assert f"`{name}" in reference, f"{name} is missing from docs/commands.md"
        for line in lines:
            words = line.usage.split()
            shown = " ".join(words[:2]) if len(words) > 1 and words[1].isalpha() else words[0]
            assert shown in reference, f"{shown} is missing from docs/commands.md"
    for shortcut in _load_manifest()["features"]["shortcuts"]:
        assert shortcut["name"] in reference, f"the shortcut {shortcut['name']!r} is missing from docs/commands.md"
    parser = build_parser()
    [sub] = [action for action in parser._actions if action.dest == "command"]
    for command in sub.choices:  # type: ignore[union-attr]
        assert f"`handoff {command}" in reference, f"handoff {command} is missing from docs/commands.md"
