"""The demo's Slack: a real `WebClient` whose Web API calls are answered locally, from the simulated world.

Every `WebClient` method funnels into `api_call`, so overriding it keeps Handoff's own calls
(`chat_postMessage`, `conversations_open`, `users_info`…) exactly as they are, and nothing leaves
the process. The desk answers with Slack's response shapes, records what Handoff posted, and
answers any method it does not know with an `ok: false` error, as Slack does for what it cannot do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web.slack_response import SlackResponse

from bot.clock import Clock
from demo.slack_objects import bot_user, conversation_object, user_object
from demo.world import BOT_ID, BOT_USER_ID, TEAM_ID, TEAM_NAME, TEAM_URL, Channel, Person
from store.slack_time import datetime_to_ts, ts_to_datetime

logger = logging.getLogger(__name__)

# Never dialled: the client answers every call itself. An unroutable name makes any slip loud.
OFFLINE_BASE_URL = "https://slack.invalid/api/"
# What Slack says when a method cannot be used here; Handoff's readers treat it as "cannot read this".
UNSUPPORTED = "method_not_supported_for_channel_type"

Args = dict[str, Any]


@dataclass(frozen=True)
class Posted:
    """A message Handoff posted (chat.postMessage), as Slack keeps it."""

    channel: str
    ts: str
    text: str
    blocks: tuple[dict[str, Any], ...] = ()
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None

    @property
    def at(self) -> datetime:
        return ts_to_datetime(self.ts)


@dataclass(frozen=True)
class Ephemeral:
    """A message only one person saw (chat.postEphemeral)."""

    channel: str
    user: str
    text: str
    at: datetime


@dataclass
class Desk:
    """The workspace as Slack knows it: people, channels, their messages, and what Handoff sent."""

    clock: Clock
    people: Sequence[Person]
    channels: Sequence[Channel]
    # Channel id → messages, oldest first: people's (added by the script) and Handoff's.
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    posted: list[Posted] = field(default_factory=list)
    ephemeral: list[Ephemeral] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    _last_micros: int = field(default=0, init=False)

    def answer(self, method: str, args: Args) -> dict[str, Any]:
        """Slack's JSON answer to one Web API call."""
        self.calls.append(method)
        handler = self._methods().get(method)
        if handler is None:
            logger.debug("the demo's Slack does not answer %s", method)
            self.unanswered.append(method)
            return {"ok": False, "error": UNSUPPORTED}
        return handler(args)

    def add_message(self, channel_id: str, message: dict[str, Any]) -> None:
        """A person's message, as Slack stores it (so history, replies and permalinks find it)."""
        self.history.setdefault(channel_id, []).append(dict(message))

    def next_ts(self) -> str:
        """A fresh `ts` at the clock's instant: unique, and increasing like Slack's."""
        micros = int(datetime_to_ts(self.clock.now()).replace(".", ""))
        self._last_micros = max(micros, self._last_micros + 1)
        return f"{self._last_micros // 1_000_000}.{self._last_micros % 1_000_000:06d}"

    def im_of(self, user_id: str) -> str:
        """The id of Handoff's direct message with someone."""
        return f"D{user_id.removeprefix('U')}"

    def dms_to(self, user_id: str) -> list[Posted]:
        """What Handoff posted in its direct message with someone, oldest first."""
        return [message for message in self.posted if message.channel == self.im_of(user_id)]

    def _methods(self) -> dict[str, Callable[[Args], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.getPermalink": self._permalink,
        }

    def _auth_test(self, args: Args) -> dict[str, Any]:
        return {
            "ok": True,
            "url": TEAM_URL,
            "team": TEAM_NAME,
            "user": "handoff",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _users_info(self, args: Args) -> dict[str, Any]:
        user_id = str(args.get("user") or "")
        if user_id == BOT_USER_ID:
            return {"ok": True, "user": bot_user()}
        found = next((p for p in self.people if p.user_id == user_id), None)
        if found is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user_object(found, self.clock.now())}

    def _users_list(self, args: Args) -> dict[str, Any]:
        members = [user_object(p, self.clock.now()) for p in self.people] + [bot_user()]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _channel(self, channel_id: str) -> Channel | None:
        return next((c for c in self.channels if c.channel_id == channel_id), None)

    def _conversations_info(self, args: Args) -> dict[str, Any]:
        channel_id = str(args.get("channel") or "")
        if channel_id.startswith("D"):
            return {"ok": True, "channel": {"id": channel_id, "is_im": True, "user": "U" + channel_id[1:]}}
        found = self._channel(channel_id)
        if found is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": conversation_object(found)}

    def _conversations_members(self, args: Args) -> dict[str, Any]:
        channel_id = str(args.get("channel") or "")
        if channel_id.startswith("D"):
            members = ["U" + channel_id[1:], BOT_USER_ID]
        elif (found := self._channel(channel_id)) is not None:
            members = list(found.members)
        else:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _conversations_open(self, args: Args) -> dict[str, Any]:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if len(users) != 1 or not any(p.user_id == users[0] for p in self.people):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": self.im_of(users[0])}}

    def _conversations_history(self, args: Args) -> dict[str, Any]:
        channel_id = str(args.get("channel") or "")
        # The channel's own timeline: thread replies live in conversations.replies.
        timeline = [m for m in self.history.get(channel_id, []) if m.get("thread_ts") in (None, m["ts"])]
        latest, oldest = args.get("latest"), args.get("oldest")
        inclusive = args.get("inclusive") in (True, 1, "1", "true")
        if latest is not None:
            timeline = [m for m in timeline if float(m["ts"]) < float(latest) or (inclusive and m["ts"] == latest)]
        if oldest is not None:
            timeline = [m for m in timeline if float(m["ts"]) > float(oldest) or (inclusive and m["ts"] == oldest)]
        limit = int(args.get("limit") or 100)
        return {"ok": True, "messages": list(reversed(timeline))[:limit], "has_more": False}

    def _conversations_replies(self, args: Args) -> dict[str, Any]:
        channel_id, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        thread = [m for m in self.history.get(channel_id, []) if m["ts"] == ts or m.get("thread_ts") == ts]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": thread, "has_more": False}

    def _post_message(self, args: Args) -> dict[str, Any]:
        channel_id = str(args.get("channel") or "")
        if not channel_id.startswith("D") and self._channel(channel_id) is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = self.next_ts()
        thread_ts = args.get("thread_ts")
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": str(args.get("text") or ""),
            "blocks": list(args.get("blocks") or []),
            **({"thread_ts": str(thread_ts)} if thread_ts else {}),
            **({"metadata": dict(args["metadata"])} if args.get("metadata") else {}),
        }
        self.history.setdefault(channel_id, []).append(message)
        self.posted.append(
            Posted(
                channel=channel_id,
                ts=ts,
                text=message["text"],
                blocks=tuple(message["blocks"]),
                metadata=message.get("metadata"),
                thread_ts=str(thread_ts) if thread_ts else None,
            )
        )
        return {"ok": True, "channel": channel_id, "ts": ts, "message": message}

    def _update(self, args: Args) -> dict[str, Any]:
        channel_id, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        for message in self.history.get(channel_id, []):
            if message["ts"] == ts:
                message.update(text=str(args.get("text") or ""), blocks=list(args.get("blocks") or []))
                return {"ok": True, "channel": channel_id, "ts": ts, "text": message["text"]}
        return {"ok": False, "error": "message_not_found"}

    def _post_ephemeral(self, args: Args) -> dict[str, Any]:
        channel_id, user_id = str(args.get("channel") or ""), str(args.get("user") or "")
        self.ephemeral.append(Ephemeral(channel_id, user_id, str(args.get("text") or ""), self.clock.now()))
        return {"ok": True, "message_ts": self.next_ts()}

    def _permalink(self, args: Args) -> dict[str, Any]:
        channel_id, ts = str(args.get("channel") or ""), str(args.get("message_ts") or "")
        if not any(m["ts"] == ts for m in self.history.get(channel_id, [])):
            return {"ok": False, "error": "message_not_found"}
        return {
            "ok": True,
            "channel": channel_id,
            "permalink": f"{TEAM_URL}archives/{channel_id}/p{ts.replace('.', '')}",
        }


class DeskClient(WebClient):
    """A `WebClient` that never dials: `api_call` asks the desk instead of Slack."""

    def __init__(self, desk: Desk) -> None:
        super().__init__(token="xoxb-demo", base_url=OFFLINE_BASE_URL)
        self.desk = desk

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> SlackResponse:
        """Ask the desk instead of Slack; every `WebClient` method comes through here."""
        args = {k: v for part in (params, data, json) if part for k, v in part.items() if v is not None}
        answer = self.desk.answer(api_method, args)
        response = SlackResponse(
            client=self,
            http_verb=http_verb,
            api_url=self.base_url + api_method,
            req_args={"params": args},
            data=answer,
            headers={},
            status_code=200,
        )
        # Raises SlackApiError for ok: false, exactly as for an answer from Slack (slack_sdk leaves it unannotated).
        response.validate()  # type: ignore[no-untyped-call]
        return response


class DeskClients:
    """`SlackClients` for the demo: every workspace is the simulated one."""

    def __init__(self, desk: Desk) -> None:
        self.client = DeskClient(desk)

    def for_team(self, team_id: str | None, enterprise_id: str | None = None) -> WebClient:
        return self.client
