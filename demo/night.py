"""The night the demo plays: what each person does, when, in the order Slack would see it.

The story follows the sun. San Francisco and New York work through Tuesday afternoon while
Berlin, Bengaluru and Tokyo sleep; then Tokyo, Bengaluru and Berlin take over. A decision is
filed in #eng and replaced twice overnight, people are mentioned while off, two pings are held
for their recipients' mornings, and two private channels carry what only their members may read.
Around it runs the chatter of any real night (greetings, thanks, laughter, coffee, "+1"): the
catch-ups count it and never quote it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from demo.world import ANA, DANA, ENG, INCIDENT, LAUNCH, LEADS, MEI, RANDOM, RAVI, SAM, Channel, Person

# A Tuesday in June: no daylight-saving change anywhere in the cast's zones that week.
TUESDAY = date(2026, 6, 9)


def utc(day: int, clock: str) -> datetime:
    """An instant of the night: `day` 0 is Tuesday, 1 Wednesday; `clock` is "HH:MM" UTC."""
    return datetime.combine(TUESDAY + timedelta(days=day), time.fromisoformat(clock), tzinfo=UTC)


@dataclass(frozen=True)
class CatchUpsForEveryone:
    """An admin's `/handoff catchup everyone`: every member gets a morning catch-up."""

    at: datetime
    user: Person


@dataclass(frozen=True)
class Say:
    """A message in a channel (an Events API `message`), or a reply in the thread of the message `thread`."""

    at: datetime
    user: Person
    channel: Channel
    text: str
    key: str | None = None
    thread: str | None = None


@dataclass(frozen=True)
class React:
    """A reaction (`reaction_added`) to the message `key`; :memo: files it as a decision."""

    at: datetime
    user: Person
    key: str
    emoji: str = "memo"


@dataclass(frozen=True)
class Supersede:
    """*Supersede…* on Handoff's message about the decision `newer`, picking the decision `older`."""

    at: datetime
    user: Person
    newer: str
    older: str


@dataclass(frozen=True)
class Later:
    """`/later @someone <text>` in a channel: a ping delivered in the recipient's working hours."""

    at: datetime
    user: Person
    recipient: Person
    channel: Channel
    text: str


Beat = CatchUpsForEveryone | Say | React | Supersede | Later

_STORY: tuple[Beat, ...] = (
    CatchUpsForEveryone(utc(0, "16:55"), DANA),
    Say(utc(0, "17:05"), DANA, ENG, "Events store: Postgres, one schema per tenant.", key="schema"),
    React(utc(0, "17:06"), SAM, "schema"),
    Say(utc(0, "17:12"), SAM, ENG, "Nice. I'll start on the migration scripts today.", thread="schema"),
    Say(
        utc(0, "17:20"),
        DANA,
        ENG,
        f"<@{ANA.user_id}> could you re-run the load test against staging? Last week's p99 looks off.",
        key="loadtest",
    ),
    Later(utc(0, "17:30"), DANA, RAVI, ENG, "Could you review the tenant-migration PR before your standup?"),
    Say(
        utc(0, "17:40"), DANA, LEADS, "Q3 budget is approved: two more backend hires. The staff offer goes out Friday."
    ),
    Say(
        utc(0, "18:05"),
        SAM,
        LAUNCH,
        f"Proposed launch date: June 23. <@{MEI.user_id}> can the Tokyo team have the Japanese copy ready by then?",
        key="date",
    ),
    Say(utc(0, "18:30"), SAM, INCIDENT, "Replica lag on db-3 again, 40 s at peak. Alert muted for tonight."),
    Later(utc(0, "19:15"), SAM, MEI, INCIDENT, "When you're in, could you look at the db-3 replica lag graphs?"),
    Say(utc(0, "20:00"), DANA, RANDOM, "Team photo for the launch page: send yours to Sam by Friday :camera:"),
    Say(utc(0, "22:10"), SAM, ENG, "Migration scripts are up for review.", thread="schema"),
    Say(utc(1, "00:40"), MEI, LAUNCH, "Japanese copy by June 23 works for us.", thread="date"),
    Say(
        utc(1, "01:10"),
        MEI,
        INCIDENT,
        "db-3 lag was the nightly vacuum colliding with the export job. "
        "Moved the vacuum to 04:00 UTC; alert is back on.",
    ),
    Say(
        utc(1, "01:25"),
        MEI,
        ENG,
        "Schema-per-tenant hits Postgres connection limits at about 400 tenants; we have 350 in Tokyo already.",
        thread="schema",
    ),
    Say(
        utc(1, "01:30"),
        MEI,
        ENG,
        "Events store: one shared Postgres schema with row-level security.",
        key="rls",
        thread="schema",
    ),
    React(utc(1, "01:31"), MEI, "rls"),
    Supersede(utc(1, "01:32"), MEI, newer="rls", older="schema"),
    Say(
        utc(1, "04:55"),
        RAVI,
        ENG,
        "Benchmarked row-level security on staging: 18% slower for big tenants unless the table is partitioned.",
        thread="schema",
    ),
    Say(
        utc(1, "05:00"),
        RAVI,
        ENG,
        "Events store: shared schema with row-level security, partitioned by tenant hash.",
        key="partition",
        thread="schema",
    ),
    React(utc(1, "05:01"), RAVI, "partition"),
    Supersede(utc(1, "05:02"), RAVI, newer="partition", older="rls"),
    Say(
        utc(1, "05:20"),
        RAVI,
        ENG,
        f"<@{DANA.user_id}> reviewed the tenant-migration PR: two comments, otherwise good to merge.",
    ),
    Say(
        utc(1, "07:40"),
        ANA,
        ENG,
        "Re-ran it: p95 210 ms, p99 480 ms. Last week's run hit the wrong cluster.",
        thread="loadtest",
    ),
    Say(utc(1, "08:15"), ANA, LEADS, "Great news. I'll draft the staff offer today and send it to you by Thursday."),
    Say(utc(1, "09:30"), ANA, LAUNCH, "The EU press embargo lifts on the 23rd too, so the date works.", thread="date"),
)

# What people say that nobody coming back needs to read.
CHATTER: tuple[Say, ...] = (
    Say(utc(0, "17:02"), SAM, ENG, "afternoon all 👋"),
    Say(utc(0, "17:03"), ANA, ENG, "Feierabend for me, tschüss! 👋"),
    Say(utc(0, "17:45"), SAM, RANDOM, "lunch: tacos or ramen? 🌮🍜"),
    Say(utc(0, "17:47"), DANA, RANDOM, "tacos, always"),
    Say(utc(0, "18:10"), DANA, LAUNCH, "🎉🎉"),
    Say(utc(0, "19:02"), SAM, ENG, "lol the CI bot just approved its own PR"),
    Say(utc(0, "20:05"), SAM, RANDOM, "coffee time ☕"),
    Say(utc(0, "22:30"), SAM, ENG, "signing off, good night folks 🌙"),
    Say(utc(1, "00:30"), MEI, ENG, "ohayou gozaimasu ☀️"),
    Say(utc(1, "01:12"), RAVI, INCIDENT, "thanks Mei 🙏"),
    Say(utc(1, "03:40"), RAVI, ENG, "namaste, morning all 🙏"),
    Say(utc(1, "04:00"), RAVI, RANDOM, "chai break ☕"),
    Say(utc(1, "06:50"), ANA, ENG, "Guten Morgen ☀️"),
    Say(utc(1, "07:45"), ANA, RANDOM, "haha love the photo idea 📸"),
    Say(utc(1, "08:30"), ANA, LAUNCH, "+1"),
)

# The story and its chatter in the order Slack sees them (a beat and chatter at the same minute: the beat first).
NIGHT: tuple[Beat, ...] = tuple(sorted((*_STORY, *CHATTER), key=lambda beat: beat.at))

# The night is over once everyone has had their first morning; this far is more than enough.
LAST_MORNING_BY = utc(2, "00:00")
