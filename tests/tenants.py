"""Three organizations on the fake Slack: two standalone workspaces and an Enterprise Grid org of two.

Acme (T0001) and Globex (T0002) stand alone; Initech (T0003) and Hooli (T0004) are the workspaces
of the Grid org E0001. Channels are shared among them as Slack Connect shares them: one channel id,
one member list with every organization's people and bots in it. Built on `tests.oauth`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from store.models import SLACK_INSTALLATIONS, Team
from store.purge import workspace_tables
from tests.oauth import ACME, GLOBEX, INITECH, ORG, OAuthWorld
from tests.support import event_body

HOOLI = "T0004"
# The bot user of each workspace's Handoff.
BOTS = {ACME: "UBOT", GLOBEX: "UBOT2", INITECH: "UBOT3", HOOLI: "UBOT4"}
# A person of each workspace (Initech's wes owns it; Hooli's hal is a plain member).
PEOPLE = {ACME: "U1", GLOBEX: "V1", INITECH: "W1", HOOLI: "W2"}
WORKSPACES = (ACME, GLOBEX, INITECH, HOOLI)


def add_hooli(world: OAuthWorld) -> None:
    """Hooli, Initech's sibling workspace in the Grid org E0001, with hal and a channel of its own."""
    world.fake.add_team(
        HOOLI, name="Hooli", bot_token="xoxb-unused-hooli", bot_user_id="UBOT4", bot_id="BBOT4", enterprise_id=ORG
    )
    world.fake.add_user(HOOLI, "W2", name="hal")
    world.fake.add_channel(HOOLI, "C4", name="hooli", members=["UBOT4", "W2"])


def share_channel(
    world: OAuthWorld, channel_id: str, host: str, *guests: str, handoff_in: tuple[str, ...] = ()
) -> None:
    """A channel of `host` shared with `guests` (Slack Connect): one person of each, the bots of `handoff_in`."""
    members = [PEOPLE[team] for team in (host, *guests)] + [BOTS[team] for team in handoff_in]
    world.fake.add_channel(
        host, channel_id, name=channel_id.lower(), members=members, is_ext_shared=True, shared_team_ids=list(guests)
    )


def deliver(world: OAuthWorld, body: dict[str, Any]) -> None:
    """Post an event to Handoff and let every worker finish."""
    assert world.live.post_event(body).status_code == 200
    world.live.settle()


def shared_event(event: dict[str, Any], *, to: str, happened_in: str | None = None, **envelope: Any) -> dict[str, Any]:
    """A shared channel's event delivered to `to`'s installation; the envelope names the org where it happened."""
    body = event_body(event, team_id=to, bot_user_id=BOTS[to], **envelope)
    body["is_ext_shared_channel"] = True
    # Slack sets the envelope's enterprise_id to the organization of the event, not of the installation.
    body["enterprise_id"] = happened_in
    return body


def org_uninstall(world: OAuthWorld, *, team_id: str = INITECH) -> None:
    """The Grid org's admins remove its org-wide Handoff: app_uninstalled, then tokens_revoked for the bot."""
    for event in ({"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT3"]}}):
        body = event_body(event, team_id=team_id, enterprise_id=ORG, is_enterprise_install=True, bot_user_id="UBOT3")
        assert world.live.post_event(body).status_code == 200
    world.live.settle()


def rows_of(world: OAuthWorld, team_id: str) -> dict[str, int]:
    """How many rows the workspace has in every table of workspace rows, installations included."""
    with world.deps.read_session_factory() as session:
        counts = {
            table.name: int(
                session.scalar(select(func.count()).select_from(table).where(table.c.team_id == team_id)) or 0
            )
            for table in workspace_tables()
        }
    return {name: count for name, count in counts.items() if count}


def uninstalled_at(world: OAuthWorld, team_id: str) -> object:
    with world.deps.read_session_factory() as session:
        return session.scalar(select(Team.uninstalled_at).where(Team.team_id == team_id))


def installations_of(world: OAuthWorld, team_id: str) -> int:
    with world.deps.read_session_factory() as session:
        c = SLACK_INSTALLATIONS.c
        return int(
            session.scalar(select(func.count()).select_from(SLACK_INSTALLATIONS).where(c.team_id == team_id)) or 0
        )
