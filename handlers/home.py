"""App Home: your open reviews, the latest decisions in your channels (with filters), and the commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.surfaces import CommandHelp, Surfaces
from decisions.blocks import escape, first_line
from decisions.finder import render
from handlers.help import INTRO
from ingest.runner import EventContext
from store.decision_search import Filters, Hit, reviews_owned, search

HOME_DECISIONS = 10
CHANNEL_FILTER_ACTION = "home_filter_channel"
STATUS_FILTER_ACTION = "home_filter_status"
CLEAR_FILTERS_ACTION = "home_filter_clear"
STATUS_CHOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "current": ("Current and superseded", ("proposed", "accepted", "superseded")),
    "open": ("Open: accepted or proposed", ("proposed", "accepted")),
    "proposed": ("Proposed only", ("proposed",)),
    "superseded": ("Superseded only", ("superseded",)),
    "retracted": ("Retracted only", ("retracted",)),
}


@dataclass(frozen=True)
class HomeFilter:
    """What the person narrowed the Home tab's decisions to (kept in the view's private_metadata)."""

    channel_id: str | None = None
    status: str = "current"

    def encode(self) -> str:
        return json.dumps({"channel_id": self.channel_id, "status": self.status})

    @classmethod
    def decode(cls, raw: str | None) -> HomeFilter:
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            return cls()
        status = data.get("status") if data.get("status") in STATUS_CHOICES else "current"
        channel = data.get("channel_id")
        return cls(channel_id=channel if isinstance(channel, str) and channel else None, status=status)


def register(surfaces: Surfaces) -> None:
    """Register the Home tab's filter controls."""

    def on_filter(ack: Ack, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
        ack()
        action = body["actions"][0]
        current = HomeFilter.decode((body.get("view") or {}).get("private_metadata"))
        if action["action_id"] == CHANNEL_FILTER_ACTION:
            current = HomeFilter(channel_id=action.get("selected_conversation"), status=current.status)
        elif action["action_id"] == STATUS_FILTER_ACTION:
            picked = (action.get("selected_option") or {}).get("value")
            current = HomeFilter(
                channel_id=current.channel_id, status=picked if picked in STATUS_CHOICES else "current"
            )
        else:
            current = HomeFilter()
        publish_home(
            context["deps"],
            client,
            team_id=str(body["team"]["id"]),
            user_id=str(body["user"]["id"]),
            lines=surfaces.help_lines(),
            home_filter=current,
        )

    for action_id in (CHANNEL_FILTER_ACTION, STATUS_FILTER_ACTION, CLEAR_FILTERS_ACTION):
        surfaces.action(action_id, on_filter)


def home_processor(lines: list[CommandHelp]) -> Any:
    """The `app_home_opened` processor, bound to the registered commands' help."""

    def on_app_home_opened(context: EventContext) -> None:
        user_id = context.event.get("user")
        # The Messages tab raises app_home_opened too; only the Home tab has a view to publish.
        if not isinstance(user_id, str) or context.event.get("tab", "home") != "home":
            return
        view = context.event.get("view") or {}
        publish_home(
            context.deps,
            context.client,
            team_id=context.team_id,
            user_id=user_id,
            lines=lines,
            # Reopening the tab keeps the filters the person chose last time.
            home_filter=HomeFilter.decode(view.get("private_metadata")),
        )

    return on_app_home_opened


def publish_home(
    deps: Deps, client: WebClient, *, team_id: str, user_id: str, lines: list[CommandHelp], home_filter: HomeFilter
) -> None:
    """Publish one person's Home tab: only what they may see, narrowed by their filters."""
    with deps.read_session_factory() as session:
        reviews, hits = _gather(session, team_id=team_id, user_id=user_id, home_filter=home_filter)
    # The same rendering and visibility rule as /decisions, without its paging button.
    page = render(hits, raw="filtered" if home_filter != HomeFilter() else "", offset=0, more=False)
    client.views_publish(
        user_id=user_id,
        view=home_view(user_id=user_id, lines=lines, decisions=page.blocks, reviews=reviews, home_filter=home_filter),
    )


def _gather(session: Session, *, team_id: str, user_id: str, home_filter: HomeFilter) -> tuple[list[Hit], list[Hit]]:
    reviews = reviews_owned(session=session, team_id=team_id, viewer_id=user_id)
    filters = Filters(channel_id=home_filter.channel_id, statuses=STATUS_CHOICES[home_filter.status][1])
    hits = search(session=session, team_id=team_id, viewer_id=user_id, filters=filters, limit=HOME_DECISIONS)
    return reviews, hits


def home_view(
    *,
    user_id: str,
    lines: list[CommandHelp],
    decisions: list[dict[str, Any]] | None = None,
    reviews: list[Hit] | None = None,
    home_filter: HomeFilter | None = None,
) -> dict[str, Any]:
    """The Home tab for one person: their reviews, the latest decisions they may see, then the commands."""
    home_filter = home_filter or HomeFilter()
    commands = "\n".join(f"`{line.usage}`  {line.summary}" for line in lines)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Handoff"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"Hi <@{user_id}>. {INTRO}"}},
        {"type": "divider"},
    ]
    if reviews:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": "Decisions you own, up for review"}})
        blocks.extend(_review_line(hit) for hit in reviews)
        blocks.append({"type": "divider"})
    if decisions is not None:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": "Latest decisions in your channels"}})
        blocks.append(_filter_controls(home_filter))
        blocks.extend(decisions)
        blocks.append({"type": "divider"})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "*Commands*\n" + commands}})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Handoff only reads channels it has been added to, and shows you only what "
                    "you can already see in Slack.",
                }
            ],
        }
    )
    return {"type": "home", "private_metadata": home_filter.encode(), "blocks": blocks}


def _review_line(hit: Hit) -> dict[str, Any]:
    decision = hit.decision
    assert decision.review_by is not None
    line = escape(first_line(decision.text, empty="(no text)")[:200])
    title = f"<{decision.permalink}|{line}>" if decision.permalink else line
    status = " · _proposed_" if decision.status == "proposed" else ""
    return {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": f"*Review by {decision.review_by:%a %d %b}* · <#{decision.channel_id}>{status}\n{title}",
        },
    }


def _filter_controls(home_filter: HomeFilter) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": CHANNEL_FILTER_ACTION,
        "placeholder": {"type": "plain_text", "text": "All your channels"},
        "filter": {"include": ["public", "private", "mpim"], "exclude_bot_users": True},
    }
    if home_filter.channel_id:
        channel["initial_conversation"] = home_filter.channel_id
    options = [
        {"text": {"type": "plain_text", "text": label}, "value": key} for key, (label, _) in STATUS_CHOICES.items()
    ]
    status = {
        "type": "static_select",
        "action_id": STATUS_FILTER_ACTION,
        "options": options,
        "initial_option": next(o for o in options if o["value"] == home_filter.status),
    }
    elements: list[dict[str, Any]] = [channel, status]
    if home_filter != HomeFilter():
        elements.append(
            {"type": "button", "action_id": CLEAR_FILTERS_ACTION, "text": {"type": "plain_text", "text": "Clear"}}
        )
    return {"type": "actions", "block_id": "home_filters", "elements": elements}
