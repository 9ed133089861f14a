"""The baseline for bench/ack_latency.py: a bare Bolt app with one no-op message listener.

Served by the same ASGI front and uvicorn settings as `handoff serve`, so the difference between
the two is exactly what Handoff adds before the ack (the inbox write, its middleware).
Run: python -m bench.bare_app PORT SLACK_API_URL
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import uvicorn
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import create_engine

from bot.server import SlackASGI

SIGNING_SECRET = "bench-signing-secret"


def main() -> None:
    port, api_url = int(sys.argv[1]), sys.argv[2]
    logging.basicConfig(level=logging.WARNING)
    app = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token="xoxb-test", base_url=api_url),
        token_verification_enabled=False,
    )

    @app.event("message")
    def noop(body: dict[str, Any]) -> None:
        del body

    engine = create_engine("sqlite://")
    uvicorn.run(SlackASGI(app=app, engine=engine), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
