"""People in a workspace and their time zones, from Slack profiles."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from store.models import Person
from store.upsert import insert_ignore, upsert


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
    is_external: bool = False


def get_person(*, session: Session, team_id: str, user_id: str) -> Person | None:
    """One person, if Handoff knows them."""
    return session.get(Person, (team_id, user_id))


def find_by_name(*, session: Session, team_id: str, name: str) -> str | None:
    """A person's id from their handle or display name (as typed in `from:@name`)."""
    lowered = name.lower()
    return session.scalars(
        select(Person.user_id).where(
            Person.team_id == team_id,
            or_(func.lower(Person.name) == lowered, func.lower(Person.display_name) == lowered),
        )
    ).first()


def save_profile(*, session: Session, profile: Profile, now: datetime) -> None:
    """Create or refresh a person from their Slack profile (safe against a concurrent writer)."""
    values = {**asdict(profile), "updated_at": now}
    upsert(session=session, model=Person, values=values, key=["team_id", "user_id"])


def add_profile(*, session: Session, profile: Profile, now: datetime) -> bool:
    """Store a person Handoff does not know yet; one it knows keeps what it has. True when added."""
    return insert_ignore(
        session=session, model=Person, values={**asdict(profile), "updated_at": now}, key=["team_id", "user_id"]
    )


def not_people_among(*, session: Session, team_id: str, user_ids: Collection[str]) -> set[str]:
    """Which of `user_ids` Handoff knows as apps, deactivated accounts or people of another organization."""
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(Person.user_id).where(
                Person.team_id == team_id,
                Person.user_id.in_(sorted(user_ids)),
                or_(Person.is_bot.is_(True), Person.deleted.is_(True), Person.is_external.is_(True)),
            )
        )
    )
