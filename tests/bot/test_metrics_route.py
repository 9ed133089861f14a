"""`GET /metrics` over real HTTP: Prometheus's text format, counting what operators watch, naming nobody."""

from __future__ import annotations

from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.deps import Deps
from store.models import Job
from tests.fakes.slack_api import FakeSlack
from tests.support import BOT_USER_ID, TEAM_ID, LiveServer, event_body

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _scrape(live: LiveServer) -> tuple[Samples, str]:
    response = httpx.get(f"{live.base_url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples, response.text


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _message(ts: str) -> dict[str, object]:
    return {"type": "message", "channel": "C1", "user": "U1", "text": "shipping friday", "ts": ts, "event_ts": ts}


def test_requests_are_counted_acknowledged_or_refused_by_reason(live: LiveServer) -> None:
    before, _ = _scrape(live)
    assert live.post_event(event_body(_message("1700000000.000100"))).status_code == 200
    unsigned = httpx.post(f"{live.base_url}/slack/events", content=b"{}", timeout=10)
    assert unsigned.status_code == 401
    forged = live.post_event(event_body(_message("1700000000.000200")), headers={"X-Slack-Signature": "v0=00"})
    assert forged.status_code == 401
    after, text = _scrape(live)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("handoff_events_acknowledged_total") == 1
    assert grew("handoff_ack_seconds_count") == 1
    assert grew("handoff_events_refused_total", reason="unsigned") == 1
    assert grew("handoff_events_refused_total", reason="bad_signature") == 1
    # The stored event waits for the worker: the backlog says so, and how old it is.
    assert _value(after, "handoff_inbox_backlog") == 1
    assert _value(after, "handoff_inbox_oldest_unprocessed_seconds") >= 0
    # No workspace, channel, person or message in any label or value.
    for identifier in (TEAM_ID, "C1", "U1", BOT_USER_ID, "shipping"):
        assert identifier not in text


def test_processing_counts_the_event_and_the_slack_calls_it_made(live: LiveServer, fake_slack: FakeSlack) -> None:
    before, _ = _scrape(live)
    live.post_event(event_body(_message("1700000000.000300")))
    fake_slack.fail_next("conversations.info", status=429, retry_after=3)
    live.settle()
    after, _ = _scrape(live)
    processed = sum(
        value - before.get(key, 0.0) for key, value in after.items() if key[0] == "handoff_events_processed_total"
    )
    assert processed == 1
    calls = {key: value - before.get(key, 0.0) for key, value in after.items() if key[0] == "handoff_slack_calls_total"}
    assert any(value > 0 for value in calls.values()), "the processing's Slack calls are counted"
    methods = {dict(labels)["method"] for (_, labels), value in calls.items() if value > 0}
    assert all("." in method for method in methods), methods
    # Slack's 429 is counted as such, and the event waits for its retry in the backlog.
    assert calls[("handoff_slack_calls_total", (("method", "conversations.info"), ("outcome", "http_429")))] == 1
    assert _value(after, "handoff_inbox_backlog") == 1
    assert _value(after, "handoff_job_lateness_seconds_count", kind="event") > 0


def test_due_jobs_are_reported_by_kind_with_their_lateness(live: LiveServer, deps: Deps) -> None:
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        for minutes in (5, 2):
            session.add(
                Job(
                    kind="decision_review",
                    team_id=TEAM_ID,
                    key=f"k{minutes}",
                    created_at=now,
                    due_at=now - timedelta(minutes=minutes),
                )
            )
    samples, _ = _scrape(live)
    assert _value(samples, "handoff_jobs_due", kind="decision_review") == 2
    assert _value(samples, "handoff_jobs_late_seconds", kind="decision_review") == 300
