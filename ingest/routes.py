"""Which processor handles which Events API event type."""

from __future__ import annotations

from ingest import traffic_events as traffic
from ingest import workspace_events as workspace
from ingest.runner import Processor

# Public and private channels raise the same events under two names (channel_* and group_*).
INGEST_PROCESSORS: dict[str, Processor] = {
    "message": traffic.on_message,
    "reaction_added": traffic.on_reaction_added,
    "reaction_removed": traffic.on_reaction_removed,
    "member_joined_channel": workspace.on_member_joined_channel,
    "member_left_channel": workspace.on_member_left_channel,
    "channel_left": workspace.on_channel_left,
    "group_left": workspace.on_channel_left,
    "channel_rename": workspace.on_channel_rename,
    "group_rename": workspace.on_channel_rename,
    "channel_archive": workspace.on_channel_archive,
    "group_archive": workspace.on_channel_archive,
    "channel_unarchive": workspace.on_channel_unarchive,
    "group_unarchive": workspace.on_channel_unarchive,
    "channel_deleted": workspace.on_channel_deleted,
    "group_deleted": workspace.on_channel_deleted,
    "channel_shared": workspace.on_channel_shared,
    "channel_unshared": workspace.on_channel_unshared,
    "user_change": workspace.on_user_change,
    "team_join": workspace.on_user_change,
}
