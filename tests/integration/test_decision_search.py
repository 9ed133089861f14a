"""`/decisions` over signed HTTP: full text on both databases, filters, paging, and who sees what."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from decisions.finder import MORE_ACTION
from store import decisions, people
from store.decisions import Details, NewDecision
from store.people import Profile
from tests.conftest import START
from tests.fakes.slack_api import FakeSlack
from tests.support import TEAM_ID, LiveServer, command_form, event_body, seed_channel

OTHER_TEAM = "T0002"


def _decide(
    factory: sessionmaker[Session],
    text: str,
    *,
    channel: str = "C1",
    author: str = "U1",
    team: str = TEAM_ID,
    when: datetime = START,
    tags: str = "",
    retract: bool = False,
) -> int:
    with factory.begin() as session:
        decision, _ = decisions.file(
            session=session,
            new=NewDecision(
                team_id=team, channel_id=channel, text=text, logged_by=author, author_id=author, source="command"
            ),
            now=when,
        )
        if tags:
            decisions.set_details(
                session=session, decision=decision, details=Details(tags=tags), actor_id=author, now=when
            )
        if retract:
            decisions.retract(session=session, decision=decision, actor_id=author, now=when)
        return decision.id


@pytest.fixture
def log(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """#general (everyone), #leads (private: U1), and another workspace with a channel of the same id."""
    with session_factory.begin() as session:
        for user in ("U1", "U2", "U3"):
            people.save_profile(session=session, profile=Profile(TEAM_ID, user, name=f"person{user[1:]}"), now=START)
        seed_channel(session, "C1", "general", ["U1", "U2", "U3", "UBOT"])
        seed_channel(session, "G1", "leads", ["U1", "UBOT"], private=True)
        seed_channel(session, "C1", "general", ["U9"], team_id=OTHER_TEAM)
    _decide(session_factory, "We are shipping the beta on Monday", when=START - timedelta(days=3), tags="release")
    _decide(
        session_factory, "Postgres is our only database", author="U2", when=START - timedelta(days=2), tags="infra,db"
    )
    _decide(session_factory, "Salary bands are shipping in January", channel="G1", when=START - timedelta(days=1))
    _decide(session_factory, "Shipping labels move to the new vendor", team=OTHER_TEAM)
    _decide(session_factory, "Shipping is paused", when=START - timedelta(days=4), retract=True)
    return session_factory


def _ask(live: LiveServer, text: str, *, user: str = "U2", channel: str = "C1") -> tuple[str, list[dict[str, Any]]]:
    response = live.post_form(command_form("/decisions", text, user_id=user, channel_id=channel))
    assert response.status_code == 200
    if response.headers["content-type"].startswith("application/json"):
        payload = response.json()
        return payload.get("text", ""), payload.get("blocks", [])
    return response.text, []


def _shown(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks)


def test_words_are_found_with_stemming_and_a_snippet(live: LiveServer, log: sessionmaker[Session]) -> None:
    _, blocks = _ask(live, "ship")
    shown = _shown(blocks)
    assert "beta on Monday" in shown
    assert "*shipping*" in shown.lower() or "*shipping" in shown.lower()


@pytest.mark.parametrize(
    "query", ["AND", '"unbalanced', "ship*", "-beta", "NEAR(ship", "(ship", ")))", '"', "OR OR", "ship AND"]
)
def test_any_query_text_is_a_valid_query(live: LiveServer, log: sessionmaker[Session], query: str) -> None:
    text, blocks = _ask(live, query)
    assert blocks, text
    assert "No decisions match" in _shown(blocks) or "<#C1>" in _shown(blocks)


def test_a_private_channels_decisions_reach_only_its_members(
    live: LiveServer, log: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    assert "Salary bands" not in _shown(_ask(live, "shipping", user="U2")[1])
    assert "Salary bands" in _shown(_ask(live, "shipping", user="U1")[1])
    # U1 leaves #leads: from then on they see nothing of it.
    fake_slack.add_user(TEAM_ID, "U1", name="person1")
    left = event_body(
        {"type": "member_left_channel", "user": "U1", "channel": "G1", "channel_type": "G", "team": TEAM_ID}
    )
    assert live.post_event(left).status_code == 200
    live.settle()
    assert "Salary bands" not in _shown(_ask(live, "shipping", user="U1")[1])
    assert "Salary bands" not in _shown(_ask(live, "in:#leads", user="U1")[1])


def test_another_workspaces_decisions_never_show(live: LiveServer, log: sessionmaker[Session]) -> None:
    assert "labels" not in _shown(_ask(live, "shipping", user="U1")[1])
    assert "labels" not in _shown(_ask(live, "", user="U1")[1])


def test_retracted_decisions_are_hidden_unless_asked_for(live: LiveServer, log: sessionmaker[Session]) -> None:
    assert "paused" not in _shown(_ask(live, "shipping")[1])
    shown = _shown(_ask(live, "shipping status:retracted")[1])
    assert "paused" in shown and "beta" not in shown and "_retracted_" in shown


def test_filters_narrow_the_results(live: LiveServer, log: sessionmaker[Session]) -> None:
    assert "Postgres" in _shown(_ask(live, "tag:infra")[1]) and "beta" not in _shown(_ask(live, "tag:infra")[1])
    by_author = _shown(_ask(live, "from:@person2")[1])
    assert "Postgres" in by_author and "beta" not in by_author
    since = (START - timedelta(days=2)).date().isoformat()
    recent = _shown(_ask(live, f"since:{since}")[1])
    assert "Postgres" in recent and "beta" not in recent
    older = _shown(_ask(live, f"before:{since}")[1])
    assert "beta" in older and "Postgres" not in older
    assert "beta" in _shown(_ask(live, "in:#general ship")[1])


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("colour:blue", "I don't know the filter `colour:`"),
        ("since:yesterday", "takes a date like since:2026-11-01"),
        ("in:#nowhere", "I don't know a channel called #nowhere"),
        ("from:@nobody", "I don't know anyone called @nobody"),
        ("status:maybe", "`status:` is one of"),
        ("tag:", "`tag:` needs a value"),
    ],
)
def test_a_bad_filter_says_how_to_fix_it(live: LiveServer, log: sessionmaker[Session], query: str, says: str) -> None:
    text, _ = _ask(live, query)
    assert says in text


def test_decisions_alone_lists_the_latest_in_this_channel(live: LiveServer, log: sessionmaker[Session]) -> None:
    shown = _shown(_ask(live, "", user="U1", channel="C1")[1])
    assert shown.index("Postgres") < shown.index("beta")
    assert "Salary" not in shown


def test_more_pages_through_the_results(live: LiveServer, log: sessionmaker[Session], fake_slack: FakeSlack) -> None:
    for index in range(11):
        _decide(log, f"Release train {index:02d}", when=START + timedelta(minutes=index))
    _, blocks = _ask(live, "release train")
    (more,) = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert more["action_id"] == MORE_ACTION
    assert sum(b["type"] == "section" for b in blocks) == 10
    live.click(fake_slack, "U2", MORE_ACTION, more["value"], response_key="more")
    (page,) = fake_slack.response_url_posts("more")
    assert page["replace_original"] is True
    assert sum(b["type"] == "section" for b in page["blocks"]) == 1
