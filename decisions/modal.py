"""The decision modal (shortcut *Log as decision*, `/decision` alone, *Add the why*): build and read it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from decisions.blocks import first_line
from digest.text import readable
from store.decisions import CHOSEN, Details, normalize_tags
from store.models import Decision

FILE_CALLBACK = "decision_file"
WHY_CALLBACK = "decision_why"
# Block Kit: a plain_text_input holds at most 3,000 characters; an option's text 75.
INPUT_LIMIT = 3_000
OPTION_TEXT_LIMIT = 75


@dataclass(frozen=True)
class Source:
    """Where a decision filed from the modal comes from (kept in the view's private_metadata)."""

    channel_id: str
    message_ts: str | None = None
    thread_ts: str | None = None
    author_id: str | None = None

    def encode(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def decode(cls, raw: str) -> Source:
        data = json.loads(raw or "{}")
        return cls(
            channel_id=str(data["channel_id"]),
            message_ts=data.get("message_ts"),
            thread_ts=data.get("thread_ts"),
            author_id=data.get("author_id"),
        )


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    multiline: bool = True,
    optional: bool = True,
    hint: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": INPUT_LIMIT,
    }
    if initial:
        element["initial_value"] = initial[:INPUT_LIMIT]
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


STATUS_OPTIONS = (("accepted", "Accepted"), ("proposed", "Proposed: not settled yet"))


def _static_select(
    block_id: str,
    label: str,
    options: list[tuple[str, str]],
    *,
    initial: str | None = None,
    optional: bool = True,
    hint: str | None = None,
) -> dict[str, Any]:
    choices = [{"text": {"type": "plain_text", "text": text}, "value": value} for value, text in options]
    element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": choices}
    picked = [choice for choice in choices if choice["value"] == initial]
    if picked:
        element["initial_option"] = picked[0]
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _candidate_options(candidates: list[tuple[int, str]]) -> list[tuple[str, str]]:
    # Block Kit: at most 100 options, each at most 75 characters.
    return [
        (str(decision_id), first_line(readable(text), empty="(no text)")[: OPTION_TEXT_LIMIT - 1])
        for decision_id, text in candidates[:100]
    ]


def _owner_and_review(*, owner_id: str | None, review_by: date | None) -> list[dict[str, Any]]:
    owner: dict[str, Any] = {"type": "users_select", "action_id": "value"}
    if owner_id:
        owner["initial_user"] = owner_id
    review: dict[str, Any] = {"type": "datepicker", "action_id": "value"}
    if review_by is not None:
        review["initial_date"] = review_by.isoformat()
    return [
        {
            "type": "input",
            "block_id": "owner",
            "optional": True,
            "label": {"type": "plain_text", "text": "Owner"},
            "element": owner,
        },
        {
            "type": "input",
            "block_id": "review_by",
            "optional": True,
            "label": {"type": "plain_text", "text": "Review by"},
            "element": review,
            "hint": {"type": "plain_text", "text": "The owner is reminded at the start of their day then."},
        },
    ]


def file_view(
    *, source: Source, text: str, owner_id: str, candidates: list[tuple[int, str]] | None = None
) -> dict[str, Any]:
    """The modal to file a decision, pre-filled from a message (or empty, for `/decision` alone).

    `candidates` are the channel's earlier decisions the new one may replace.
    """
    blocks = [
        _text_input("title", "What was decided", initial=readable(text), optional=False),
        _text_input("why", "Why", hint="What someone waking up in another time zone needs to understand it."),
        _text_input("alternatives", "Alternatives considered"),
        _text_input("tags", "Tags", multiline=False, hint="Comma-separated, e.g. infra, q4"),
        _static_select("status", "Status", list(STATUS_OPTIONS), initial="accepted", optional=False),
        *_owner_and_review(owner_id=owner_id, review_by=None),
    ]
    if candidates:
        blocks.append(
            _static_select(
                "replaces",
                "Replaces an earlier decision",
                _candidate_options(candidates),
                hint="That decision is then marked superseded and points here.",
            )
        )
    return {
        "type": "modal",
        "callback_id": FILE_CALLBACK,
        "private_metadata": source.encode(),
        "title": {"type": "plain_text", "text": "Log a decision"},
        "submit": {"type": "plain_text", "text": "File it"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


EDIT_CALLBACK = "decision_edit"


def edit_view(*, decision: Decision) -> dict[str, Any]:
    """The modal behind *Edit…*: what was decided, tags, owner, review date and (while open) status."""
    blocks = [
        _text_input("title", "What was decided", initial=readable(decision.text), optional=False),
        _text_input("tags", "Tags", initial=decision.tags.replace(",", ", "), multiline=False),
    ]
    if decision.status in CHOSEN:
        blocks.append(_static_select("status", "Status", list(STATUS_OPTIONS), initial=decision.status, optional=False))
    blocks.extend(_owner_and_review(owner_id=decision.owner_id, review_by=decision.review_by))
    return {
        "type": "modal",
        "callback_id": EDIT_CALLBACK,
        "private_metadata": str(decision.id),
        "title": {"type": "plain_text", "text": "Edit the decision"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def why_view(*, decision_id: int, why: str, alternatives: str) -> dict[str, Any]:
    """The modal behind *Add the why*."""
    return {
        "type": "modal",
        "callback_id": WHY_CALLBACK,
        "private_metadata": str(decision_id),
        "title": {"type": "plain_text", "text": "Add the why"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _text_input("why", "Why", initial=why, optional=False),
            _text_input("alternatives", "Alternatives considered", initial=alternatives),
        ],
    }


SUPERSEDE_CALLBACK = "decision_supersede"


def supersede_view(*, newer_id: int, candidates: list[tuple[int, str]]) -> dict[str, Any]:
    """The modal behind *Supersede…*: which earlier decision of the channel this one replaces."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": SUPERSEDE_CALLBACK,
        "private_metadata": str(newer_id),
        "title": {"type": "plain_text", "text": "Supersede a decision"},
        "close": {"type": "plain_text", "text": "Cancel"},
    }
    if not candidates:
        view["blocks"] = [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "There is no earlier decision in this channel to replace."},
            }
        ]
        return view
    view["submit"] = {"type": "plain_text", "text": "Supersede"}
    view["blocks"] = [_static_select("older", "This decision replaces", _candidate_options(candidates), optional=False)]
    return view


def read_details(values: dict[str, Any], *, today: date) -> tuple[Details, dict[str, str]]:
    """The submitted fields, and an error message per field that needs fixing (Slack shows them inline)."""
    errors: dict[str, str] = {}

    def text(block_id: str) -> str | None:
        entry = (values.get(block_id) or {}).get("value") or {}
        raw = entry.get("value") if "value" in entry else None
        return None if raw is None else str(raw).strip()

    title = text("title")
    if "title" in values and not title:
        errors["title"] = "Say what was decided, in a sentence."
    owner = ((values.get("owner") or {}).get("value") or {}).get("selected_user")
    picked = ((values.get("review_by") or {}).get("value") or {}).get("selected_date")
    review_by = date.fromisoformat(picked) if picked else None
    if review_by is not None and review_by < today:
        errors["review_by"] = "Pick today or a later date."
    tags = text("tags")
    status = _selected(values, "status")
    details = Details(
        text=title or None,
        why=text("why") if "why" in values else None,
        alternatives=text("alternatives") if "alternatives" in values else None,
        tags=normalize_tags(tags) if tags is not None else None,
        owner_id=str(owner) if owner else None,
        review_by=review_by,
        status=status if status in CHOSEN else None,
    )
    return details, errors


def read_replaces(values: dict[str, Any]) -> int | None:
    """The earlier decision picked in *Replaces*, if any."""
    picked = _selected(values, "replaces")
    return int(picked) if picked and picked.isdigit() else None


def _selected(values: dict[str, Any], block_id: str) -> str | None:
    option = ((values.get(block_id) or {}).get("value") or {}).get("selected_option") or {}
    value = option.get("value")
    return str(value) if value is not None else None
