"""What a catch-up says about a night, judged against labelled nights: recall, chatter, reading time.

Each night in `bench/nights/` is a workspace's channels over one night, every message labelled by a
person reading it as the one coming back would: `i` important (a decision, a blocker, an incident,
its cause or resolution, a question or request still waiting, a change of plan or date, a result
that changes what people do), `r` routine (status nobody needs to act on), `c` chatter, `b` a bot.
The night is composed into the reader's catch-up by the real code (`digest.compose`,
`digest.render`) and read back from the DM's blocks:

- recall: the important lines whose permalink the DM shows (in its channel points, or as a mention
  waiting on the reader), over all important lines;
- chatter: the channel points quoting a chatter line, over all channel points shown;
- reading time: the minutes the DM's header announces (`digest.render`, 200 words a minute).

The offline cues were tuned in two rounds. Round 1 tuned on the engineering and incident nights and
held out the product night and the essay's night (156 notifications, no replies or reactions): they
scored 5/9 and 12/13 important lines. Round 2 tuned on those four, and the support night, written
before round 2 began, was held out: 8/11 at its one look, 9/11 once the defect it showed (a question
shown both alone and quoted before its answer) was fixed. `TUNED_ON` names round 2's nights.
Targets offline: recall at least 95 %, chatter at most 10 %, the essay's night read in at most 3 minutes.

    python -m bench.night_eval                 # the built-in summarizer
    python -m bench.night_eval --fake-model    # the model path through the fake OpenAI-compatible server
    python -m bench.night_eval --model         # a real endpoint: OPENAI_API_KEY, OPENAI_BASE_URL, HANDOFF_LLM_MODEL
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from digest.compose import PingForCatchUp, compose
from digest.extractive import ExtractiveSummarizer
from digest.gather import ChannelInfo, Gathered, MentionRow, Reader
from digest.links import message_link
from digest.model import CatchUp, Line, Summarizer
from digest.render import render_dm_sized
from digest.summaries import bucket_of, channel_window
from digest.text import mentioned_users, one_line
from digest.traffic import Traffic
from store.slack_time import datetime_to_ts

NIGHTS = Path(__file__).with_name("nights")
TEAM = "T0NIGHT"
URL = "https://night.slack.com/"
HOME = "slack://user?team=T0NIGHT&id=UHANDOFF"
TUNED_ON = ("engineering", "incident", "product", "essay")
ESSAY = "essay"
TARGETS = {"recall": 0.95, "chatter": 0.10, "essay_minutes": 3}
IMPORTANT, ROUTINE, CHATTER, BOT = "i", "r", "c", "b"
_LINK = re.compile(r"<([^<>|]+)\|open>")
# A line whose first this many characters a DM quotes is shown, whatever it links to.
QUOTED_CHARS = 48


def user_id(handle: str) -> str:
    """A cast member's Slack id: "U0" and the handle in capitals."""
    return f"U0{handle.upper()}"


@dataclass(frozen=True)
class Night:
    """A labelled night: its reader, their window, the channels' messages and their labels, the held pings."""

    name: str
    reader: Reader
    channels: dict[str, ChannelInfo]
    messages: dict[str, list[Line]]
    # (channel, ts) → label; and (channel, ts) → text, for the report.
    labels: dict[tuple[str, str], str]
    texts: dict[tuple[str, str], str]
    pings: tuple[PingForCatchUp, ...]

    def permalink(self, channel_id: str, ts: str) -> str:
        """A message's permalink, as the catch-up links it."""
        line = next(line for line in self.messages[channel_id] if line.ts == ts)
        return message_link(URL, TEAM, channel_id, ts, line.thread_ts)


def load(path: Path) -> Night:
    """A night from its JSON file (times are UTC clock times, each channel's in order, wrapping at midnight)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    start = datetime.fromisoformat(data["start"])
    end = datetime.fromisoformat(data["end"])
    reader = Reader(TEAM, user_id(data["reader"]), data["people"][data["reader"]], start, end)
    channels: dict[str, ChannelInfo] = {}
    messages: dict[str, list[Line]] = {}
    labels: dict[tuple[str, str], str] = {}
    texts: dict[tuple[str, str], str] = {}
    for channel in data["channels"]:
        channel_id = channel["id"]
        channels[channel_id] = ChannelInfo(channel_id, channel["name"], False, False)
        by_key: dict[str, str] = {}
        lines: list[Line] = []
        for number, raw in enumerate(channel["messages"]):
            at = _instant(start, raw["at"])
            # The number keeps two messages of the same minute apart.
            ts = f"{datetime_to_ts(at)[:-6]}{number:06d}"
            by_key[raw["id"]] = ts
            lines.append(
                Line(
                    ts=ts,
                    user_id=user_id(raw["who"]),
                    text=raw["text"],
                    posted_at=at,
                    thread_ts=by_key[raw["re"]] if "re" in raw else None,
                    reactions=int(raw.get("react", 0)),
                    is_bot=bool(raw.get("bot")),
                )
            )
            labels[(channel_id, ts)] = raw["label"]
            texts[(channel_id, ts)] = raw["text"]
        messages[channel_id] = sorted(lines, key=lambda line: (line.posted_at, line.ts))
    pings = tuple(
        PingForCatchUp(n, user_id(ping["who"]), ping["text"], f"{URL}archives/D0PINGS/p{n}")
        for n, ping in enumerate(data.get("pings", ()))
    )
    return Night(data["night"], reader, channels, messages, labels, texts, pings)


def _instant(start: datetime, clock: str) -> datetime:
    """The first instant at or after `start` showing `clock` (a night crosses midnight)."""
    hours, minutes = map(int, clock.split(":"))
    at = start.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    return at if at >= start else at + timedelta(days=1)


def gathered(night: Night) -> Gathered:
    """What `digest.gather` would read for the night's reader: traffic, memberships, mentions."""
    traffic = Traffic(team_id=TEAM)
    for channel_id, lines in night.messages.items():
        traffic.messages[channel_id] = lines
        traffic.by_ts[channel_id] = {line.ts: line for line in lines}
        replies: dict[str, list[Line]] = {}
        for line in lines:
            if line.thread_ts and not line.is_bot:
                replies.setdefault(line.thread_ts, []).append(line)
        traffic.replies[channel_id] = replies
    found = Gathered(team_id=TEAM, traffic=traffic, url=URL, bot_user_id="UHANDOFF")
    found.memberships = {night.reader.user_id: set(night.channels)}
    found.channels = dict(night.channels)
    found.mentions = {
        night.reader.user_id: [
            MentionRow(night.reader.user_id, channel_id, line.ts, line.user_id or "", line.posted_at)
            for channel_id, lines in night.messages.items()
            for line in lines
            if not line.is_bot and night.reader.user_id in mentioned_users(line.text)
        ]
    }
    return found


@dataclass(frozen=True)
class Figures:
    """What one catch-up of a night showed."""

    night: str
    important: int
    recalled: int
    points: int
    chatter: int
    minutes: int
    missed: tuple[str, ...]
    chatter_shown: tuple[str, ...]

    @property
    def recall(self) -> float:
        """Important lines shown, over all important lines."""
        return self.recalled / self.important if self.important else 1.0

    @property
    def chatter_share(self) -> float:
        """Channel points quoting chatter, over all channel points shown."""
        return self.chatter / self.points if self.points else 0.0


def catch_up(night: Night, summarizer: Summarizer) -> CatchUp:
    """The reader's catch-up of the night, composed as the morning's delivery composes it."""
    found = gathered(night)
    bucket = bucket_of(night.reader)
    summaries = {
        (channel_id, bucket): summarizer.summarize(channel_window(found, channel_id, bucket))
        for channel_id in sorted(night.channels)
    }
    model = getattr(summarizer, "model", None)
    return compose(night.reader, found, summaries, pings=night.pings, model=model)


def measure(night: Night, summarizer: Summarizer) -> Figures:
    """Read the night's catch-up DM back: which important lines it shows, how much chatter, how long."""
    catchup = catch_up(night, summarizer)
    _, blocks, size = render_dm_sized(catchup, home_url=HOME, now=night.reader.window_end)
    shown = {_unescape(link) for link in _LINK.findall(json.dumps(blocks, ensure_ascii=False))}
    by_link = {night.permalink(channel_id, ts): (channel_id, ts) for (channel_id, ts) in night.labels}
    point_links = {point.link for channel in catchup.channels for point in channel.points if point.link}
    shown_points = [by_link[link] for link in shown & point_links if link in by_link]
    important = [key for key, label in night.labels.items() if label == IMPORTANT]
    # Shown: linked (a point or a mention quoting it), or quoted in another point (a question before its answer).
    text = "\n".join(_texts(blocks))
    recalled = [key for key in important if night.permalink(*key) in shown or _opening(night.texts[key]) in text]
    chatter = [key for key in shown_points if night.labels[key] == CHATTER]
    return Figures(
        night=night.name,
        important=len(important),
        recalled=len(recalled),
        points=len(shown_points),
        chatter=len(chatter),
        minutes=size.minutes,
        missed=tuple(night.texts[key] for key in important if key not in recalled),
        chatter_shown=tuple(night.texts[key] for key in chatter),
    )


def _texts(blocks: list[dict[str, Any]]) -> Iterator[str]:
    for block in blocks:
        if "text" in block:
            yield str(block["text"]["text"])
        for element in block.get("elements", ()):
            yield str(element.get("text", ""))


def _opening(text: str) -> str:
    """The first words of a message as a catch-up quotes them (one mrkdwn line)."""
    return one_line(text, limit=10_000)[:QUOTED_CHARS]


def _unescape(link: str) -> str:
    return link.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def nights(names: Sequence[str] = ()) -> list[Night]:
    """The labelled nights (all, or those named)."""
    found = [load(path) for path in sorted(NIGHTS.glob("*.json"))]
    return [night for night in found if not names or night.name in names]


def report(label: str, figures: list[Figures], *, verbose: bool) -> None:
    """Per night, then the tuned and held-out nights together, then overall."""
    print(f"\n{label}")
    print(f"  {'night':<12} {'recall':>14} {'chatter shown':>16} {'reading time':>13}")
    for each in figures:
        print(
            f"  {each.night:<12} {each.recalled:>3}/{each.important:<3} {each.recall:>6.0%} "
            f"{each.chatter:>4}/{each.points:<3} {each.chatter_share:>6.0%} {each.minutes:>9} min"
        )
    groups = {
        "tuned on": [f for f in figures if f.night in TUNED_ON],
        "held out": [f for f in figures if f.night not in TUNED_ON],
        "overall": figures,
    }
    for name, group in groups.items():
        if not group:
            continue
        important = sum(f.important for f in group)
        recalled = sum(f.recalled for f in group)
        points = sum(f.points for f in group)
        chatter = sum(f.chatter for f in group)
        minutes = statistics.median(f.minutes for f in group)
        print(
            f"  {name:<12} {recalled:>3}/{important:<3} {recalled / max(important, 1):>6.0%} "
            f"{chatter:>4}/{points:<3} {chatter / max(points, 1):>6.0%} {minutes:>9} min (median)"
        )
    if verbose:
        for each in figures:
            for text in each.missed:
                print(f"  missed in {each.night}: {text[:110]!r}")
            for text in each.chatter_shown:
                print(f"  chatter shown in {each.night}: {text[:110]!r}")


def meets_targets(figures: list[Figures]) -> bool:
    """Whether the offline figures meet the issue's targets."""
    important = sum(f.important for f in figures)
    recalled = sum(f.recalled for f in figures)
    points = sum(f.points for f in figures)
    chatter = sum(f.chatter for f in figures)
    essay = [f.minutes for f in figures if f.night == ESSAY]
    return (
        recalled >= TARGETS["recall"] * important
        and chatter <= TARGETS["chatter"] * points
        and all(minutes <= TARGETS["essay_minutes"] for minutes in essay)
    )


def oracle(labelled: dict[str, str]) -> Callable[[list[dict[str, Any]], str], str]:
    """A fake model that knows the labels: it answers with the important lines of the transcript, as the schema asks."""
    quoted = re.compile(r'^\s*(?:\u21b3 )?\[(\d+)\] (<@\w+>): (".*")$')

    def answer(messages: list[dict[str, Any]], model: str) -> str:
        del model
        prompt = str(messages[-1]["content"])
        points = []
        for line in prompt.splitlines():
            found = quoted.match(line)
            if found and labelled.get(" ".join(json.loads(found.group(3)).split())) == IMPORTANT:
                number, author, text = int(found.group(1)), found.group(2), json.loads(found.group(3))
                points.append({"category": "other", "text": f"{author} said: {text}", "messages": [number]})
        return json.dumps({"points": points})

    return answer


@contextmanager
def fake_model(responder: Callable[[list[dict[str, Any]], str], str]) -> Iterator[tuple[Any, Any]]:
    """The fake OpenAI-compatible server with `responder`, and an openai client pointed at it."""
    import openai

    from tests.fakes.openai_api import FakeOpenAI

    fake = FakeOpenAI(responder)
    fake.start()
    try:
        with openai.OpenAI(base_url=fake.url, api_key="fake", max_retries=0, timeout=10.0) as client:
            yield fake, client
    finally:
        fake.stop()


def run_fake(selected: list[Night], *, verbose: bool) -> None:
    """The model path through the fake server: structured requests, answers used, and malformed ones falling back."""
    from digest.llm import LLMSummarizer

    labelled = {" ".join(text.split()): night.labels[key] for night in selected for key, text in night.texts.items()}
    offline = [measure(night, ExtractiveSummarizer()) for night in selected]
    cases: list[tuple[str, Callable[[list[dict[str, Any]], str], str]]] = [
        ("answers from the labels", oracle(labelled)),
        ("malformed answers (not JSON)", lambda messages, model: "- checkout is down\n- lol"),
        ("answers that fail validation", lambda messages, model: json.dumps({"points": [{"category": "urgent"}]})),
    ]
    for name, responder in cases:
        with fake_model(responder) as (fake, client):
            llm = LLMSummarizer(client=client, model="fake-model", fallback=ExtractiveSummarizer())
            figures = [measure(night, llm) for night in selected]
            requests = fake.chat_requests()
            structured = sum(1 for request in requests if request.json_schema is not None)
        report(f"through the fake model, {name}", figures, verbose=verbose)
        print(
            f"  requests: {len(requests)}, structured (json_schema, strict): {structured}; "
            f"channels fallen back to the built-in ranking: {llm.fallbacks}"
        )
        if name != "answers from the labels":
            same = [f.recalled for f in figures] == [f.recalled for f in offline]
            print(f"  every channel fell back, and the figures are the offline ones: {same}")


def run_model(selected: list[Night], *, verbose: bool) -> None:
    """The same figures from a real OpenAI-compatible endpoint configured in the environment."""
    import openai

    from digest.llm import LLMSummarizer

    model = os.environ.get("HANDOFF_LLM_MODEL")
    if not (model and os.environ.get("OPENAI_API_KEY")):
        raise SystemExit("set OPENAI_API_KEY and HANDOFF_LLM_MODEL (and OPENAI_BASE_URL for another endpoint)")
    with openai.OpenAI(base_url=os.environ.get("OPENAI_BASE_URL"), timeout=60.0, max_retries=2) as client:
        llm = LLMSummarizer(client=client, model=model, fallback=ExtractiveSummarizer())
        figures = [measure(night, llm) for night in selected]
    report(f"with {model}", figures, verbose=verbose)
    print(f"  calls: {llm.calls}; channels fallen back to the built-in ranking: {llm.fallbacks}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--night", action="append", default=[], help="only this night (repeatable)")
    parser.add_argument("--fake-model", action="store_true", help="also run the model path through the fake server")
    parser.add_argument("--model", action="store_true", help="also run a real endpoint configured in the environment")
    parser.add_argument("--verbose", "-v", action="store_true", help="list the important lines missed and the chatter")
    args = parser.parse_args()
    selected = nights(args.night)
    lines = sum(len(lines) for night in selected for lines in night.messages.values())
    print(f"{len(selected)} nights, {lines} messages")
    offline = [measure(night, ExtractiveSummarizer()) for night in selected]
    report("offline (built-in summarizer)", offline, verbose=args.verbose)
    print(f"  targets (recall >= 95 %, chatter <= 10 %, essay's night <= 3 min): {meets_targets(offline)}")
    if args.fake_model:
        run_fake(selected, verbose=args.verbose)
    if args.model:
        run_model(selected, verbose=args.verbose)


if __name__ == "__main__":
    main()
