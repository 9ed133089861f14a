"""App Home: what Handoff does and how to use it, published when someone opens the tab."""

from __future__ import annotations

from typing import Any

from bot.surfaces import CommandHelp
from handlers.help import INTRO
from ingest.runner import EventContext


def home_view(*, user_id: str, lines: list[CommandHelp]) -> dict[str, Any]:
    """The Home tab for one person."""
    commands = "\n".join(f"`{line.usage}`  {line.summary}" for line in lines)
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Handoff"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"Hi <@{user_id}>. {INTRO}"}},
            {"type": "divider"},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Commands*\n" + commands}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Handoff only reads channels it has been added to, and shows you only what "
                        "you can already see in Slack.",
                    }
                ],
            },
        ],
    }


def home_processor(lines: list[CommandHelp]) -> Any:
    """The `app_home_opened` processor, bound to the registered commands' help."""

    def on_app_home_opened(context: EventContext) -> None:
        user_id = context.event.get("user")
        # The Messages tab raises app_home_opened too; only the Home tab has a view to publish.
        if not isinstance(user_id, str) or context.event.get("tab", "home") != "home":
            return
        context.client.views_publish(user_id=user_id, view=home_view(user_id=user_id, lines=lines))

    return on_app_home_opened
