"""App Home's *Your working hours*: the *Change hours…* modal, cancelling time off, back to the default hours."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.deps import Deps
from bot.surfaces import Surfaces
from handlers import guards
from handlers.home import HomeFilter, publish_home
from hours.command import CancelTimeOff, ResetHours
from hours.form import FORM_CALLBACK, FormErrors, form_view, read_form
from pings import delivery, my_hours
from pings.home_hours import CANCEL_OFF_ACTION, EDIT_ACTION, RESET_ACTION
from pings.sending import learn_people

NOTHING_CHANGED = "Nothing to change: those are your hours already."


def register(surfaces: Surfaces) -> None:
    """Register the hours section's buttons and the modal's submission."""
    surfaces.action(EDIT_ACTION, on_edit, guard=guards.member())
    surfaces.action(CANCEL_OFF_ACTION, on_cancel_time_off, guard=guards.member())
    surfaces.action(RESET_ACTION, on_reset, guard=guards.member())
    surfaces.view(FORM_CALLBACK, on_form_submitted, guard=guards.member())


def on_edit(ack: Ack, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
    """*Change hours…*: the modal, filled in with the hours that apply now."""
    ack()
    deps: Deps = context["deps"]
    team_id, user_id = _who(context)
    # As `/hours` does: one users.info at most, so "follow your Slack profile" names the right zone.
    learn_people(deps, team_id=team_id, user_ids=[user_id])
    schedule = my_hours.read_schedule(deps, team_id=team_id, user_id=user_id)
    # The Home tab's filters ride along, so publishing it after the save keeps them.
    client.views_open(
        trigger_id=str(body["trigger_id"]),
        view=form_view(
            hours=schedule.hours, zone_override=my_hours.zone_override(schedule), metadata=_home_metadata(body) or ""
        ),
    )


def on_form_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any], client: WebClient
) -> None:
    """Check the form (mistakes show on their inputs and change nothing), save it, show the new Home tab."""
    deps: Deps = context["deps"]
    team_id, user_id = _who(context)
    schedule = my_hours.read_schedule(deps, team_id=team_id, user_id=user_id)
    try:
        form = read_form(view["state"]["values"], today=my_hours.local_today(schedule, deps.clock.now()))
    except FormErrors as exc:
        ack(response_action="errors", errors=exc.errors)
        return
    ack()
    changed = my_hours.save_form(deps, team_id=team_id, user_id=user_id, form=form)
    _after_change(
        deps,
        client,
        context,
        team_id=team_id,
        user_id=user_id,
        metadata=str(view.get("private_metadata") or ""),
        note=changed.said,
    )


def on_cancel_time_off(ack: Ack, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
    """*Cancel* beside a span of time off on the Home tab."""
    ack()
    deps: Deps = context["deps"]
    team_id, user_id = _who(context)
    try:
        first = date.fromisoformat(str(body["actions"][0].get("value") or ""))
    except ValueError:
        note = "That button no longer works; the time off below is what's recorded."
    else:
        note = my_hours.change(deps, team_id=team_id, user_id=user_id, commands=[CancelTimeOff(first)]).said
    _after_change(deps, client, context, team_id=team_id, user_id=user_id, metadata=_home_metadata(body), note=note)


def on_reset(ack: Ack, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
    """*Back to the default*: the workspace's default hours apply again."""
    ack()
    deps: Deps = context["deps"]
    team_id, user_id = _who(context)
    note = my_hours.change(deps, team_id=team_id, user_id=user_id, commands=[ResetHours()]).said
    _after_change(deps, client, context, team_id=team_id, user_id=user_id, metadata=_home_metadata(body), note=note)


def _after_change(
    deps: Deps,
    client: WebClient,
    context: dict[str, Any],
    *,
    team_id: str,
    user_id: str,
    metadata: str | None,
    note: str,
) -> None:
    """Show the new hours on the Home tab; then pings that may now go out, do (after the ack, as `/hours`)."""
    publish_home(
        deps,
        client,
        team_id=team_id,
        user_id=user_id,
        lines=context["surfaces"].help_lines(),
        home_filter=HomeFilter.decode(metadata),
        note=note or NOTHING_CHANGED,
    )
    delivery.deliver_due(deps)


def _who(context: dict[str, Any]) -> tuple[str, str]:
    """The workspace and the person acting: everything here is theirs alone."""
    who = guards.actor(context)
    return who.team_id, who.user_id


def _home_metadata(body: dict[str, Any]) -> str | None:
    """The Home tab's filters, from the view the button was pressed on."""
    raw = (body.get("view") or {}).get("private_metadata")
    return raw if isinstance(raw, str) else None
