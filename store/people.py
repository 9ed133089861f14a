"""People in a workspace and their time zones, from Slack profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from store.models import Person


@dataclass(frozen=True)
class Profile:
    """What Handoff keeps of a Slack user object (`users.info`, `user_change`)."""

    team_id: str
    user_id: str
    name: str = ""
    real_name: str = ""
    display_name: str = ""
    tz: str | None = None
    tz_offset: int | None = None
    is_bot: bool = False
    is_admin: bool = False
    is_owner: bool = False
    deleted: bool = False


def get_person(*, session: Session, team_id: str, user_id: str) -> Person | None:
    """One person, if Handoff knows them."""
    return session.get(Person, (team_id, user_id))


def save_profile(*, session: Session, profile: Profile, now: datetime) -> Person:
    """Create or refresh a person from their Slack profile."""
    row = get_person(session=session, team_id=profile.team_id, user_id=profile.user_id)
    if row is None:
        row = Person(team_id=profile.team_id, user_id=profile.user_id)
        session.add(row)
    row.name = profile.name
    row.real_name = profile.real_name
    row.display_name = profile.display_name
    row.tz = profile.tz
    row.tz_offset = profile.tz_offset
    row.is_bot = profile.is_bot
    row.is_admin = profile.is_admin
    row.is_owner = profile.is_owner
    row.deleted = profile.deleted
    row.updated_at = now
    session.flush()
    return row
