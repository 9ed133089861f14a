"""App Home: your open reviews, the latest decisions in your channels (with filters), your hours, the commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.surfaces import CommandHelp, Surfaces
from decisions.blocks import first_line
from decisions.finder import render
from digest.home_section import catchup_section
from digest.prefs import describe, prefs_view
from digest.text import escape, readable
from handlers import guards
from handlers.help import INTRO
from ingest.event_fields import required_id
from ingest.runner import EventContext
from pings.home_hours import hours_section
from pings.sending import learn_people
from store import catchups, working_hours
from store.decision_search import Filters, Hit, reviews_owned, search
from store.working_hours import Schedule

HOME_DECISIONS = 10
HOME_BLOCKS = 100
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
    surfaces.way_in(
        CommandHelp("Handoff's Home tab", "your open reviews, the latest decisions in your channels, your hours")
    )

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
        who = guards.actor(context)
        publish_home(
            context["deps"],
            client,
            team_id=who.team_id,
            user_id=who.user_id,
            lines=surfaces.help_lines(),
            home_filter=current,
        )

    for action_id in (CHANNEL_FILTER_ACTION, STATUS_FILTER_ACTION, CLEAR_FILTERS_ACTION):
        # Whatever the filter names, the Home tab shows only what the person may see.
        surfaces.action(action_id, on_filter, guard=guards.member())


def home_processor(lines: list[CommandHelp]) -> Any:
    """The `app_home_opened` processor, bound to the registered commands' help."""

    def on_app_home_opened(context: EventContext) -> None:
        # The Messages tab raises app_home_opened too; only the Home tab has a view to publish.
        if context.event.get("tab", "home") != "home":
            return
        # Without a person there is nobody to publish for: dropped once, not retried against Slack.
        user_id = required_id(context.event, "user")
        view = context.event.get("view") or {}
        # One users.info at most, for someone Handoff has not met: their Slack zone, for their hours.
        learn_people(context.deps, team_id=context.team_id, user_ids=[user_id])
        # Opening Handoff's Home counts as using it: their morning catch-up starts.
        with context.deps.session_factory.begin() as session:
            catchups.engage(session=session, team_id=context.team_id, user_id=user_id, now=context.now)
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
    deps: Deps,
    client: WebClient,
    *,
    team_id: str,
    user_id: str,
    lines: list[CommandHelp],
    home_filter: HomeFilter,
    note: str | None = None,
) -> None:
    """Publish one person's Home tab: only what they may see, narrowed by their filters.

    `note` tells them, in their hours section, how a change they just made went.
    """
    view = build_home(deps, team_id=team_id, user_id=user_id, lines=lines, home_filter=home_filter, note=note)
    client.views_publish(user_id=user_id, view=view)


def build_home(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    lines: list[CommandHelp],
    home_filter: HomeFilter,
    note: str | None = None,
) -> dict[str, Any]:
    """One person's Home tab as a view: their reviews, decisions, latest catch-up and hours, read from the store."""
    now = deps.clock.now()
    with deps.read_session_factory() as session:
        reviews, hits, schedule = _gather(session, team_id=team_id, user_id=user_id, home_filter=home_filter, now=now)
        latest = catchups.last_sent(session=session, team_id=team_id, user_id=user_id)
    catchup = catchup_section(
        latest.content if latest else None,
        settings=describe(deps, team_id=team_id, user_id=user_id, now=now),
        prefs=prefs_view(deps, team_id=team_id, user_id=user_id),
        now=now,
    )
    # The same rendering and visibility rule as /decisions, without its paging button.
    page = render(hits, raw="filtered" if home_filter != HomeFilter() else "", offset=0, more=False)
    return home_view(
        user_id=user_id,
        lines=lines,
        decisions=page.blocks,
        reviews=reviews,
        home_filter=home_filter,
        hours=hours_section(schedule, now, note=note),
        catchup=catchup,
    )


def _gather(
    session: Session, *, team_id: str, user_id: str, home_filter: HomeFilter, now: datetime
) -> tuple[list[Hit], list[Hit], Schedule]:
    reviews = reviews_owned(session=session, team_id=team_id, viewer_id=user_id)
    filters = Filters(channel_id=home_filter.channel_id, statuses=STATUS_CHOICES[home_filter.status][1])
    hits = search(session=session, team_id=team_id, viewer_id=user_id, filters=filters, limit=HOME_DECISIONS)
    schedule = working_hours.schedule_for(session=session, team_id=team_id, user_id=user_id, today=now.date())
    return reviews, hits, schedule


def home_view(
    *,
    user_id: str,
    lines: list[CommandHelp],
    decisions: list[dict[str, Any]] | None = None,
    reviews: list[Hit] | None = None,
    home_filter: HomeFilter | None = None,
    hours: list[dict[str, Any]] | None = None,
    catchup: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The Home tab for one person: their reviews, the latest decisions they may see, their hours, the commands."""
    home_filter = home_filter or HomeFilter()
    commands = "\n".join(f"`{line.usage}`  {line.summary}" for line in lines)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Handoff"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"Hi <@{user_id}>. {INTRO}"}},
        {"type": "divider"},
    ]
    if catchup:
        # Slack allows 100 blocks in a Home tab: the catch-up gets what the rest leaves.
        room = HOME_BLOCKS - 3 - _other_blocks(reviews, decisions, hours)
        blocks.extend(_fit(catchup, room))
        blocks.append({"type": "divider"})
    if reviews:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": "Decisions you own, up for review"}})
        blocks.extend(_review_line(hit) for hit in reviews)
        blocks.append({"type": "divider"})
    if decisions is not None:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": "Latest decisions in your channels"}})
        blocks.append(_filter_controls(home_filter))
        blocks.extend(decisions)
        blocks.append({"type": "divider"})
    if hours:
        blocks.extend(hours)
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


def _other_blocks(
    reviews: list[Hit] | None, decisions: list[dict[str, Any]] | None, hours: list[dict[str, Any]] | None
) -> int:
    """Blocks the Home tab has besides the catch-up (headers, dividers and the commands included)."""
    count = 3  # the commands, the privacy note, and a margin for the hours' divider
    count += len(reviews) + 2 if reviews else 0
    count += len(decisions) + 3 if decisions is not None else 0
    count += len(hours) + 1 if hours else 0
    return count


def _fit(blocks: list[dict[str, Any]], room: int) -> list[dict[str, Any]]:
    """The catch-up's blocks, cut to the room left, ending with where to find the rest."""
    if len(blocks) <= room:
        return blocks
    more = {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "There is more: `/catchup` shows the whole of it."}],
    }
    return [*blocks[: max(room - 1, 0)], more]


def _review_line(hit: Hit) -> dict[str, Any]:
    decision = hit.decision
    assert decision.review_by is not None
    line = escape(first_line(readable(decision.text), empty="(no text)")[:200])
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
