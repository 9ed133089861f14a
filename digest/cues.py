"""The phrases that say what a line of chat is, and the words that make it chatter.

Each category of what matters to someone back from the night (a decision, a blocker, an incident,
a change, a question) is a list of phrases a reader would recognise, matched as whole words; so are
the topics of chatter (laughter, food, small talk). They are data for `digest.importance`, kept
apart so the vocabulary can grow without touching how a line is weighed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from digest.model import BLOCKED, CHANGE, DECIDED, INCIDENT


def word_set(words: str) -> frozenset[str]:
    """The words of a string (separated by spaces or lines) as a set."""
    return frozenset(words.split())


# Function words left out of the content words (a short list kept here: the packaged ones drop
# work words too, such as "affected" and "added").
STOP_WORDS = word_set(
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


# Needed word prefixes by their first two letters (every prefix has at least two), with their cue and phrase's bit.
_PREFIXES: dict[str, list[tuple[str, Cue, int]]] = {}
# Compiled alternations of some of a cue's phrases kept per cue; past this many, the whole pattern is used.
NARROWED_PATTERNS = 4096

# The cues a text's words hint at, each with the bits of its phrases whose needed word the text has.
Hints = dict["Cue", int]


class Cue:
    """Phrases matched as whole words, tried only on a text holding a word that one of them needs.

    A regular expression of dozens of phrases costs tens of microseconds per text: Python's `re` tries
    every alternative at every position. Each phrase names one word a match cannot do without
    (`_needed`); a text none of whose words starts with one of those cannot match that phrase, so a
    text is searched only for the phrases its words hint at (and, with a digit, for a phrase that needs
    no word, like "5\\d\\d errors"), one alternation per set of phrases, compiled once.
    """

    def __init__(self, *phrases: str) -> None:
        self.phrases = phrases
        self.pattern = _alternation(phrases)
        needed = [_needed(phrase) for phrase in phrases]
        # A phrase that needs no word but a digit is tried on texts with one; one needing neither, on every text.
        self.always = any(words is None for words in needed)
        self.on_digits = any(words == () for words in needed)
        self.prefixes = tuple(sorted({word for words in needed if words for word in words}))
        # The phrases no word hints at, tried whenever the cue is tried at all.
        self.unhinted = sum(1 << index for index, words in enumerate(needed) if not words)
        self._narrowed: dict[int, re.Pattern[str]] = {}
        for index, words in enumerate(needed):
            for prefix in words or ():
                _PREFIXES.setdefault(prefix[:2], []).append((prefix, self, index))

    def search(self, text: str, hinted: Hints, digits: bool) -> bool:
        """Whether one of the phrases is in `text`; `hinted` holds what its words hint at (`hinted_by`)."""
        phrases = hinted.get(self, 0)
        if not (phrases or self.always or (digits and self.on_digits)):
            return False
        return self.narrowed(phrases | self.unhinted).search(text) is not None

    def search_whole(self, text: str, hinted: Hints, digits: bool) -> bool:
        """`search` with every phrase, when `text` holds words `hinted` was not read from (a code span's)."""
        if not (self in hinted or self.always or (digits and self.on_digits)):
            return False
        return self.pattern.search(text) is not None

    def narrowed(self, phrases: int) -> re.Pattern[str]:
        """The alternation of the phrases whose bits are set: it matches a text just where the whole pattern's
        phrases that can match it do."""
        found = self._narrowed.get(phrases)
        if found is None:
            if len(self._narrowed) >= NARROWED_PATTERNS:
                return self.pattern
            chosen = [phrase for index, phrase in enumerate(self.phrases) if phrases >> index & 1]
            found = self._narrowed[phrases] = _alternation(chosen)
        return found


def hinted_by(words: Iterable[str]) -> Hints:
    """What `words` (lower-cased) hint at: each cue with its phrases whose needed word starts one of them."""
    found: Hints = {}
    for word in set(words):
        for cue, phrases in _hints(word):
            found[cue] = found.get(cue, 0) | phrases
    return found


@lru_cache(maxsize=65_536)
def _hints(word: str) -> tuple[tuple[Cue, int], ...]:
    # Per distinct word, once: a day of messages repeats the same few thousand words.
    found: dict[Cue, int] = {}
    for prefix, cue, index in _PREFIXES.get(word[:2], ()):
        if word.startswith(prefix):
            found[cue] = found.get(cue, 0) | 1 << index
    return tuple(found.items())


def _alternation(phrases: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE)


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


def _cue(*phrases: str) -> Cue:
    return Cue(*phrases)


# Phrases are matched on the text with Slack's tokens taken out and curly apostrophes made straight.
CUES: dict[str, Cue] = {
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
ASKS = _cue(
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
EVASIVE = re.compile(
    r"\W*(?:no idea|not sure|no clue|dunno|idk|not me|i don't know|i do not know|no one knows|nobody knows"
    r"|good question|same question|same here|i wish i knew|beats me)(?!\w)",
    re.IGNORECASE,
)
# "Is the staging database back?", "Should we …?": a question that opens with its verb asks the channel.
YES_NO = re.compile(r"\W*(?:is|are|was|were|do|does|did|can|could|should|will|would|has|have|may)\s", re.IGNORECASE)
REQUEST = _cue(r"please", r"pls", r"plz", r"can you", r"could you", r"need you to", r"would you")
BROADCAST = re.compile(r"<!(?:here|channel|everyone|subteam\^)")

LAUGHTER = _cue(
    r"lol\w*", r"lmao\w*", r"rofl", r"ha(?:ha)+h?", r"he(?:he)+", r"ja(?:ja)+", r"xd+", r"kek", r"lulz", r"jk"
)
FOOD = _cue(
    r"coffee", r"espresso", r"latte", r"cappuccino", r"tea", r"chai", r"matcha", r"lunch", r"breakfast", r"brunch",
    r"dinner", r"snacks?", r"pizza", r"tacos?", r"burritos?", r"sushi", r"ramen", r"pho", r"curry", r"biryani",
    r"dosa", r"donuts?", r"doughnuts?", r"bagels?", r"croissants?", r"cake", r"cookies?", r"beers?", r"wine",
    r"drinks", r"happy hour", r"hungry", r"food", r"bento", r"onigiri", r"pretzels?", r"kaffee", r"fika",
    r"boba", r"smoothie", r"ice cream", r"gelato", r"churros", r"empanadas?", r"dumplings?", r"bon app[eé]tit",
    r"itadakimasu", r"kitchen", r"cafeteria", r"canteen", r"delicious", r"yummy", r"brownies?", r"muffins?",
)  # fmt: skip
SMALL_TALK = _cue(
    r"weekend", r"weather", r"sunny", r"raining", r"snowing", r"birthday", r"vacation", r"holidays?",
    r"puppy", r"kitten", r"my (?:dog|cat)", r"netflix", r"movie", r"playlist", r"song", r"the match",
    r"the game", r"world cup", r"gym", r"sleepy", r"tired", r"jet ?lag\w*", r"mondays", r"fridays",
    r"happy (?:friday|monday|new year|holidays|diwali|lunar new year)", r"meme",
)  # fmt: skip


# Words that, with emoji and punctuation, make up a line that says nothing but hello, thanks or yes.
CHATTER_WORDS = word_set(
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
POLITE_WORDS = word_set(
    """
    hi hey hello hiya gm gn morning evening night howdy ciao hola bonjour servus moin namaste welcome bye cya
    thanks thank thx ty tysm cheers merci danke gracias arigato arigatou grazie obrigado obrigada kudos congrats
    congratulations bravo appreciated awesome amazing yay woohoo
    """
)

# Food and drink as emoji: a line with one is about a break, not the work.
FOOD_EMOJI = frozenset("☕🍵🍕🌮🌯🍩🍰🎂🍺🍻🥂🍷🥐🍜🍣🥯🍪🍫🍔🍟🍱🍙🥨🧋🍦🍨🥟🍛🍲🍿🥞🧁")
