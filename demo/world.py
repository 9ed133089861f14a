"""The simulated workspace: its people (in five time zones), its channels, and Handoff's bot user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

TEAM_ID = "T0DEMO"
TEAM_NAME = "Northwind (demo)"
TEAM_URL = "https://demo.slack.com/"
BOT_USER_ID = "U0HANDOFF"
BOT_ID = "B0HANDOFF"


@dataclass(frozen=True)
class Person:
    """Someone in the workspace, with the time zone their Slack profile gives."""

    user_id: str
    handle: str
    real_name: str
    tz: str
    city: str
    is_admin: bool = False

    @property
    def first_name(self) -> str:
        return self.real_name.split()[0]

    def offset_seconds(self, at: datetime) -> int:
        """Their zone's offset from UTC at an instant (Slack's `tz_offset`)."""
        offset = at.astimezone(ZoneInfo(self.tz)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0


@dataclass(frozen=True)
class Channel:
    """A conversation Handoff is a member of."""

    channel_id: str
    name: str
    members: tuple[str, ...]
    is_private: bool = False
    purpose: str = ""


DANA = Person("U01DANA", "dana", "Dana Reyes", "America/Los_Angeles", "San Francisco", is_admin=True)
SAM = Person("U02SAM", "sam", "Sam Okafor", "America/New_York", "New York")
ANA = Person("U03ANA", "ana", "Ana Keller", "Europe/Berlin", "Berlin")
RAVI = Person("U04RAVI", "ravi", "Ravi Iyer", "Asia/Kolkata", "Bengaluru")
MEI = Person("U05MEI", "mei", "Mei Tanaka", "Asia/Tokyo", "Tokyo")

PEOPLE: tuple[Person, ...] = (DANA, SAM, ANA, RAVI, MEI)

EVERYONE = tuple(person.user_id for person in PEOPLE)

ENG = Channel("C01ENG", "eng", (*EVERYONE, BOT_USER_ID), purpose="Building the product")
LAUNCH = Channel("C02LAUNCH", "launch", (DANA.user_id, SAM.user_id, ANA.user_id, MEI.user_id, BOT_USER_ID))
RANDOM = Channel("C03RANDOM", "random", (*EVERYONE, BOT_USER_ID))
LEADS = Channel("G01LEADS", "leads", (DANA.user_id, ANA.user_id, BOT_USER_ID), is_private=True)
INCIDENT = Channel(
    "G02INCIDENT", "incident-db3", (SAM.user_id, RAVI.user_id, MEI.user_id, BOT_USER_ID), is_private=True
)

CHANNELS: tuple[Channel, ...] = (ENG, LAUNCH, RANDOM, LEADS, INCIDENT)


def person(user_id: str) -> Person | None:
    """One of the cast, by user id."""
    return next((p for p in PEOPLE if p.user_id == user_id), None)


def channel(channel_id: str) -> Channel | None:
    """One of the channels, by id."""
    return next((c for c in CHANNELS if c.channel_id == channel_id), None)


def display_names() -> dict[str, str]:
    """User and channel ids to what Slack shows for them: "Dana Reyes", "eng"."""
    names = {p.user_id: p.real_name for p in PEOPLE}
    names[BOT_USER_ID] = "Handoff"
    names.update({c.channel_id: c.name for c in CHANNELS})
    return names
