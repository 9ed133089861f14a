"""Working hours on App Home over signed HTTP: the section, the *Change hours…* modal, time off, the default."""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import HandoffApp
from bot.clock import FixedClock
from bot.deps import Deps
from bot.tick import run_tick
from handlers.home import STATUS_FILTER_ACTION
from hours.form import DAYS_BLOCK, END_BLOCK, FORM_CALLBACK, OFF_FIRST_BLOCK, OFF_LAST_BLOCK, START_BLOCK, ZONE_BLOCK
from hours.schedule import TimeOff
from store import working_hours
from store.models import HeldPing, TimeOffRow, WorkingHoursRow
from tests.blockkit import assert_valid_view, submitted_state
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, command_form, event_body, trigger_id

# START is Monday 2026-03-02 08:00 UTC: midnight in Los Angeles, where Dana lives.
LA_NINE = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
LA_SIX = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
OTHER_TEAM = "T0002"


def dashed(text: str) -> str:
    """Hours and days as shown: ranges with en dashes."""
    return text.replace("-", "\N{EN DASH}")


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _world(fake: FakeSlack) -> None:
    fake.add_user(TEAM_ID, "U1", name="ana", tz="Europe/Berlin")
    fake.add_user(TEAM_ID, "U2", name="dana", tz="America/Los_Angeles")
    fake.add_channel(TEAM_ID, "C1", name="general", members=["U1", "U2", "UBOT"])


def _command(live: LiveServer, fake: FakeSlack, name: str, text: str, *, user: str) -> str:
    """Run a slash command; return the text the person saw."""
    key = f"r{len(fake.response_url_posts())}-{user}"
    response = live.post_form(command_form(name, text, user_id=user, response_url=fake.response_url(key)))
    assert response.status_code == 200
    live.settle()
    posted = fake.response_url_posts(key)
    if posted:
        return _j(posted[-1])
    is_json = response.headers["content-type"].startswith("application/json")
    return _j(response.json()) if is_json else response.text


def _open_home(live: LiveServer, fake: FakeSlack, user: str) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.0"}
    # As Slack does: the event carries the Home view last published, if any.
    published = fake.home_view(user)
    if published is not None:
        event["view"] = published
    live.post_event(event_body(event))
    live.settle()
    return _home(fake, user)


def _home(fake: FakeSlack, user: str) -> dict[str, Any]:
    view = fake.home_view(user)
    assert view is not None
    assert_valid_view(view)
    return view


def _hours_section(home: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks from the *Your working hours* header to the divider after it."""
    blocks = home["blocks"]
    first = next(i for i, b in enumerate(blocks) if b["type"] == "header" and b["text"]["text"] == "Your working hours")
    last = next(i for i in range(first, len(blocks)) if blocks[i]["type"] == "divider")
    return list(blocks[first:last])


def _buttons(home: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The section's buttons, by (label, value)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for block in _hours_section(home):
        elements = block.get("elements", []) if block["type"] == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("type") == "button":
                found[(element["text"]["text"], element["value"])] = {**element, "block_id": block.get("block_id", "")}
    return found


def _interact(live: LiveServer, user: str, payload: dict[str, Any]) -> Any:
    base = {
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "token": "legacy",
        "trigger_id": trigger_id(),
    }
    response = live.post_form(urllib.parse.urlencode({"payload": json.dumps({**base, **payload})}))
    assert response.status_code == 200
    live.settle()
    return response.json() if response.content else None


def _press(live: LiveServer, fake: FakeSlack, user: str, home: dict[str, Any], action: dict[str, Any]) -> None:
    """`user` uses a control on their Home tab as it is shown."""
    element = {k: v for k, v in action.items() if k not in {"text", "style", "confirm"}}
    _interact(
        live,
        user,
        {
            "type": "block_actions",
            "container": {"type": "view", "view_id": home["id"]},
            "view": {"id": home["id"], "type": "home", "private_metadata": home["private_metadata"]},
            "actions": [{"action_ts": "1", **element}],
        },
    )


def _change_hours(live: LiveServer, fake: FakeSlack, user: str) -> dict[str, Any]:
    """Open Home, press *Change hours…*; return the modal that opened."""
    home = _open_home(live, fake, user)
    _press(live, fake, user, home, _buttons(home)[("Change hours…", "edit")])
    modal = fake.calls_to("views.open")[-1].params["view"]
    assert_valid_view(modal)
    return dict(modal)


def _submit(live: LiveServer, user: str, modal: dict[str, Any], changes: dict[str, dict[str, Any]]) -> Any:
    view = {
        "id": "VMODAL",
        "type": "modal",
        "callback_id": modal["callback_id"],
        "private_metadata": modal["private_metadata"],
        "hash": "h",
        "state": {"values": submitted_state(modal, changes)},
    }
    return _interact(live, user, {"type": "view_submission", "view": view})


def _days(*days: int) -> dict[str, Any]:
    return {"selected_options": [{"value": str(day)} for day in days]}


def _tick(deps: Deps, handoff: HandoffApp, clock: FixedClock, at: datetime) -> None:
    clock.instant = at
    run_tick(deps, handoff.processors)


def _dms_to(fake: FakeSlack, user: str) -> list[str]:
    """What Handoff told `user` in its DMs, one text (with the blocks) per message."""
    opened = {c.response["channel"]["id"] for c in fake.calls_to("conversations.open") if c.params["users"] == user}
    return [
        _j([c.params.get("text"), c.params.get("blocks")])
        for c in fake.calls_to("chat.postMessage")
        if c.params["channel"] in opened and c.response.get("ok")
    ]


def _pinged(fake: FakeSlack, user: str, text: str) -> bool:
    return any(text in dm for dm in _dms_to(fake, user))


def _other_workspace_has_its_own_hours_for_the_same_user_id(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        working_hours.set_hours(
            session=session,
            team_id=OTHER_TEAM,
            user_id="U2",
            start=time(5, 0),
            end=time(13, 0),
            days=frozenset({5, 6}),
            now=START,
        )
        off = TimeOff(first=date(2026, 4, 1), last=date(2026, 4, 2))
        working_hours.add_time_off(session=session, team_id=OTHER_TEAM, user_id="U2", off=off, now=START)


def test_home_shows_your_hours_where_the_zone_comes_from_time_off_and_the_next_start(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _other_workspace_has_its_own_hours_for_the_same_user_id(session_factory)
    _command(live, fake_slack, "/hours", "off 2026-03-09..2026-03-13", user="U2")
    home = _open_home(live, fake_slack, "U2")
    shown = _j(_hours_section(home))
    default = dashed("09:00-17:00, Mon-Fri")
    assert f"*Your hours (the workspace default):* {default}, America/Los_Angeles (from your Slack profile)." in shown
    assert "*Next start:* Mon 09:00 America/Los_Angeles (in 9 h)." in shown
    assert "*Time off:* 2026-03-09 to 2026-03-13" in shown
    # Another workspace's hours and time off for the same user id are not this person's here.
    assert "05:00" not in shown and "2026-04-01" not in shown
    assert set(_buttons(home)) == {("Cancel", "2026-03-09"), ("Change hours…", "edit")}


def test_saving_the_modal_changes_what_hours_shows_and_moves_a_held_ping(
    live: LiveServer,
    fake_slack: FakeSlack,
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
    session_factory: sessionmaker[Session],
) -> None:
    _world(fake_slack)
    _other_workspace_has_its_own_hours_for_the_same_user_id(session_factory)
    _command(live, fake_slack, "/later", "<@U2|dana> when you're up", user="U1")
    modal = _change_hours(live, fake_slack, "U2")
    assert modal["callback_id"] == FORM_CALLBACK
    answer = _submit(
        live,
        "U2",
        modal,
        {START_BLOCK: {"selected_time": "06:00"}, END_BLOCK: {"selected_time": "14:00"}},
    )
    assert answer is None, "the modal closes"
    shown = _j(_hours_section(_home(fake_slack, "U2")))
    assert "Saved. 1 ping waiting for you moved to your new start." in shown
    assert f"*Your hours:* {dashed('06:00-14:00, Mon-Fri')}, America/Los_Angeles (from your Slack profile)." in shown
    assert "*Next start:* Mon 06:00 America/Los_Angeles (in 6 h)." in shown
    assert ("Back to the default", "reset") in _buttons(_home(fake_slack, "U2"))
    assert f"*Your hours:* {dashed('06:00-14:00, Mon-Fri')}, America/Los_Angeles" in _command(
        live, fake_slack, "/hours", "", user="U2"
    )
    _tick(deps, handoff, clock, LA_SIX - timedelta(minutes=1))
    assert not _pinged(fake_slack, "U2", "when you're up")
    _tick(deps, handoff, clock, LA_SIX)
    assert _pinged(fake_slack, "U2", "when you're up")
    with session_factory() as session:
        other = session.get(WorkingHoursRow, (OTHER_TEAM, "U2"))
        assert other is not None and (other.start_minute, other.end_minute, other.days) == (300, 780, "5,6")


def test_hours_that_start_now_deliver_the_held_ping_right_after_saving(
    live: LiveServer, fake_slack: FakeSlack, session_factory: sessionmaker[Session]
) -> None:
    _world(fake_slack)
    _command(live, fake_slack, "/later", "<@U2|dana> night owl?", user="U1")
    assert _dms_to(fake_slack, "U2") == []
    modal = _change_hours(live, fake_slack, "U2")
    _submit(
        live,
        "U2",
        modal,
        {
            START_BLOCK: {"selected_time": "00:00"},
            END_BLOCK: {"selected_time": "08:00"},
            DAYS_BLOCK: _days(*range(7)),
        },
    )
    # No tick: the delivery runs after the modal's ack.
    assert _pinged(fake_slack, "U2", "night owl?")
    assert "within your working hours now" in _j(_hours_section(_home(fake_slack, "U2")))


def test_a_mistake_in_the_modal_is_shown_on_its_input_and_changes_nothing(
    live: LiveServer,
    fake_slack: FakeSlack,
    deps: Deps,
    handoff: HandoffApp,
    clock: FixedClock,
    session_factory: sessionmaker[Session],
) -> None:
    _world(fake_slack)
    _command(live, fake_slack, "/later", "<@U2|dana> when you're up", user="U1")
    modal = _change_hours(live, fake_slack, "U2")
    published = len(fake_slack.calls_to("views.publish"))
    mistakes: list[tuple[dict[str, dict[str, Any]], str, str]] = [
        ({ZONE_BLOCK: {"value": "Mars/Base"}}, ZONE_BLOCK, "I don't know the time zone “Mars/Base”"),
        ({END_BLOCK: {"selected_time": "06:00"}}, END_BLOCK, "can't start and end at 06:00"),
        ({DAYS_BLOCK: _days()}, DAYS_BLOCK, "Tick at least one working day"),
        (
            {OFF_FIRST_BLOCK: {"selected_date": "2026-03-10"}, OFF_LAST_BLOCK: {"selected_date": "2026-03-09"}},
            OFF_LAST_BLOCK,
            "on or after 2026-03-10",
        ),
    ]
    for changes, block, says in mistakes:
        # The rest of the form is changed too: none of it may be saved.
        answer = _submit(live, "U2", modal, {START_BLOCK: {"selected_time": "06:00"}, **changes})
        assert answer["response_action"] == "errors"
        assert list(answer["errors"]) == [block] and says in answer["errors"][block]
    assert len(fake_slack.calls_to("views.publish")) == published
    shown = _command(live, fake_slack, "/hours", "", user="U2")
    assert (
        f"(the workspace default):* {dashed('09:00-17:00, Mon-Fri')}, America/Los_Angeles (from your Slack profile)"
        in shown
    )
    assert "Time off" not in shown
    with session_factory() as session:
        assert session.scalars(select(WorkingHoursRow)).all() == []
        assert session.scalars(select(TimeOffRow)).all() == []
        assert [p.due_at for p in session.scalars(select(HeldPing))] == [LA_NINE]
    _tick(deps, handoff, clock, LA_SIX)
    assert not _pinged(fake_slack, "U2", "when you're up")
    _tick(deps, handoff, clock, LA_NINE)
    assert _pinged(fake_slack, "U2", "when you're up")


def test_time_off_and_a_zone_from_the_modal_then_cancel_and_back_to_the_default(
    live: LiveServer, fake_slack: FakeSlack
) -> None:
    _world(fake_slack)
    home = _open_home(live, fake_slack, "U2")
    # Dana narrowed her decisions first: the filter outlives every change below.
    _press(
        live,
        fake_slack,
        "U2",
        home,
        {
            "type": "static_select",
            "action_id": STATUS_FILTER_ACTION,
            "block_id": "home_filters",
            "selected_option": {"value": "proposed"},
        },
    )
    filtered = _home(fake_slack, "U2")["private_metadata"]
    assert '"proposed"' in filtered
    _press(
        live, fake_slack, "U2", _home(fake_slack, "U2"), _buttons(_home(fake_slack, "U2"))[("Change hours…", "edit")]
    )
    modal = fake_slack.calls_to("views.open")[-1].params["view"]
    # Saved untouched: nothing changes, and her hours still follow the workspace's default.
    _submit(live, "U2", modal, {})
    home = _home(fake_slack, "U2")
    assert "Nothing to change" in _j(_hours_section(home))
    assert "(the workspace default)" in _j(_hours_section(home))
    _submit(
        live,
        "U2",
        modal,
        {
            START_BLOCK: {"selected_time": "10:00"},
            END_BLOCK: {"selected_time": "18:00"},
            DAYS_BLOCK: _days(0, 1, 2, 3),
            ZONE_BLOCK: {"value": "europe/berlin"},
            OFF_FIRST_BLOCK: {"selected_date": "2026-03-02"},
            OFF_LAST_BLOCK: {"selected_date": "2026-03-06"},
        },
    )
    home = _home(fake_slack, "U2")
    shown = _j(_hours_section(home))
    assert "Saved. Enjoy the time off." in shown
    assert f"*Your hours:* {dashed('10:00-18:00, Mon-Thu')}, Europe/Berlin (you set it)." in shown
    assert "*Time off:* 2026-03-02 to 2026-03-06" in shown
    assert "*Next start:* Mon 9 Mar 10:00 Europe/Berlin" in shown
    assert home["private_metadata"] == filtered
    hours = _command(live, fake_slack, "/hours", "", user="U2")
    assert "Europe/Berlin (you set it)" in hours and "*Time off:* 2026-03-02 to 2026-03-06" in hours
    # The zone field shows her own zone next time.
    modal = _change_hours(live, fake_slack, "U2")
    zone = next(b for b in modal["blocks"] if b.get("block_id") == ZONE_BLOCK)
    assert zone["element"]["initial_value"] == "Europe/Berlin"
    _press(live, fake_slack, "U2", _home(fake_slack, "U2"), _buttons(_home(fake_slack, "U2"))[("Cancel", "2026-03-02")])
    home = _home(fake_slack, "U2")
    assert "Cancelled that time off." in _j(_hours_section(home))
    assert "*Time off:*" not in _j(_hours_section(home))
    assert "Time off" not in _command(live, fake_slack, "/hours", "", user="U2")
    _press(live, fake_slack, "U2", home, _buttons(home)[("Back to the default", "reset")])
    home = _home(fake_slack, "U2")
    shown = _j(_hours_section(home))
    assert "Back to the workspace's default hours." in shown
    assert (
        f"*Your hours (the workspace default):* {dashed('09:00-17:00, Mon-Fri')}, Europe/Berlin (you set it)." in shown
    )
    assert ("Back to the default", "reset") not in _buttons(home)
    assert home["private_metadata"] == filtered
