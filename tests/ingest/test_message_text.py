"""The readable text of integrations' messages: blocks and attachments when `text` is empty."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ingest.message_text import MAX_CHARS, message_text

# As GitHub's app posts a pull request: no text, one legacy attachment.
GITHUB = {
    "type": "message",
    "subtype": "bot_message",
    "bot_id": "B0GITHUB",
    "text": "",
    "attachments": [
        {
            "fallback": "[acme/api] Pull request opened: #42 Move the store to Postgres",
            "pretext": "Pull request opened by dana",
            "title": "#42 Move the store to Postgres",
            "title_link": "https://github.com/acme/api/pull/42",
            "text": "We decided to move off SQLite for the multi-region rollout.",
            "color": "36a64f",
        }
    ],
}

# As PagerDuty posts an incident: Block Kit only.
PAGERDUTY = {
    "type": "message",
    "bot_id": "B0PD",
    "text": "",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Incident #1234 triggered"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*API latency above 2s* on <https://acme.pagerduty.com/i/1|api-prod>"},
            "fields": [{"type": "mrkdwn", "text": "*Urgency:* high"}, {"type": "mrkdwn", "text": "*Service:* api"}],
        },
        {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Acknowledge"}}]},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Assigned to"}, {"type": "plain_text", "text": "ravi"}],
        },
    ],
}

# A person's message as Slack clients send it: text and rich_text blocks that repeat it.
RICH = {
    "type": "message",
    "user": "U1",
    "text": "",
    "blocks": [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Ship it "},
                        {"type": "user", "user_id": "U2"},
                        {"type": "text", "text": " see "},
                        {"type": "link", "url": "https://x.example/doc", "text": "the doc"},
                        {"type": "emoji", "name": "rocket"},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "bullet",
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": "first"}]},
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": "second"}]},
                    ],
                },
                {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted"}]},
                {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "make deploy"}]},
            ],
        }
    ],
}


def test_a_message_with_text_keeps_its_text() -> None:
    assert message_text({**GITHUB, "text": "dana opened #42"}) == "dana opened #42"


def test_a_legacy_attachment_gives_its_pretext_title_and_text_without_repeating_the_fallback() -> None:
    assert message_text(GITHUB).splitlines() == [
        "Pull request opened by dana",
        "#42 Move the store to Postgres",
        "We decided to move off SQLite for the multi-region rollout.",
    ]


def test_an_attachment_with_only_a_fallback_gives_the_fallback() -> None:
    alone = {"text": "", "attachments": [{"fallback": "Jira: ACME-7 moved to Done", "color": "good"}]}
    assert message_text(alone) == "Jira: ACME-7 moved to Done"


def test_block_kit_gives_headers_sections_fields_and_context_but_not_buttons() -> None:
    assert message_text(PAGERDUTY).splitlines() == [
        "Incident #1234 triggered",
        "*API latency above 2s* on <https://acme.pagerduty.com/i/1|api-prod>",
        "*Urgency:* high",
        "*Service:* api",
        "Assigned to ravi",
    ]


def test_rich_text_reads_as_slack_writes_text_with_mentions_links_and_lists() -> None:
    assert message_text(RICH).splitlines() == [
        "Ship it <@U2> see <https://x.example/doc|the doc>:rocket:",
        "first",
        "second",
        "quoted",
        "make deploy",
    ]


def test_blocks_and_attachments_together_are_read_in_order_and_said_once() -> None:
    both = {"text": " ", "blocks": PAGERDUTY["blocks"][:1], "attachments": [{"title": "Incident #1234 triggered"}]}
    assert message_text(both) == "Incident #1234 triggered"


def test_a_nul_character_is_dropped() -> None:
    assert message_text({"text": "a\x00b"}) == "ab"


TYPES = [
    "rich_text",
    "rich_text_section",
    "rich_text_list",
    "text",
    "link",
    "user",
    "section",
    "header",
    "context",
    "mrkdwn",
    "plain_text",
    "emoji",
]
_json = st.recursive(
    st.none() | st.integers() | st.text(max_size=6) | st.sampled_from(TYPES),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["type", "text", "elements", "fields", "title", "fallback", "url"]), inner, max_size=3
        )
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(["text", "blocks", "attachments", "user"]), _json, max_size=4))
def test_any_shape_gives_a_string_and_never_raises(message: dict[str, Any]) -> None:
    text = message_text(message)
    assert isinstance(text, str) and len(text) <= MAX_CHARS and "\x00" not in text


def test_rich_text_nested_beyond_what_slack_renders_is_not_followed() -> None:
    deep: dict[str, Any] = {"type": "rich_text_section", "elements": [{"type": "text", "text": "bottom"}]}
    for _ in range(5_000):
        deep = {"type": "rich_text_list", "elements": [deep]}
    assert message_text({"text": "", "blocks": [{"type": "rich_text", "elements": [deep]}]}) == ""
