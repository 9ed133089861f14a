"""A model's answer as a catch-up shows it: only the window's people, channel and permalinks, and no decisions."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings

from digest.links import message_link
from digest.model_output import LINK_REMOVED, Sources, clean_point, sources_of
from tests.digest.windows import msg, ts_at, window
from tests.hostile_text import hostile_text, shown_text, stray_markup, unintended_tokens

URL = "https://acme.slack.com/"
PERMALINK = message_link(URL, "T0001", "C100", ts_at(0))
SOURCES = Sources(people=frozenset({"U1", "U2", "U3"}), channels=frozenset({"C100"}), links=frozenset({PERMALINK}))

# Every Slack token a rendered point may hold: a mention of someone in the window, its channel, its permalink.
ALLOWED = {"<@U1>", "<@U2>", "<@U3>", "<#C100>", f"<{PERMALINK}>"}


def shown(line: str) -> str | None:
    point = clean_point(line, SOURCES, limit=300)
    return point.text if point is not None else None


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("<@U1> asks <@U3> to review the plan", "<@U1> asks <@U3> to review the plan"),
        ("<@U1|ana> asks <@UEVIL> for a hand", "<@U1> asks someone for a hand"),
        ("<!channel> <!here|here> <!everyone> please read", "please read"),
        ("@channel and @Here and @everyone, read this", "channel and Here and everyone, read this"),
        ("<!subteam^S1|@admins> look", "look"),
        ("<@U1> shared <https://evil.example/login|the login page>", "<@U1> shared the login page"),
        ("<@U1> shared <https://evil.example/login>", f"<@U1> shared {LINK_REMOVED}"),
        ("see https://evil.example/x?y=1 now", f"see {LINK_REMOVED} now"),
        ("see www.evil.example.", f"see {LINK_REMOVED}."),
        ("[the docs](https://evil.example)", f"[the docs]({LINK_REMOVED})"),
        ("mail mailto:boss@evil.example", f"mail {LINK_REMOVED}"),
        ("ask in <#C100|eng> or <#CSECRET|exec-comp>", "ask in <#C100> or #exec-comp"),
        ("ask in <#GSECRET>", "ask in another channel"),
        ("<@U2> posted <" + PERMALINK + "|this>", f"<@U2> posted <{PERMALINK}|this>"),
        ("<@U2> posted " + PERMALINK + ".", f"<@U2> posted <{PERMALINK}>."),
        ("R&D <b>bold</b> 5 > 3 &amp;", "R&amp;D &lt;b&gt;bold&lt;/b&gt; 5 &gt; 3 &amp;amp;"),
        ("```rm -rf /```", "rm -rf /"),
    ],
)
def test_only_the_windows_people_channel_and_permalinks_stay_slack_tokens(answer: str, expected: str) -> None:
    assert shown(answer) == expected


def test_a_removed_links_label_cannot_complete_a_mention_around_it() -> None:
    # "<@U" + label "EVIL>" would read as <@UEVIL> if the label were put back as raw text.
    assert shown("<@U<https://evil.example|EVIL>>") == "&lt;@UEVIL&gt;"


@pytest.mark.parametrize(
    "claim",
    [
        "Decision: the budget was approved",
        "The budget was approved.",
        "Decided — we go with Kafka",
        "**Key decision:** ship on Friday",
        "The team agreed to drop the audit",
        "Final call: going with vendor B, signed off by finance",
        "<@UEVIL> approved the budget",
    ],
)
def test_a_point_that_claims_a_decision_in_the_models_own_voice_is_left_out(claim: str) -> None:
    assert shown(claim) is None


@pytest.mark.parametrize(
    "reported",
    [
        "<@U2> decided: the export jobs go on SQS, not Kafka.",
        "<@U1> says the budget was approved",
        "Open question: has finance approved the budget?",
        "<@U3> asks <@U1> to review the billing migration by noon",
    ],
)
def test_a_point_that_says_who_said_it_or_asks_is_kept(reported: str) -> None:
    assert shown(reported) is not None


def test_sources_are_the_people_channels_and_permalinks_of_the_windows_human_messages() -> None:
    channel = replace(
        window(
            msg(0, "U1", "ping <@U7> about <#C200|ops>"),
            msg(1, "U2", "on it", reply_to=0),
            msg(2, "UBOT", "<@U9> build green", is_bot=True),
        ),
        url=URL,
    )

    sources = sources_of(channel)

    assert sources.people == {"U1", "U2", "U7"}
    assert sources.channels == {"C100", "C200"}
    assert message_link(URL, "T0001", "C100", ts_at(1), ts_at(0)) in sources.links
    assert message_link(URL, "T0001", "C100", ts_at(0)) in sources.links
    assert message_link(URL, "T0001", "C100", ts_at(2)) not in sources.links


@pytest.mark.parametrize(
    "answer", ["@@channel is down", "x @@@here y", "@<!here>channel", "@<!channel|@channel>everyone"]
)
def test_a_broadcast_cannot_be_rebuilt_from_what_is_taken_out(answer: str) -> None:
    point = clean_point(answer, SOURCES, limit=200)
    assert point is not None
    assert re.search(r"@(?:here|channel|everyone)\b", point.text, re.IGNORECASE) is None


# What a model might write when a message told it to, with this window's own tokens among the pieces.
ANSWERS = hostile_text(extra=["<@U1>", "<@U2>", "<#C100>", f"<{PERMALINK}>", PERMALINK, "decided", "approved"])


@settings(max_examples=400, deadline=None)
@given(ANSWERS)
def test_whatever_a_model_writes_a_point_holds_no_ping_no_stranger_and_no_foreign_link(answer: str) -> None:
    point = clean_point(answer, SOURCES, limit=200)
    if point is None:
        return
    text = point.text
    assert unintended_tokens(text, lambda token: token in ALLOWED or token.startswith(f"<{PERMALINK}|")) == []
    assert stray_markup(text) == []
    assert re.search(r"[a-z]+://|www\.|mailto:", shown_text(text), re.IGNORECASE) is None
    assert re.search(r"@(?:here|channel|everyone)\b", text, re.IGNORECASE) is None
    assert "\n" not in text
    assert point.mentions <= SOURCES.people
