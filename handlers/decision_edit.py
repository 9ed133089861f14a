"""*Edit…* on a decision message: what was decided, tags, status, owner and review date after filing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.surfaces import Surfaces
from decisions import review, sync
from decisions.blocks import EDIT_ACTION
from decisions.modal import EDIT_CALLBACK, edit_view, read_details
from digest.text import readable
from handlers import guards
from store import decisions as store
from store.decisions import Details


def register(surfaces: Surfaces) -> None:
    """Register the *Edit…* button and its modal's submission."""
    surfaces.action(EDIT_ACTION, on_edit, guard=guards.changes_decision())
    surfaces.view(EDIT_CALLBACK, on_edit_submitted, guard=guards.changes_decision_in_modal())


def on_edit(ack: Ack, body: dict[str, Any], context: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """Open the edit modal with the decision as it is now (its guard let through only who may change it)."""
    ack()
    deps: Deps = context["deps"]
    team_id = guards.actor(context).team_id
    with deps.read_session_factory() as session:
        decision = store.get(session=session, team_id=team_id, decision_id=int(body["actions"][0]["value"]))
    if decision is None:
        respond(text="That decision is no longer in the log.", response_type="ephemeral", replace_original=False)
        return
    if decision.status == "retracted":
        respond(
            text="This decision was retracted; react to its message again to file it anew.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    client.views_open(trigger_id=str(body["trigger_id"]), view=edit_view(decision=decision))


def on_edit_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]) -> None:
    """Save what changed, one revision per part; the decision's message and reminder follow."""
    deps: Deps = context["deps"]
    now = deps.clock.now()
    who = guards.actor(context)
    team_id, user_id = who.team_id, who.user_id
    values = view["state"]["values"]
    details, errors = read_details(values, today=now.date())
    with deps.session_factory.begin() as session:
        decision = store.get(session=session, team_id=team_id, decision_id=int(view["private_metadata"]))
        if decision is None:
            ack(response_action="errors", errors={"title": "That decision is no longer in the log."})
            return
        # A review date already past may stay as it is while other parts change.
        if errors.get("review_by") and details.review_by == decision.review_by:
            errors.pop("review_by")
        if errors:
            ack(response_action="errors", errors=errors)
            return
        cleared = frozenset(
            name
            for name, block in (("owner_id", "owner"), ("review_by", "review_by"))
            if block in values and getattr(details, name) is None
        )
        details = Details(**{**details.__dict__, "clear": cleared})
        if details.text is not None and details.text == readable(decision.text).strip():
            # The form showed the text as words (escapes undone, mentions as @name): unchanged, it stays as filed.
            details = replace(details, text=None)
        ack()
        if store.set_details(session=session, decision=decision, details=details, actor_id=user_id, now=now):
            sync.schedule(session=session, decision=decision, now=now)
            review.schedule(session=session, decision=decision, now=now)
    sync.deliver_due(deps)
