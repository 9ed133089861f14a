"""One permission check for every button, menu, shortcut and modal submission — over signed HTTP.

Every interactive surface is registered with its guard (`handlers.guards`): the acting person
belongs to the workspace, may see the decision's channel, and (to change a decision) is the
person who logged it or said it, its owner, or a workspace admin. It runs on the click and again
on the submission. The tests enumerate what the app registers, so a surface added later is
covered (and one registered without its guard fails here).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp, register_surfaces
from bot.clock import FixedClock
from bot.surfaces import Surfaces
from decisions.blocks import EDIT_ACTION, SUPERSEDE_ACTION, THREAD_ACTION, UNDO_ACTION, WHY_ACTION
from decisions.modal import EDIT_CALLBACK, FILE_CALLBACK, SUPERSEDE_CALLBACK, WHY_CALLBACK, Source
from decisions.permissions import POLICY
from handlers.decision_modals import LOG_MESSAGE_SHORTCUT
from handlers.guards import Guard
from store import decisions as store
from store import people
from store.decisions import NewDecision
from store.models import Decision
from store.people import Profile
from tests.blockkit import assert_valid_view
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.oauth import ACME, GLOBEX, OAuthWorld, install, oauth_world
from tests.support import TEAM_ID, LiveServer, command_form, event_body, seed_channel, trigger_id

TS = "1772434800.000100"
OUTSIDER = "UX"
OTHER_ORG = "T9999"
# What Handoff says to someone of another organization: on a decision surface, the note a reaction
# gets; anywhere else, that it is another workspace's Handoff.
OUTSIDER_WORDS = ("another organization", "another workspace's Handoff")


def _registered() -> Surfaces:
    """What the app registers, on a Bolt app that talks to nothing (as the manifest test builds it)."""
    app = App(signing_secret="x", token="xoxb-x", token_verification_enabled=False)
    surfaces, _ = register_surfaces(app)
    return surfaces


REGISTERED = _registered()
INTERACTIVE = sorted(
    [("action", a) for a in REGISTERED.actions]
    + [("view", v) for v in REGISTERED.views]
    + [("message_shortcut", s) for s in REGISTERED.message_shortcuts]
    + [("global_shortcut", s) for s in REGISTERED.global_shortcuts]
)
# The decision log's surfaces: each checks who may see (and change) the decision or its channel.
DECISION_SURFACES = sorted(
    [("action", a) for a in (EDIT_ACTION, SUPERSEDE_ACTION, THREAD_ACTION, UNDO_ACTION, WHY_ACTION)]
    + [("view", v) for v in (EDIT_CALLBACK, FILE_CALLBACK, SUPERSEDE_CALLBACK, WHY_CALLBACK)]
    + [("message_shortcut", LOG_MESSAGE_SHORTCUT)]
)


@pytest.fixture
def world(fake_slack: FakeSlack, session_factory: sessionmaker[Session]) -> dict[str, int]:
    """#general (public) and the private #leads; a decision filed by Ann in each. Returns their ids."""
    for user in ("U1", "U2", "U3", "U9", "UO"):
        fake_slack.add_user(TEAM_ID, user, name=user.lower(), is_admin=user == "U9")
    fake_slack.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "U3", "U9", "UO", "UBOT"])
    fake_slack.add_channel(TEAM_ID, "G1", name="leads", members=["U1", "U2", "UBOT"], is_private=True)
    ids = {}
    with session_factory.begin() as session:
        for user in ("U1", "U2", "U3", "U9", "UO"):
            people.save_profile(session=session, profile=Profile(TEAM_ID, user, name=user.lower()), now=START)
        seed_channel(session, "C1", "general", ["U1", "U2", "U3", "U9", "UO", "UBOT"])
        seed_channel(session, "G1", "leads", ["U1", "U2", "UBOT"], private=True)
        for channel_id, text in (("C1", "Ship on Monday"), ("G1", "Reorg in Q2")):
            decision, _ = store.file(
                session=session,
                new=NewDecision(
                    team_id=TEAM_ID, channel_id=channel_id, text=text, logged_by="U1", source="command", author_id="U1"
                ),
                now=START,
            )
            ids[channel_id] = decision.id
    return ids


def _payload(
    kind: str, surface: str, *, user: str, user_team: str, decision_id: int, channel: str, fake: FakeSlack, key: str
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user, "team_id": user_team},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": trigger_id(),
    }
    if kind == "action":
        action = {"type": "button", "action_id": surface, "block_id": "b", "value": str(decision_id), "action_ts": "1"}
        return {
            **base,
            "type": "block_actions",
            "channel": {"id": channel},
            "container": {"type": "message", "channel_id": channel},
            "response_url": fake.response_url(key),
            "actions": [action],
        }
    if kind == "view":
        metadata = Source(channel_id=channel).encode() if surface == FILE_CALLBACK else str(decision_id)
        view = {"id": "V1", "type": "modal", "callback_id": surface, "private_metadata": metadata, "hash": "h"}
        return {**base, "type": "view_submission", "view": {**view, "state": {"values": {}}}}
    shortcut = {"type": "message_action" if kind == "message_shortcut" else "shortcut", "callback_id": surface}
    message = {"type": "message", "user": "U1", "text": "Reorg in Q2", "ts": TS}
    return {**base, **shortcut, "channel": {"id": channel}, "message": message, "response_url": fake.response_url(key)}


def _post(live: LiveServer, payload: dict[str, Any]) -> Any:
    response = live.post_form(urllib.parse.urlencode({"payload": json.dumps(payload)}))
    assert response.status_code == 200
    live.settle()
    return response.json() if response.content else None


def _said(kind: str, answer: Any, fake: FakeSlack, key: str) -> str:
    """What the person was told: the modal's replacement or objection, or the reply only they see."""
    if kind == "view":
        assert answer is not None, "a refused submission answers with why"
        if answer["response_action"] == "update":
            assert_valid_view(answer["view"])
            return str(answer["view"]["blocks"][0]["text"]["text"])
        return " ".join(answer["errors"].values())
    return " ".join(str(post.get("text")) for post in fake.response_url_posts(key))


def _submit_edit(live: LiveServer, fake: FakeSlack, user: str, decision_id: int, channel: str, text: str) -> str:
    """`user` submits the *Edit…* form of a decision with a new text; what they are told, if refused."""
    payload = _payload(
        "view", EDIT_CALLBACK, user=user, user_team=TEAM_ID, decision_id=decision_id, channel=channel, fake=fake, key=""
    )
    payload["view"]["state"]["values"] = {"title": {"value": {"type": "plain_text_input", "value": text}}}
    return _said("view", _post(live, payload), fake, "")


def _nothing_happened(fake: FakeSlack, factory: sessionmaker[Session], before: list[tuple[Any, ...]]) -> None:
    for method in ("views.open", "views.publish", "views.update", "chat.postMessage", "chat.update", "files.upload"):
        assert fake.calls_to(method) == [], f"{method} was called"
    assert _decisions(factory) == before, "a decision changed"


def _decisions(factory: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with factory() as session:
        rows = session.query(Decision).order_by(Decision.id).all()
        return [(d.id, d.text, d.why, d.status, d.owner_id, d.supersedes_id, d.tags) for d in rows]


def test_every_interactive_listener_is_registered_with_its_permission_check(handoff: HandoffApp) -> None:
    surfaces = handoff.surfaces
    assert set(surfaces.guards) == set(INTERACTIVE) and INTERACTIVE
    assert all(isinstance(guard, Guard) for guard in surfaces.guards.values())
    # The decision log's surfaces are exactly those whose guard looks at a decision or its channel.
    looking = {key for key, guard in surfaces.guards.items() if isinstance(guard, Guard) and guard.subject}
    assert looking == set(DECISION_SURFACES)
    # Nothing reached Bolt around `Surfaces`: every listener but the slash commands' runs behind a guard.
    commands = [
        BoltRequest(
            body=urllib.parse.urlencode({"command": name, "team_id": TEAM_ID, "user_id": "U1"}),
            headers={"content-type": ["application/x-www-form-urlencoded"]},
        )
        for name in surfaces.commands
    ]
    listeners = handoff.bolt._listeners  # Bolt keeps no public list of them
    unguarded = [
        listener.ack_function.__qualname__
        for listener in listeners
        if not any(listener.matches(req=request, resp=BoltResponse(status=404)) for request in commands)
        and not any(isinstance(middleware, Guard) for middleware in listener.middleware)
    ]
    assert unguarded == []
    assert len(listeners) == len(surfaces.commands) + len(INTERACTIVE)


@pytest.mark.parametrize(("kind", "surface"), INTERACTIVE, ids=[f"{k}:{s}" for k, s in INTERACTIVE])
def test_someone_of_another_organization_is_refused_by_every_interaction(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    world: dict[str, int],
    kind: str,
    surface: str,
) -> None:
    before = _decisions(session_factory)
    # Met in a Slack Connect channel: their own organization on the payload, unknown to this workspace.
    payload = _payload(
        kind,
        surface,
        user=OUTSIDER,
        user_team=OTHER_ORG,
        decision_id=world["C1"],
        channel="C1",
        fake=fake_slack,
        key="outsider",
    )
    said = _said(kind, _post(live, payload), fake_slack, "outsider")
    assert any(words in said for words in OUTSIDER_WORDS), said
    _nothing_happened(fake_slack, session_factory, before)


@pytest.mark.parametrize(("kind", "surface"), DECISION_SURFACES, ids=[f"{k}:{s}" for k, s in DECISION_SURFACES])
def test_a_member_who_may_not_see_the_channel_is_refused_on_the_click_and_on_the_submission(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    world: dict[str, int],
    kind: str,
    surface: str,
) -> None:
    before = _decisions(session_factory)
    # Cy is of the workspace but not in the private #leads.
    payload = _payload(
        kind, surface, user="U3", user_team=TEAM_ID, decision_id=world["G1"], channel="G1", fake=fake_slack, key="cy"
    )
    said = _said(kind, _post(live, payload), fake_slack, "cy")
    assert "not one you can see" in said, said
    assert "Reorg" not in said and "leads" not in said
    _nothing_happened(fake_slack, session_factory, before)


def test_only_the_logger_the_author_the_owner_or_an_admin_may_change_a_decision_and_anyone_else_is_told_who(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    decision_id = world["C1"]
    before = _decisions(session_factory)
    for action in (EDIT_ACTION, WHY_ACTION, SUPERSEDE_ACTION, UNDO_ACTION):
        live.click(fake_slack, "U2", action, str(decision_id), response_key=action)
        (answer,) = fake_slack.response_url_posts(action)
        assert answer["text"].startswith("Only <@U1>, who logged it, or a workspace admin can change this decision")
    _nothing_happened(fake_slack, session_factory, before)

    # Showing it is for anyone who may see it.
    live.click(fake_slack, "U2", THREAD_ACTION, str(decision_id), response_key="thread")
    assert "can change" not in json.dumps(fake_slack.response_url_posts("thread"))

    # A workspace admin (asked of Slack), and the owner, may.
    live.click(fake_slack, "U9", EDIT_ACTION, str(decision_id), response_key="admin")
    with session_factory.begin() as session:
        decision = store.get(session=session, team_id=TEAM_ID, decision_id=decision_id)
        assert decision is not None
        decision.owner_id = "UO"
    live.click(fake_slack, "UO", WHY_ACTION, str(decision_id), response_key="owner")
    opened = [call.params["view"]["callback_id"] for call in fake_slack.calls_to("views.open")]
    assert opened == [EDIT_CALLBACK, WHY_CALLBACK]
    assert fake_slack.response_url_posts("admin") == fake_slack.response_url_posts("owner") == []

    # The submission is checked again: a form Bo never could have opened changes nothing.
    said = _submit_edit(live, fake_slack, "U2", decision_id, "C1", "Ship on Tuesday")
    assert "who logged it" in said and "<@UO>, its owner," in said
    assert _decisions(session_factory)[0][1] == "Ship on Monday"


def test_a_modal_opened_before_its_opener_left_the_channel_changes_nothing(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    decision_id = world["G1"]
    live.click(fake_slack, "U1", EDIT_ACTION, str(decision_id), response_key="edit")
    (opened,) = fake_slack.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == EDIT_CALLBACK
    # Ann leaves #leads while the form is open.
    fake_slack.update_channel("G1", members=["U2", "UBOT"])
    left = {"type": "member_left_channel", "channel": "G1", "user": "U1", "channel_type": "G"}
    assert live.post_event(event_body(left)).status_code == 200
    live.settle()
    said = _submit_edit(live, fake_slack, "U1", decision_id, "G1", "No reorg after all")
    assert said == "That decision is not one you can see."
    with session_factory() as session:
        decision = store.get(session=session, team_id=TEAM_ID, decision_id=decision_id)
        assert decision is not None and decision.text == "Reorg in Q2"


def test_decisions_help_says_who_may_change_a_decision(live: LiveServer) -> None:
    answer = live.post_form(command_form("/decisions", "help", user_id="U1"))
    assert answer.status_code == 200 and POLICY in answer.text


# -- Slack Connect and two organizations (OAuth mode) ----------------------------------------------

SHARED = "CSHARED"


@pytest.fixture
def connect(database_url: str, clock: FixedClock) -> Iterator[OAuthWorld]:
    """Acme and Globex both installed, sharing a channel where Ann (Acme) filed a decision in Acme's log."""
    with oauth_world(database_url, clock) as built:
        built.fake.add_channel(
            ACME,
            SHARED,
            name="acme-globex",
            members=["UBOT", "U1", "U2", "UBOT2", "V1"],
            is_ext_shared=True,
            shared_team_ids=[GLOBEX],
        )
        install(built, "U1")
        install(built, "V1")
        assert (
            built.live.post_form(
                command_form("/decision", "Joint release on the 5th", channel_id=SHARED, user_id="U1")
            ).status_code
            == 200
        )
        built.live.settle()
        yield built


def _acme_decision(world: OAuthWorld) -> Decision:
    with world.deps.read_session_factory() as session:
        (decision,) = session.query(Decision).filter(Decision.team_id == ACME).all()
        session.expunge(decision)
        return decision


def test_another_organizations_member_cannot_open_your_decisions_edit_modal(connect: OAuthWorld) -> None:
    decision = _acme_decision(connect)
    # Vic (Globex) clicks *Edit…* on Acme's decision message in the shared channel.
    payload = {
        "type": "block_actions",
        "team": {"id": ACME},
        "user": {"id": "V1", "team_id": GLOBEX},
        "api_app_id": "A0001",
        "trigger_id": trigger_id(),
        "channel": {"id": SHARED},
        "response_url": connect.fake.response_url("vic"),
        "actions": [{"type": "button", "action_id": EDIT_ACTION, "value": str(decision.id), "action_ts": "1"}],
    }
    _post(connect.live, payload)
    assert connect.fake.calls_to("views.open") == []
    (answer,) = connect.fake.response_url_posts("vic")
    assert "shared with another organization" in answer["text"]


def test_a_modal_submission_uses_the_workspace_slack_authorized_for_both_its_data_and_its_token(
    connect: OAuthWorld,
) -> None:
    decision = _acme_decision(connect)
    # A modal opened from the shared channel: Slack names the workspace where it was used (Globex) on the
    # payload, and the installation it belongs to (Acme) on the view; Bolt acts with Acme's token.
    view = {
        "id": "V1",
        "type": "modal",
        "callback_id": EDIT_CALLBACK,
        "private_metadata": str(decision.id),
        "hash": "h",
        "app_installed_team_id": ACME,
        "state": {"values": {"title": {"value": {"type": "plain_text_input", "value": "Joint release on the 6th"}}}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": GLOBEX},
        "user": {"id": "U1", "team_id": ACME},
        "api_app_id": "A0001",
        "trigger_id": trigger_id(),
        "view": view,
    }
    assert _post(connect.live, payload) is None
    assert _acme_decision(connect).text == "Joint release on the 6th"
