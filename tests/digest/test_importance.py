"""The importance model as a reader back from the night judges it: what matters is shown, chatter never."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import cues
from digest.extractive import ExtractiveSummarizer
from digest.importance import THRESHOLD, idf_weights, informativeness, stem, text_cues
from digest.model import ChannelSummary
from tests.digest.windows import msg, ts_at, window

IMPORTANT = {
    "Production checkout is down since 02:10": "incident",
    "Deploy is blocked on the expired TLS certificate": "blocked",
    "Final call: we're going with Postgres for the events store": "decided",
    "Change of plan: the launch is moved to March 24": "change",
    "Can someone with DNS access renew the certificate tonight?": "question",
    "Rolled back 4.12.0, checkout is resolved and the postmortem is on Thursday": "incident",
}
CHATTER = [
    "lol",
    "coffee time ☕",
    "+1",
    ":+1:",
    "good morning!",
    "thanks all 🙏",
    "haha 😂",
    "🎉🎉",
    "lunch anyone? 🌮",
    "ohayou ☀️",
    "Guten Morgen zusammen ☕",
    "the coffee machine on 3 is down again 😭",
    "anyone want pizza tonight?",
    "happy friday folks!",
    "nice",
    "same here",
]
ROUTINE = ["PR merged", "CI is green", "reviewing now", "rebased on main", "on it"]


def quoted(summary: ChannelSummary) -> list[str]:
    return [point.text.split(": ", 1)[1] for point in summary.points]


@pytest.mark.parametrize(("text", "category"), IMPORTANT.items())
def test_what_a_returning_person_must_know_clears_the_threshold_under_its_category(text: str, category: str) -> None:
    cues = text_cues(text)

    assert cues.category == category
    assert cues.chatter == 0.0
    assert cues.base >= THRESHOLD - 1.0


@pytest.mark.parametrize("text", CHATTER)
def test_chatter_costs_more_than_any_cue_earns(text: str) -> None:
    cues = text_cues(text)

    assert cues.chatter > 0
    assert cues.base < 0


def test_the_issues_night_shows_its_important_lines_and_no_chatter() -> None:
    # No replies, no reactions, and the chatter comes last: nothing but the words can tell what matters.
    lines = [msg(10 + n, f"U{n}", text) for n, text in enumerate(IMPORTANT)]
    lines += [msg(100 + n, f"U{n % 7}", text) for n, text in enumerate(ROUTINE * 8)]
    lines += [msg(300 + n, f"U{n % 9}", CHATTER[n % len(CHATTER)]) for n in range(60)]

    summary = ExtractiveSummarizer().summarize(window(*lines))

    assert sorted(quoted(summary)) == sorted(IMPORTANT)
    assert {point.category for point in summary.points} == set(IMPORTANT.values())
    assert summary.message_count == len(lines)


def test_an_answered_question_gives_way_to_its_answer_which_quotes_it() -> None:
    summary = ExtractiveSummarizer().summarize(
        window(
            msg(0, "U1", "Who can approve the production access request for the new contractor?"),
            msg(5, "U2", "not me sorry", reply_to=0),
            msg(9, "U3", "Finance approves it now, Lena is the approver since March", reply_to=0),
            msg(20, "U4", "Is the staging database back up after the migration?"),
            msg(21, "U5", "no idea", reply_to=20),
        )
    )

    by_text = {point.text: (point.ts, point.thread_ts, point.category) for point in summary.points}
    assert by_text == {
        "<@U1> asked: Who can approve the production access request for the new contractor? → "
        "<@U3>: Finance approves it now, Lena is the approver since March": (ts_at(9), ts_at(0), "question"),
        # "no idea" answers nothing: the question still waits.
        "<@U4>: Is the staging database back up after the migration? (1 reply)": (ts_at(20), None, "question"),
    }


def test_a_quiet_channel_shows_its_one_substantial_line_and_a_chatty_one_nothing() -> None:
    quiet = ExtractiveSummarizer().summarize(
        window(msg(0, "U1", "The vendor contract is ready to sign"), msg(1, "U2", "nice"), msg(2, "U3", "👍"))
    )
    chatty = ExtractiveSummarizer().summarize(window(*(msg(n, f"U{n}", text) for n, text in enumerate(CHATTER))))

    assert quoted(quiet) == ["The vendor contract is ready to sign"]
    assert chatty.points == ()
    assert chatty.message_count == len(CHATTER)


def test_words_common_in_the_channel_say_less_than_rare_ones() -> None:
    rare, common = frozenset({stem("certificate")}), frozenset({stem("deploy")})
    idf = idf_weights(Counter({stem("deploy"): 40, stem("certificate"): 1}), 50)

    assert informativeness(rare, idf) > informativeness(common, idf) > 0.0
    assert informativeness(frozenset(), idf) == 0.0


def test_stems_make_one_word_of_its_forms() -> None:
    assert stem("blocked") == stem("blocking") == stem("blocks")
    assert text_cues("Deployments blocked").stems == text_cues("deployment is blocking").stems


def test_facts_count_up_to_three() -> None:
    assert text_cues("A/B result: 41% to 52% over 9 days, n=18,400").facts == 3
    assert text_cues("the release is on 2026-03-24").facts == 1
    assert text_cues("we talked about it").facts == 0


_CHATTER_PIECES = st.sampled_from(
    ["lol", "haha", "😂", "☕", "🎉", "+1", ":tada:", "thanks!", "good morning", "coffee", "lunch?", "nice", "🙏"]
)


@given(st.lists(st.lists(_CHATTER_PIECES, min_size=1, max_size=4).map(" ".join), min_size=1, max_size=40))
def test_a_window_of_any_chatter_quotes_none_of_it(texts: list[str]) -> None:
    summary = ExtractiveSummarizer().summarize(window(*(msg(n, f"U{n % 5}", text) for n, text in enumerate(texts))))

    assert summary.points == ()


_ALL_CUES = {
    **cues.CUES,
    "asks": cues.ASKS,
    "request": cues.REQUEST,
    "laughter": cues.LAUGHTER,
    "food": cues.FOOD,
    "small talk": cues.SMALL_TALK,
}
_PHRASES = [(name, n) for name, cue in _ALL_CUES.items() for n in range(len(cue.phrases))]


@pytest.mark.parametrize(("name", "index"), _PHRASES)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_the_cue_prefilter_never_hides_a_match(name: str, index: int, data: st.DataObject) -> None:
    cue = _ALL_CUES[name]
    found = data.draw(st.from_regex(re.compile(cue.phrases[index], re.IGNORECASE), fullmatch=True))
    text = f"so {found} then"
    words = re.findall(r"\w+(?:['\u2019]\w+)?", text.lower())

    if cue.pattern.search(text):
        assert cue.search(text, cues.hinted_by(words), bool(re.search(r"\d", text)))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_cue_tried_on_its_hinted_phrases_finds_just_what_all_its_phrases_find(data: st.DataObject) -> None:
    # Phrases of several cues, and words that start like their needed words without being them.
    pieces = data.draw(
        st.lists(
            st.sampled_from(_PHRASES).flatmap(
                lambda phrase: st.from_regex(
                    re.compile(_ALL_CUES[phrase[0]].phrases[phrase[1]], re.IGNORECASE), fullmatch=True
                )
            )
            | st.sampled_from(["blockers", "incidentally", "rollout", "coffeehouse", "who's", "5000", "kitchenette"]),
            min_size=1,
            max_size=4,
        )
    )
    text = " ".join(pieces)
    words = re.findall(r"\w+(?:['\u2019]\w+)?", text.lower())
    hinted = cues.hinted_by(words)
    digits = bool(re.search(r"\d", text))

    for cue in _ALL_CUES.values():
        assert cue.search(text, hinted, digits) == cue.search_whole(text, hinted, digits)
