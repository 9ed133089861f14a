"""Filing as proposed, replacing from the new decision's modal, and *Edit…* after filing — over signed HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from bot.tick import run_tick
from decisions.blocks import EDIT_ACTION
from decisions.modal import EDIT_CALLBACK, FILE_CALLBACK
from store import decisions as store
from store import people
from store.models import Decision, Job
from store.people import Profile
from store.slack_time import datetime_to_ts
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.integration.test_decision_modals import _decisions, _file, _form, _submit, _world
from tests.support import TEAM_ID, LiveServer, command_form


def _select(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "static_select", "selected_option": {"value": value} if value else None}}


def test_a_decision_filed_as_proposed_reads_proposed_and_can_be_found_by_status(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    form = {**_form("Try trunk-based development"), "status": _select("proposed")}
    assert _submit(live, FILE_CALLBACK, json.dumps({"channel_id": "C1"}), form) is None
    (decision,) = _decisions(session_factory)
    assert decision.status == "proposed"
    (post,) = fake_slack.calls_to("chat.postMessage")
    assert post.params["text"].startswith("Proposed decision")
    answer = live.post_form(command_form("/decisions", "status:proposed", user_id="U1", channel_id="C1"))
    assert "Try trunk-based development" in json.dumps(answer.json()["blocks"])


def test_the_file_modal_offers_the_channels_open_decisions_and_replaces_the_one_picked(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _file(live, fake_slack, "Launch in February", datetime_to_ts(START - timedelta(hours=3)))
    (older,) = _decisions(session_factory)
    live.post_form(command_form("/decision", "", user_id="U2", channel_id="C1"))
    live.settle()
    (opened,) = fake_slack.calls_to("views.open")
    (replaces,) = [b for b in opened.params["view"]["blocks"] if b.get("block_id") == "replaces"]
    assert [(o["value"], o["text"]["text"]) for o in replaces["element"]["options"]] == [
        (str(older.id), "Launch in February")
    ]
    form = {**_form("Launch in March"), "replaces": _select(str(older.id))}
    assert _submit(live, FILE_CALLBACK, json.dumps({"channel_id": "C1"}), form) is None
    older, newer = _decisions(session_factory)
    assert (older.status, newer.supersedes_id, newer.status) == ("superseded", older.id, "accepted")
    updated = {call.params["ts"]: json.dumps(call.params["blocks"]) for call in fake_slack.calls_to("chat.update")}
    assert "Replaced by" in updated[older.confirmation_ts] and "Launch in March" in updated[older.confirmation_ts]
    # Picking a decision that was replaced meanwhile is refused inline, and nothing is filed.
    again = _submit(live, FILE_CALLBACK, json.dumps({"channel_id": "C1"}), form)
    assert again["response_action"] == "errors" and "replaces" in again["errors"]
    assert len(_decisions(session_factory)) == 2


def test_edit_changes_owner_review_date_tags_and_status_with_a_revision_each(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
) -> None:
    _world(fake_slack)
    with session_factory.begin() as session:
        people.save_profile(session=session, profile=Profile(TEAM_ID, "U1", name="u1", tz="Europe/Berlin"), now=START)
    _file(live, fake_slack, "Freeze the API on Friday", datetime_to_ts(START - timedelta(hours=1)))
    (decision,) = _decisions(session_factory)
    live.click(fake_slack, "U2", EDIT_ACTION, str(decision.id), response_key="edit")
    (opened,) = fake_slack.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == EDIT_CALLBACK
    assert view["blocks"][0]["element"]["initial_value"] == "Freeze the API on Friday"
    review = START.date() + timedelta(days=3)
    form = {
        **_form("Freeze the API on Friday", tags="api, release", owner="U1", review_by=review.isoformat()),
        "status": _select("proposed"),
    }
    del form["why"], form["alternatives"]
    assert _submit(live, EDIT_CALLBACK, str(decision.id), form, user="U2") is None
    (decision,) = _decisions(session_factory)
    assert (decision.owner_id, decision.review_by, decision.tags, decision.status) == (
        "U1",
        review,
        "api,release",
        "proposed",
    )
    with session_factory() as session:
        changes = {
            r.action: (r.actor_id, r.old_value, r.new_value)
            for r in store.revisions_of(session=session, team_id=TEAM_ID, decision_id=decision.id)
        }
    assert changes["owner_id"] == ("U2", None, "U1")
    assert changes["status"] == ("U2", "accepted", "proposed")
    assert changes["tags"] == ("U2", "", "api,release")
    shown = json.dumps(fake_slack.calls_to("chat.update")[-1].params["blocks"])
    assert "Owner <@U1>" in shown and "Review by" in shown and "Proposed" in shown
    # The owner hears about it at 09:00 Berlin time on the review date (08:00 UTC in winter).
    clock.instant = datetime(review.year, review.month, review.day, 8, 0, tzinfo=UTC)
    assert run_tick(deps, handoff.processors).counts["decision_reviews"] == 1


def test_edit_can_clear_the_owner_and_the_review_date_and_the_reminder_stays_quiet(
    live: LiveServer,
    fake_slack: FakeSlack,
    session_factory: sessionmaker[Session],
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
) -> None:
    _world(fake_slack)
    review = START.date() + timedelta(days=1)
    _submit(
        live,
        FILE_CALLBACK,
        json.dumps({"channel_id": "C1"}),
        _form("Rotate on-call weekly", owner="U2", review_by=review.isoformat()),
    )
    (decision,) = _decisions(session_factory)
    form = _form("Rotate on-call weekly")
    del form["why"], form["alternatives"]
    assert _submit(live, EDIT_CALLBACK, str(decision.id), form, user="U2") is None
    (decision,) = _decisions(session_factory)
    assert (decision.owner_id, decision.review_by) == (None, None)
    clock.instant = START + timedelta(days=2)
    assert run_tick(deps, handoff.processors).counts.get("decision_reviews") is None
    with session_factory() as session:
        assert session.scalars(select(Job).where(Job.kind == "decision_review", Job.done_at.is_(None))).all() == []


def test_edit_is_refused_to_someone_who_cannot_see_the_channel(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    fake_slack.add_user(TEAM_ID, "U9", name="u9")
    fake_slack.add_channel(TEAM_ID, "G1", name="secret", members=["U1", "UBOT"], is_private=True)
    with session_factory.begin() as session:
        decision, _ = store.file(
            session=session,
            new=store.NewDecision(
                team_id=TEAM_ID, channel_id="G1", text="Secret plan", logged_by="U1", source="command"
            ),
            now=START,
        )
    live.click(fake_slack, "U9", EDIT_ACTION, str(decision.id), response_key="edit")
    assert fake_slack.calls_to("views.open") == []
    (answer,) = fake_slack.response_url_posts("edit")
    assert "not one you can see" in answer["text"]
    assert [d.text for d in _decisions(session_factory) if d.status == "accepted"] == ["Secret plan"]
    assert isinstance(decision, Decision)


def test_a_decision_from_a_message_with_escapes_and_a_mention_reads_as_written_everywhere(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    # As Slack writes the message: & < > escaped, a mention as a token with its legacy label.
    _file(live, fake_slack, "Q&amp;A moves to Friday &lt;3 <@U1|ana> <!here>", datetime_to_ts(START))
    (decision,) = _decisions(session_factory)
    (post,) = fake_slack.calls_to("chat.postMessage")
    shown = json.dumps([post.params["text"], post.params["blocks"]], ensure_ascii=False)
    # In the channel: the words, escaped once, and neither the mention nor the @here live again.
    assert "Q&amp;A moves to Friday &lt;3 @ana \uff20here" in shown
    assert "&amp;amp;" not in shown and "<@U1|" not in shown and "<!here>" not in shown
    live.click(fake_slack, "U2", EDIT_ACTION, str(decision.id), response_key="edit")
    (opened,) = fake_slack.calls_to("views.open")
    assert opened.params["view"]["blocks"][0]["element"]["initial_value"] == "Q&A moves to Friday <3 @ana \uff20here"
    # Saving the form without touching the text keeps it as filed: no rewording in anyone's catch-up.
    form = _form("Q&A moves to Friday <3 @ana \uff20here", tags="events")
    del form["why"], form["alternatives"]
    assert _submit(live, EDIT_CALLBACK, str(decision.id), form, user="U2") is None
    (decision,) = _decisions(session_factory)
    assert decision.text == "Q&amp;A moves to Friday &lt;3 <@U1|ana> <!here>"
    with session_factory() as session:
        actions = [r.action for r in store.revisions_of(session=session, team_id=TEAM_ID, decision_id=decision.id)]
    assert "text" not in actions and "tags" in actions
