"""Handoff's Prometheus counters and histograms, made on first use in the process's registry.

Labels name kinds of things (a Slack method, a job kind, a refusal's reason), never a workspace,
a channel or a person: a scrape must not tell who uses Handoff, and identifiers would make the
series grow with every workspace. Under `handoff serve` the event worker is another process;
`PROMETHEUS_MULTIPROC_DIR` (set by serve before prometheus_client is first imported) makes both
write their values to files there, and `GET /metrics` adds them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from prometheus_client import Counter, Histogram

# Slack wants an acknowledgement within 3 s; the buckets are fine-grained where Handoff lives (ms).
ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0)
# A job is late by seconds when all is well, by minutes when Slack rate-limits, by hours when down.
LATENESS_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 4 * 3600.0, 24 * 3600.0)


@dataclass(frozen=True)
class Instruments:
    """Every instrument Handoff updates as it works (queue depths are read from the database at scrape)."""

    events_acknowledged: Counter
    events_refused: Counter
    ack_seconds: Histogram
    events_processed: Counter
    job_lateness_seconds: Histogram
    slack_calls: Counter
    tick_work: Counter
    catchups_delivered: Counter
    llm_calls: Counter
    llm_tokens: Counter
    llm_errors: Counter


@cache
def instruments() -> Instruments:
    """The process's instruments, registered once in prometheus_client's default registry."""
    return Instruments(
        events_acknowledged=Counter(
            "handoff_events_acknowledged", "Requests from Slack (events, commands, interactions) answered 2xx"
        ),
        events_refused=Counter(
            "handoff_events_refused", "Requests at /slack/events refused before Bolt, by reason", ["reason"]
        ),
        ack_seconds=Histogram(
            "handoff_ack_seconds", "Seconds from a Slack request's arrival to Handoff's answer", buckets=ACK_BUCKETS
        ),
        events_processed=Counter(
            "handoff_events_processed", "Stored events processed by the worker or the tick, by outcome", ["outcome"]
        ),
        job_lateness_seconds=Histogram(
            "handoff_job_lateness_seconds",
            "How late after its due time a job or stored event was claimed, by kind",
            ["kind"],
            buckets=LATENESS_BUCKETS,
        ),
        slack_calls=Counter(
            "handoff_slack_calls",
            "Slack Web API calls by method and outcome (ok, Slack's error, http_429…)",
            ["method", "outcome"],
        ),
        tick_work=Counter("handoff_tick_work", "What the tick did, by what (as `handoff tick` reports it)", ["what"]),
        catchups_delivered=Counter("handoff_catchups_delivered", "Morning catch-ups delivered by the tick"),
        llm_calls=Counter("handoff_llm_calls", "Calls to the LLM endpoint, by outcome (ok, error)", ["outcome"]),
        llm_tokens=Counter("handoff_llm_tokens", "Tokens the LLM endpoint reported, prompt or completion", ["kind"]),
        llm_errors=Counter("handoff_llm_errors", "Failed LLM calls, by error type", ["error"]),
    )
