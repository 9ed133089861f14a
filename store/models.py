"""Handoff's tables. Every row is scoped by workspace (`team_id`); Alembic owns the schema."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.types import UTCDateTime

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TEAM = String(32)
SLACK_ID = String(32)
TS = String(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ClaimColumns:
    """Columns of a row that is due at a time and claimed by one worker under a lease.

    See `store.claims` for the mechanism; `done_at` set means the work is finished for good.
    """

    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    # When `last_error` happened (`handoff status` lists recent failures).
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Team(Base):
    """A workspace Handoff has seen."""

    __tablename__ = "teams"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(SLACK_ID)
    name: Mapped[str | None] = mapped_column(String(200))
    bot_user_id: Mapped[str | None] = mapped_column(SLACK_ID)
    # "https://acme.slack.com/" (auth.test): permalinks built without a Slack call per message.
    url: Mapped[str | None] = mapped_column(String(300))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Handoff was uninstalled (its data purged); the decision log waits HANDOFF_UNINSTALL_GRACE_DAYS.
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Slack refuses Handoff's token for this workspace (invalid_auth, token_revoked…): its deliveries
    # wait until the token works again (the tick asks auth.test every few minutes) or it is reinstalled.
    token_error: Mapped[str | None] = mapped_column(String(64))
    token_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Person(Base):
    """A member of a workspace, with the time zone from their Slack profile."""

    __tablename__ = "people"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    real_name: Mapped[str] = mapped_column(String(200), default="")
    display_name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_offset: Mapped[int | None] = mapped_column(Integer)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # From another organization, met in a Slack Connect channel: not a member of this workspace.
    is_external: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Channel(Base):
    """A conversation Handoff is in (or has heard of), with its privacy."""

    __tablename__ = "channels"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    channel_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    is_im: Mapped[bool] = mapped_column(Boolean, default=False)
    is_mpim: Mapped[bool] = mapped_column(Boolean, default=False)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    is_ext_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    # Handoff's own bot user is in it, as Slack last said (never assumed: see store.visibility).
    is_member: Mapped[bool] = mapped_column(Boolean, default=False)
    members_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Slack stopped letting this workspace read the channel (channel_not_found, not_in_channel).
    access_lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChannelMember(Base):
    """Who is in a channel: the source of truth for who may see its content."""

    __tablename__ = "channel_members"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    channel_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_channel_members_user", "team_id", "user_id"),)


class Message(Base):
    """A message or thread reply as ingested from the Events API."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(TEAM)
    channel_id: Mapped[str] = mapped_column(SLACK_ID)
    ts: Mapped[str] = mapped_column(TS)
    thread_ts: Mapped[str | None] = mapped_column(TS)
    user_id: Mapped[str | None] = mapped_column(SLACK_ID)
    bot_id: Mapped[str | None] = mapped_column(SLACK_ID)
    subtype: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "ts"),
        Index("ix_messages_channel_posted", "team_id", "channel_id", "posted_at"),
        Index("ix_messages_thread", "team_id", "channel_id", "thread_ts"),
        Index("ix_messages_posted", "posted_at"),
    )


class MessageRevision(Base):
    """An earlier text of an edited message, kept so a decision's history can show it."""

    __tablename__ = "message_revisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(TEAM)
    channel_id: Mapped[str] = mapped_column(SLACK_ID)
    ts: Mapped[str] = mapped_column(TS)
    text: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_message_revisions_message", "team_id", "channel_id", "ts"),
        Index("ix_message_revisions_posted", "posted_at"),
    )


class Reaction(Base):
    """One person's emoji reaction on one message."""

    __tablename__ = "reactions"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    channel_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    ts: Mapped[str] = mapped_column(TS, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    # The reacted-to message's own time (from its ts), so retention prunes reactions with it.
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_reactions_posted", "posted_at"),)


class InboxEvent(ClaimColumns, Base):
    """An Events API delivery, written before it is acknowledged; `done_at` once processed.

    `due_at` is when a worker other than the one that received it may take it over.
    """

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[str | None] = mapped_column(TEAM)
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index(
            "ix_inbox_events_due",
            "due_at",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
        Index("ix_inbox_events_done", "done_at"),
        # Recent failures, for `handoff status`.
        Index(
            "ix_inbox_events_failed",
            "failed_at",
            sqlite_where=text("failed_at IS NOT NULL"),
            postgresql_where=text("failed_at IS NOT NULL"),
        ),
    )


class Job(ClaimColumns, Base):
    """A piece of due work (retention, and the feature issues' kinds), unique per (kind, team, key)."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[str] = mapped_column(TEAM)
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("kind", "team_id", "key"),
        Index(
            "ix_jobs_due",
            "due_at",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
        # Recent failures, for `handoff status`.
        Index(
            "ix_jobs_failed",
            "failed_at",
            sqlite_where=text("failed_at IS NOT NULL"),
            postgresql_where=text("failed_at IS NOT NULL"),
        ),
    )


class WorkerBeat(Base):
    """The last tick each process ran, for operators (`handoff status`) and the health check."""

    __tablename__ = "worker_beats"

    worker_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_tick_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SignedRequest(Base):
    """A signature Slack put on a command or an interaction, kept for as long as it is valid.

    Slack signs each request afresh, so a second request with the same signature is a replay
    (someone resending a captured request within Slack's five minutes); it is refused.
    """

    __tablename__ = "signed_requests"

    signature: Mapped[str] = mapped_column(String(80), primary_key=True)
    # Slack's X-Slack-Request-Timestamp (seconds): the tick forgets signatures once they are stale.
    request_ts: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_signed_requests_request_ts", "request_ts"),)


class Decision(Base):
    """A decision filed from a message (reaction, shortcut) or from `/decision`."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(TEAM)
    channel_id: Mapped[str] = mapped_column(SLACK_ID)
    # The source message; None for a decision typed with /decision.
    message_ts: Mapped[str | None] = mapped_column(TS)
    thread_ts: Mapped[str | None] = mapped_column(TS)
    text: Mapped[str] = mapped_column(Text)
    why: Mapped[str] = mapped_column(Text, default="")
    alternatives: Mapped[str] = mapped_column(Text, default="")
    # Lower-case, comma-separated, no spaces around commas.
    tags: Mapped[str] = mapped_column(String(500), default="")
    owner_id: Mapped[str | None] = mapped_column(SLACK_ID)
    review_by: Mapped[date | None] = mapped_column(Date)
    author_id: Mapped[str | None] = mapped_column(SLACK_ID)
    logged_by: Mapped[str] = mapped_column(SLACK_ID)
    permalink: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="accepted")
    source: Mapped[str] = mapped_column(String(16))
    source_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The decision this one replaced (that one's status is then "superseded").
    supersedes_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), index=True)
    # Handoff's own message about the decision (the confirmation in the thread), once posted.
    confirmation_channel: Mapped[str | None] = mapped_column(SLACK_ID)
    confirmation_ts: Mapped[str | None] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        # One decision per message, however many people react or Slack redelivers.
        UniqueConstraint("team_id", "channel_id", "message_ts"),
        Index("ix_decisions_channel_created", "team_id", "channel_id", "created_at"),
        # `from:@person` in /decisions.
        Index("ix_decisions_author_created", "team_id", "author_id", "created_at"),
        # A person's own review-by items (App Home).
        Index("ix_decisions_owner_review", "team_id", "owner_id", "review_by"),
        # Team metrics: a workspace's decisions by week, and those with a review-by date.
        Index("ix_decisions_team_created", "team_id", "created_at"),
        Index("ix_decisions_team_review", "team_id", "review_by"),
    )


class DecisionRevision(Base):
    """Every change to a decision: who, what, when (the audit trail)."""

    __tablename__ = "decision_revisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), index=True)
    team_id: Mapped[str] = mapped_column(TEAM)
    actor_id: Mapped[str | None] = mapped_column(SLACK_ID)
    action: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    # Team metrics: a workspace's supersedes and retractions by week.
    __table_args__ = (Index("ix_decision_revisions_team_at", "team_id", "at"),)


class DecisionContext(Base):
    """The thread around a decision, copied when it was filed: the why usually lives there.

    Copied rather than referenced because raw traffic is pruned after the retention period.
    """

    __tablename__ = "decision_context"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), index=True)
    team_id: Mapped[str] = mapped_column(TEAM)
    ts: Mapped[str] = mapped_column(TS)
    user_id: Mapped[str | None] = mapped_column(SLACK_ID)
    text: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkspaceSettings(Base):
    """What a workspace's admins chose; a column left empty falls back to Handoff's configuration."""

    __tablename__ = "workspace_settings"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    # Comma-separated emoji names without colons, e.g. "memo,white_check_mark".
    decision_emoji: Mapped[str | None] = mapped_column(String(500))
    # Default working hours for people who set none (same encoding as `working_hours`).
    default_start_minute: Mapped[int | None] = mapped_column(Integer)
    default_end_minute: Mapped[int | None] = mapped_column(Integer)
    default_days: Mapped[str | None] = mapped_column(String(20))
    # For people whose Slack profile has no zone.
    default_tz: Mapped[str | None] = mapped_column(String(64))
    # Urgent pings per sender per day before Handoff asks them to confirm.
    urgent_cap: Mapped[int | None] = mapped_column(Integer)
    # An admin turned the morning catch-up on for every member (else: people who used Handoff).
    catchup_everyone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Days raw channel traffic is kept (else HANDOFF_TRAFFIC_RETENTION_DAYS).
    traffic_retention_days: Mapped[int | None] = mapped_column(Integer)
    # Off-hours mention notes in every channel: None or True is on; False turns them off workspace-wide.
    mention_notices: Mapped[bool | None] = mapped_column(Boolean)
    # Team metrics show a group's figures only when it has at least this many people (else 5; never below 3).
    stats_min_group: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[str | None] = mapped_column(SLACK_ID)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkingHoursRow(Base):
    """A person's own working hours (absent: the workspace default) and time zone override."""

    __tablename__ = "working_hours"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    # Minutes after local midnight; end < start means the shift crosses midnight.
    start_minute: Mapped[int | None] = mapped_column(Integer)
    end_minute: Mapped[int | None] = mapped_column(Integer)
    # Weekdays a shift starts on, 0 = Monday, comma-separated ("0,1,2,3,4").
    days: Mapped[str | None] = mapped_column(String(20))
    # An IANA zone that wins over the Slack profile's.
    tz: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TimeOffRow(Base):
    """Days a person is away (inclusive local dates): no shift starts on them."""

    __tablename__ = "time_off"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(TEAM)
    user_id: Mapped[str] = mapped_column(SLACK_ID)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_time_off_person", "team_id", "user_id", "last_day"),)


# Held pings no delivery has taken yet, and those a delivery took but has not settled.
_PING_WAITING = text("status = 'held' AND delivery_id IS NULL")
_PING_IN_FLIGHT = text("status = 'held' AND delivery_id IS NOT NULL")
# Booleans are 0/1 in SQLite, whose planner takes a partial index only for a query with the same term.
_PING_URGENT_SQLITE, _PING_URGENT = text("urgent = 1"), text("urgent")


class HeldPing(Base):
    """A ping sent through Handoff to one recipient: held until their hours, or delivered at once.

    Delivery is a `ping_delivery` job; `delivery_id` is the job that took the ping, so a ping is
    in at most one message even when a late sweep schedules a second job for the same person.
    """

    __tablename__ = "held_pings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(TEAM)
    sender_id: Mapped[str] = mapped_column(SLACK_ID)
    recipient_id: Mapped[str] = mapped_column(SLACK_ID)
    text: Mapped[str] = mapped_column(Text)
    # Where it was sent from (the conversation, or the message of the shortcut).
    source_channel_id: Mapped[str | None] = mapped_column(SLACK_ID)
    source_ts: Mapped[str | None] = mapped_column(TS)
    permalink: Mapped[str | None] = mapped_column(String(500))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # held | delivered | cancelled | failed | unconfirmed (urgent past the cap, awaiting the sender)
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivery_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        # Partial indexes, so that the rows a delivery updates (taking a ping, then settling it)
        # leave them instead of adding entries: the pings still waiting, by recipient and by sender.
        Index(
            "ix_held_pings_recipient",
            "team_id",
            "recipient_id",
            "due_at",
            sqlite_where=_PING_WAITING,
            postgresql_where=_PING_WAITING,
        ),
        Index(
            "ix_held_pings_sender",
            "team_id",
            "sender_id",
            "due_at",
            sqlite_where=_PING_WAITING,
            postgresql_where=_PING_WAITING,
        ),
        # The daily cap on urgent pings counts a sender's recent ones.
        Index(
            "ix_held_pings_urgent",
            "team_id",
            "sender_id",
            "created_at",
            sqlite_where=_PING_URGENT_SQLITE,
            postgresql_where=_PING_URGENT,
        ),
        # Pings a delivery took and has not settled: few at any time, so the index stays small,
        # and settling a ping takes it out instead of writing one more entry.
        Index(
            "ix_held_pings_delivery",
            "delivery_id",
            sqlite_where=_PING_IN_FLIGHT,
            postgresql_where=_PING_IN_FLIGHT,
        ),
        # The sweep for held pings no delivery has taken.
        Index(
            "ix_held_pings_waiting",
            "due_at",
            sqlite_where=_PING_WAITING,
            postgresql_where=_PING_WAITING,
        ),
        # Team metrics: a workspace's pings by week.
        Index("ix_held_pings_team_created", "team_id", "created_at"),
    )


class Mention(Base):
    """Someone was @mentioned in a channel outside their working hours: for their catch-up."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(TEAM)
    channel_id: Mapped[str] = mapped_column(SLACK_ID)
    ts: Mapped[str] = mapped_column(TS)
    sender_id: Mapped[str] = mapped_column(SLACK_ID)
    recipient_id: Mapped[str] = mapped_column(SLACK_ID)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "ts", "recipient_id"),
        Index("ix_mentions_recipient", "team_id", "recipient_id", "posted_at"),
        Index("ix_mentions_posted", "posted_at"),
        # Team metrics: a workspace's off-hours mentions by week and channel, from the index alone.
        Index("ix_mentions_team_posted", "team_id", "posted_at", "channel_id"),
    )


class MentionNotice(Base):
    """The sender was told once that day that the recipient is off (at most once per pair and day)."""

    __tablename__ = "mention_notices"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    sender_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    recipient_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class ChannelSettings(Base):
    """A channel's own choices (`/handoff notices off`)."""

    __tablename__ = "channel_settings"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    channel_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    mention_notices: Mapped[bool] = mapped_column(Boolean, default=True)
    # An admin left the channel out of every summary and LLM prompt (`/handoff exclude #channel`).
    excluded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_by: Mapped[str | None] = mapped_column(SLACK_ID)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CatchUpPrefs(Base):
    """One person's morning catch-up: whether, when, how often, without which channels, and what is planned."""

    __tablename__ = "catchup_prefs"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    # None follows the default: on for people who used Handoff, or for everyone if an admin said so.
    enabled: Mapped[bool | None] = mapped_column(Boolean)
    # daily | weekly
    cadence: Mapped[str] = mapped_column(String(8), default="daily", server_default="daily")
    # Weekly: the local weekday (0 = Monday) it comes on, or the first worked day after it.
    weekday: Mapped[int | None] = mapped_column(Integer)
    # A local time of day instead of the start of working hours (minutes after midnight).
    at_minute: Mapped[int | None] = mapped_column(Integer)
    # Channel ids left out of this person's catch-up, comma-separated.
    excluded_channels: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When they first used Handoff (a command, a decision reaction, App Home).
    engaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The due instant of the planned catch-up job; None: the planner plans the next one.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_catchup_prefs_unplanned", "team_id", "next_due_at"),)


class CatchUpRecord(Base):
    """A catch-up that went out (at most one per person and local date), kept for App Home and the next window."""

    __tablename__ = "catchups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(TEAM)
    user_id: Mapped[str] = mapped_column(SLACK_ID)
    local_date: Mapped[date] = mapped_column(Date)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # The composed catch-up (digest.model.CatchUp as JSON), shown in full on App Home.
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Its size for team metrics: entries (as digest.render counts them) and the reading time its DM
    # promised. None for catch-ups sent before migration 0011.
    entries: Mapped[int | None] = mapped_column(Integer)
    reading_minutes: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "local_date"),
        Index("ix_catchups_person", "team_id", "user_id", "window_end"),
        # Team metrics: a workspace's catch-ups by day and size, read in index order (no sort).
        Index("ix_catchups_team_day_entries", "team_id", "local_date", "entries"),
        Index("ix_catchups_team_day_minutes", "team_id", "local_date", "reading_minutes"),
    )


class StatsReportPrefs(Base):
    """Whether a workspace admin gets the weekly team report (a row only once they chose)."""

    __tablename__ = "stats_report_prefs"

    team_id: Mapped[str] = mapped_column(TEAM, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChannelSummaryRow(Base):
    """A channel's summary for one window bucket: computed once, read by every member in that bucket."""

    __tablename__ = "channel_summaries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(TEAM)
    channel_id: Mapped[str] = mapped_column(SLACK_ID)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))
    message_count: Mapped[int] = mapped_column(Integer)
    points: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "window_start", "window_end"),
        Index("ix_channel_summaries_created", "created_at"),
    )


# slack-sdk's installation and OAuth state tables, on Handoff's metadata so that Alembic creates them
# (migration 0010). Tokens are stored encrypted (store.installations), and a Fernet token is about
# twice as long as Slack's, so the token columns are Text rather than slack-sdk's String(200).
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")
for _table in (SLACK_INSTALLATIONS, SLACK_BOTS):
    for _name in TOKEN_COLUMNS:
        if _name in _table.c:
            _table.c[_name].type = Text()
# The callback looks a state up; the tick deletes expired ones (slack-sdk never does).
Index("ix_slack_oauth_states_state", SLACK_OAUTH_STATES.c.state)
Index("ix_slack_oauth_states_expire_at", SLACK_OAUTH_STATES.c.expire_at)
