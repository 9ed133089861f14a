"""Block Kit for tests: the limits a view must keep (slack_sdk's models and more), and what Slack sends back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from slack_sdk.models.views import View

_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
# Text limits from Slack's Block Kit reference, per field that holds a text object.
_TEXT_LIMITS = {"title": 24, "submit": 24, "close": 24}
_BLOCK_TEXT_LIMITS = {"section": 3_000, "header": 150}


def assert_valid_view(view: dict[str, Any]) -> None:
    """Fail with the broken rule when `view` is not one Slack would take."""
    # to_dict() runs the models' validators all the way down (lengths, required fields, counts).
    View(**view).to_dict()
    kind = view["type"]
    blocks = view["blocks"]
    assert len(blocks) <= 100, f"{len(blocks)} blocks"
    if kind == "modal":
        for key, most in _TEXT_LIMITS.items():
            if view.get(key):
                assert len(view[key]["text"]) <= most, f"{key} over {most}: {view[key]['text']!r}"
        assert len(view.get("callback_id", "")) <= 255
    assert len(view.get("private_metadata", "")) <= 3_000
    block_ids = [block["block_id"] for block in blocks if "block_id" in block]
    assert len(block_ids) == len(set(block_ids)), f"repeated block_id in {block_ids}"
    for block in blocks:
        assert len(block.get("block_id", "")) <= 255
        limit = _BLOCK_TEXT_LIMITS.get(block["type"])
        if limit is not None:
            assert len(block["text"]["text"]) <= limit, f"{block['type']} text over {limit}"
        action_ids = [element["action_id"] for element in _elements(block) if "action_id" in element]
        assert len(action_ids) == len(set(action_ids)), f"repeated action_id in one block: {action_ids}"
        for element in _elements(block):
            _check_element(element)


def submitted_state(view: dict[str, Any], changes: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The `view.state.values` Slack sends on submit: each input as first shown, but for `changes` (per block_id)."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        value: dict[str, Any] = {"type": kind}
        if kind == "timepicker":
            value["selected_time"] = element.get("initial_time")
        elif kind == "checkboxes":
            value["selected_options"] = element.get("initial_options", [])
        elif kind == "datepicker":
            value["selected_date"] = element.get("initial_date")
        elif kind == "radio_buttons":
            value["selected_option"] = element.get("initial_option")
        elif kind == "multi_conversations_select":
            value["selected_conversations"] = element.get("initial_conversations", [])
        else:
            value["value"] = element.get("initial_value")
        value.update((changes or {}).get(block["block_id"], {}))
        state[block["block_id"]] = {element["action_id"]: value}
    return state


def _elements(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if block["type"] == "input":
        yield block["element"]
    if "accessory" in block:
        yield block["accessory"]
    if block["type"] == "actions":
        yield from block["elements"]


def _check_element(element: dict[str, Any]) -> None:
    assert len(element.get("action_id", "")) <= 255
    kind = element["type"]
    if kind == "timepicker" and "initial_time" in element:
        assert _TIME.fullmatch(element["initial_time"]), f"initial_time {element['initial_time']!r} is not HH:mm"
    if kind == "datepicker" and "initial_date" in element:
        date.fromisoformat(element["initial_date"])
        assert len(element["initial_date"]) == 10
    if kind == "checkboxes":
        options = element["options"]
        assert 1 <= len(options) <= 10, f"{len(options)} checkbox options"
        values = [option["value"] for option in options]
        assert len(values) == len(set(values))
        initial = element.get("initial_options")
        if initial is not None:
            assert initial, "initial_options, when given, may not be empty"
            assert all(option in options for option in initial), "initial_options must repeat options exactly"
    if kind == "plain_text_input" and "initial_value" in element and "max_length" in element:
        assert len(element["initial_value"]) <= element["max_length"]
    if kind == "button":
        assert len(element.get("value", "")) <= 2_000
        confirm = element.get("confirm")
        if confirm:
            assert len(confirm["title"]["text"]) <= 100
            assert len(confirm["text"]["text"]) <= 300
            assert len(confirm["confirm"]["text"]) <= 30 and len(confirm["deny"]["text"]) <= 30
