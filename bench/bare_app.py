"""The baseline for bench/ack_latency.py: a bare Bolt app with one no-op message listener.

Served by the same ASGI front and uvicorn settings as `handoff serve`, so the difference between
the two is exactly what Handoff adds before the ack (the inbox write, its middleware).
Run: python -m bench.bare_app PORT SLACK_API_URL (uvicorn), or under gunicorn as
`bench.bare_app:wsgi_app()` with BARE_SLACK_API_URL set (see bench/server_choice.py).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import uvicorn
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import create_engine

from bot.request_gate import RequestGate
from bot.server import SlackASGI

SIGNING_SECRET = "bench-signing-secret"


def bare_app(api_url: str) -> App:
    """A Bolt app with one no-op message listener."""
    app = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token="xoxb-test", base_url=api_url),
        token_verification_enabled=False,
    )

    @app.event("message")
    def noop(body: dict[str, Any]) -> None:
        del body

    return app


def wsgi_app() -> Any:
    """The bare app behind Bolt's WSGI adapter, with /healthz, for gunicorn."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    handler = SlackRequestHandler(bare_app(os.environ["BARE_SLACK_API_URL"]))

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return application


def main() -> None:
    port, api_url = int(sys.argv[1]), sys.argv[2]
    logging.basicConfig(level=logging.WARNING)
    app = bare_app(api_url)
    engine = create_engine("sqlite://")
    # Events only: the gate checks signatures and shapes, and never needs the database for them.
    gate = RequestGate(signing_secret=SIGNING_SECRET, engine=engine)
    uvicorn.run(
        SlackASGI(app=app, engine=engine, gate=gate), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
