"""The readable text of a Slack message object, wherever Slack put it: `text`, blocks or attachments.

Integrations (GitHub, Jira, PagerDuty…) often post with an empty `text` and the content in
legacy attachments or in Block Kit. One function reads them all, so that a decision filed on
such a message, its catch-up summary and an imported export say the same words.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Slack's own limit on a message's text; nothing longer is kept from blocks and attachments either.
MAX_CHARS = 40_000
# Rich text nests lists in lists; Slack renders a handful of levels. Deeper is not a message Slack made.
MAX_NESTING = 12
# Attachment fields, in the order Slack shows them. `fallback` is their plain-text stand-in: used
# only when the attachment has none of them, or it would repeat them.
ATTACHMENT_PARTS = ("pretext", "author_name", "title", "text")


def message_text(message: dict[str, Any]) -> str:
    """The message's `text`; when that is empty, the text of its blocks, then of its attachments."""
    return _readable(message).replace("\x00", "")


def _readable(message: dict[str, Any]) -> str:
    # NUL is dropped by the caller: JSON may carry one (\u0000), PostgreSQL's text cannot hold it.
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        return text
    lines: list[str] = []
    _extend(lines, _blocks(message.get("blocks")))
    attachments = message.get("attachments")
    if isinstance(attachments, list):
        for attachment in attachments:
            if isinstance(attachment, dict):
                _extend(lines, _attachment(attachment))
    return "\n".join(lines)[:MAX_CHARS]


def _extend(lines: list[str], found: Iterator[str]) -> None:
    size = sum(len(line) + 1 for line in lines)
    for raw in found:
        line = raw.strip()
        # A block and an attachment often repeat one another (or a title its fallback): once is enough.
        if not line or line in lines:
            continue
        lines.append(line)
        size += len(line) + 1
        if size >= MAX_CHARS:
            return


def _attachment(attachment: dict[str, Any]) -> Iterator[str]:
    said = False
    for name in ATTACHMENT_PARTS:
        value = attachment.get(name)
        if isinstance(value, str) and value.strip():
            said = True
            yield value
    fields = attachment.get("fields")
    if isinstance(fields, list):
        for field in fields:
            if isinstance(field, dict):
                title, value = field.get("title"), field.get("value")
                parts = [part for part in (title, value) if isinstance(part, str) and part.strip()]
                if parts:
                    said = True
                    yield ": ".join(parts)
    for line in _blocks(attachment.get("blocks")):
        said = True
        yield line
    fallback = attachment.get("fallback")
    if not said and isinstance(fallback, str):
        yield fallback


def _blocks(blocks: Any) -> Iterator[str]:
    if not isinstance(blocks, list):
        return
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = _string(block.get("type"))
        if kind == "rich_text":
            yield from _rich_text(block.get("elements"), depth=0)
        elif kind in {"section", "header"}:
            yield from _text_object(block.get("text"))
            fields = block.get("fields")
            if isinstance(fields, list):
                for field in fields:
                    yield from _text_object(field)
        elif kind == "context" and isinstance(block.get("elements"), list):
            parts = [text for element in block["elements"] for text in _text_object(element)]
            if parts:
                yield " ".join(parts)


def _text_object(value: Any) -> Iterator[str]:
    """A composition object's text (`plain_text` or `mrkdwn`)."""
    if isinstance(value, dict) and _string(value.get("type")) in {"plain_text", "mrkdwn"}:
        text = value.get("text")
        if isinstance(text, str):
            yield text


def _rich_text(elements: Any, *, depth: int) -> Iterator[str]:
    """Each section, list item, quote or preformatted block of rich text as one line."""
    if not isinstance(elements, list) or depth > MAX_NESTING:
        return
    for element in elements:
        if not isinstance(element, dict):
            continue
        kind = _string(element.get("type"))
        if kind == "rich_text_list":
            yield from _rich_text(element.get("elements"), depth=depth + 1)
        elif kind in {"rich_text_section", "rich_text_quote", "rich_text_preformatted"}:
            yield "".join(_inline(element.get("elements")))


def _inline(elements: Any) -> Iterator[str]:
    """The runs of one line of rich text, written as Slack's own `text` would write them."""
    if not isinstance(elements, list):
        return
    for element in elements:
        if not isinstance(element, dict):
            continue
        kind = _string(element.get("type"))
        if kind == "text":
            yield _string(element.get("text"))
        elif kind == "link":
            url, label = _string(element.get("url")), _string(element.get("text"))
            yield f"<{url}|{label}>" if url and label else f"<{url}>" if url else label
        elif kind == "user":
            yield f"<@{_string(element.get('user_id'))}>"
        elif kind == "channel":
            yield f"<#{_string(element.get('channel_id'))}>"
        elif kind == "usergroup":
            yield f"<!subteam^{_string(element.get('usergroup_id'))}>"
        elif kind == "broadcast":
            yield f"<!{_string(element.get('range'))}>"
        elif kind == "emoji":
            yield f":{_string(element.get('name'))}:"
        elif kind == "date":
            yield _string(element.get("fallback"))


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""
