"""What the Bolt app listens to, recorded as it is registered.

Registering through `Surfaces` keeps one list of the commands, shortcuts, events and
interactions the app handles: `/handoff help` is rendered from it, and a test checks that
`manifest.yml` declares exactly these. Every interactive surface (a shortcut, a button or menu, a
modal's submission) is registered with its permission check, a Bolt listener middleware run
before the listener (`handlers.guards`): there is no way to register one without it, and a test
checks every registered listener has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App
from slack_bolt.middleware import Middleware

Listener = Callable[..., Any]


@dataclass(frozen=True)
class CommandHelp:
    """One line of `/handoff help`."""

    usage: str
    summary: str


@dataclass
class Surfaces:
    """Registers listeners on a Bolt app and remembers what was registered."""

    app: App
    commands: dict[str, list[CommandHelp]] = field(default_factory=dict)
    # Ways in that are not slash commands (a reaction, the shortcuts, App Home), for `/handoff help`.
    ways_in: list[CommandHelp] = field(default_factory=list)
    events: set[str] = field(default_factory=set)
    message_shortcuts: set[str] = field(default_factory=set)
    global_shortcuts: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    views: set[str] = field(default_factory=set)
    # (surface, id) → the permission check registered with it.
    guards: dict[tuple[str, str], Middleware] = field(default_factory=dict)

    def command(self, name: str, listener: Listener, *, help: list[CommandHelp]) -> None:
        """A slash command, with the lines it contributes to `/handoff help`."""
        self.commands[name] = help
        self.app.command(name)(listener)

    def event(self, event_type: str) -> None:
        """An Events API event type Handoff handles.

        Events are not Bolt listeners: the inbox middleware stores and acknowledges them, and the
        event worker runs their processors (`handlers.events.event_processors`).
        """
        self.events.add(event_type)

    def way_in(self, help: CommandHelp) -> None:
        """A way in with no listener of its own (a reaction, the Home tab), for `/handoff help`.

        `{emoji}` in its usage stands for the workspace's decision emoji.
        """
        self.ways_in.append(help)

    def message_shortcut(self, callback_id: str, listener: Listener, *, guard: Middleware, help: CommandHelp) -> None:
        """A message shortcut (the ⋯ menu on a message), behind its permission check, with its help line."""
        self.message_shortcuts.add(callback_id)
        self.ways_in.append(help)
        self.guards[("message_shortcut", callback_id)] = guard
        self.app.shortcut({"type": "message_action", "callback_id": callback_id}, middleware=[guard])(listener)

    def global_shortcut(self, callback_id: str, listener: Listener, *, guard: Middleware) -> None:
        """A global shortcut (the composer's shortcut menu), behind its permission check."""
        self.global_shortcuts.add(callback_id)
        self.guards[("global_shortcut", callback_id)] = guard
        self.app.shortcut({"type": "shortcut", "callback_id": callback_id}, middleware=[guard])(listener)

    def action(self, action_id: str, listener: Listener, *, guard: Middleware) -> None:
        """A Block Kit interaction (button, select…), behind its permission check."""
        self.actions.add(action_id)
        self.guards[("action", action_id)] = guard
        self.app.action(action_id, middleware=[guard])(listener)

    def view(self, callback_id: str, listener: Listener, *, guard: Middleware) -> None:
        """A modal submission, behind its permission check (run again: the modal may be old)."""
        self.views.add(callback_id)
        self.guards[("view", callback_id)] = guard
        self.app.view(callback_id, middleware=[guard])(listener)

    def help_lines(self) -> list[CommandHelp]:
        """Every command's help, in registration order."""
        return [line for lines in self.commands.values() for line in lines]

    def ways_in_lines(self, *, emoji: list[str]) -> list[CommandHelp]:
        """Every other way in, with the workspace's decision emoji filled in."""
        shown = " or ".join(f":{name}:" for name in emoji)
        return [CommandHelp(line.usage.replace("{emoji}", shown), line.summary) for line in self.ways_in]
