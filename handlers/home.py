"""App Home: what Handoff does and how to use it, published when someone opens the tab."""

from __future__ import annotations

from typing import Any

from bot.surfaces import CommandHelp
from decisions.finder import render
from handlers.help import INTRO
from ingest.runner import EventContext
from store.decision_search import Filters, search

HOME_DECISIONS = 10


def home_view(
    *, user_id: str, lines: list[CommandHelp], decisions: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The Home tab for one person: the latest decisions they may see, then the commands."""
    commands = "\n".join(f"`{line.usage}`  {line.summary}" for line in lines)
    latest: list[dict[str, Any]] = []
    if decisions is not None:
        latest = [
            {"type": "header", "text": {"type": "plain_text", "text": "Latest decisions in your channels"}},
            *decisions,
            {"type": "divider"},
        ]
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Handoff"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"Hi <@{user_id}>. {INTRO}"}},
            {"type": "divider"},
            *latest,
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
        with context.deps.read_session_factory() as session:
            hits = search(
                session=session,
                team_id=context.team_id,
                viewer_id=user_id,
                filters=Filters(),
                limit=HOME_DECISIONS,
            )
        # The same rendering and visibility rule as /decisions, without its paging button.
        page = render(hits, raw="", offset=0, more=False)
        context.client.views_publish(
            user_id=user_id, view=home_view(user_id=user_id, lines=lines, decisions=page.blocks)
        )

    return on_app_home_opened
