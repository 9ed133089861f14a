"""What a line of a channel is worth to someone back from the night: cues, chatter, facts, informativeness.

A line's *cues* say what it is — a decision stated in prose, a blocker, an incident or its
resolution, a question or request to the team, a change of plan or date — and each is a few
phrases a reader would recognise, so every score can be explained by the words that earned it.
*Chatter* (greetings, thanks, laughter, emoji, "+1", food, a line of one or two words) costs a
line more than any cue earns it, so "lol" and "coffee time ☕" never reach a catch-up. *Facts*
(times, figures with units, versions, dates, links, code) and the line's *informativeness* against
its own channel (the BM25 weight of its word stems: "deploy" says little in #deploys) add to it.

Everything here but `informativeness` depends on the text alone, so it is worked out once per
distinct text (`TextCues`) and the per-window cost is a sum over a few stems.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

import snowballstemmer

from digest.model import BLOCKED, CHANGE, DECIDED, INCIDENT, QUESTION
from digest.text import mentioned_users, unescape

# What each cue is worth. A line with a cue and a few words of substance clears THRESHOLD; a line
# without one needs facts and informative words together, or a lively thread, to get there.
CUE_WEIGHTS = {DECIDED: 4.0, BLOCKED: 4.0, INCIDENT: 4.0, CHANGE: 3.5, QUESTION: 3.0}
# When a line carries several cues, the category it is shown under (a question deciding nothing is a question).
CUE_ORDER = (INCIDENT, BLOCKED, DECIDED, CHANGE, QUESTION)
EXTRA_CUE = 0.5
ANSWERED = 2.0
# Each fact a line carries, up to three: a result with its figures says more than one with a date.
FACT = 0.75
MOST_FACTS = 3
# Informativeness: the BM25 weights of the line's stems, summed and scaled so that a line of a dozen
# words rare in its channel reaches the cap.
INFORMATIVE_SCALE = 24.0
INFORMATIVE_CAP = 2.0
# Chatter: laughter, food and small talk topics are social whatever else the line says; a line that is
# only greetings, thanks, agreement or emoji is nothing but chatter.
SOCIAL = 5.0
ONLY_CHATTER = 8.0
# Greetings or thanks inside a longer line: a little, since "thanks! the fix is out" still reports.
POLITE = 1.0
# A line of fewer content words than this, with no cue, says too little to quote.
FEW_WORDS = 3
FEW_WORDS_PENALTY = 2.0
SHORT_CUE = 2.0
THRESHOLD = 3.0
# Content words a reply needs to answer a question.
ANSWER_WORDS = 3

_WORD = re.compile(r"\w+(?:['\u2019]\w+)?")
_TOKEN = re.compile(r"<[^<>\n]*>")
_SHORTCODE = re.compile(r":[a-z0-9_+'-]+:")
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Function words left out of the content words (a short list kept here: the packaged ones drop
# work words too, such as "affected" and "added").
STOP_WORDS = _word_set(
    """
    a an the and or but if then so of to in on at by for with from as into onto over under about after before
    up down out off this that these those there here it its it's is are was were be been being am do does did
    done doing have has had having will would shall should can could may might must i i'm i've i'll i'd me my
    mine we we're we've we'll we'd us our ours you you're you've you'll your yours he him his she her they
    they're them their what which who whom whose when where why how all any both each few more most other some
    such no nor not only own same than too very just also still yet now again ever get got gets getting let
    let's lets ok okay yes yeah yep like really actually maybe please thanks thank
    """
)


# Needed word prefixes by their first two letters (every prefix has at least two), with their cue.
_PREFIXES: dict[str, list[tuple[str, _Cue]]] = {}


class _Cue:
    """Phrases matched as whole words, tried only on a text holding a word that one of them needs.

    A regular expression of dozens of phrases costs tens of microseconds per text, and most texts hold
    none of them. Each phrase names one word a match cannot do without (`_needed`); a text none of
    whose words starts with one of those cannot match, so the expression runs only on the others
    (and on any text with a digit for a phrase that needs no word, like "5\\d\\d errors").
    """

    def __init__(self, *phrases: str) -> None:
        self.phrases = phrases
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE)
        needed = [_needed(phrase) for phrase in phrases]
        # A phrase that needs no word but a digit is tried on texts with one; one needing neither, on every text.
        self.always = any(words is None for words in needed)
        self.on_digits = any(words == () for words in needed)
        self.prefixes = tuple(sorted({word for words in needed if words for word in words}))
        for prefix in self.prefixes:
            _PREFIXES.setdefault(prefix[:2], []).append((prefix, self))

    def search(self, text: str, hinted: set[_Cue], digits: bool) -> bool:
        """Whether one of the phrases is in `text`; `hinted` holds the cues whose needed words it has (`_hinted`)."""
        if not (self in hinted or self.always or (digits and self.on_digits)):
            return False
        return self.pattern.search(text) is not None


def _hinted(words: list[str]) -> set[_Cue]:
    """The cues one of whose needed words starts one of `words` (lower-cased): one look-up per word for all cues."""
    found: set[_Cue] = set()
    for word in words:
        for prefix, cue in _PREFIXES.get(word[:2], ()):
            if word.startswith(prefix):
                found.add(cue)
    return found


# A group with what quantifies it, a character class, an escape, a count: where a phrase is not plain words.
_GROUP = re.compile(r"\((?:[^()]|\([^()]*\))*\)[?*+]?|\[[^\]]*\][?*+]?|\\[a-zA-Z][?*+]?|\{[^}]*\}\??")
# A word at a word's start: not after a letter, a removed group, or a character made optional.
_LITERAL_WORD = re.compile(r"(?<![a-z0-9'\x00?*])[a-z][a-z']*[?*]?")


def _needed(phrase: str) -> tuple[str, ...] | None:
    """A word prefix every text matching `phrase` holds: one word outside any group and not optional
    ("blocked"; "stick" in "stick(?:ing)? with"). Empty when the phrase needs a digit and no word (it
    opens with one); None when it needs neither, as far as this can tell."""
    top = _GROUP.sub("\x00", phrase.lower())
    words = []
    for found in _LITERAL_WORD.findall(top):
        # "moves?" needs "move"; a word's last letter made optional is not needed.
        word = found[:-2] if found.endswith(("?", "*")) else found
        if len(word) >= 2:
            words.append(word)
    if words:
        # One needed word is enough: the longest that is not a function word says the most.
        return (max(words, key=lambda word: (word not in STOP_WORDS, len(word))),)
    if phrase[:1].isdigit() or phrase.startswith("\\d"):
        return ()
    return None


def _cue(*phrases: str) -> _Cue:
    return _Cue(*phrases)


# Phrases are matched on the text with Slack's tokens taken out and curly apostrophes made straight.
_CUES: dict[str, _Cue] = {
    DECIDED: _cue(
        r"final (?:call|decision|answer)",
        r"(?:we|we're|we are|we'll|let's|let us|i'd say we) go(?:ing)? with",
        r"(?:we|we're|we are|we'll|let's|let us|i'd say we) stick(?:ing)? with",
        r"going with",
        r"decided",
        r"decision(?: is|:| made)",
        r"(?:we|everyone|all) agreed",
        r"agreed (?:on|to|that|with)",
        r"consensus",
        r"settled on",
        r"signed off",
        r"sign-off",
        r"green-?lit",
        r"greenlit",
        r"the plan is",
        r"we will",
        r"we'll (?:ship|use|keep|launch|move|drop|do)",
        r"approve[sd] (?:the|for|by)",
        r"is approved",
        r"we chose",
        r"confirm(?:ed|ing)?[:,]",
        r"chosen",
        r"no-go",
        r"go/no-go",
        r"it's a go",
    ),
    BLOCKED: _cue(
        r"blocked",
        r"blocking",
        r"blocker",
        r"waiting (?:for|on)",
        r"(?:can't|cannot|can not|unable to|won't be able to)[^.?!\n]{0,80}? until",
        r"stuck (?:on|with|at|behind)",
        r"held up",
        r"on hold",
        r"depends on",
        r"(?:no|without) access",
        r"need[s]? [^.?!\n]{0,40}?before (?:we|i|it|anyone|launch|release|shipping|merging|the (?:launch|release))",
        r"(?:doesn't|don't|does not|do not|won't|will not) support",
        r"(?:doesn't|don't|does not|do not|won't|will not) work with",
        r"(?:doesn't|don't|does not|do not|won't|will not) allow",
        r"not supported",
        r"can't (?:merge|deploy|ship|release|proceed|continue|test|log in|access)",
        r"cannot (?:merge|deploy|ship|release|proceed|continue|test|log in|access)",
    ),
    INCIDENT: _cue(
        r"(?:is|are|was|went|goes|still) down",
        r"outage",
        r"incident",
        r"sev ?[0-3]",
        r"sev-[0-3]",
        r"5\d\d(?:s| errors| responses)",
        r"error rate",
        r"errors? (?:spik\w*|are up)",
        r"degraded",
        r"paging",
        r"paged",
        r"fail(?:ing|ed) over",
        r"failover",
        r"data loss",
        r"corrupt\w*",
        r"roll(?:ed|ing)? ?back",
        r"rollback",
        r"revert(?:ed|ing)?",
        r"hotfix\w*",
        r"mitigat\w*",
        r"resolved",
        r"recovered",
        r"back to normal",
        r"all clear",
        r"root cause",
        r"post-?mortem",
        r"rca",
        r"status ?page",
        r"customers? (?:report\w*|affected|impact\w*|are seeing)",
        r"(?:is|are) failing",
        r"leak\w*",
        r"breach\w*",
        r"root[- ]caused?",
        r"caused by",
        r"the cause",
        r"turns out",
        r"found it",
        r"fail(?:ed|s|ing)? silently",
        r"failures?",
        r"timed out",
        r"(?:lock|connection|gateway|read|request|statement) time-?outs?",
        r"dropping",
        r"action items?",
        r"lag",
        r"lagging",
        r"alerts? (?:muted|firing|fired|silenced)",
        r"(?:latency|error|cpu|memory) spikes?",
        r"spik(?:ed|ing)",
    ),
    CHANGE: _cue(
        r"change of plans?",
        r"plan change",
        r"mov(?:ed|ing|es|e) (?:to|from|up|back|it to|the \w+ to)",
        r"postpon\w*",
        r"push(?:ed|ing)? (?:back|out|it to|to)",
        r"delay(?:ed|ing)?",
        r"reschedul\w*",
        r"slipp(?:ed|ing)",
        r"heads[- ]up",
        r"instead of",
        r"no longer",
        r"cancel+(?:ed|ing|s)?",
        r"called off",
        r"new (?:date|deadline|eta|plan|owner)",
        r"from now on",
        r"going forward",
        r"starting (?:today|tomorrow|monday|tuesday|wednesday|thursday|friday|next week)",
        r"deprecat\w*",
        r"freeze",
        r"switch(?:ed|ing)? (?:to|over)",
        r"replac(?:es|ed|ing)",
        r"sunset\w*",
        r"(?:is|are) now (?:on|at|due|owned)",
        r"careful",
        r"warning",
        r"watch out",
        r"beware",
        r"fyi",
        r"psa",
        r"don't (?:deploy|redeploy|merge|ship|run|use|touch|restart)",
        r"do not (?:deploy|redeploy|merge|ship|run|use|touch|restart)",
    ),
}
# A question or request to the team: asked of anyone, of someone named, or with words that ask for an answer.
_ASKS = _cue(
    r"anyone",
    r"anybody",
    r"someone",
    r"somebody",
    r"who",
    r"whoever",
    r"why",
    r"which",
    r"should (?:we|i)",
    r"do we",
    r"does (?:anyone|anybody|this|that|it)",
    r"did (?:we|you|anyone|anybody|it|that|this|the)",
    r"did \w+ (?:run|work|pass|fail|happen|land|ship)",
    r"has (?:anyone|anybody|we|you)",
    r"have (?:anyone|anybody|we|you)",
    r"is there",
    r"are we",
    r"can (?:we|you|someone|i)",
    r"could (?:we|you|someone)",
    r"would (?:you|someone|anyone)",
    r"any (?:idea|ideas|thoughts|objections|concerns|update|updates|news)",
    r"thoughts",
    r"opinions?",
    r"what(?:'s| is| are| do| does| should)",
    r"how (?:do|should|can|does|are)",
    r"when (?:is|are|do|does|will|can|should)",
    r"is it (?:ok|okay|safe|fine)",
    r"ok to",
    r"okay to",
    r"team",
    r"folks",
    r"all",
    r"y'all",
)
_EVASIVE = re.compile(
    r"\W*(?:no idea|not sure|no clue|dunno|idk|not me|i don't know|i do not know|no one knows|nobody knows"
    r"|good question|same question|same here|i wish i knew|beats me)(?!\w)",
    re.IGNORECASE,
)
# "Is the staging database back?", "Should we …?": a question that opens with its verb asks the channel.
_YES_NO = re.compile(r"\W*(?:is|are|was|were|do|does|did|can|could|should|will|would|has|have|may)\s", re.IGNORECASE)
_REQUEST = _cue(r"please", r"pls", r"plz", r"can you", r"could you", r"need you to", r"would you")
_BROADCAST = re.compile(r"<!(?:here|channel|everyone|subteam\^)")

_LAUGHTER = _cue(
    r"lol\w*", r"lmao\w*", r"rofl", r"ha(?:ha)+h?", r"he(?:he)+", r"ja(?:ja)+", r"xd+", r"kek", r"lulz", r"jk"
)
_FOOD = _cue(
    r"coffee", r"espresso", r"latte", r"cappuccino", r"tea", r"chai", r"matcha", r"lunch", r"breakfast", r"brunch",
    r"dinner", r"snacks?", r"pizza", r"tacos?", r"burritos?", r"sushi", r"ramen", r"pho", r"curry", r"biryani",
    r"dosa", r"donuts?", r"doughnuts?", r"bagels?", r"croissants?", r"cake", r"cookies?", r"beers?", r"wine",
    r"drinks", r"happy hour", r"hungry", r"food", r"bento", r"onigiri", r"pretzels?", r"kaffee", r"fika",
    r"boba", r"smoothie", r"ice cream", r"gelato", r"churros", r"empanadas?", r"dumplings?", r"bon app[eé]tit",
    r"itadakimasu", r"kitchen", r"cafeteria", r"canteen", r"delicious", r"yummy", r"brownies?", r"muffins?",
)  # fmt: skip
_SMALL_TALK = _cue(
    r"weekend", r"weather", r"sunny", r"raining", r"snowing", r"birthday", r"vacation", r"holidays?",
    r"puppy", r"kitten", r"my (?:dog|cat)", r"netflix", r"movie", r"playlist", r"song", r"the match",
    r"the game", r"world cup", r"gym", r"sleepy", r"tired", r"jet ?lag\w*", r"mondays", r"fridays",
    r"happy (?:friday|monday|new year|holidays|diwali|lunar new year)", r"meme",
)  # fmt: skip


# Words that, with emoji and punctuation, make up a line that says nothing but hello, thanks or yes.
_CHATTER_WORDS = _word_set(
    """
    hi hey hello hiya yo gm gn morning mornin evening afternoon night good nite howdy ciao hola bonjour servus
    moin namaste salut hallo konnichiwa ohayo ohayou annyeong welcome bye cya later see you ya soon all everyone
    folks team thanks thank thx ty tysm cheers merci danke gracias arigato arigatou grazie obrigado obrigada kudos
    appreciated appreciate it nice cool great awesome amazing sweet neat wow omg yay woo woohoo congrats
    congratulations bravo ok okay k kk yes yep yeah yup ya sure same here agreed agree true fair indeed exactly
    this sgtm lgtm ack noted roger np no problem worries of course ah oh oops ugh hmm meh lol haha the a an and
    for so much very too again back im i'm i am just and me also +1 1 plus one
    """
)
# Greetings and thanks: inside a longer line, they cost it a little when they are half of it.
_POLITE_WORDS = _word_set(
    """
    hi hey hello hiya gm gn morning evening night howdy ciao hola bonjour servus moin namaste welcome bye cya
    thanks thank thx ty tysm cheers merci danke gracias arigato arigatou grazie obrigado obrigada kudos congrats
    congratulations bravo appreciated awesome amazing yay woohoo
    """
)

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A word's Snowball (Porter 2) stem, interned: "blocked" and "blocking" are one word to the ranking."""
    return sys.intern(_STEMMER.stemWord(word))


# Facts a line can carry: a clock time, a figure with a unit or a currency, a version, a date, a ticket
# (all with a digit, so only texts with one are searched), or a day or time zone named.
_FACT_NUMBER = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b\d{1,2} ?(?:am|pm)\b|\b\d+(?:[.,]\d+)?\s?(?:%|ms|s|sec|secs|seconds|min|mins|minutes|h|hrs?"
    r"|hours?|days?|weeks?|gb|mb|kb|tb|k|m|x|rps|qps|req/s|users|customers|tenants|orders|errors|nodes|pods|eur|usd)(?!\w)"
    r"|[$€£¥]\s?\d|\bv?\d+\.\d+(?:\.\d+)+\b|\bv\d+(?:\.\d+)?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov"
    r"|dec)[a-z]* \d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)\b|\b\d{4}-\d{2}-\d{2}\b|\bq[1-4]\b|\b[A-Z][A-Z0-9]+-\d+\b",
    re.IGNORECASE,
)
_FACT_WORDS = _word_set("utc monday tuesday wednesday thursday friday saturday sunday tomorrow tonight eod eow")
_DIGIT = re.compile(r"\d")
_LINK = re.compile(r"<(?:https?|mailto):[^<>]*>|https?://\S+")


@dataclass(frozen=True, slots=True)
class TextCues:
    """What a text says about itself, whatever channel it was written in."""

    # Categories whose cues the text carries, in CUE_ORDER.
    cues: tuple[str, ...]
    # The interned stems of its content words (no stop words), each once.
    stems: frozenset[str]
    content_words: int
    # How many facts it carries (times, figures, versions, dates, tickets, links, code), counted up to MOST_FACTS.
    facts: int
    # How much chatter costs it (0.0 for none).
    chatter: float
    # It opens with "no idea", "not sure", "not me": as a reply, it answers nothing.
    evasive: bool = False
    # Its score before informativeness and engagement: cues and facts less chatter (`weight`, worked out once).
    base: float = field(init=False)

    def __post_init__(self) -> None:
        # Frozen: the one assignment goes through object's own setter. Ranking reads `base` for every line of
        # every window, so it is worked out here, once per distinct text.
        object.__setattr__(self, "base", self.weight(answered=False))

    @property
    def answers(self) -> bool:
        """Whether, as a reply, it answers a question: it says something, and is not "no idea" or "not me"."""
        return not self.chatter and not self.evasive and self.content_words >= ANSWER_WORDS

    @property
    def category(self) -> str | None:
        """The category the line is shown under: its first cue in CUE_ORDER, if any."""
        return self.cues[0] if self.cues else None

    def weight(self, *, answered: bool) -> float:
        """Its score before informativeness and engagement; a question someone `answered` asks nothing now."""
        cues = [cue for cue in self.cues if not (answered and cue == QUESTION)]
        # What an answered question was about is in its answers now: they are the lines to quote.
        value = -ANSWERED if answered and QUESTION in self.cues else 0.0
        if cues:
            value += max(CUE_WEIGHTS[cue] for cue in cues) + EXTRA_CUE * (len(cues) - 1)
            if self.content_words < FEW_WORDS:
                # "rolling back", "on hold": a cue in a line of a word or two is a status, not the news.
                value -= SHORT_CUE
        elif self.content_words < FEW_WORDS:
            value -= FEW_WORDS_PENALTY
        value += FACT * min(self.facts, MOST_FACTS)
        return value - self.chatter


def text_cues(text: str) -> TextCues:
    """Read a message's text (Slack's format) for its cues, content words, facts and chatter."""
    plain = unescape(_TOKEN.sub(" ", text)).replace("\u2019", "'")
    prose = _CODE.sub(" ", plain) if "`" in plain else plain
    lowered = prose.lower()
    # Every word, shortcodes' included, for the cues' prefilter; ":tada:" and ":+1:" are emoji, not words, to the rest.
    every = _WORD.findall(lowered)
    words = _WORD.findall(_SHORTCODE.sub(" ", lowered)) if ":" in lowered else every
    content = [word for word in words if word not in STOP_WORDS and not word.isdigit()]
    digits = _DIGIT.search(plain) is not None
    hinted = _hinted(every)
    found = {category for category, cue in _CUES.items() if cue.search(prose, hinted, digits)}
    mentions = mentioned_users(text) if "<@" in text else frozenset()
    asks = "?" in prose and (
        mentions
        or _BROADCAST.search(text)
        or _ASKS.search(prose, hinted, digits)
        or (_YES_NO.match(prose) and len(content) >= 3)
    )
    if asks or (mentions and _REQUEST.search(prose, hinted, digits)):
        found.add(QUESTION)
    facts = sum(1 for word in every if word in _FACT_WORDS)
    if digits:
        facts += sum(1 for _ in islice(_FACT_NUMBER.finditer(plain), MOST_FACTS))
    if "http" in text or "mailto:" in text:
        facts += len(_LINK.findall(text))
    if "`" in plain:
        facts += len(_CODE.findall(plain))
    return TextCues(
        cues=tuple(cue for cue in CUE_ORDER if cue in found),
        stems=frozenset(stem(word) for word in content),
        content_words=len(content),
        facts=min(facts, MOST_FACTS),
        chatter=_chatter(plain, words, content, hinted, digits),
        evasive=_EVASIVE.match(prose) is not None,
    )


def _chatter(plain: str, words: list[str], content: list[str], hinted: set[_Cue], digits: bool) -> float:
    """What chatter costs a line: laughter, food and small talk, or nothing but greetings, thanks and emoji."""
    if not words:
        # Emoji, "+1" as a shortcode, punctuation: nothing to read.
        return ONLY_CHATTER
    if _CHATTER_WORDS.issuperset(words):
        return ONLY_CHATTER
    if (
        _LAUGHTER.search(plain, hinted, digits)
        or _FOOD.search(plain, hinted, digits)
        or _SMALL_TALK.search(plain, hinted, digits)
        or _has_emoji_food(plain)
    ):
        return SOCIAL
    polite = sum(1 for word in words if word in _POLITE_WORDS)
    return POLITE if polite and polite * 2 >= len(content) else 0.0


_FOOD_EMOJI = frozenset("☕🍵🍕🌮🌯🍩🍰🎂🍺🍻🥂🍷🥐🍜🍣🥯🍪🍫🍔🍟🍱🍙🥨🧋🍦🍨🥟🍛🍲🍿🥞🧁")


def _has_emoji_food(plain: str) -> bool:
    return not _FOOD_EMOJI.isdisjoint(plain)


def idf_weights(document_frequency: Mapping[str, int], documents: int) -> dict[str, float]:
    """Each stem's BM25 inverse document frequency in a channel's window of `documents` lines."""
    return {word: math.log(1.0 + (documents - seen + 0.5) / (seen + 0.5)) for word, seen in document_frequency.items()}


def informativeness(stems: frozenset[str], idf: Mapping[str, float]) -> float:
    """How much a line's words say against its channel's own vocabulary (their BM25 weights, summed, capped).

    Every stem of the line is in `idf`: its window's lines, the line included, are what it was counted over.
    """
    return min(INFORMATIVE_CAP, sum(map(idf.__getitem__, stems)) / INFORMATIVE_SCALE)
