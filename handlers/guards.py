"""The permission check every button, menu, shortcut and modal submission goes through.

Each interactive listener is registered with a `Guard` (`bot.surfaces.Surfaces` takes none
without one), which Bolt runs before the listener: on the click, and again on the submission, so
a modal opened before someone lost access changes nothing. Every guard starts with the workspace:
the acting person must belong to the workspace whose data the interaction reads or changes, the one
Bolt authorized, whose token the listener's client carries (so a modal submission uses one team for
both its data and its token; listeners read it from `actor(context)`, never from the payload).
Guards of the decision log then ask `store.visibility` whether the person may see the decision's
channel, and `decisions.permissions` whether they may change the decision. A refusal says why,
calmly, where the person is (a reply only they see, the objection under the field concerned, or
the modal replaced by the explanation), and the listener does not run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot.admins import is_workspace_admin
from bot.deps import Deps
from decisions.capture import OUTSIDER_NOTE, learn_channel
from decisions.emoji import decision_emoji_for
from decisions.modal import Source, read_replaces
from decisions.permissions import may_change, who_can
from ingest.discovery import learn
from store import channels, people, visibility
from store import decisions as store

logger = logging.getLogger(__name__)

NOT_VISIBLE = "That decision is not one you can see."
STALE = "That button no longer works; use the decision's latest message."
CHANNEL_HIDDEN = (
    "I can't file a decision there: Handoff isn't in that channel, or its log is not one you can see. "
    "Invite Handoff with `/invite @Handoff` in the channel, then try again."
)
NOT_A_MEMBER = "This belongs to another workspace's Handoff: only that workspace's members can use it."


@dataclass(frozen=True)
class Actor:
    """Who is acting, for which workspace (the one Bolt authorized: the listener's data and token)."""

    team_id: str
    user_id: str


def actor(context: dict[str, Any]) -> Actor:
    """The person and workspace a guard let through."""
    found = context["actor"]
    assert isinstance(found, Actor)
    return found


@dataclass(frozen=True)
class Subject:
    """What an interaction acts on: channels the actor must see, decisions they must see or may change.

    A decision id of None means the payload named none that can be read (a stale or forged button).
    `change` pairs each decision with the modal block an objection to it belongs under (None: no block).
    """

    channels: tuple[str, ...] = ()
    see: tuple[int | None, ...] = ()
    change: tuple[tuple[int | None, str | None], ...] = ()


@dataclass(frozen=True)
class Refusal:
    """Why not, and (in a modal) the block it belongs under."""

    text: str
    block: str | None = None


SubjectOf = Callable[[dict[str, Any]], Subject]


class Guard(Middleware):
    """One interactive surface's permission check, run by Bolt before its listener."""

    def __init__(self, what: str, subject: SubjectOf | None = None, decisions: bool = False) -> None:
        self.what = what
        self.subject = subject
        # A decision-log surface: someone of another organization gets the note a reaction gets.
        self.decisions = decisions

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        deps: Deps = req.context["deps"]
        body = req.body
        who = _actor_of(body, req.context.team_id)
        refusal = self._check(deps, req.context.client, who, body)
        if refusal is None:
            assert who is not None
            req.context["actor"] = who
            next()
            return resp
        logger.info(
            "refused %s (%s) to %s of %s",
            self.what,
            body.get("type"),
            who.user_id if who else "?",
            who.team_id if who else "?",
        )
        return _refuse(req, body, refusal)

    def _check(self, deps: Deps, client: WebClient | None, who: Actor | None, body: dict[str, Any]) -> Refusal | None:
        if who is None:
            return Refusal(STALE)
        if not _belongs(deps, who, body):
            return Refusal(self._outsider(deps, who.team_id))
        if self.subject is None:
            return None
        try:
            subject = self.subject(body)
        except (KeyError, IndexError, TypeError, ValueError):
            return Refusal(STALE)
        return _decide(deps, client, who, subject)

    def _outsider(self, deps: Deps, team_id: str) -> str:
        if not self.decisions:
            return NOT_A_MEMBER
        with deps.read_session_factory() as session:
            emoji = decision_emoji_for(session=session, settings=deps.settings, team_id=team_id)
        return OUTSIDER_NOTE.format(emoji=emoji[0])


def _actor_of(body: dict[str, Any], authorized: str | None) -> Actor | None:
    user = body.get("user")
    team = body.get("team")
    team_id = authorized or (team.get("id") if isinstance(team, dict) else None)
    if not isinstance(user, dict) or not user.get("id") or not team_id:
        return None
    return Actor(team_id=str(team_id), user_id=str(user["id"]))


def _belongs(deps: Deps, who: Actor, body: dict[str, Any]) -> bool:
    """Whether the acting person is a member of the workspace (not someone of another organization)."""
    home = (body.get("user") or {}).get("team_id")
    if home == who.team_id:
        return True
    # Another team on the payload: an Enterprise Grid colleague from a sibling workspace, or someone
    # met in a Slack Connect channel. What Slack says of them to this workspace decides (users.info).
    with deps.read_session_factory() as session:
        person = people.get_person(session=session, team_id=who.team_id, user_id=who.user_id)
    if person is None:
        found = learn(deps, team_id=who.team_id, user_ids=[who.user_id])
        with deps.session_factory.begin() as session:
            found.save(session=session, now=deps.clock.now())
        with deps.read_session_factory() as session:
            person = people.get_person(session=session, team_id=who.team_id, user_id=who.user_id)
    return person is not None and not person.is_external and not person.deleted


def _decide(deps: Deps, client: WebClient | None, who: Actor, subject: Subject) -> Refusal | None:
    for channel_id in subject.channels:
        _learn_if_new(deps, who.team_id, channel_id)
    admin: list[bool] = []

    def is_admin() -> bool:
        # Asked of Slack once, and only when the person is neither the logger nor the owner.
        if not admin:
            admin.append(client is not None and is_workspace_admin(client, who.user_id))
        return admin[0]

    with deps.read_session_factory() as session:
        for channel_id in subject.channels:
            if not visibility.can_see(session=session, team_id=who.team_id, channel_id=channel_id, user_id=who.user_id):
                return Refusal(CHANNEL_HIDDEN)
        wanted: list[tuple[int | None, str | None, bool]] = [(decision_id, None, False) for decision_id in subject.see]
        wanted += [(decision_id, block, True) for decision_id, block in subject.change]
        for decision_id, block, changing in wanted:
            decision = (
                store.get(session=session, team_id=who.team_id, decision_id=decision_id)
                if decision_id is not None
                else None
            )
            if decision is None or not visibility.can_see(
                session=session, team_id=who.team_id, channel_id=decision.channel_id, user_id=who.user_id
            ):
                return Refusal(NOT_VISIBLE if decision_id is not None else STALE, block)
            if changing and not may_change(decision, who.user_id, is_admin=is_admin):
                return Refusal(who_can(decision), block)
    return None


def _learn_if_new(deps: Deps, team_id: str, channel_id: str) -> None:
    """A channel no event has brought yet (a shortcut or `/decision` there): read it before judging."""
    with deps.read_session_factory() as session:
        known = channels.get_channel(session=session, team_id=team_id, channel_id=channel_id)
    if known is not None and known.members_synced_at is not None:
        return
    found = learn_channel(deps, team_id, channel_id)
    with deps.session_factory.begin() as session:
        found.save(session=session, now=deps.clock.now())


def _refuse(req: BoltRequest, body: dict[str, Any], refusal: Refusal) -> BoltResponse:
    if body.get("type") == "view_submission":
        if refusal.block is not None:
            return BoltResponse(status=200, body={"response_action": "errors", "errors": {refusal.block: refusal.text}})
        return BoltResponse(status=200, body={"response_action": "update", "view": _refusal_view(refusal.text)})
    respond = req.context.respond
    if respond is not None:
        try:
            respond(text=refusal.text, response_type="ephemeral", replace_original=False)
        except Exception:  # a refusal that cannot be delivered must not fail the request
            logger.warning("could not deliver a refusal to %s", body.get("response_url"), exc_info=True)
    return BoltResponse(status=200, body="")


def _refusal_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Handoff"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


# -- what each surface acts on -------------------------------------------------------------------


def clicked_decision(body: dict[str, Any]) -> int | None:
    """The decision a decision message's button names (its value)."""
    value = str(body["actions"][0].get("value") or "")
    return int(value) if value.isdigit() else None


def modal_decision(body: dict[str, Any]) -> int | None:
    """The decision a decision modal is about (its private_metadata)."""
    value = str((body.get("view") or {}).get("private_metadata") or "")
    return int(value) if value.isdigit() else None


def _picked_older(body: dict[str, Any]) -> int | None:
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    option = ((values.get("older") or {}).get("value") or {}).get("selected_option") or {}
    value = str(option.get("value") or "")
    return int(value) if value.isdigit() else None


def member() -> Guard:
    """Anyone of the workspace: what the listener does is their own (their hours, pings, Home tab…)."""
    return Guard("workspace member")


def sees_decision() -> Guard:
    """A button on a decision message that shows it: its channel must be one the person may see."""
    return Guard("sees the decision", lambda body: Subject(see=(clicked_decision(body),)), decisions=True)


def changes_decision() -> Guard:
    """A button on a decision message that changes it (or opens a modal that will)."""
    return Guard("may change the decision", lambda body: Subject(change=((clicked_decision(body), None),)), True)


def changes_decision_in_modal() -> Guard:
    """A decision modal's submission, checked again: someone may have lost access since it opened."""
    return Guard("may change the decision", lambda body: Subject(change=((modal_decision(body), None),)), True)


def supersedes_in_modal() -> Guard:
    """*Supersede…*'s submission: the person may change both the decision and the one it replaces."""
    return Guard(
        "may change both decisions",
        lambda body: Subject(change=((modal_decision(body), None), (_picked_older(body), "older"))),
        decisions=True,
    )


def files_in_shortcut_channel() -> Guard:
    """*Log as decision* on a message: the person may see the channel's log."""
    return Guard("sees the channel", lambda body: Subject(channels=(str(body["channel"]["id"]),)), decisions=True)


def files_in_modal_channel() -> Guard:
    """The filing modal's submission: the channel's log is visible to them, and what it replaces they may change."""

    def subject(body: dict[str, Any]) -> Subject:
        view = body.get("view") or {}
        source = Source.decode(str(view.get("private_metadata") or ""))
        if not source.channel_id or source.channel_id == "None":
            raise ValueError("no channel")
        replaces = read_replaces(((view.get("state") or {}).get("values")) or {})
        return Subject(channels=(source.channel_id,), change=((replaces, "replaces"),) if replaces else ())

    return Guard("sees the channel", subject, decisions=True)
